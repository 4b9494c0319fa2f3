/**
 * The MetricsSource a backtest's scalers read demand through: one workload's demand at the replay's
 * 15 s steps, handed over step by step as the replay reaches it (so the future is never there to be
 * read), answered for any query up to the replay's clock. A sample at time t
 * is the mean demand over the sampling interval before t, as Prometheus' `rate()` over that window
 * would read a counter of served requests, so the forecaster and the accuracy tracker see step
 * means exactly as they would from Prometheus (src/forecast/stepMeans.ts). Hand-written: it is the
 * bridge from the simulator's arrays to the port, nothing a library has.
 */
import type { Clock } from "../clock.js";
import type { InstantResult, Labels, MetricsSource, RangeSeries } from "../metrics/source.js";

const LABELS: Labels = { __name__: "demand" };

export class ReplayMetricsSource implements MetricsSource {
  readonly #startMs: number;
  readonly #stepMs: number;
  readonly #clock: Clock;
  /** prefix[i] = sum of the first i steps' demand (finite values; a gap counts as 0). */
  #prefix = new Float64Array(1024);
  #steps = 0;

  /** Step i of the demand is the mean over [startMs + i·stepMs, startMs + (i + 1)·stepMs). */
  constructor(options: { startMs: number; stepMs: number; clock: Clock }) {
    this.#startMs = options.startMs;
    this.#stepMs = options.stepMs;
    this.#clock = options.clock;
  }

  /** Take the steps of `history` (the demand so far, from the first step) not seen yet. */
  extend(history: ArrayLike<number>): void {
    if (history.length + 1 > this.#prefix.length) {
      const grown = new Float64Array(Math.max(2 * this.#prefix.length, history.length + 1));
      grown.set(this.#prefix.subarray(0, this.#steps + 1));
      this.#prefix = grown;
    }
    for (let i = this.#steps; i < history.length; i++) {
      const v = history[i] as number;
      this.#prefix[i + 1] = (this.#prefix[i] as number) + (Number.isFinite(v) ? v : 0);
    }
    this.#steps = Math.max(this.#steps, history.length);
  }

  /** Mean demand over [t − windowMs, t); NaN before the first step or when t is in the future. */
  #at(t: number, windowMs: number): number {
    if (t > this.#clock.now()) return Number.NaN;
    const to = Math.min(this.#steps, Math.floor((t - this.#startMs) / this.#stepMs));
    const from = Math.max(0, Math.ceil((t - windowMs - this.#startMs) / this.#stepMs));
    if (to <= from) return Number.NaN;
    return ((this.#prefix[to] as number) - (this.#prefix[from] as number)) / (to - from);
  }

  async instant(_query: string, at?: Date): Promise<InstantResult> {
    const t = at?.getTime() ?? this.#clock.now();
    const value = this.#at(t, 60_000);
    return { type: "vector", samples: Number.isNaN(value) ? [] : [{ labels: LABELS, value, timestamp: t }] };
  }

  async range(_query: string, start: Date, end: Date, stepSeconds: number): Promise<RangeSeries[]> {
    const stepMs = stepSeconds * 1000;
    const points: [number, number][] = [];
    const until = Math.min(end.getTime(), this.#clock.now());
    for (let t = start.getTime(); t <= until; t += stepMs) {
      const v = this.#at(t, stepMs);
      if (!Number.isNaN(v)) points.push([t, v]);
    }
    return points.length === 0 ? [] : [{ labels: LABELS, points }];
  }

  async series(): Promise<Labels[]> {
    return [LABELS];
  }
}
