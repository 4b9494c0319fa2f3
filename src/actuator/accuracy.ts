/**
 * Live accuracy of a scaler's served forecast, measured as the model backtest measures it
 * (forecast/calibration.ts `servedAccuracy`): the served quantile against step means of demand,
 * over the planning window. Each time the scaler plans, the steps of the forecast it plans on that
 * cover [now, now + lead time] — at most `planningSteps` steps after the forecast's first — are
 * recorded as predictions for those steps, one per (forecast origin, step): a forecast made from
 * data up to step o − 1 predicts steps o, o + 1, … exactly as a backtest window with origin o does.
 * When a step is over its mean demand is paired with every prediction made for it. Feeds the
 * accuracy gate and `status.accuracy` (pinball loss at the quantile, coverage, under-prediction rate).
 */
import { underPredictionRate } from "./guardrails.js";
import type { ForecastPath } from "./planner.js";

export interface AccuracySummary {
  /** Finished steps compared. */
  readonly steps: number;
  /** Compared (forecast, step) pairs: a step predicted by several forecasts counts once per forecast. */
  readonly forecasts: number;
  readonly pinball: number;
  readonly coverage: number;
  readonly underPredictionRate: number;
}

interface StepRecord {
  readonly atMs: number;
  /** Forecast origin (its first step's start) → the value it gave for this step. */
  readonly predicted: Map<number, number>;
  actual?: number;
}

export class AccuracyTracker {
  readonly #window: number;
  /** Steps with predictions, oldest first. */
  #steps: StepRecord[] = [];

  /** `window`: finished steps kept for comparison (default 24). */
  constructor(window = 24) {
    this.#window = window;
  }

  /**
   * The predictions of `path` the planner uses at `nowMs`: the steps covering [now, now + lead],
   * no more than `planningSteps − 1` steps after the path's first. A step already over is not
   * predicted any more.
   */
  record(path: ForecastPath, nowMs: number, leadMs: number, planningSteps: number): void {
    const stepMs = path.stepSeconds * 1000;
    const first = Math.max(0, Math.floor((nowMs - path.startMs) / stepMs));
    const last = Math.min(
      path.values.length - 1,
      planningSteps - 1,
      Math.floor((nowMs + leadMs - path.startMs) / stepMs),
    );
    for (let j = first; j <= last; j++) {
      const value = path.values[j] as number;
      if (!Number.isFinite(value)) continue;
      const atMs = path.startMs + j * stepMs;
      let step = this.#find(atMs);
      if (step?.actual !== undefined) continue;
      if (!step) {
        step = { atMs, predicted: new Map() };
        this.#insert(step);
      }
      step.predicted.set(path.startMs, value);
    }
  }

  /** Finished steps' mean demand ([step start, mean]); pairs them with the predictions made for them. */
  observe(steps: readonly (readonly [number, number])[]): void {
    if (this.#steps.length === 0) return;
    const oldest = (this.#steps[0] as StepRecord).atMs;
    // Only the newest steps can be new: walk back from the end until the records are behind.
    for (let i = steps.length - 1; i >= 0; i--) {
      const [t, v] = steps[i] as readonly [number, number];
      if (t < oldest) break;
      const step = this.#find(t);
      if (step && Number.isFinite(v)) step.actual = v;
    }
    const compared = this.#steps.filter((s) => s.actual !== undefined);
    if (compared.length > this.#window) {
      const cutoff = (compared[compared.length - this.#window] as StepRecord).atMs;
      this.#steps = this.#steps.filter((s) => s.atMs >= cutoff);
    }
  }

  /** Drop predictions never matched and older than `beforeMs` (data that will not come). */
  expire(beforeMs: number): void {
    this.#steps = this.#steps.filter((s) => s.actual !== undefined || s.atMs >= beforeMs);
  }

  /** Actual and predicted values of the compared pairs, oldest step first. */
  compared(): { actuals: number[]; served: number[] } {
    const actuals: number[] = [];
    const served: number[] = [];
    for (const s of this.#steps) {
      if (s.actual === undefined) continue;
      for (const v of s.predicted.values()) {
        actuals.push(s.actual);
        served.push(v);
      }
    }
    return { actuals, served };
  }

  /** Finished steps compared so far (at most the window). */
  comparedSteps(): number {
    return this.#steps.filter((s) => s.actual !== undefined).length;
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
      steps: this.comparedSteps(),
      forecasts: actuals.length,
      pinball: loss / actuals.length,
      coverage: 1 - under,
      underPredictionRate: under,
    };
  }

  #find(atMs: number): StepRecord | undefined {
    for (let i = this.#steps.length - 1; i >= 0; i--) {
      const s = this.#steps[i] as StepRecord;
      if (s.atMs === atMs) return s;
      if (s.atMs < atMs) return undefined;
    }
    return undefined;
  }

  #insert(step: StepRecord): void {
    let i = this.#steps.length;
    while (i > 0 && (this.#steps[i - 1] as StepRecord).atMs > step.atMs) i--;
    this.#steps.splice(i, 0, step);
  }
}
