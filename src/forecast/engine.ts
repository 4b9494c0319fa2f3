/**
 * What the product serves for one series ("foresight" in the benchmark): backtest every ready model
 * over the most recent windows, calibrate and score each (select.ts), keep the best model or a
 * weighted ensemble, refit the chosen ones on all the history and serve their calibrated forecast,
 * together with every candidate's scores. Models that are not ready are skipped with their reason;
 * when none is ready the answer says why and how much more history is needed.
 *
 * The median is always forecast and calibrated beside the requested quantiles, so the served paths
 * are kept in order around it (a calibrated q0.9 never lies below q0.5). A cheap update (`reuse`)
 * refits the members a full run chose on the newest data (or brings a model's last full fit forward
 * without training, Model.bringForward), and serves them with that run's weights and calibration: no backtest, so the offsets stay those measured on a full set of windows.
 */
import { backtest, dispose, type ModelBacktest } from "./backtest.js";
import {
  applyCalibration,
  type Calibration,
  type CalibrationState,
  calibrationRecord,
  calibrationState,
  MIN_PER_BUCKET,
  servedAccuracy,
} from "./calibration.js";
import { coveredSeconds } from "./models/fitHelpers.js";
import { addWindow, emptySums, finishScores, naiveScale } from "./scores.js";
import {
  type Candidate,
  combineForecasts,
  type Member,
  type Selection,
  selectModel,
  serveSelection,
} from "./select.js";
import { servedNote, type Waiting } from "./servedNote.js";
import type { ForecastResult, Model, Quantile, Series } from "./types.js";

/** The level always forecast beside the requested ones, so the served paths stay in order around it. */
export const MEDIAN = 0.5;

export interface ModelScore {
  /** Selection score as served: weighted mean scaled pinball, calibrated out of sample unless served raw (select.ts). */
  readonly scaledPinball: number;
  /**
   * Share of backtest outcomes at or below the served quantile, as it would be served: calibrated
   * (out of sample, leave one window out), over the accuracy horizon (the steps a scaler plans on).
   */
  readonly coverage: number;
  /** Mean pinball loss at the served quantile, in demand units, measured as `coverage` is. */
  readonly pinball?: number;
  readonly mase: number;
  readonly fitSeconds: number;
  readonly ready: boolean;
  readonly reason?: string;
}

export interface SeriesForecast {
  readonly forecast: ForecastResult;
  /** Selected model name, or `ensemble(a,b)`. */
  readonly model: string;
  readonly scores: Record<string, ModelScore>;
  /** Conformal offsets per quantile (calibration.ts). */
  readonly calibration: Record<string, number>;
  /** What a cheap update needs to serve the same choice: the members and their weights, and the offsets. */
  readonly members?: readonly Member[];
  readonly calibrationState?: CalibrationState;
  readonly notReady?: { readonly reason: string; readonly needMoreSeconds: number };
  /** Which model serves and why, for operators (servedNote.ts). */
  readonly servedBecause?: string;
}

/** A full run's choice, served again on newer data by a cheap update. */
export interface Reuse {
  readonly members: readonly Member[];
  readonly calibration: Calibration;
}

export interface ForecastSeriesOptions {
  /** Candidates, simplest first (registry.ts defaultModels). */
  readonly models: readonly Model[];
  readonly horizonSteps: number;
  readonly quantiles: readonly Quantile[];
  /** Backtest windows (one per horizon, most recent history) for selection and calibration; default 24. */
  readonly backtestWindows?: number;
  /** Stand-in for a model that fails in the backtest; default the `seasonal_naive` among `models`. */
  readonly fallback?: Model;
  /** Give models at most this many recent steps in the backtest (default: all). */
  readonly maxTrainSteps?: number;
  /** The quantile decisions follow, whose accuracy is reported (default 0.9 when asked for, else the highest). */
  readonly servedQuantile?: Quantile;
  /** Horizon steps the reported accuracy covers, from the first (default all): a scaler's planning window. */
  readonly accuracySteps?: number;
  /** Serve a full run's choice on this series instead of selecting again (a cheap update). */
  readonly reuse?: Reuse;
  readonly signal?: AbortSignal;
}

/** The level whose coverage is reported: 0.9 when served, else the highest. */
export function coverageLevel(quantiles: readonly Quantile[]): Quantile {
  return quantiles.includes(0.9) ? 0.9 : Math.max(...quantiles);
}

