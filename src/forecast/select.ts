/**
 * Per-series model choice from backtest windows. Each candidate is scored by a weighted mean scaled
 * pinball over the served quantiles: the 0.9 quantile weighs as much as all the others together,
 * because scaling decisions follow it (HPAs are pointed at `foresight_forecast{quantile="0.9"}`)
 * while the rest of the distribution still matters for operators. A candidate is scored as it would
 * be served: conformally calibrated, out of sample (each window under the offsets fitted on the
 * others, calibration.ts leaveOneOutCalibrated), so a calibration's fit to its own residuals does not
 * flatter it; and raw. Calibration stays off only where the raw forecast scores lower by a margin and
 * is already calibrated by itself (every scored level's coverage within `rawCoverageTolerance` of the
 * level): on a few windows a raw forecast can score lower while covering 75% at 0.9, and serving that
 * would make the band operators read untrue. The best single model wins unless an inverse-loss
 * weighted average of the top 2 or 3 (quantile averaging per step), scored the same way, is lower by
 * a margin. So the served forecast never scores worse on the windows than its best single candidate
 * as served, and the choice, every candidate's score and why (`why`) are returned for operators.
 */
import {
  applyCalibration,
  type Calibration,
  type CalibrationWindow,
  empiricalCoverage,
  fitCalibration,
  leaveOneOutCalibrated,
} from "./calibration.js";
import { sortQuantilePaths } from "./intervals.js";
import { pinball } from "./stats.js";
import type { ForecastResult, Quantile } from "./types.js";

export interface Candidate {
  readonly name: string;
  readonly windows: readonly CalibrationWindow[];
}

export interface Member {
  readonly name: string;
  readonly weight: number;
}

export interface Selection {
  /** The chosen model's name, or `ensemble(a,b)`. */
  readonly model: string;
  readonly members: readonly Member[];
  /** Weighted scaled pinball per candidate (and ensemble tried) as it would be served; lower is better. */
  readonly scores: ReadonlyMap<string, number>;
  /** Per candidate and ensemble tried: whether it is served calibrated (false: served as its model made it). */
  readonly calibrated: ReadonlyMap<string, boolean>;
  /** What the choice serves with: the offsets fitted on all its windows, or zero offsets when served raw. */
  readonly calibration: Calibration;
  /** The backtest windows (uncalibrated) of every candidate and ensemble tried, by name. */
  readonly windows: ReadonlyMap<string, readonly CalibrationWindow[]>;
  /** Why this choice, in words for the model table. */
  readonly why: string;
}

export interface SelectOptions {
  /** Every quantile the forecasts carry (all are calibrated). */
  readonly quantiles: readonly Quantile[];
  /** The ones the score weighs (default `quantiles`): the median computed only to keep paths in order is not. */
  readonly scoredQuantiles?: readonly Quantile[];
  /** Divides pinball losses (seasonal-naive in-sample MAE, scores.ts naiveScale). */
  readonly scale: number;
  /** Largest ensemble to try (default 3; 1 disables ensembles). */
  readonly maxEnsemble?: number;
  /** An ensemble must beat the best single model by this factor (default 0.99) to be chosen. */
  readonly ensembleMargin?: number;
  /** Most horizon buckets of the calibration (default: as many as the residuals allow). */
  readonly calibrationBuckets?: number;
  /**
   * A forecast is served uncalibrated only if every scored level's raw coverage on the windows is
   * within this of the level (default 0.05: 0.85–0.95 at 0.9) and it scores below `rawMargin` × its
   * calibrated score (default 0.99).
   */
  readonly rawCoverageTolerance?: number;
  readonly rawMargin?: number;
  /** Steps of each window the raw coverage is measured on (default all): the accuracy the user sees. */
  readonly coverageSteps?: number;
}

/** Weight of each level in the selection score: 0.9 as much as all the others together. */
export function quantileWeights(quantiles: readonly Quantile[]): Map<Quantile, number> {
  const others = quantiles.filter((q) => q !== 0.9).length;
  return new Map(quantiles.map((q) => [q, q === 0.9 ? Math.max(1, others) : 1]));
}

