/**
 * Forecast accuracy scores. Scale-free versions divide by the in-sample mean absolute error of the
 * seasonal naive forecast at the same step (Hyndman & Koehler's MASE scale), so a score of 1 means
 * "as wrong as repeating yesterday" and series of any unit average fairly.
 */
import { pinball } from "./stats.js";

const DAY_SECONDS = 86_400;

/**
 * In-sample MAE of seasonal naive on `history`: mean |y[t] − y[t − m]| over finite pairs, m = one
 * day of steps. Falls back to the 1-step naive (m = 1) when history is shorter than two days or the
 * seasonal MAE is 0/undefined, then to the mean |y|, then to 1, so the scale is always usable.
 */
export function naiveScale(history: ArrayLike<number>, stepSeconds: number): number {
  const period = Math.max(1, Math.round(DAY_SECONDS / stepSeconds));
  const candidates = history.length >= 2 * period && period > 1 ? [period, 1] : [1];
  for (const m of candidates) {
    const mae = laggedMae(history, m);
    if (mae > 0) return mae;
  }
  let sum = 0;
  let n = 0;
  for (let i = 0; i < history.length; i++) {
    const v = history[i] as number;
    if (Number.isFinite(v)) {
      sum += Math.abs(v);
      n++;
    }
  }
  return n > 0 && sum > 0 ? sum / n : 1;
}

function laggedMae(values: ArrayLike<number>, lag: number): number {
  let sum = 0;
  let n = 0;
  for (let t = lag; t < values.length; t++) {
    const a = values[t] as number;
    const b = values[t - lag] as number;
    if (Number.isFinite(a) && Number.isFinite(b)) {
      sum += Math.abs(a - b);
      n++;
    }
  }
  return n > 0 ? sum / n : Number.NaN;
}

/** Running sums of a score over many windows; NaN actuals (gaps, masked outages) are not scored. */
export interface ScoreSums {
  absError: number;
  pinball: Map<number, number>;
  covered: Map<number, number>;
  n: number;
}

export function emptySums(): ScoreSums {
  return { absError: 0, pinball: new Map(), covered: new Map(), n: 0 };
}

/** Add one window (actuals and the forecast made for them) to `sums`. */
export function addWindow(
  sums: ScoreSums,
  actual: ArrayLike<number>,
  mean: ArrayLike<number>,
  quantiles: ReadonlyMap<number, ArrayLike<number>>,
): void {
  for (let h = 0; h < actual.length; h++) {
    const y = actual[h] as number;
    if (!Number.isFinite(y)) continue;
    sums.n++;
    sums.absError += Math.abs(y - (mean[h] as number));
    for (const [q, path] of quantiles) {
      const f = path[h] as number;
      sums.pinball.set(q, (sums.pinball.get(q) ?? 0) + pinball(y, f, q));
      sums.covered.set(q, (sums.covered.get(q) ?? 0) + (y <= f ? 1 : 0));
    }
  }
}

export interface Scores {
  /** Mean absolute error of the mean path ÷ scale. */
  readonly mase: number;
  /** Mean pinball loss per quantile ÷ scale. */
  readonly scaledPinball: ReadonlyMap<number, number>;
  /** Fraction of actuals at or below each quantile path (0.9 should be ≈ 0.9). */
  readonly coverage: ReadonlyMap<number, number>;
  readonly points: number;
}

export function finishScores(sums: ScoreSums, scale: number): Scores {
  const n = sums.n;
  const per = (m: Map<number, number>, div: number) =>
    new Map([...m].map(([q, s]) => [q, n > 0 ? s / n / div : Number.NaN]));
  return {
    mase: n > 0 ? sums.absError / n / scale : Number.NaN,
    scaledPinball: per(sums.pinball, scale),
    coverage: per(sums.covered, 1),
    points: n,
  };
}

/** MASE of one forecast path against actuals, with a given scale. */
export function mase(actual: ArrayLike<number>, forecast: ArrayLike<number>, scale: number): number {
  const sums = emptySums();
  addWindow(sums, actual, forecast, new Map());
  return finishScores(sums, scale).mase;
}

/** Mean pinball loss of a quantile path at `level` (unscaled); NaN actuals skipped. */
export function meanPinball(actual: ArrayLike<number>, path: ArrayLike<number>, level: number): number {
  const sums = emptySums();
  addWindow(sums, actual, path, new Map([[level, path]]));
  return sums.n > 0 ? (sums.pinball.get(level) as number) / sums.n : Number.NaN;
}

/** Mean pinball ÷ scale. */
export function scaledPinball(
  actual: ArrayLike<number>,
  path: ArrayLike<number>,
  level: number,
  scale: number,
): number {
  return meanPinball(actual, path, level) / scale;
}

/** Fraction of finite actuals inside [lower, upper]; with lower omitted, at or below `upper`. */
export function intervalCoverage(
  actual: ArrayLike<number>,
  upper: ArrayLike<number>,
  lower?: ArrayLike<number>,
): number {
  let inside = 0;
  let n = 0;
  for (let h = 0; h < actual.length; h++) {
    const y = actual[h] as number;
    if (!Number.isFinite(y)) continue;
    n++;
    if (y <= (upper[h] as number) && (lower === undefined || y >= (lower[h] as number))) inside++;
  }
  return n > 0 ? inside / n : Number.NaN;
}
