/**
 * Starting states for the ETS recursions, by heuristic rather than optimisation (as R forecast's
 * and statsforecast's `initstate` seed their optimiser): seasonal indices from a classical
 * decomposition of the first (up to) three seasons, then level and trend from a least-squares line
 * through the first max(10, 2m) seasonally adjusted points. With 288 or 1,440 seasonal seeds,
 * optimising them (as R does for m ≤ 24) would make the fit cost grow with m; here it does not.
 * NaN-aware throughout.
 */
import { leastSquaresLine } from "../seasonality.js";
import { nanMean } from "../stats.js";
import type { EtsState, SeasonType, TrendType } from "./etsCore.js";
import { firstFiniteIndex } from "./fitHelpers.js";

/** Smallest initial multiplicative index, as R's initstate. */
const MIN_INDEX = 1e-2;

/** Seasonal indices (phase 0..m−1) from up to three whole seasons around a line through their means. */
function initialSeason(y: Float64Array, m: number, season: SeasonType): Float64Array {
  const cycles = Math.max(1, Math.min(3, Math.floor(y.length / m)));
  const means: number[] = [];
  for (let j = 0; j < cycles; j++) means.push(nanMean(y.subarray(j * m, (j + 1) * m)));
  const known = means.filter(Number.isFinite);
  const centre = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : 0;
  const first = means.findIndex(Number.isFinite);
  const last = means.length - 1 - [...means].reverse().findIndex(Number.isFinite);
  const slope =
    last > first ? ((means[last] as number) - (means[first] as number)) / ((last - first) * m) : 0;
  const middle = (cycles * m - 1) / 2;
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let sum = 0;
    let n = 0;
    for (let j = 0; j < cycles; j++) {
      const t = i + j * m;
      const v = y[t] as number;
      const line = centre + slope * (t - middle);
      if (!Number.isFinite(v)) continue;
      sum += season === "M" ? (line > 0 ? v / line : 1) : v - line;
      n++;
    }
    out[i] = n > 0 ? sum / n : season === "M" ? 1 : 0;
  }
  if (season === "M") {
    for (let i = 0; i < m; i++) out[i] = Math.max(MIN_INDEX, out[i] as number);
    const mean = nanMean(out);
    for (let i = 0; i < m; i++) out[i] = (out[i] as number) / mean;
  } else {
    const mean = nanMean(out);
    for (let i = 0; i < m; i++) out[i] = (out[i] as number) - mean;
  }
  return out;
}

/** Least-squares line through the finite points, counted 1..n: its level one step before the first, and slope. */
function lineFit(values: ArrayLike<number>): { level: number; slope: number } {
  const { intercept, slope } = leastSquaresLine(values);
  return { level: intercept - slope, slope };
}

/** The state before the first observation of `y` for a form with this trend and season (season length m). */
export function initialState(y: Float64Array, trend: TrendType, season: SeasonType, m: number): EtsState {
  const seasonal = season !== "N" && m > 1;
  const indices = seasonal ? initialSeason(y, m, season) : new Float64Array(0);
  const maxn = Math.min(Math.max(10, 2 * (seasonal ? m : 1)), y.length);
  const adjusted = new Float64Array(maxn);
  for (let t = 0; t < maxn; t++) {
    const v = y[t] as number;
    const s = seasonal ? (indices[t % m] as number) : season === "M" ? 1 : 0;
    adjusted[t] = season === "M" ? v / s : v - s;
  }
  let level: number;
  let slope = 0;
  if (trend === "N") {
    level = nanMean(adjusted);
  } else {
    ({ level, slope } = lineFit(adjusted));
  }
  if (!Number.isFinite(level)) {
    const first = firstFiniteIndex(y);
    level = first >= 0 ? (y[first] as number) : 0;
    slope = 0;
  }
  return { level, trend: slope, season: indices, t: 0 };
}