/** Weighted mean scaled pinball of `windows` (already calibrated), NaN when nothing is scored. */
export function weightedScaledPinball(
  windows: readonly CalibrationWindow[],
  weights: ReadonlyMap<Quantile, number>,
  scale: number,
): number {
  let loss = 0;
  let n = 0;
  let totalWeight = 0;
  for (const w of weights.values()) totalWeight += w;
  for (const win of windows) {
    for (let h = 0; h < win.actual.length; h++) {
      const y = win.actual[h] as number;
      if (!Number.isFinite(y)) continue;
      n++;
      for (const [q, weight] of weights) {
        const path = win.forecast.quantiles.get(q);
        if (path) loss += (weight / totalWeight) * pinball(y, path[h] as number, q);
      }
    }
  }
  return n > 0 ? loss / n / scale : Number.NaN;
}

/** Offsets of zero: a forecast served as its model made it. */
export function noCalibration(quantiles: readonly Quantile[], horizonSteps: number): Calibration {
  return {
    offsets: new Map(quantiles.map((q) => [q, new Float64Array(1)])),
    horizonSteps: Math.max(1, horizonSteps),
    residuals: 0,
  };
}

export function selectModel(candidates: readonly Candidate[], options: SelectOptions): Selection {
  if (candidates.length === 0) throw new RangeError("selectModel needs at least one candidate");
  const scored = options.scoredQuantiles ?? options.quantiles;
  const weights = quantileWeights(scored);
  const scores = new Map<string, number>();
  const calibrated = new Map<string, boolean>();
  const calibrations = new Map<string, Calibration>();
  const tried = new Map<string, readonly CalibrationWindow[]>();
  /** Served raw: name → [calibrated score, raw score]. */
  const raw = new Map<string, [number, number]>();
  const calibrationOptions =
    options.calibrationBuckets !== undefined ? { buckets: options.calibrationBuckets } : {};
  const tolerance = options.rawCoverageTolerance ?? 0.05;
  const rawMargin = options.rawMargin ?? 0.99;
  const evaluate = (name: string, windows: readonly CalibrationWindow[]): number => {
    tried.set(name, windows);
    const fitted = fitCalibration(windows, options.quantiles, calibrationOptions);
    // Out of sample where there are windows to leave out; a lone window can only be scored in sample.
    const withCalibration = weightedScaledPinball(
      windows.length > 1
        ? leaveOneOutCalibrated(windows, options.quantiles, calibrationOptions)
        : windows.map((w) => ({ actual: w.actual, forecast: applyCalibration(w.forecast, fitted) })),
      weights,
      options.scale,
    );
    const asMade = weightedScaledPinball(windows, weights, options.scale);
    const servesRaw =
      asMade < withCalibration * rawMargin &&
      scored.every(
        (q) =>
          Math.abs(empiricalCoverage(windows, q) - q) <= tolerance &&
          Math.abs(empiricalCoverage(windows, q, options.coverageSteps) - q) <= tolerance,
      );
    const horizon = windows.reduce((m, w) => Math.max(m, w.actual.length), 1);
    calibrations.set(name, servesRaw ? noCalibration(options.quantiles, horizon) : fitted);
    calibrated.set(name, !servesRaw);
    if (servesRaw) raw.set(name, [withCalibration, asMade]);
    const score = servesRaw ? asMade : withCalibration;
    scores.set(name, score);
    return score;
  };
  for (const c of candidates) evaluate(c.name, c.windows);
  const ranked = [...candidates]
    .filter((c) => Number.isFinite(scores.get(c.name)))
    .sort((a, b) => (scores.get(a.name) as number) - (scores.get(b.name) as number));
  const best = ranked[0] ?? (candidates[0] as Candidate);
  let choice: { model: string; members: Member[] } = {
    model: best.name,
    members: [{ name: best.name, weight: 1 }],
  };
  const bestSingle = scores.get(best.name) ?? Number.NaN;
  let bestScore = bestSingle;
  let bestEnsemble: { name: string; score: number } | undefined;
  const margin = options.ensembleMargin ?? 0.99;
  for (let k = 2; k <= Math.min(options.maxEnsemble ?? 3, ranked.length); k++) {
    const top = ranked.slice(0, k);
    // Inverse-loss weights; a perfect candidate (loss 0) would take all the weight anyway.
    const inverse = top.map((c) => 1 / Math.max(1e-12, scores.get(c.name) as number));
    const sum = inverse.reduce((a, b) => a + b, 0);
    const members = top.map((c, i) => ({ name: c.name, weight: (inverse[i] as number) / sum }));
    const name = `ensemble(${members.map((m) => m.name).join(",")})`;
    const score = evaluate(name, combineWindows(top, members));
    if (!bestEnsemble || score < bestEnsemble.score) bestEnsemble = { name, score };
    if (score < bestScore * margin) {
      bestScore = score;
      choice = { model: name, members };
    }
  }
  return {
    model: choice.model,
    members: choice.members,
    scores,
    calibrated,
    calibration: calibrations.get(choice.model) as Calibration,
    windows: tried,
    why: whyChosen(choice.model, best.name, bestSingle, bestEnsemble, raw.get(choice.model), margin),
  };
}

