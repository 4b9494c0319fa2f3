/**
 * Conformal calibration of quantile paths (conformalized quantile regression, Romano et al. 2019,
 * one-sided form, with residuals normalized by the forecast's level): for each quantile level q,
 * the residuals r = (actual − predicted_q) ÷ level from recent backtest windows give an offset
 * c_q = the empirical q-quantile of r (with the split-conformal finite-sample correction, level
 * ⌈(n+1)q⌉/n for q > 0.5 and ⌊(n+1)q⌋/n below). Shifting the path by c_q × level makes the fraction
 * of outcomes at or below it ≈ q on those windows, whatever the model's own intervals assumed. Offsets differ by horizon bucket (near steps need less than far ones: a model's
 * own spread grows with the horizon, and one offset for every step would push the near steps of a
 * wide path below its median) as finely as the residuals allow, at least `minPerBucket` a bucket.
 * Shifted paths are clipped at 0 and re-sorted so they never cross.
 *
 * The accuracy a backtest reports for a calibrated forecast is measured out of sample: each window
 * is scored under the offsets fitted on the other windows (leave one window out), so the number is
 * what serving would see, not the calibration's own fit.
 */

import { sortQuantilePaths } from "./intervals.js";
import { empiricalQuantile } from "./stats.js";
import type { ForecastResult, Quantile } from "./types.js";

export interface CalibrationWindow {
  readonly actual: ArrayLike<number>;
  readonly forecast: ForecastResult;
}

export interface Calibration {
  /** Per quantile, one offset per horizon bucket. */
  readonly offsets: ReadonlyMap<Quantile, Float64Array>;
  readonly horizonSteps: number;
  readonly residuals: number;
}

export interface CalibrationOptions {
  /** Most horizon buckets to use (default: one per horizon step, as far as the residuals allow). */
  readonly buckets?: number;
  /** Fewest residuals a bucket needs (default 60); fewer buckets are used otherwise. */
  readonly minPerBucket?: number;
}

/**
 * Residuals a horizon bucket needs: the offset of q0.9 is then about the 55th of 60 sorted
 * residuals, steady enough from one run to the next (30 left it jumping between buckets).
 */
export const MIN_PER_BUCKET = 60;

/** The windows' horizon and how many horizon buckets their finite residuals fill (MIN_PER_BUCKET each). */
function bucketing(
  windows: readonly CalibrationWindow[],
  options: CalibrationOptions,
): { horizon: number; buckets: number; finiteCount: number } {
  const horizon = windows.reduce((m, w) => Math.max(m, w.actual.length), 0);
  const minPer = options.minPerBucket ?? MIN_PER_BUCKET;
  let finiteCount = 0;
  for (const w of windows)
    for (let h = 0; h < w.actual.length; h++) if (Number.isFinite(w.actual[h])) finiteCount++;
  const buckets = Math.max(
    1,
    Math.min(options.buckets ?? horizon, horizon, Math.floor(finiteCount / minPer)),
  );
  return { horizon, buckets, finiteCount };
}

export function fitCalibration(
  windows: readonly CalibrationWindow[],
  quantiles: readonly Quantile[],
  options: CalibrationOptions = {},
): Calibration {
  const { horizon, buckets, finiteCount } = bucketing(windows, options);
  const offsets = new Map<Quantile, Float64Array>();
  for (const q of quantiles) {
    const perBucket: number[][] = Array.from({ length: buckets }, () => []);
    for (const w of windows) {
      const path = w.forecast.quantiles.get(q);
      if (!path) continue;
      for (let h = 0; h < w.actual.length; h++) {
        const y = w.actual[h] as number;
        if (Number.isFinite(y))
          perBucket[bucketOf(h, horizon, buckets)]?.push((y - (path[h] as number)) / scaleAt(w.forecast, h));
      }
    }
    offsets.set(
      q,
      Float64Array.from(perBucket, (r) => {
        if (r.length === 0) return 0;
        return empiricalQuantile(r, conformalLevel(q, r.length));
      }),
    );
  }
  return { offsets, horizonSteps: horizon, residuals: finiteCount };
}

/**
 * The scale residuals are measured in: the forecast's own level at step h (its mean path), never
 * below a tenth of the path's average level, so a quiet night does not turn small errors into
 * huge relative ones. Demand's noise grows with its level, so an offset that is a share of the
 * level fits the busy hours and the quiet ones alike, where an offset in demand units would be
 * too wide at night and too narrow at the peak.
 */
function scaleAt(f: ForecastResult, h: number): number {
  let sum = 0;
  for (let i = 0; i < f.mean.length; i++) sum += Math.max(0, f.mean[i] as number);
  const average = sum / Math.max(1, f.mean.length);
  return Math.max(f.mean[h] as number, 0.1 * average, 1e-9);
}