export async function forecastSeries(
  series: Series,
  options: ForecastSeriesOptions,
): Promise<SeriesForecast> {
  const h = options.horizonSteps;
  const requested = [...new Set(options.quantiles)].sort((a, b) => a - b);
  const quantiles = [...new Set([...requested, MEDIAN])].sort((a, b) => a - b);
  const served = options.servedQuantile ?? coverageLevel(requested);
  const accuracySteps = Math.max(1, Math.min(h, options.accuracySteps ?? h));
  if (options.reuse) return refresh(series, options, options.reuse, quantiles);
  const scores: Record<string, ModelScore> = {};
  const ready: Model[] = [];
  const haveSeconds = coveredSeconds(series);
  const waiting: Waiting[] = [];
  for (const model of options.models) {
    const readiness = model.readiness(series);
    if (readiness.ready) ready.push(model);
    else {
      scores[model.name] = notReadyScore(`not ready: ${readiness.reason}`);
      waiting.push({ name: model.name, needSeconds: haveSeconds + readiness.needMoreSeconds });
    }
  }
  if (ready.length === 0) {
    const simplest = options.models[0];
    const readiness = simplest?.readiness(series);
    return {
      forecast: emptyForecast(series, quantiles),
      model: "",
      scores,
      calibration: {},
      notReady:
        readiness && !readiness.ready
          ? { reason: readiness.reason, needMoreSeconds: readiness.needMoreSeconds }
          : { reason: "no forecasting models configured", needMoreSeconds: 0 },
    };
  }

  const n = series.values.length;
  const windows = options.backtestWindows ?? 24;
  const origins: number[] = [];
  for (let k = windows; k >= 1; k--) {
    const o = n - k * h;
    if (o >= Math.max(2, Math.ceil(n / 2))) origins.push(o);
  }
  // A young series' few windows cannot calibrate (fewer residuals than one calibration bucket needs):
  // a cold-start model (global) then serves as it is rather than a choice made on a handful of errors.
  if (origins.length < windows && origins.length * h < MIN_PER_BUCKET && ready.some((m) => m.coldStart))
    origins.length = 0;
  const fallback = options.fallback ?? options.models.find((m) => m.name === "seasonal_naive");
  const result =
    origins.length > 0
      ? await backtest(series, ready, {
          horizonSteps: h,
          quantiles,
          origins,
          ...(fallback ? { fallback } : {}),
          ...(options.maxTrainSteps ? { maxTrainSteps: options.maxTrainSteps } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        })
      : undefined;
  const scale = naiveScale(series.values.subarray(0, origins[0] ?? n), series.stepSeconds);
  const candidates: Candidate[] = ready.map((m) => ({
    name: m.name,
    windows: result?.models.get(m.name)?.windows ?? [],
  }));
  const selection =
    origins.length > 0
      ? selectModel(candidates, {
          quantiles,
          scoredQuantiles: requested,
          scale,
          coverageSteps: accuracySteps,
        })
      : undefined;
  const accuracyOf = (name: string) => {
    const windows = selection?.windows.get(name);
    return windows
      ? servedAccuracy(windows, quantiles, served, {
          steps: accuracySteps,
          calibrate: selection?.calibrated.get(name) !== false,
        })
      : undefined;
  };
  for (const m of ready) {
    const record = result?.models.get(m.name);
    scores[m.name] = record
      ? backtestScore(record, scale, selection?.scores.get(m.name) ?? Number.NaN, accuracyOf(m.name))
      : { ...notReadyScore(""), ready: true, reason: "too little history to backtest" };
  }
  if (selection && selection.members.length > 1) {
    // The served ensemble is scored like its members, so the page shows the accuracy of what is served.
    const accuracy = accuracyOf(selection.model);
    scores[selection.model] = {
      scaledPinball: selection.scores.get(selection.model) ?? Number.NaN,
      coverage: accuracy?.coverage ?? Number.NaN,
      ...(accuracy ? { pinball: accuracy.pinball } : {}),
      mase: Number.NaN,
      fitSeconds: selection.members.reduce((sum, m) => sum + (scores[m.name]?.fitSeconds ?? 0), 0),
      ready: true,
    };
  }

  // Refit the chosen models on all the history; if a member fails, fall back down the ranking.
  const order = rankedChoices(selection, ready);
  for (const choice of order) {
    try {
      const forecasts = new Map<string, ForecastResult>();
      for (const member of choice.members) {
        const model = ready.find((m) => m.name === member.name) as Model;
        const fitted = await model.fit(series, options.signal ? { signal: options.signal } : {});
        try {
          forecasts.set(member.name, fitted.forecast(h, quantiles));
        } finally {
          dispose(fitted);
        }
      }
      const forecast = choice.selection
        ? serveSelection(choice.selection, forecasts)
        : combineForecasts(choice.members, forecasts);
      return {
        forecast,
        model: choice.model,
        servedBecause: servedNote({
          served: labelOf(choice, ready),
          haveSeconds,
          backtested: choice.selection !== undefined || selection !== undefined,
          ...(choice.selection ? { why: choice.selection.why } : {}),
          waiting,
        }),
        scores,
        calibration: choice.selection ? calibrationRecord(choice.selection.calibration) : {},
        members: choice.members,
        ...(choice.selection ? { calibrationState: calibrationState(choice.selection.calibration) } : {}),
      };
    } catch (err) {
      if (options.signal?.aborted) throw err;
      const score = scores[choice.model];
      if (score) scores[choice.model] = { ...score, reason: `final fit failed: ${(err as Error).message}` };
    }
  }
  const simplest = ready[0] as Model;
  return {
    forecast: emptyForecast(series, quantiles),
    model: "",
    scores,
    calibration: {},
    notReady: { reason: `every ready model failed to fit (first: ${simplest.name})`, needMoreSeconds: 0 },
  };
}

interface Choice {
  readonly model: string;
  readonly members: Selection["members"];
  readonly selection?: Selection;
}

/** `global (pretrained)`: a single model with its weights' variant, else the choice's name. */
function labelOf(choice: Choice, ready: readonly Model[]): string {
  const variant =
    choice.members.length === 1 ? ready.find((m) => m.name === choice.model)?.variant : undefined;
  return variant ? `${choice.model} (${variant})` : choice.model;
}

/**
 * The selection first, then each single ready model by score (calibrated with its own offsets).
 * Without a backtest (too little history), cold-start models (`global`) first, then the rest in order.
 */
function rankedChoices(selection: Selection | undefined, ready: readonly Model[]): Choice[] {
  if (!selection)
    return [...ready.filter((m) => m.coldStart), ...ready.filter((m) => !m.coldStart)].map((m) => ({
      model: m.name,
      members: [{ name: m.name, weight: 1 }],
    }));
  const singles = ready
    .filter((m) => m.name !== selection.model)
    .sort((a, b) => (selection.scores.get(a.name) ?? Infinity) - (selection.scores.get(b.name) ?? Infinity))
    .map((m) => ({ model: m.name, members: [{ name: m.name, weight: 1 }] }));
  return [{ model: selection.model, members: selection.members, selection }, ...singles];
}

/** The members a full run chose, refitted on `series`, combined and calibrated as that run did. */
async function refresh(
  series: Series,
  options: ForecastSeriesOptions,
  reuse: Reuse,
  quantiles: readonly Quantile[],
): Promise<SeriesForecast> {
  const forecasts = new Map<string, ForecastResult>();
  for (const member of reuse.members) {
    const model = options.models.find((m) => m.name === member.name);
    if (!model) throw new RangeError(`cannot update: model ${member.name} is not among the candidates`);
    const readiness = model.readiness(series);
    if (!readiness.ready)
      throw new RangeError(`cannot update: ${member.name} is not ready: ${readiness.reason}`);
    // The last full fit brought forward where the model keeps one (no training), else a fit.
    const fitted =
      (await model.bringForward?.(series)) ??
      (await model.fit(series, options.signal ? { signal: options.signal } : {}));
    try {
      forecasts.set(member.name, fitted.forecast(options.horizonSteps, quantiles));
    } finally {
      dispose(fitted);
    }
  }
  const forecast = applyCalibration(combineForecasts(reuse.members, forecasts), reuse.calibration);
  return {
    forecast,
    model:
      reuse.members.length === 1
        ? (reuse.members[0] as Member).name
        : `ensemble(${reuse.members.map((m) => m.name).join(",")})`,
    scores: {},
    calibration: calibrationRecord(reuse.calibration),
    members: reuse.members,
    calibrationState: calibrationState(reuse.calibration),
  };
}

function backtestScore(
  record: ModelBacktest,
  scale: number,
  selectionScore: number,
  accuracy: { readonly coverage: number; readonly pinball: number } | undefined,
): ModelScore {
  const sums = emptySums();
  for (const w of record.windows) addWindow(sums, w.actual, w.forecast.mean, w.forecast.quantiles);
  const s = finishScores(sums, scale);
  const fallbacks = record.windows.filter((w) => w.fallback);
  const lastFallback = fallbacks.at(-1)?.fallback;
  return {
    scaledPinball: selectionScore,
    coverage: accuracy?.coverage ?? Number.NaN,
    ...(accuracy ? { pinball: accuracy.pinball } : {}),
    mase: s.mase,
    fitSeconds: record.fitSeconds,
    ready: true,
    ...(lastFallback
      ? {
          reason: `${fallbacks.length} of ${record.windows.length} backtest windows by ${lastFallback.by} (${lastFallback.reason})`,
        }
      : {}),
  };
}

function notReadyScore(reason: string): ModelScore {
  return {
    scaledPinball: Number.NaN,
    coverage: Number.NaN,
    mase: Number.NaN,
    fitSeconds: 0,
    ready: false,
    reason,
  };
}

function emptyForecast(series: Series, quantiles: readonly Quantile[]): ForecastResult {
  return {
    startMs: series.startMs + series.values.length * series.stepSeconds * 1000,
    stepSeconds: series.stepSeconds,
    mean: new Float64Array(0),
    quantiles: new Map(quantiles.map((q) => [q, new Float64Array(0)])),
  };
}