/** The model table's "why": what the choice scored against the runner-up kind, and calibration's part. */
function whyChosen(
  chosen: string,
  bestSingle: string,
  bestSingleScore: number,
  bestEnsemble: { name: string; score: number } | undefined,
  servedRaw: [number, number] | undefined,
  margin: number,
): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "–");
  const parts: string[] = [];
  if (chosen !== bestSingle && bestEnsemble)
    parts.push(
      `scored ${f(bestEnsemble.score)}, below the best single model ${bestSingle} (${f(bestSingleScore)})`,
    );
  else if (bestEnsemble)
    parts.push(
      `${bestSingle} scored ${f(bestSingleScore)}; the best ensemble, ${bestEnsemble.name}, ${f(bestEnsemble.score)}, ` +
        `not ${Math.round((1 - margin) * 100)}% lower, so the single model serves`,
    );
  else parts.push(`${bestSingle} scored ${f(bestSingleScore)}, the lowest`);
  if (servedRaw)
    parts.push(
      `served uncalibrated: its own quantiles cover their levels, and calibration would raise its score from ${f(servedRaw[1])} to ${f(servedRaw[0])} out of sample`,
    );
  return parts.join("; ");
}

function combineWindows(candidates: readonly Candidate[], members: readonly Member[]): CalibrationWindow[] {
  const first = candidates[0] as Candidate;
  return first.windows.map((w, i) => ({
    actual: w.actual,
    forecast: combineForecasts(
      members,
      new Map(candidates.map((c) => [c.name, (c.windows[i] as CalibrationWindow).forecast])),
    ),
  }));
}

/** Weighted average of the members' mean and quantile paths (quantile averaging), step by step. */
export function combineForecasts(
  members: readonly Member[],
  forecasts: ReadonlyMap<string, ForecastResult>,
): ForecastResult {
  const firstMember = members[0];
  const first = firstMember && forecasts.get(firstMember.name);
  if (!first) throw new RangeError(`no forecast for ${firstMember?.name ?? "an empty ensemble"}`);
  if (members.length === 1) return first;
  const h = first.mean.length;
  const mean = new Float64Array(h);
  const paths = new Map<Quantile, Float64Array>(
    [...first.quantiles.keys()].map((q) => [q, new Float64Array(h)]),
  );
  for (const m of members) {
    const f = forecasts.get(m.name);
    if (!f) throw new RangeError(`no forecast for ensemble member ${m.name}`);
    for (let t = 0; t < h; t++) mean[t] = (mean[t] as number) + m.weight * (f.mean[t] as number);
    for (const [q, out] of paths) {
      const path = f.quantiles.get(q) as Float64Array;
      for (let t = 0; t < h; t++) out[t] = (out[t] as number) + m.weight * (path[t] as number);
    }
  }
  return {
    startMs: first.startMs,
    stepSeconds: first.stepSeconds,
    mean,
    quantiles: sortQuantilePaths(paths),
  };
}

/** What is served for a selection: the (combined) forecast, calibrated. */
export function serveSelection(
  selection: Selection,
  forecasts: ReadonlyMap<string, ForecastResult>,
): ForecastResult {
  return applyCalibration(combineForecasts(selection.members, forecasts), selection.calibration);
}