/** Split-conformal level: ⌈(n+1)q⌉/n above the median, ⌊(n+1)q⌋/n below, kept in [0, 1]. */
export function conformalLevel(q: number, n: number): number {
  const level = q >= 0.5 ? Math.ceil((n + 1) * q) / n : Math.floor((n + 1) * q) / n;
  return Math.min(1, Math.max(0, level));
}

function bucketOf(h: number, horizon: number, buckets: number): number {
  return Math.min(buckets - 1, Math.floor((h * buckets) / Math.max(1, horizon)));
}

/** `forecast` with each quantile path shifted by its offsets; the mean is left as it is. */
export function applyCalibration(forecast: ForecastResult, calibration: Calibration): ForecastResult {
  const paths = new Map<Quantile, Float64Array>();
  for (const [q, path] of forecast.quantiles) {
    const offsets = calibration.offsets.get(q);
    const out = new Float64Array(path.length);
    for (let h = 0; h < path.length; h++) {
      const b = offsets
        ? bucketOf(Math.min(h, calibration.horizonSteps - 1), calibration.horizonSteps, offsets.length)
        : 0;
      out[h] = Math.max(
        0,
        (path[h] as number) + (offsets ? (offsets[b] as number) * scaleAt(forecast, h) : 0),
      );
    }
    paths.set(q, out);
  }
  return { ...forecast, quantiles: sortQuantilePaths(paths) };
}

/** A calibration as stored with a forecast (plain arrays), so later updates serve the same offsets. */
export interface CalibrationState {
  readonly horizonSteps: number;
  readonly residuals: number;
  /** Quantile level as text → one offset per horizon bucket. */
  readonly offsets: Readonly<Record<string, readonly number[]>>;
}

export function calibrationState(calibration: Calibration): CalibrationState {
  const offsets: Record<string, number[]> = {};
  for (const [q, o] of calibration.offsets) offsets[String(q)] = Array.from(o);
  return { horizonSteps: calibration.horizonSteps, residuals: calibration.residuals, offsets };
}

/** The calibration of a stored state; undefined when the state is malformed (e.g. an older snapshot). */
export function calibrationOf(state: CalibrationState | undefined): Calibration | undefined {
  if (!state || !(Number.isInteger(state.horizonSteps) && state.horizonSteps > 0)) return undefined;
  const offsets = new Map<Quantile, Float64Array>();
  for (const [q, o] of Object.entries(state.offsets ?? {})) {
    const level = Number(q);
    if (!(level > 0 && level < 1) || !Array.isArray(o) || o.length === 0) return undefined;
    if (!o.every((v) => typeof v === "number" && Number.isFinite(v))) return undefined;
    offsets.set(level, Float64Array.from(o));
  }
  return { offsets, horizonSteps: state.horizonSteps, residuals: state.residuals };
}

/** Accuracy of a served quantile on backtest windows. */
export interface ServedAccuracy {
  /** Share of compared steps whose actual was at or below the served quantile. */
  readonly coverage: number;
  /** Mean pinball loss at the served quantile, in demand units. */
  readonly pinball: number;
  /** Compared (window, step) pairs. */
  readonly steps: number;
}

/**
 * Every window calibrated out of sample: window i shifted by the offsets fitted on every other
 * window (leave one window out, same buckets as the calibration of all windows), so scores of the
 * result are what serving would see, not the calibration's fit to its own residuals. With fewer
 * than two windows there is nothing to leave out and the windows come back as they are.
 */
export function leaveOneOutCalibrated(
  windows: readonly CalibrationWindow[],
  quantiles: readonly Quantile[],
  options: CalibrationOptions = {},
): CalibrationWindow[] {
  if (windows.length < 2) return [...windows];
  const { horizon, buckets, finiteCount } = bucketing(windows, options);
  // Per quantile and bucket: the sorted residuals of all windows, and where each window's sit in them.
  const residuals = new Map<Quantile, { sorted: Float64Array[]; positions: number[][][] }>();
  for (const q of quantiles) {
    const perWindow = windows.map(() => Array.from({ length: buckets }, (): number[] => []));
    windows.forEach((w, i) => {
      const path = w.forecast.quantiles.get(q);
      if (!path) return;
      for (let h = 0; h < w.actual.length; h++) {
        const y = w.actual[h] as number;
        if (Number.isFinite(y))
          perWindow[i]?.[bucketOf(h, horizon, buckets)]?.push(
            (y - (path[h] as number)) / scaleAt(w.forecast, h),
          );
      }
    });
    const sorted = Array.from({ length: buckets }, (_, b) =>
      Float64Array.from(perWindow.flatMap((r) => r[b] ?? [])).sort(),
    );
    residuals.set(q, {
      sorted,
      positions: perWindow.map((r) => r.map((mine, b) => positionsIn(sorted[b] as Float64Array, mine))),
    });
  }
  return windows.map((w, i) => {
    const offsets = new Map<Quantile, Float64Array>();
    for (const [q, r] of residuals)
      offsets.set(
        q,
        Float64Array.from(r.sorted, (sorted, b) => {
          const removed = r.positions[i]?.[b] ?? [];
          const n = sorted.length - removed.length;
          return n === 0 ? 0 : quantileWithout(sorted, removed, conformalLevel(q, n));
        }),
      );
    return {
      actual: w.actual,
      forecast: applyCalibration(w.forecast, { offsets, horizonSteps: horizon, residuals: finiteCount }),
    };
  });
}

