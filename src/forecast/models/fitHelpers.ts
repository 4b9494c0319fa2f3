/**
 * Pieces shared by the baseline models (naive, seasonal naive, Holt-Winters, DSP): argument checks,
 * residuals, interval paths whose spread grows with a model-specific rule, readiness wording, and
 * assembling a ForecastResult. Pure functions over typed arrays.
 */
import { residualQuantilePaths, sortQuantilePaths } from "../intervals.js";
import { DAY_SECONDS, detectPeriod, WEEK_SECONDS } from "../seasonality.js";
import { ForecastError, type ForecastResult, type Quantile, type Readiness, type Series } from "../types.js";

/** Throws on a horizon or quantile list no model can serve, naming the bad value. */
export function checkForecastArgs(model: string, horizonSteps: number, quantiles: readonly Quantile[]): void {
  if (!Number.isInteger(horizonSteps) || horizonSteps < 1) {
    throw new ForecastError(`${model}: horizonSteps must be a positive integer, got ${horizonSteps}`);
  }
  for (const q of quantiles) {
    if (!(q > 0 && q < 1)) throw new ForecastError(`${model}: quantile levels must be in (0, 1), got ${q}`);
  }
}

/** Index of the last finite value, or -1. */
export function lastFiniteIndex(values: ArrayLike<number>): number {
  for (let i = values.length - 1; i >= 0; i--) if (Number.isFinite(values[i] as number)) return i;
  return -1;
}

/** Index of the first finite value, or -1. */
export function firstFiniteIndex(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i] as number)) return i;
  return -1;
}

export function countFinite(values: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i] as number)) n++;
  return n;
}

/** The last finite value; throws when there is none (an all-gap series cannot be forecast). */
export function requireLastFinite(model: string, series: Series): number {
  const i = lastFiniteIndex(series.values);
  if (i < 0) {
    throw new ForecastError(
      `${model}: the series has no finite values (${series.values.length} points, all gaps); wait for data`,
    );
  }
  return series.values[i] as number;
}

/** Differences `values[t] - values[t - lag]` where both are finite (NaN elsewhere). */
export function laggedResiduals(values: ArrayLike<number>, lag: number): Float64Array {
  const out = new Float64Array(Math.max(0, values.length - lag)).fill(Number.NaN);
  for (let t = lag; t < values.length; t++) {
    const d = (values[t] as number) - (values[t - lag] as number);
    if (Number.isFinite(d)) out[t - lag] = d;
  }
  return out;
}

/**
 * Quantile paths around `mean` from the empirical quantiles of `residuals` (normal fallback when
 * few), the spread multiplied by `scale(h)` at 0-based step h. Clipped at 0, non-crossing.
 */
export function scaledResidualPaths(
  mean: Float64Array,
  residuals: ArrayLike<number>,
  quantiles: readonly Quantile[],
  scale: (h: number) => number,
): Map<Quantile, Float64Array> {
  // residualQuantilePaths on a zero mean and flat growth yields the raw offsets per quantile.
  const offsets = residualQuantilePaths({
    mean: new Float64Array(1),
    residuals,
    quantiles,
    growth: "flat",
    floor: Number.NEGATIVE_INFINITY,
  });
  const out = new Map<Quantile, Float64Array>();
  for (const [q, offset] of offsets) {
    const o = Number.isFinite(offset[0] as number) ? (offset[0] as number) : 0;
    const path = new Float64Array(mean.length);
    for (let h = 0; h < mean.length; h++) path[h] = Math.max(0, (mean[h] as number) + o * scale(h));
    out.set(q, path);
  }
  return sortQuantilePaths(out);
}

/** Spread growth for random-walk-like errors: √h (h 1-based). */
export const sqrtGrowth = (h: number): number => Math.sqrt(h + 1);

/** Spread growth for seasonal repetition: √(whole periods ahead), as statsforecast's seasonal naive. */
export function seasonalGrowth(periodSteps: number): (h: number) => number {
  return (h) => Math.sqrt(Math.floor(h / periodSteps) + 1);
}

/** Replaces non-finite or negative values by 0 (demand is never negative). */
export function clipNonNegative(values: Float64Array): Float64Array {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!(v > 0)) values[i] = 0;
  }
  return values;
}

export function makeResult(
  series: Series,
  mean: Float64Array,
  quantiles: Map<Quantile, Float64Array>,
): ForecastResult {
  return {
    startMs: series.startMs + series.values.length * series.stepSeconds * 1000,
    stepSeconds: series.stepSeconds,
    mean,
    quantiles,
  };
}

/** "45 min", "31 h", "2 days": whole units, largest that fits. */
export function describeDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 2 * DAY_SECONDS && s % DAY_SECONDS === 0) return `${s / DAY_SECONDS} days`;
  if (s === DAY_SECONDS) return "1 day";
  if (s >= 3600) return `${Math.floor(s / 3600)} h`;
  if (s >= 60) return `${Math.floor(s / 60)} min`;
  return `${s} s`;
}

/** "a daily pattern", "a weekly pattern", "a 6 h pattern". */
export function describePattern(periodSeconds: number): string {
  if (periodSeconds === DAY_SECONDS) return "a daily pattern";
  if (periodSeconds === WEEK_SECONDS) return "a weekly pattern";
  return `a ${describeDuration(periodSeconds)} pattern`;
}

