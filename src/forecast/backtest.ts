/**
 * Rolling-origin backtest (statsforecast's `cross_validation`): at each origin every model is given
 * only the data before it, forecasts `horizonSteps` ahead, and the forecast is kept beside what
 * actually happened. Expensive models are refit at most every `refitEverySteps` (one day of series
 * time by default); a model that declares its fits cheap (`Model.fitCost`) is refit at every origin.
 * Between refits a fitted model that can `update` (UpdatableFittedModel) is brought up to the
 * origin cheaply, and one that cannot forecasts from its last fit over the longer lead time, which
 * is what serving a stale model would do. Nothing depends on wall time, so the result is the same
 * on any machine, however loaded. A model that is not ready or throws at
 * an origin is recorded, and the fallback's forecast stands in for it.
 */
import { sortQuantilePaths } from "./intervals.js";
import type { FittedModel, ForecastResult, Model, Quantile, Series } from "./types.js";

const DAY_SECONDS = 86_400;

/** Optional capability of a fitted model: absorb newer observations without a full refit. */
export interface UpdatableFittedModel extends FittedModel {
  update(series: Series): FittedModel | Promise<FittedModel>;
}

export interface BacktestOptions {
  readonly horizonSteps: number;
  readonly quantiles: readonly Quantile[];
  /** Origin indices: the forecast starts at values[origin], fitting sees values[0..origin). */
  readonly origins?: readonly number[];
  /** Without `origins`: evaluate over this last fraction of the series (default 0.2)… */
  readonly testFraction?: number;
  /** …with an origin every this many steps (default horizonSteps). */
  readonly strideSteps?: number;
  /** Full refits of an expensive model at most this often (default one day of steps). */
  readonly refitEverySteps?: number;
  /** Give models at most this many of the most recent steps (default: all). */
  readonly maxTrainSteps?: number;
  /** Stands in where a model is not ready or fails (the seasonal-naive baseline). */
  readonly fallback?: Model;
  readonly onProgress?: (progress: BacktestProgress) => void;
  readonly signal?: AbortSignal;
}

export interface BacktestProgress {
  readonly model: string;
  readonly done: number;
  readonly total: number;
}

export interface BacktestWindow {
  readonly origin: number;
  readonly actual: Float64Array;
  readonly forecast: ForecastResult;
  /** Set when this is not the model's own forecast: why, and who stood in. */
  readonly fallback?: { readonly reason: string; readonly by: string };
  /** A full fit happened at this origin. */
  readonly refit: boolean;
}

export interface ModelBacktest {
  readonly name: string;
  readonly windows: BacktestWindow[];
  /** Wall time spent in fit/update, seconds. */
  fitSeconds: number;
  fits: number;
  /** Fits a wall-time safety cap cut short (FittedModel.stoppedByTime): these depend on the machine. */
  timeCapped: number;
  /** Origins where the model was not ready / threw. */
  notReady: number;
  failures: number;
}

export interface BacktestResult {
  readonly origins: readonly number[];
  readonly models: Map<string, ModelBacktest>;
}

/**
 * Origins for the last `testFraction` of `length` steps, one every `strideSteps`, each with a full
 * horizon of actuals; `warmupWindows` more before them (for selection and calibration to learn from,
 * not to be scored). `firstScored` is the index in `origins` of the first scored one.
 */
export function rollingOrigins(
  length: number,
  options: { horizonSteps: number; testFraction?: number; strideSteps?: number; warmupWindows?: number },
): { origins: number[]; firstScored: number } {
  const h = options.horizonSteps;
  const stride = options.strideSteps ?? h;
  const testStart = Math.max(1, length - Math.floor(length * (options.testFraction ?? 0.2)));
  const origins: number[] = [];
  for (let k = options.warmupWindows ?? 0; k >= 1; k--) {
    const o = testStart - k * stride;
    // Keep at least half the pre-test history for the earliest fit.
    if (o >= Math.ceil(testStart / 2)) origins.push(o);
  }
  const firstScored = origins.length;
  for (let o = testStart; o + h <= length; o += stride) origins.push(o);
  return { origins, firstScored };
}

