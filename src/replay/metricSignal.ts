/**
 * The utilization an HPA reads lags demand: Prometheus scrapes every 15 s, a recording rule or
 * `rate()` averages over a window (1 min), and the newest sample the adapter serves is one scrape
 * old. Modelled as the mean of `window` per-step samples, the newest `delay` steps before the step
 * being decided (at least one: a step's own load is measured over the step, after its decision).
 */

export interface MetricLag {
  /** Age of the newest sample the HPA sees (default 15 s: one scrape). */
  readonly scrapeMs?: number;
  /** Averaging window (default 60 s). */
  readonly windowMs?: number;
}

/** Utilization (% of saturation) of pods serving `demand` on `ready` replicas, saturating at 100 %. */
export function utilizationPercent(demand: number, ready: number, saturationPerReplica: number): number {
  if (ready <= 0) return demand > 0 ? 100 : 0;
  return Math.min(100, (100 * demand) / (ready * saturationPerReplica));
}

export class LaggedSignal {
  private readonly ring: Float64Array;
  private pushed = 0;
  readonly delaySteps: number;
  readonly windowSteps: number;
  readonly windowMs: number;

  constructor(stepMs: number, lag: MetricLag = {}) {
    this.delaySteps = Math.max(1, Math.round((lag.scrapeMs ?? 15_000) / stepMs));
    this.windowSteps = Math.max(1, Math.round((lag.windowMs ?? 60_000) / stepMs));
    this.windowMs = this.windowSteps * stepMs;
    this.ring = new Float64Array(this.delaySteps + this.windowSteps);
  }

  push(sample: number): void {
    this.ring[this.pushed % this.ring.length] = sample;
    this.pushed++;
  }

  /**
   * What the HPA reads at the step after the last push: the mean of the window whose newest sample is
   * `delaySteps` steps old; before any sample is that old, the first one (0 if none).
   */
  value(): number {
    const newest = this.pushed - this.delaySteps;
    if (this.pushed === 0) return 0;
    if (newest < 0) return this.ring[0] as number;
    const oldest = Math.max(0, newest - this.windowSteps + 1);
    let sum = 0;
    for (let i = oldest; i <= newest; i++) sum += this.ring[i % this.ring.length] as number;
    return sum / (newest - oldest + 1);
  }
}
