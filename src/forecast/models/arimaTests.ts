/**
 * How many differences the automatic ARIMA takes, the way R's forecast::auto.arima decides:
 * - seasonal D ∈ {0, 1}: the seasonal-strength rule of nsdiffs(test = "seas") (Wang, Smith &
 *   Hyndman 2006): Fs = max(0, 1 − var(remainder) / var(seasonal + remainder)) > 0.64. R decomposes
 *   with STL; here a classical decomposition (centred moving-average trend, phase means) stands in,
 *   bounded O(n) and close enough for a yes/no at 0.64.
 * - non-seasonal d ∈ {0, 1, 2}: KPSS level-stationarity test at 5% (ndiffs: difference while the
 *   statistic exceeds 0.463), with the Newey-West long-run variance over trunc(3√n / 13) lags.
 * Hand-written: no well-kept npm library implements statsforecast/R-style ARIMA or these tests in TS.
 * Inputs are gap-free (the caller interpolates).
 */

/** KPSS 5% critical value for level stationarity (Kwiatkowski et al. 1992, Table 1). */
export const KPSS_CRITICAL_5 = 0.463;
/** Seasonal strength above which nsdiffs takes a seasonal difference. */
export const SEASONAL_STRENGTH_THRESHOLD = 0.64;

/** Lags of the Newey-West window, as forecast::ndiffs: trunc(3√n / 13). */
export function kpssLags(n: number): number {
  return Math.trunc((3 * Math.sqrt(n)) / 13);
}

/**
 * KPSS statistic for level stationarity: Σ S_t² / (n² s²(l)), S the partial sums of x − mean,
 * s²(l) the Bartlett-weighted long-run variance with `lags` lags (default kpssLags(n)).
 */
export function kpssStatistic(x: ArrayLike<number>, lags = kpssLags(x.length)): number {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i] as number;
  mean /= n;
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) e[i] = (x[i] as number) - mean;
  let partial = 0;
  let eta = 0;
  let gamma0 = 0;
  for (let i = 0; i < n; i++) {
    const v = e[i] as number;
    partial += v;
    eta += partial * partial;
    gamma0 += v * v;
  }
  let longRun = gamma0 / n;
  for (let s = 1; s <= lags; s++) {
    let cov = 0;
    for (let t = s; t < n; t++) cov += (e[t] as number) * (e[t - s] as number);
    longRun += (2 * (1 - s / (lags + 1)) * cov) / n;
  }
  if (!(longRun > 0)) return 0;
  return eta / (n * n) / longRun;
}

function isConstant(x: ArrayLike<number>): boolean {
  for (let i = 1; i < x.length; i++) if (x[i] !== x[0]) return false;
  return true;
}

/** `x` differenced `times` times at `lag`. */
export function difference(x: ArrayLike<number>, lag: number, times = 1): Float64Array {
  let out: Float64Array = Float64Array.from(x as ArrayLike<number>);
  for (let k = 0; k < times; k++) {
    const next = new Float64Array(Math.max(0, out.length - lag));
    for (let t = 0; t < next.length; t++) next[t] = (out[t + lag] as number) - (out[t] as number);
    out = next;
  }
  return out;
}

/** Non-seasonal differences (0..maxD) needed for KPSS to accept level stationarity at 5%. */
export function ndiffs(x: ArrayLike<number>, maxD = 2): number {
  let y: Float64Array = Float64Array.from(x as ArrayLike<number>);
  let d = 0;
  while (d < maxD && y.length > 2 && !isConstant(y) && kpssStatistic(y) > KPSS_CRITICAL_5) {
    y = difference(y, 1);
    d++;
  }
  return d;
}

function variance(x: ArrayLike<number>, from: number, to: number): number {
  let mean = 0;
  for (let i = from; i < to; i++) mean += x[i] as number;
  mean /= to - from;
  let ss = 0;
  for (let i = from; i < to; i++) ss += ((x[i] as number) - mean) ** 2;
  return ss / (to - from - 1);
}

/**
 * Seasonal strength Fs of `x` at period `m` from a classical decomposition (2×m centred moving
 * average for even m); 0 with fewer than two full seasons or a constant series.
 */
export function seasonalStrength(x: ArrayLike<number>, m: number): number {
  const n = x.length;
  if (m < 2 || n < 2 * m) return 0;
  const half = Math.floor(m / 2);
  const even = m % 2 === 0;
  // Detrended x over the span where the centred moving average exists.
  const from = half;
  const to = n - half;
  const detrended = new Float64Array(n).fill(Number.NaN);
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = (prefix[i] as number) + (x[i] as number);
  for (let t = from; t < to; t++) {
    let trend: number;
    if (even) {
      const inner = (prefix[t + half] as number) - (prefix[t - half + 1] as number);
      trend = (inner + 0.5 * ((x[t - half] as number) + (x[t + half] as number))) / m;
    } else {
      trend = ((prefix[t + half + 1] as number) - (prefix[t - half] as number)) / m;
    }
    detrended[t] = (x[t] as number) - trend;
  }
  const phaseSum = new Float64Array(m);
  const phaseCount = new Float64Array(m);
  for (let t = from; t < to; t++) {
    phaseSum[t % m] = (phaseSum[t % m] as number) + (detrended[t] as number);
    phaseCount[t % m] = (phaseCount[t % m] as number) + 1;
  }
  let centre = 0;
  for (let k = 0; k < m; k++) centre += (phaseSum[k] as number) / (phaseCount[k] as number) / m;
  const remainder = new Float64Array(to - from);
  const seasonalPlusRemainder = new Float64Array(to - from);
  for (let t = from; t < to; t++) {
    const seasonal = (phaseSum[t % m] as number) / (phaseCount[t % m] as number) - centre;
    seasonalPlusRemainder[t - from] = detrended[t] as number;
    remainder[t - from] = (detrended[t] as number) - seasonal;
  }
  const total = variance(seasonalPlusRemainder, 0, to - from);
  if (!(total > 0)) return 0;
  return Math.max(0, 1 - variance(remainder, 0, to - from) / total);
}

/** Seasonal differences (0 or 1) by the seasonal-strength rule. */
export function nsdiffs(x: ArrayLike<number>, m: number): number {
  return seasonalStrength(x, m) > SEASONAL_STRENGTH_THRESHOLD ? 1 : 0;
}