export async function backtest(
  series: Series,
  models: readonly Model[],
  options: BacktestOptions,
): Promise<BacktestResult> {
  const h = options.horizonSteps;
  const n = series.values.length;
  const origins = [
    ...(options.origins ??
      rollingOrigins(n, {
        horizonSteps: h,
        testFraction: options.testFraction ?? 0.2,
        strideSteps: options.strideSteps ?? h,
      }).origins),
  ];
  for (const o of origins)
    if (!(Number.isInteger(o) && o >= 1 && o + h <= n))
      throw new RangeError(`backtest origin ${o} needs 1 ≤ origin and origin + ${h} ≤ ${n}`);
  const refitEvery = options.refitEverySteps ?? Math.max(1, Math.round(DAY_SECONDS / series.stepSeconds));
  const stepMs = series.stepSeconds * 1000;
  const fallbackCache = new Map<number, { forecast: ForecastResult; by: string }>();
  const result = new Map<string, ModelBacktest>();
  const train = (o: number): Series => {
    const from = options.maxTrainSteps ? Math.max(0, o - options.maxTrainSteps) : 0;
    return {
      startMs: series.startMs + from * stepMs,
      stepSeconds: series.stepSeconds,
      values: series.values.slice(from, o),
    };
  };
  const fallbackAt = async (o: number) => {
    let cached = fallbackCache.get(o);
    if (!cached) {
      cached = await standIn(train(o), h, options.quantiles, options.fallback);
      fallbackCache.set(o, cached);
    }
    return cached;
  };

  for (const model of models) {
    const record: ModelBacktest = {
      name: model.name,
      windows: [],
      fitSeconds: 0,
      fits: 0,
      timeCapped: 0,
      notReady: 0,
      failures: 0,
    };
    result.set(model.name, record);
    let fitted: FittedModel | undefined;
    let fittedEnd = 0;
    let lastFitOrigin = Number.NEGATIVE_INFINITY;
    const cheap = model.fitCost === "cheap";
    let long: ForecastResult | undefined;
    for (const [i, o] of origins.entries()) {
      options.signal?.throwIfAborted();
      const actual = series.values.slice(o, o + h);
      const history = train(o);
      let forecast: ForecastResult | undefined;
      let reason: string | undefined;
      let refit = false;
      try {
        const readiness = model.readiness(history);
        if (!readiness.ready) {
          reason = `not ready: ${readiness.reason}`;
          record.notReady++;
          dispose(fitted);
          fitted = undefined;
        } else {
          const due = !fitted || cheap || o - lastFitOrigin >= refitEvery;
          const started = performance.now();
          if (due) {
            dispose(fitted);
            fitted = await model.fit(history, options.signal ? { signal: options.signal } : {});
            lastFitOrigin = o;
            fittedEnd = o;
            long = undefined;
            refit = true;
            record.fits++;
            if (fitted.stoppedByTime) record.timeCapped++;
          } else if (fitted && isUpdatable(fitted)) {
            const updated = await fitted.update(history);
            if (updated !== fitted) dispose(fitted);
            fitted = updated;
            fittedEnd = o;
            long = undefined;
          }
          const seconds = (performance.now() - started) / 1000;
          record.fitSeconds += seconds;
          const current = fitted as FittedModel;
          if (o === fittedEnd) {
            forecast = current.forecast(h, options.quantiles);
          } else {
            // A stale fit: one long forecast per fit, sliced and level-corrected at each origin.
            if (!long || long.mean.length < o - fittedEnd + h)
              long = current.forecast(Math.max(o - fittedEnd, refitEvery) + h, options.quantiles);
            forecast = fromStale(long, fittedEnd, o, h, series);
          }
        }
      } catch (err) {
        if (options.signal?.aborted) throw err;
        reason = `failed: ${err instanceof Error ? err.message : String(err)}`;
        record.failures++;
        dispose(fitted);
        fitted = undefined;
      }
      if (forecast) {
        record.windows.push({ origin: o, actual, forecast, refit });
      } else {
        const stand = await fallbackAt(o);
        record.windows.push({
          origin: o,
          actual,
          forecast: stand.forecast,
          fallback: { reason: reason ?? "no forecast", by: stand.by },
          refit,
        });
      }
      options.onProgress?.({ model: model.name, done: i + 1, total: origins.length });
    }
    dispose(fitted);
  }
  return { origins, models: result };
}

