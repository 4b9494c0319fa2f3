/**
 * One run of one forecast target: history (step means) → prepare → forecast → store. The
 * forecasting function, the preparation and the model set are dependencies, so the runner is tested
 * without the engine and the engine without I/O.
 *
 * Two kinds of run:
 * - `full`: every candidate model, backtested and selected by the engine.
 * - `update` (cheap, between retrains): the members the last full run chose, refitted on the newest
 *   data and served with that run's weights and calibration. Without a previous choice it is a full
 *   run; a previous forecast without its calibration (an older snapshot) gets the selected models
 *   refitted with a short backtest.
 */
import type { Clock } from "../clock.js";
import { formatDurationMs } from "../config/duration.js";
import { type CalibrationState, calibrationOf } from "./calibration.js";
import { applyTracker, initialTracker, type TrackerState, trackSteps } from "./coverageTracker.js";
import { MEDIAN, type Reuse } from "./engine.js";
import type { History, HistoryTarget } from "./history.js";
import { sortQuantilePaths } from "./intervals.js";
import {
  type ForecastStore,
  quantileKey,
  type RunKind,
  type StoredForecast,
  type TargetState,
} from "./store.js";
import type { ForecastResult, Model, Series } from "./types.js";

export interface ForecastTarget extends HistoryTarget {
  readonly horizonMs: number;
  readonly quantiles: readonly number[];
  /** Below this much history (ms) the target is not ready, whatever the models say. */
  readonly minHistoryMs?: number;
  /** Candidate model names; default every model the model factory gives. */
  readonly models?: readonly string[];
  /** The quantile decisions follow (its accuracy is reported); default the engine's. */
  readonly servedQuantile?: number;
  /** Horizon steps the reported accuracy covers (a scaler's planning window); default all. */
  readonly accuracySteps?: number;
}

/** The engine's answer (src/forecast/engine.ts `SeriesForecast`). */
export interface SeriesForecastLike {
  readonly forecast: ForecastResult;
  readonly model: string;
  readonly scores: Readonly<
    Record<
      string,
      {
        scaledPinball: number;
        coverage: number;
        mase: number;
        fitSeconds: number;
        ready: boolean;
        reason?: string;
      }
    >
  >;
  readonly calibration: Readonly<Record<string, number>>;
  readonly members?: readonly { readonly name: string; readonly weight: number }[];
  readonly calibrationState?: CalibrationState;
  readonly notReady?: { readonly reason: string; readonly needMoreSeconds: number };
  readonly servedBecause?: string;
}

export type ForecastFn = (
  series: Series,
  options: {
    models: Model[];
    horizonSteps: number;
    quantiles: number[];
    backtestWindows?: number;
    servedQuantile?: number;
    accuracySteps?: number;
    reuse?: Reuse;
    signal?: AbortSignal;
  },
) => Promise<SeriesForecastLike>;

export type PrepareFn = (
  points: readonly (readonly [number, number])[],
  options: { stepSeconds: number },
) => { series: Series; masked: { gaps: number; outagePoints: number } };

export interface RunnerDeps {
  readonly fetchHistory: (target: HistoryTarget, signal?: AbortSignal) => Promise<History>;
  readonly prepare: PrepareFn;
  readonly forecast: ForecastFn;
  /** The candidate models for a target (all of them; the runner filters by the target's `models`). */
  readonly models: (target: string) => Model[];
  readonly store: ForecastStore;
  readonly clock: Clock;
}

export interface RunOptions {
  readonly kind: RunKind;
  /** Steps computed beyond the horizon, so the served window [now, now + horizon] stays covered between runs. */
  readonly extraSteps?: number;
  /** Backtest windows of an update run (default 2). */
  readonly updateBacktestWindows?: number;
  readonly signal?: AbortSignal;
}

export class RunAbortedError extends Error {
  override readonly name = "RunAbortedError";
}

/** Run `target` once and record the outcome in the store (errors too, then rethrown). */
export async function runTarget(
  target: ForecastTarget,
  deps: RunnerDeps,
  options: RunOptions,
): Promise<TargetState> {
  const { store, clock } = deps;
  try {
    return await runOnce(target, deps, options);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    store.recordError(target.name, message, clock.now());
    throw err;
  }
}

