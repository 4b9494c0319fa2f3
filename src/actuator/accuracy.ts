/**
 * Recent accuracy of a scaler's served forecast: for each step, the quantile value the forecast
 * gave for it *before* it happened, paired with the demand actually seen once it arrives. Feeds the
 * accuracy gate and `status.accuracy` (pinball loss at the quantile, coverage, under-prediction rate).
 */
import { underPredictionRate } from "./guardrails.js";

export interface AccuracySummary {
  /** Compared steps. */
  readonly steps: number;
  readonly pinball: number;
  readonly coverage: number;
  readonly underPredictionRate: number;
}

interface Pair {
  readonly atMs: number;
  readonly predicted: number;
  actual?: number;
}

export class AccuracyTracker {
  readonly #window: number;
  /** Pending and compared steps, oldest first. */
  #pairs: Pair[] = [];

  /** `window`: compared steps kept (default 24). */
  constructor(window = 24) {
    this.#window = window;
  }

  /** The forecast's value for a future step; the first prediction made for a step is kept. */
  predict(atMs: number, value: number): void {
    if (!Number.isFinite(value) || this.#pairs.some((p) => p.atMs === atMs)) return;
    this.#pairs.push({ atMs, predicted: value });
    this.#pairs.sort((a, b) => a.atMs - b.atMs);
  }

  /** Demand seen at step times; pairs them with earlier predictions. */
  observe(points: readonly (readonly [number, number])[]): void {
    const byTime = new Map(points.map(([t, v]) => [t, v]));
    for (const pair of this.#pairs) {
      if (pair.actual !== undefined) continue;
      const actual = byTime.get(pair.atMs);
      if (actual !== undefined && Number.isFinite(actual)) pair.actual = actual;
    }
    // Keep the newest `window` compared pairs and every pending one younger than them.
    const compared = this.#pairs.filter((p) => p.actual !== undefined);
    if (compared.length > this.#window) {
      const cutoff = (compared[compared.length - this.#window] as Pair).atMs;
      this.#pairs = this.#pairs.filter((p) => p.atMs >= cutoff);
    }
  }

  /** Drop predictions never matched and older than `beforeMs` (data that will not come). */
  expire(beforeMs: number): void {
    this.#pairs = this.#pairs.filter((p) => p.actual !== undefined || p.atMs >= beforeMs);
  }

  /** Actual and predicted values of the compared steps, oldest first. */
  compared(): { actuals: number[]; served: number[] } {
    const done = this.#pairs.filter((p) => p.actual !== undefined);
    return { actuals: done.map((p) => p.actual as number), served: done.map((p) => p.predicted) };
  }

  summary(quantile: number): AccuracySummary | undefined {
    const { actuals, served } = this.compared();
    if (actuals.length === 0) return undefined;
    let loss = 0;
    for (let i = 0; i < actuals.length; i++) {
      const diff = (actuals[i] as number) - (served[i] as number);
      loss += diff >= 0 ? quantile * diff : (quantile - 1) * diff;
    }
    const under = underPredictionRate(actuals, served);
    return {
      steps: actuals.length,
      pinball: loss / actuals.length,
      coverage: 1 - under,
      underPredictionRate: under,
    };
  }
}