/** Free what a fitted model holds outside the JS heap (the neural model's tensors), if anything. */
export function dispose(fitted: FittedModel | undefined): void {
  (fitted as { dispose?: () => void } | undefined)?.dispose?.();
}

function isUpdatable(fitted: FittedModel): fitted is UpdatableFittedModel {
  return typeof (fitted as Partial<UpdatableFittedModel>).update === "function";
}

/**
 * Forecast for [origin, origin + h) from `full`, the forecast of a model fitted on data ending at
 * `fittedEnd` < origin, over the longer lead time, level-corrected: every path is shifted
 * by its mean error over the last min(lead, h) observed steps, so a level shift since the fit does
 * not persist until the next refit (the standard error-correction "cheap update"), and the
 * quantiles keep the spread of the fit's first h steps.
 */
export function fromStale(
  full: ForecastResult,
  fittedEnd: number,
  origin: number,
  h: number,
  series: Series,
): ForecastResult {
  const lead = origin - fittedEnd;
  const m = Math.min(lead, h);
  let delta = 0;
  let n = 0;
  for (let i = origin - m; i < origin; i++) {
    const y = series.values[i] as number;
    const f = full.mean[i - fittedEnd] as number;
    if (Number.isFinite(y) && Number.isFinite(f)) {
      delta += y - f;
      n++;
    }
  }
  delta = n > 0 ? delta / n : 0;
  // The corrected mean is about as good as a fresh one, so the quantiles keep the spread around the
  // mean that the fit gave its first h steps, not the widened spread of the long lead.
  const mean = full.mean.slice(lead, lead + h).map((v) => v + delta);
  const paths = new Map<Quantile, Float64Array>();
  for (const [q, path] of full.quantiles) {
    paths.set(
      q,
      mean.map((v, t) => Math.max(0, v + (path[t] as number) - (full.mean[t] as number))),
    );
  }
  return {
    startMs: series.startMs + origin * series.stepSeconds * 1000,
    stepSeconds: full.stepSeconds,
    mean: mean.map((v) => Math.max(0, v)),
    quantiles: sortQuantilePaths(paths),
  };
}

/** The fallback's forecast, or, if it cannot give one, a flat path at the last finite value. */
async function standIn(
  history: Series,
  h: number,
  quantiles: readonly Quantile[],
  fallback: Model | undefined,
): Promise<{ forecast: ForecastResult; by: string }> {
  if (fallback) {
    try {
      if (fallback.readiness(history).ready) {
        return { forecast: (await fallback.fit(history)).forecast(h, quantiles), by: fallback.name };
      }
    } catch {
      // fall through to the flat path
    }
  }
  return { forecast: flatForecast(history, h, quantiles), by: "last_value" };
}

/** Every step and quantile at the last finite value (0 when there is none). */
export function flatForecast(history: Series, h: number, quantiles: readonly Quantile[]): ForecastResult {
  let last = 0;
  for (let i = history.values.length - 1; i >= 0; i--) {
    const v = history.values[i] as number;
    if (Number.isFinite(v)) {
      last = Math.max(0, v);
      break;
    }
  }
  const mean = new Float64Array(h).fill(last);
  const paths = new Map<Quantile, Float64Array>(quantiles.map((q) => [q, new Float64Array(h).fill(last)]));
  return {
    startMs: history.startMs + history.values.length * history.stepSeconds * 1000,
    stepSeconds: history.stepSeconds,
    mean,
    quantiles: sortQuantilePaths(paths),
  };
}
