/**
 * What the Theta model does before and after fitting: fill gaps for its recursions, test for
 * seasonality at the 90% level (R forecast::thetaf / statsforecast: |r_m| > 1.645·√((1 + 2 Σ_{k<m}
 * r_k²)/n), r the sample autocorrelation), and a classical decomposition's seasonal indices
 * (centred moving average one season wide, per-phase mean of y/trend, normalised to mean 1;
 * additive differences centred to 0 when the series has values ≤ 0, where ratios mean nothing).
 *
 * Hand-written: a few O(n) loops over typed arrays (mstlKernels' moving average has equal weights,
 * not the classical 2×m filter); no well-kept npm library implements statsforecast-style
 * ETS/Theta/ARIMA or its decomposition in TS.
 */
import { autocorrelation } from "../seasonality.js";

/** Linear interpolation across gaps, carried flat before the first and after the last finite value. */
export function fillGaps(values: ArrayLike<number>): { y: Float64Array; observed: Uint8Array } {
  const n = values.length;
  const y = new Float64Array(n);
  const observed = new Uint8Array(n);
  let last = -1;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    observed[i] = 1;
    y[i] = v;
    const from = last < 0 ? 0 : last + 1;
    const base = last < 0 ? v : (y[last] as number);
    for (let j = from; j < i; j++) y[j] = base + ((v - base) * (j - last)) / (i - last);
    last = i;
  }
  for (let j = last + 1; j < n; j++) y[j] = last < 0 ? 0 : (y[last] as number);
  return { y, observed };
}

/** Standard sample autocorrelation (Σ over n in the denominator) of a gap-free series at lags 1..m. */
function sampleAcf(y: Float64Array, m: number): Float64Array {
  const n = y.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i] as number;
  mean /= n;
  const centered = new Float64Array(n);
  for (let i = 0; i < n; i++) centered[i] = (y[i] as number) - mean;
  const r = new Float64Array(m + 1);
  // seasonality.ts's autocorrelation divides by the pairs (n − k); the textbook ACF by n.
  for (let k = 1; k <= m; k++) r[k] = ((autocorrelation(centered, k, 1) || 0) * (n - k)) / n;
  return r;
}

/** Whether the gap-free `y` is seasonal with period `m` at the 90% level (false when n < 2m). */
export function isSeasonal(y: Float64Array, m: number): boolean {
  const n = y.length;
  if (m < 2 || n < 2 * m) return false;
  const r = sampleAcf(y, m);
  let sum = 0;
  for (let k = 1; k < m; k++) sum += (r[k] as number) ** 2;
  return Math.abs(r[m] as number) > 1.645 * Math.sqrt((1 + 2 * sum) / n);
}

export interface SeasonalIndices {
  readonly multiplicative: boolean;
  /** Index per phase (position mod m from the first point): a factor, or an additive offset. */
  readonly index: Float64Array;
}

/**
 * Classical centred moving average of order m (R's decompose / statsmodels): m points for odd m,
 * 2×m (m + 1 points, half weight at both ends) for even m. NaN where the window leaves the series.
 */
export function centredMovingAverage(y: Float64Array, m: number): Float64Array {
  const n = y.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = (prefix[i] as number) + (y[i] as number);
  const sum = (from: number, to: number): number => (prefix[to] as number) - (prefix[from] as number);
  const half = Math.floor(m / 2);
  const out = new Float64Array(n).fill(Number.NaN);
  for (let i = half; i < n - half; i++) {
    out[i] =
      m % 2 === 1
        ? sum(i - half, i + half + 1) / m
        : (sum(i - half, i + half) + sum(i - half + 1, i + half + 1)) / (2 * m);
  }
  return out;
}

/** Classical decomposition's seasonal indices; only observed points inside the trend's span count. */
export function seasonalIndices(y: Float64Array, observed: Uint8Array, m: number): SeasonalIndices {
  const n = y.length;
  let multiplicative = true;
  for (let i = 0; i < n; i++) if (!((y[i] as number) > 0)) multiplicative = false;
  const trend = centredMovingAverage(y, m);
  const sum = new Float64Array(m);
  const count = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    if (!observed[i]) continue;
    const tr = trend[i] as number;
    const v = y[i] as number;
    const d = multiplicative ? v / tr : v - tr;
    if (!Number.isFinite(d)) continue;
    sum[i % m] = (sum[i % m] as number) + d;
    count[i % m] = (count[i % m] as number) + 1;
  }
  const neutral = multiplicative ? 1 : 0;
  const index = new Float64Array(m);
  let total = 0;
  for (let k = 0; k < m; k++) {
    index[k] = (count[k] as number) > 0 ? (sum[k] as number) / (count[k] as number) : neutral;
    total += index[k] as number;
  }
  const centre = total / m;
  for (let k = 0; k < m; k++)
    index[k] = multiplicative ? (index[k] as number) / centre : (index[k] as number) - centre;
  return { multiplicative, index };
}

/** `y` with the seasonal index of phase (offset + i) mod m taken out (÷ or −). */
export function deseasonalize(y: ArrayLike<number>, s: SeasonalIndices, offset: number): Float64Array {
  const m = s.index.length;
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const f = s.index[(offset + i) % m] as number;
    out[i] = s.multiplicative ? (y[i] as number) / f : (y[i] as number) - f;
  }
  return out;
}