/** Seconds of history the series covers, from its first finite point to its end. */
export function coveredSeconds(series: Series): number {
  const first = firstFiniteIndex(series.values);
  return first < 0 ? 0 : (series.values.length - first) * series.stepSeconds;
}

/**
 * Ready when the series covers `cycles` periods of `periodSeconds` from its first finite point;
 * otherwise says so in operator words ("needs 2 days of history for a daily pattern, has 31 h").
 */
export function cycleReadiness(series: Series, periodSeconds: number, cycles = 2): Readiness {
  const need = cycles * periodSeconds;
  const have = coveredSeconds(series);
  if (have >= need && countFinite(series.values) >= 2) return { ready: true };
  return {
    ready: false,
    reason: `needs ${describeDuration(need)} of history for ${describePattern(periodSeconds)}, has ${describeDuration(have)}`,
    needMoreSeconds: Math.max(series.stepSeconds, need - have),
  };
}

/**
 * The seasonal models' readiness: `points` finite values, then two full periods: none more once a
 * period (among `candidates`, seconds) shows, else of `defaultPeriodSeconds`, since no period can
 * be detected before two of them are there.
 */
export function periodReadiness(
  series: Series,
  candidates: readonly number[],
  defaultPeriodSeconds: number,
  points: number,
): Readiness {
  const enough = pointReadiness(series, points);
  if (!enough.ready) return enough;
  // Two default seasons settle it without detecting a period (detection sorts and scans the series,
  // and a backtest asks at every origin); only a shorter history needs a detected one.
  const cycles = cycleReadiness(series, defaultPeriodSeconds);
  if (cycles.ready) return cycles;
  return detectPeriod(series.values, series.stepSeconds, candidates) !== undefined ? { ready: true } : cycles;
}

/** Ready with at least `points` finite values. */
export function pointReadiness(series: Series, points: number): Readiness {
  const have = countFinite(series.values);
  if (have >= points) return { ready: true };
  return {
    ready: false,
    reason: `needs at least ${points} data points, has ${have}`,
    needMoreSeconds: (points - have) * series.stepSeconds,
  };
}

export interface NelderMeadOptions {
  /** Initial simplex step per coordinate (default 0.5). */
  readonly step?: number;
  /** Objective evaluations allowed (default 200). */
  readonly maxEvaluations?: number;
  /** Stop when the simplex's objective spread falls below this, relative (default 1e-6). */
  readonly tolerance?: number;
}

/**
 * Minimizes `f` from `start` with the Nelder-Mead simplex (standard coefficients 1, 2, ½, ½).
 * Hand-written: a handful of smooth parameters, no gradient, and no optimizer in our dependencies.
 */
export function nelderMead(
  f: (x: readonly number[]) => number,
  start: readonly number[],
  options: NelderMeadOptions = {},
): { x: number[]; value: number } {
  const dim = start.length;
  const step = options.step ?? 0.5;
  const maxEvaluations = options.maxEvaluations ?? 200;
  const tolerance = options.tolerance ?? 1e-6;
  const safe = (x: readonly number[]): number => {
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  let simplex = [start.slice()];
  for (let i = 0; i < dim; i++) {
    const p = start.slice();
    p[i] = (p[i] as number) + step;
    simplex.push(p);
  }
  let values = simplex.map(safe);
  let evaluations = simplex.length;
  const along = (a: readonly number[], b: readonly number[], t: number): number[] =>
    a.map((ai, i) => ai + t * ((b[i] as number) - ai));
  while (evaluations < maxEvaluations) {
    const order = values.map((_, i) => i).sort((i, j) => (values[i] as number) - (values[j] as number));
    simplex = order.map((i) => simplex[i] as number[]);
    values = order.map((i) => values[i] as number);
    const best = values[0] as number;
    const worst = values[dim] as number;
    if (Math.abs(worst - best) <= tolerance * (Math.abs(best) + 1e-12)) break;
    const centroid = new Array<number>(dim).fill(0);
    for (let k = 0; k < dim; k++) {
      for (let i = 0; i < dim; i++) centroid[i] = (centroid[i] as number) + (simplex[k]?.[i] as number) / dim;
    }
    const worstPoint = simplex[dim] as number[];
    const reflected = along(centroid, worstPoint, -1);
    const fr = safe(reflected);
    evaluations++;
    if (fr < best) {
      const expanded = along(centroid, worstPoint, -2);
      const fe = safe(expanded);
      evaluations++;
      [simplex[dim], values[dim]] = fe < fr ? [expanded, fe] : [reflected, fr];
    } else if (fr < (values[dim - 1] as number)) {
      [simplex[dim], values[dim]] = [reflected, fr];
    } else {
      const contracted = fr < worst ? along(centroid, reflected, 0.5) : along(centroid, worstPoint, 0.5);
      const fc = safe(contracted);
      evaluations++;
      if (fc < Math.min(fr, worst)) {
        [simplex[dim], values[dim]] = [contracted, fc];
      } else {
        // Shrink everything towards the best point.
        const bestPoint = simplex[0] as number[];
        for (let k = 1; k <= dim; k++) {
          simplex[k] = along(bestPoint, simplex[k] as number[], 0.5);
          values[k] = safe(simplex[k] as number[]);
          evaluations++;
        }
      }
    }
  }
  let bestIndex = 0;
  for (let k = 1; k < values.length; k++)
    if ((values[k] as number) < (values[bestIndex] as number)) bestIndex = k;
  return { x: simplex[bestIndex] as number[], value: values[bestIndex] as number };
}
