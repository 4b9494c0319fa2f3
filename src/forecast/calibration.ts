/**
 * Conformal calibration of quantile paths (conformalized quantile regression, Romano et al. 2019,
 * one-sided form): for each quantile level q, the residuals r = actual − predicted_q from recent
 * backtest windows give an offset c_q = the empirical q-quantile of r (with the split-conformal
 * finite-sample correction, level ⌈(n+1)q⌉/n for q > 0.5 and ⌊(n+1)q⌋/n below). Shifting the path by
 * c_q makes the fraction of outcomes at or below it ≈ q on those windows, whatever the model's own
 * intervals assumed. Offsets may differ by horizon bucket (near steps need less than far ones) when
 * each bucket has enough residuals. Shifted paths are clipped at 0 and re-sorted so they never cross.
 */

import { sortQuantilePaths } from "./intervals.js";
import { intervalCoverage } from "./scores.js";
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
  /** Most horizon buckets to use (default 1: one offset per quantile). */
  readonly buckets?: number;
  /** Fewest residuals a bucket needs (default 30); fewer buckets are used otherwise. */
  readonly minPerBucket?: number;
}

export function fitCalibration(
  windows: readonly CalibrationWindow[],
  quantiles: readonly Quantile[],
  options: CalibrationOptions = {},
): Calibration {
  const horizon = windows.reduce((m, w) => Math.max(m, w.actual.length), 0);
  const minPer = options.minPerBucket ?? 30;
  let finiteCount = 0;
  for (const w of windows)
    for (let h = 0; h < w.actual.length; h++) if (Number.isFinite(w.actual[h])) finiteCount++;
  const buckets = Math.max(1, Math.min(options.buckets ?? 1, horizon, Math.floor(finiteCount / minPer)));
  const offsets = new Map<Quantile, Float64Array>();
  for (const q of quantiles) {
    const perBucket: number[][] = Array.from({ length: buckets }, () => []);
    for (const w of windows) {
      const path = w.forecast.quantiles.get(q);
      if (!path) continue;
      for (let h = 0; h < w.actual.length; h++) {
        const y = w.actual[h] as number;
        if (Number.isFinite(y)) perBucket[bucketOf(h, horizon, buckets)]?.push(y - (path[h] as number));
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
      out[h] = Math.max(0, (path[h] as number) + (offsets ? (offsets[b] as number) : 0));
    }
    paths.set(q, out);
  }
  return { ...forecast, quantiles: sortQuantilePaths(paths) };
}

/** Offsets for operators: `"0.9"` → offset (bucket suffix `"0.9@2"` when there are several). */
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

/** Fraction of actuals at or below the `q` path over `windows` (for tests and reports). */
export function empiricalCoverage(windows: readonly CalibrationWindow[], q: Quantile): number {
  let inside = 0;
  let n = 0;
  for (const w of windows) {
    const path = w.forecast.quantiles.get(q);
    if (!path) continue;
    const c = intervalCoverage(w.actual, path);
    if (Number.isNaN(c)) continue;
    let finite = 0;
    for (let h = 0; h < w.actual.length; h++) if (Number.isFinite(w.actual[h])) finite++;
    inside += c * finite;
    n += finite;
  }
  return n > 0 ? inside / n : Number.NaN;
}
