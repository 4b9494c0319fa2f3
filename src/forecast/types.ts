/**
 * Contracts of the forecasting engine. Every model, from naive to the neural one, has the same face
 * (Nixtla statsforecast's): hyperparameters at construction, `fit(series)` returning a fitted
 * model, `forecast(horizonSteps, quantiles)` returning a mean path and one path per quantile.
 * Everything here is pure data; time comes from the series, never from the wall clock.
 */

/** A regularly sampled series. Missing or masked points are NaN (never 0). */
export interface Series {
  /** Unix ms of values[0]. */
  readonly startMs: number;
  readonly stepSeconds: number;
  readonly values: Float64Array;
}

/** Quantile levels, e.g. 0.1, 0.5, 0.9 (strictly between 0 and 1). */
export type Quantile = number;

export interface ForecastResult {
  /** Unix ms of the first forecast step (one step after the last observed point). */
  readonly startMs: number;
  readonly stepSeconds: number;
  /** Point forecast, one value per horizon step. */
  readonly mean: Float64Array;
  /** One path per requested quantile, each as long as `mean`, non-decreasing across quantiles at every step. */
  readonly quantiles: ReadonlyMap<Quantile, Float64Array>;
}

export type Readiness =
  | { readonly ready: true }
  | {
      readonly ready: false;
      /** Why, in words an operator understands: "needs 2 days of history for a daily pattern". */
      readonly reason: string;
      /** How much more history (seconds) is needed before the model is ready. */
      readonly needMoreSeconds: number;
    };

export interface FitOptions {
  readonly signal?: AbortSignal;
}

export interface FittedModel {
  readonly name: string;
  /**
   * True when a wall-time safety cap ended the fit (the neural model's `maxTrainSeconds`): the fit
   * then depends on how fast the machine was, and a benchmark says so.
   */
  readonly stoppedByTime?: boolean;
  forecast(horizonSteps: number, quantiles: readonly Quantile[]): ForecastResult;
}

export interface Model {
  /** Unique, stable name used in configs, scores and the benchmark JSON (`seasonal_naive`). */
  readonly name: string;
  /**
   * `cheap`: a fit costs a few milliseconds, so a backtest refits it at every origin; otherwise
   * (the default) a backtest refits it once per day of series time and brings the fit forward in
   * between. Declared by the model, never measured, so a backtest gives the same result on any machine.
   */
  readonly fitCost?: "cheap" | "expensive";
  /**
   * Served first when the history is too short to backtest (a cold start): a model trained on other
   * series (`global`) forecasts better from an hour of history than the last value repeated.
   */
  readonly coldStart?: boolean;
  /** Which weights serve, for status text (`pretrained`, `fine-tuned`); shown as `global (pretrained)`. */
  readonly variant?: string;
  /** Whether `series` is long and dense enough for this model. */
  readiness(series: Series): Readiness;
  fit(series: Series, options?: FitOptions): Promise<FittedModel>;
  /**
   * Optional: the model's last full fit brought up to `series` without training, or undefined when
   * there is none to bring forward (then the caller fits). Cheap updates use it, so a model whose fit
   * takes seconds (a per-target network) costs milliseconds between full runs.
   */
  bringForward?(series: Series): Promise<FittedModel | undefined>;
}

export class ForecastError extends Error {
  override readonly name = "ForecastError";
}