async function runOnce(target: ForecastTarget, deps: RunnerDeps, options: RunOptions): Promise<TargetState> {
  const { store, clock, signal } = { ...deps, signal: options.signal };
  const history = await deps.fetchHistory(target, signal);
  checkAborted(target, signal);
  const prepared = deps.prepare(history.steps, { stepSeconds: target.stepSeconds });
  const series = prepared.series;
  const stepMs = target.stepSeconds * 1000;
  const coveredMs = countFinite(series.values) * stepMs;
  if (target.minHistoryMs !== undefined && coveredMs < target.minHistoryMs) {
    const needMoreSeconds = Math.ceil((target.minHistoryMs - coveredMs) / 1000);
    return store.recordNotReady(
      target.name,
      notReadyText(
        `has ${formatDurationMs(coveredMs)} of history, minHistory is ${formatDurationMs(target.minHistoryMs)}`,
        needMoreSeconds,
      ),
      needMoreSeconds,
      clock.now(),
    );
  }
  const candidates = deps.models(target.name);
  const all = candidates.filter((m) => !target.models || target.models.includes(m.name));
  if (all.length === 0) {
    throw new Error(
      `forecast target ${target.name}: none of the models ${JSON.stringify(target.models)} exists; known: ${candidates.map((m) => m.name).join(", ")}`,
    );
  }
  const before = store.get(target.name)?.forecast;
  const previous = selectedNames(before?.model);
  const selected = options.kind === "update" ? all.filter((m) => previous.includes(m.name)) : [];
  const cheap = selected.length > 0 && selected.length === previous.length;
  const horizonSteps = Math.ceil(target.horizonMs / stepMs) + (options.extraSteps ?? 0);
  const calibration = cheap ? calibrationOf(before?.calibrationState) : undefined;
  const reuse: Reuse | undefined =
    calibration && before?.members && calibration.horizonSteps === horizonSteps
      ? { members: before.members, calibration }
      : undefined;
  const result = await deps.forecast(series, {
    models: cheap ? selected : all,
    horizonSteps,
    quantiles: [...target.quantiles],
    ...(target.servedQuantile !== undefined ? { servedQuantile: target.servedQuantile } : {}),
    ...(target.accuracySteps !== undefined ? { accuracySteps: target.accuracySteps } : {}),
    ...(reuse ? { reuse } : cheap ? { backtestWindows: options.updateBacktestWindows ?? 2 } : {}),
    ...(signal ? { signal } : {}),
  });
  checkAborted(target, signal);
  if (result.notReady) {
    return store.recordNotReady(
      target.name,
      notReadyText(result.notReady.reason, result.notReady.needMoreSeconds),
      result.notReady.needMoreSeconds,
      clock.now(),
    );
  }
  const f = result.forecast;
  for (const q of target.quantiles)
    if (!f.quantiles.has(q))
      throw new Error(`forecast target ${target.name}: the engine returned no path for quantile ${q}`);
  const tracked = trackServed(target, before, history.steps, f);
  const quantiles: Record<string, number[]> = {};
  // Every path the engine served, the median it keeps them in order around included.
  for (const [q, path] of tracked.paths) quantiles[quantileKey(q)] = Array.from(path);
  const points = series.values.length;
  // A cheap update serves the full run's choice (among its own models only), for the full run's reason.
  const servedBecause = cheap ? (before?.servedBecause ?? result.servedBecause) : result.servedBecause;
  const stored: StoredForecast = {
    startMs: f.startMs,
    stepSeconds: f.stepSeconds,
    mean: Array.from(f.mean),
    quantiles,
    model: result.model,
    ...(servedBecause ? { servedBecause } : {}),
    // On a cheap update only the selected model was scored: keep the full run's other scores.
    scores: cheap ? { ...store.get(target.name)?.forecast?.scores, ...result.scores } : { ...result.scores },
    calibration: { ...result.calibration },
    ...(result.members ? { members: result.members.map((m) => ({ name: m.name, weight: m.weight })) } : {}),
    ...(result.calibrationState ? { calibrationState: result.calibrationState } : {}),
    ...(tracked.tracker ? { tracker: tracked.tracker } : {}),
    computedAtMs: clock.now(),
    kind: cheap ? "update" : "full",
    data: {
      startMs: series.startMs,
      endMs: series.startMs + Math.max(0, points - 1) * series.stepSeconds * 1000,
      points,
      masked: prepared.masked.gaps + prepared.masked.outagePoints,
    },
  };
  return store.recordForecast(target.name, stored, clock.now());
}

/**
 * The served quantile after live coverage tracking (coverageTracker.ts): the steps finished since the
 * previous forecast are compared with what it served for them, and the new path carries the offset.
 */
function trackServed(
  target: ForecastTarget,
  before: StoredForecast | undefined,
  steps: History["steps"],
  f: ForecastResult,
): { paths: ReadonlyMap<number, Float64Array>; tracker?: TrackerState } {
  const q = target.servedQuantile;
  const path = q === undefined ? undefined : f.quantiles.get(q);
  if (q === undefined || !path) return { paths: f.quantiles };
  const lastStep = steps.at(-1)?.[0] ?? f.startMs - f.stepSeconds * 1000;
  const previous = before?.tracker?.quantile === q ? before.tracker : initialTracker(q, lastStep);
  const servedBefore = before?.quantiles[quantileKey(q)];
  const medianBefore = before?.quantiles[quantileKey(MEDIAN)] ?? before?.mean;
  const tracker = trackSteps(
    previous,
    before && servedBefore && medianBefore
      ? {
          startMs: before.startMs,
          stepSeconds: before.stepSeconds,
          values: servedBefore,
          median: medianBefore,
          mean: before.mean,
        }
      : undefined,
    steps,
    target.accuracySteps ?? path.length,
  );
  const paths = new Map(f.quantiles);
  paths.set(q, applyTracker(path, f.mean, tracker));
  return { paths: sortQuantilePaths(paths), tracker };
}

/** "not ready: <reason>, needs 1d2h more history". */
export function notReadyText(reason: string, needMoreSeconds: number): string {
  const more =
    needMoreSeconds > 0 ? `, needs ${formatDurationMs(Math.ceil(needMoreSeconds) * 1000)} more history` : "";
  return `not ready: ${reason}${more}`;
}

/** The models behind a selection: `mstl` → [mstl], `ensemble(mstl,dsp)` → [mstl, dsp]. */
export function selectedNames(model: string | undefined): string[] {
  if (!model) return [];
  const m = /^ensemble\((.*)\)$/.exec(model);
  return m ? (m[1] as string).split(",").map((s) => s.trim()) : [model];
}

function checkAborted(target: ForecastTarget, signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new RunAbortedError(
      `forecast target ${target.name}: run abandoned (${signal.reason instanceof Error ? signal.reason.message : "aborted"})`,
    );
  }
}

function countFinite(values: Float64Array): number {
  let n = 0;
  for (const v of values) if (Number.isFinite(v)) n++;
  return n;
}