/**
 * The served quantile's accuracy over the first `steps` horizon steps of each window, calibrated out
 * of sample (leaveOneOutCalibrated). Without calibration (`calibrate` false) the raw paths are scored.
 */
export function servedAccuracy(
  windows: readonly CalibrationWindow[],
  quantiles: readonly Quantile[],
  served: Quantile,
  options: CalibrationOptions & { readonly steps: number; readonly calibrate?: boolean },
): ServedAccuracy {
  const scored = options.calibrate === false ? windows : leaveOneOutCalibrated(windows, quantiles, options);
  let covered = 0;
  let loss = 0;
  let n = 0;
  for (const w of scored) {
    const path = w.forecast.quantiles.get(served);
    if (!path) continue;
    const upTo = Math.min(options.steps, w.actual.length);
    for (let h = 0; h < upTo; h++) {
      const y = w.actual[h] as number;
      const f = path[h] as number;
      if (!(Number.isFinite(y) && Number.isFinite(f))) continue;
      n++;
      if (y <= f) covered++;
      const diff = y - f;
      loss += diff >= 0 ? served * diff : (served - 1) * diff;
    }
  }
  return { coverage: n > 0 ? covered / n : Number.NaN, pinball: n > 0 ? loss / n : Number.NaN, steps: n };
}

/** Indices in `sorted` of the values of `mine` (a sub-multiset), ascending and distinct. */
function positionsIn(sorted: Float64Array, mine: readonly number[]): number[] {
  const out: number[] = [];
  const ordered = [...mine].sort((a, b) => a - b);
  let previous = Number.NaN;
  let next = 0;
  for (const v of ordered) {
    // Equal values take consecutive slots from the first one.
    next = v === previous ? next + 1 : lowerBound(sorted, v);
    previous = v;
    out.push(next);
  }
  return out;
}

function lowerBound(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The k-th smallest of `sorted` once the entries at `removed` (ascending indices) are left out. */
function kthWithout(sorted: Float64Array, removed: readonly number[], k: number): number {
  let index = k;
  for (const p of removed) {
    if (p <= index) index++;
    else break;
  }
  return sorted[index] as number;
}

/** empiricalQuantile of `sorted` without the entries at `removed`, in O(removed). */
function quantileWithout(sorted: Float64Array, removed: readonly number[], level: number): number {
  const n = sorted.length - removed.length;
  const pos = (n - 1) * level;
  const lo = Math.floor(pos);
  const vlo = kthWithout(sorted, removed, lo);
  return vlo + (kthWithout(sorted, removed, Math.ceil(pos)) - vlo) * (pos - lo);
}

/**
 * Offsets for operators, as shares of the forecast's level: `"0.9"` → offset (bucket suffix
 * `"0.9@2"` when there are several).
 */
export function calibrationRecord(calibration: Calibration): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [q, offsets] of calibration.offsets) {
    if (offsets.length === 1) out[String(q)] = offsets[0] as number;
    else
      offsets.forEach((c, b) => {
        out[`${q}@${b + 1}`] = c;
      });
  }
  return out;
}

/**
 * Fraction of finite actuals at or below the `q` path over `windows`, on each window's first `steps`
 * steps (default all); NaN when there is none.
 */
export function empiricalCoverage(
  windows: readonly CalibrationWindow[],
  q: Quantile,
  steps = Number.POSITIVE_INFINITY,
): number {
  let inside = 0;
  let n = 0;
  for (const w of windows) {
    const path = w.forecast.quantiles.get(q);
    if (!path) continue;
    for (let h = 0; h < Math.min(steps, w.actual.length); h++) {
      const y = w.actual[h] as number;
      if (!Number.isFinite(y)) continue;
      n++;
      if (y <= (path[h] as number)) inside++;
    }
  }
  return n > 0 ? inside / n : Number.NaN;
}
