/**
 * What the predictive policies share: their input series kept at a coarse step (5-minute means of
 * the 15 s samples, as a Prometheus recording rule would give), and a forecaster refitted at most
 * once per refit interval of simulated time (default 1 h) whose path is reused between refits.
 */
import type { Model, Series } from "../../forecast/types.js";

export const COARSE_STEP_SECONDS = 300;
export const DEFAULT_REFIT_MS = 3_600_000;

/** Means of consecutive blocks of fine samples. */
export class CoarseSeries {
  private values = new Float64Array(256);
  private length = 0;
  private sum = 0;
  private count = 0;
  readonly startMs: number;
  private readonly perBucket: number;

  constructor(startMs: number, fineStepMs: number) {
    this.startMs = startMs;
    this.perBucket = Math.max(1, Math.round((COARSE_STEP_SECONDS * 1000) / fineStepMs));
  }

  push(value: number): void {
    this.sum += value;
    if (++this.count < this.perBucket) return;
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = this.sum / this.count;
    this.sum = 0;
    this.count = 0;
  }

  series(): Series {
    return {
      startMs: this.startMs,
      stepSeconds: COARSE_STEP_SECONDS,
      values: this.values.slice(0, this.length),
    };
  }

  get buckets(): number {
    return this.length;
  }
}

/** A forecast path and when its first value applies. */
export interface Path {
  readonly startMs: number;
  readonly values: Float64Array;
}

export class Refitter {
  private lastFitMs = Number.NEGATIVE_INFINITY;
  private path: Path | undefined;
  /** Wall-clock ms spent in fit + forecast. */
  spentMs = 0;

  constructor(
    private readonly model: Model,
    private readonly refitMs: number,
    /** How far past the refit the path must reach (refit interval + look-ahead). */
    private readonly horizonMs: number,
  ) {}

  /** True when a refit is due at `nowMs` (the caller then awaits `refit`). */
  due(nowMs: number): boolean {
    return nowMs - this.lastFitMs >= this.refitMs;
  }

  async refit(nowMs: number, series: Series): Promise<void> {
    this.lastFitMs = nowMs;
    if (series.values.length === 0 || !this.model.readiness(series).ready) return;
    const started = performance.now();
    const fitted = await this.model.fit(series);
    const steps = Math.ceil(this.horizonMs / (series.stepSeconds * 1000)) + 1;
    const result = fitted.forecast(steps, []);
    this.path = { startMs: result.startMs, values: result.mean };
    this.spentMs += performance.now() - started;
  }

  /** Max of the path over [fromMs, toMs] (the bucket holding each end included); undefined before the first fit. */
  maxOver(fromMs: number, toMs: number): number | undefined {
    const p = this.path;
    if (p === undefined) return undefined;
    const stepMs = COARSE_STEP_SECONDS * 1000;
    const last = p.values.length - 1;
    const a = Math.min(last, Math.max(0, Math.floor((fromMs - p.startMs) / stepMs)));
    const b = Math.min(last, Math.max(a, Math.ceil((toMs - p.startMs) / stepMs)));
    let max = Number.NEGATIVE_INFINITY;
    for (let i = a; i <= b; i++) max = Math.max(max, p.values[i] as number);
    return max;
  }

  /** The path's value at `atMs` (linear between steps); undefined before the first fit. */
  at(atMs: number): number | undefined {
    const p = this.path;
    if (p === undefined) return undefined;
    const x = Math.min(p.values.length - 1, Math.max(0, (atMs - p.startMs) / (COARSE_STEP_SECONDS * 1000)));
    const i = Math.floor(x);
    const j = Math.min(p.values.length - 1, i + 1);
    return (p.values[i] as number) + ((p.values[j] as number) - (p.values[i] as number)) * (x - i);
  }
}
