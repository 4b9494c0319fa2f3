/**
 * Which period a series repeats with, found by autocorrelation at a few candidate lags (1 day and
 * 7 days by default), the way Crane and PHPA users think of seasonality. Hand-written: the checks
 * are a few NaN-aware dot products, not worth a numeric dependency. The series is linearly
 * detrended first, so growth does not pass for seasonality.
 */
import { empiricalQuantile } from "./stats.js";

export const DAY_SECONDS = 86_400;
export const WEEK_SECONDS = 7 * DAY_SECONDS;
export const DEFAULT_PERIOD_CANDIDATES: readonly number[] = [DAY_SECONDS, WEEK_SECONDS];

export interface DetectedPeriod {
  /** Period length in steps of the series. */
  readonly periodSteps: number;
  /** Autocorrelation of the detrended series at that lag (about 1 for a clean cycle). */
  readonly strength: number;
}

export interface DetectPeriodOptions {
  /** Autocorrelation a candidate needs to count as a period (default 0.3). */
  readonly minStrength?: number;
  /** A longer candidate wins over a shorter one only if stronger by this much (default 0.1). */
  readonly preferShorterMargin?: number;
}

/** Number of whole steps in `seconds` (rounded; a period of 7 min at 2-min steps is 4 steps). */
export function stepsPer(seconds: number, stepSeconds: number): number {
  if (!(stepSeconds > 0)) throw new RangeError(`stepSeconds must be positive, got ${stepSeconds}`);
  return Math.round(seconds / stepSeconds);
}

/**
 * Least-squares line through the finite (i, values[i]) pairs, i the index: its value at i = 0, its
 * slope (0 with fewer than two distinct points) and how many points it used.
 */
export function leastSquaresLine(values: ArrayLike<number>): { intercept: number; slope: number; n: number } {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    n++;
    sx += i;
    sy += v;
    sxx += i * i;
    sxy += i * v;
  }
  const denominator = n * sxx - sx * sx;
  const slope = n >= 2 && denominator > 0 ? (n * sxy - sx * sy) / denominator : 0;
  return { intercept: n > 0 ? (sy - slope * sx) / n : 0, slope, n };
}

/** `values` minus their least-squares line over the finite points; NaN stays NaN. */
export function detrend(values: ArrayLike<number>): Float64Array {
  const { intercept, slope, n } = leastSquaresLine(values);
  const out = new Float64Array(values.length).fill(Number.NaN);
  if (n === 0) return out;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) out[i] = v - (intercept + slope * i);
  }
  return out;
}

/**
 * Autocorrelation at `lag` of a zero-mean series (e.g. from `detrend`), over the pairs where both
 * points are finite: mean lagged product ÷ variance. NaN when fewer than `minPairs` pairs (default
 * 10) or the series is constant.
 */
export function autocorrelation(centered: ArrayLike<number>, lag: number, minPairs = 10): number {
  let energy = 0;
  let count = 0;
  for (let i = 0; i < centered.length; i++) {
    const v = centered[i] as number;
    if (Number.isFinite(v)) {
      energy += v * v;
      count++;
    }
  }
  if (count === 0 || energy <= 0) return Number.NaN;
  let product = 0;
  let pairs = 0;
  for (let i = 0; i + lag < centered.length; i++) {
    const a = centered[i] as number;
    const b = centered[i + lag] as number;
    if (Number.isFinite(a) && Number.isFinite(b)) {
      product += a * b;
      pairs++;
    }
  }
  if (pairs < minPairs) return Number.NaN;
  return product / pairs / (energy / count);
}

/** `values` clamped to their [level, 1 − level] empirical quantiles; NaN stays NaN. */
export function winsorize(values: ArrayLike<number>, level: number): Float64Array {
  const lo = empiricalQuantile(values, level);
  const hi = empiricalQuantile(values, 1 - level);
  const out = Float64Array.from(values as ArrayLike<number>);
  for (let i = 0; i < out.length; i++) {
    const v = out[i] as number;
    if (Number.isFinite(v)) out[i] = Math.min(hi, Math.max(lo, v));
  }
  return out;
}

/**
 * The candidate period (seconds, default 1 day and 7 days) the series repeats with, or undefined.
 * A candidate needs two full periods of data, autocorrelation ≥ `minStrength`, and must sit on an
 * autocorrelation peak (higher than 10% of a period either side; closer lags differ by less than
 * the estimate's noise); otherwise a smooth slow series
 * would "repeat" at every lag. A longer period that is a multiple of a shorter one (7 d of a daily
 * cycle) correlates just as well, so the shorter wins unless the longer is clearly stronger.
 * Values beyond the 1st/99th percentiles are clamped first, so a few spikes cannot hide a cycle.
 */
export function detectPeriod(
  values: ArrayLike<number>,
  stepSeconds: number,
  candidates: readonly number[] = DEFAULT_PERIOD_CANDIDATES,
  options: DetectPeriodOptions = {},
): DetectedPeriod | undefined {
  const minStrength = options.minStrength ?? 0.3;
  const margin = options.preferShorterMargin ?? 0.1;
  const centered = detrend(winsorize(values, 0.01));
  const lags = [...new Set(candidates.map((s) => stepsPer(s, stepSeconds)))].sort((a, b) => a - b);
  let best: DetectedPeriod | undefined;
  for (const lag of lags) {
    if (lag < 2 || values.length < 2 * lag) continue;
    // At least half a period of lagged pairs, so a leading gap cannot pass for two periods.
    const strength = autocorrelation(centered, lag, Math.max(10, lag / 2));
    if (!(strength >= minStrength)) continue;
    const side = Math.max(1, Math.round(lag * 0.1));
    const before = autocorrelation(centered, lag - side);
    const after = autocorrelation(centered, lag + side);
    if (strength < before || strength < after) continue;
    if (best === undefined || strength > best.strength + margin) best = { periodSteps: lag, strength };
  }
  return best;
}
