/**
 * Demand over time from a trace, linearly interpolated between points and clamped at both ends.
 * Hand-written: a piecewise-linear lookup with a cursor so that sequential reads (the simulator walks
 * time forward) cost O(1) amortised instead of a binary search per step.
 */
import type { Trace } from "../../forecast/traces.js";

/** The simulation step (the HPA sync period). */
export const SIM_STEP_MS = 15_000;

export class TraceDemand {
  private readonly times: Float64Array;
  private readonly values: Float64Array;
  /** Index of the segment start used by the last lookup (sequential reads reuse it). */
  private cursor = 0;

  /**
   * @param points [unix ms, value] sorted by time, as `Trace.points`; NaN values (gaps) are skipped so
   *   the gap is bridged linearly.
   */
  constructor(points: readonly (readonly [number, number])[]) {
    const kept = points.filter((p) => Number.isFinite(p[1]));
    if (kept.length === 0)
      throw new RangeError("TraceDemand: the trace has no numeric values; check the CSV's value column");
    this.times = Float64Array.from(kept, (p) => p[0]);
    this.values = Float64Array.from(kept, (p) => p[1]);
    for (let i = 1; i < this.times.length; i++)
      if ((this.times[i] as number) <= (this.times[i - 1] as number))
        throw new RangeError(`TraceDemand: timestamps must increase; point ${i} is not after point ${i - 1}`);
  }

  static fromTrace(trace: Trace): TraceDemand {
    return new TraceDemand(trace.points);
  }

  /** Points given in unix seconds, as they appear in the CSV. */
  static fromSeconds(points: readonly (readonly [number, number])[]): TraceDemand {
    return new TraceDemand(points.map(([t, v]) => [t * 1000, v] as const));
  }

  get startMs(): number {
    return this.times[0] as number;
  }

  get endMs(): number {
    return this.times[this.times.length - 1] as number;
  }

  /** Demand at `ms`: linear between neighbouring points, the first/last value outside the trace. */
  at(ms: number): number {
    const t = this.times;
    const n = t.length;
    if (ms <= (t[0] as number)) return this.values[0] as number;
    if (ms >= (t[n - 1] as number)) return this.values[n - 1] as number;
    let i = this.cursor;
    if (ms < (t[i] as number) || ms >= (t[i + 1] as number)) i = this.seek(ms);
    this.cursor = i;
    const t0 = t[i] as number;
    const t1 = t[i + 1] as number;
    const v0 = this.values[i] as number;
    const v1 = this.values[i + 1] as number;
    return v0 + ((v1 - v0) * (ms - t0)) / (t1 - t0);
  }

  /** Largest i with times[i] ≤ ms < times[i+1]; ms must be strictly inside the trace. */
  private seek(ms: number): number {
    const t = this.times;
    // Sequential reads usually land one segment further on.
    const next = this.cursor + 1;
    if (next + 1 < t.length && ms >= (t[next] as number) && ms < (t[next + 1] as number)) return next;
    let lo = 0;
    let hi = t.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if ((t[mid] as number) <= ms) lo = mid;
      else hi = mid;
    }
    return lo;
  }
}

/** Demand at `startMs + i·stepMs` for every step in [startMs, endMs). */
export function resample(
  demand: TraceDemand,
  startMs: number,
  endMs: number,
  stepMs = SIM_STEP_MS,
): Float64Array {
  if (!(stepMs > 0)) throw new RangeError(`resample: step ${stepMs} ms must be positive`);
  const n = Math.max(0, Math.ceil((endMs - startMs) / stepMs));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = demand.at(startMs + i * stepMs);
  return out;
}

/** Resample the whole trace at the simulation step, starting at its first point. */
export function resampleTrace(demand: TraceDemand, stepMs = SIM_STEP_MS): Float64Array {
  return resample(demand, demand.startMs, demand.endMs + 1, stepMs);
}
