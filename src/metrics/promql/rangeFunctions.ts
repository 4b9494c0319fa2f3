/**
 * The functions over a range vector's samples of one series, ported from Prometheus'
 * promql/functions.go so results agree: extrapolatedRate (rate/increase/delta, with counter
 * resets and the zero-point clamp), instantValue (irate/idelta), the *_over_time family with
 * Prometheus' compensated sums and incremental means, changes, resets, the least-squares
 * regression of deriv/predict_linear, and holt_winters. Each returns undefined where Prometheus
 * drops the series from the result.
 */
import { PromQLError } from "./errors.js";
import { goSort } from "./golang.js";

export interface Window {
  readonly timestamps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
  /** Index range [from, to) of the samples inside the window. */
  readonly from: number;
  readonly to: number;
}

/** Prometheus' extrapolatedRate for a window (rangeStartMs, rangeEndMs]. */
export function extrapolatedRate(
  w: Window,
  rangeStartMs: number,
  rangeEndMs: number,
  isCounter: boolean,
  isRate: boolean,
): number | undefined {
  const n = w.to - w.from;
  if (n < 2) return undefined;
  const firstT = w.timestamps[w.from] as number;
  const lastT = w.timestamps[w.to - 1] as number;
  const firstV = w.values[w.from] as number;
  const lastV = w.values[w.to - 1] as number;
  let result = lastV - firstV;
  if (isCounter) {
    let prev = firstV;
    for (let i = w.from + 1; i < w.to; i++) {
      const v = w.values[i] as number;
      if (v < prev) result += prev;
      prev = v;
    }
  }
  let durationToStart = (firstT - rangeStartMs) / 1000;
  let durationToEnd = (rangeEndMs - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  if (durationToStart >= extrapolationThreshold) durationToStart = averageDurationBetweenSamples / 2;
  if (isCounter && result > 0 && firstV >= 0) {
    // Counters cannot be negative: do not extrapolate before the counter's zero point.
    const durationToZero = sampledInterval * (firstV / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= extrapolationThreshold) durationToEnd = averageDurationBetweenSamples / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= (rangeEndMs - rangeStartMs) / 1000;
  return result * factor;
}

/** irate (isRate, a drop counts as a reset, per second) and idelta: from the last two samples. */
export function instantValue(w: Window, isRate: boolean): number | undefined {
  if (w.to - w.from < 2) return undefined;
  const last = w.values[w.to - 1] as number;
  const prev = w.values[w.to - 2] as number;
  const intervalMs = (w.timestamps[w.to - 1] as number) - (w.timestamps[w.to - 2] as number);
  let result = isRate && last < prev ? last : last - prev;
  if (intervalMs === 0) return undefined;
  if (isRate) result /= intervalMs / 1000;
  return result;
}

export type OverTime =
  | "avg"
  | "min"
  | "max"
  | "sum"
  | "count"
  | "last"
  | "stddev"
  | "stdvar"
  | "present"
  | "changes"
  | "resets";

/** The *_over_time functions, changes and resets over a non-empty window. */
export function overTime(fn: OverTime, w: Window): number {
  const n = w.to - w.from;
  switch (fn) {
    case "count":
      return n;
    case "present":
      return 1;
    case "last":
      return w.values[w.to - 1] as number;
    case "sum": {
      let sum = 0;
      let c = 0;
      for (let i = w.from; i < w.to; i++) [sum, c] = kahanSumInc(w.values[i] as number, sum, c);
      return Number.isFinite(sum) || Number.isNaN(sum) ? sum + c : sum;
    }
    case "avg":
      return avgOverTime(w);
    case "min":
    case "max": {
      let acc = w.values[w.from] as number;
      for (let i = w.from + 1; i < w.to; i++) {
        const v = w.values[i] as number;
        // As Prometheus: a NaN accumulator is replaced by any later value.
        if (fn === "max" ? v > acc || Number.isNaN(acc) : v < acc || Number.isNaN(acc)) acc = v;
      }
      return acc;
    }
    case "stddev":
    case "stdvar": {
      let count = 0;
      let mean = 0;
      let cMean = 0;
      let aux = 0;
      let cAux = 0;
      for (let i = w.from; i < w.to; i++) {
        const v = w.values[i] as number;
        count++;
        const delta = v - (mean + cMean);
        [mean, cMean] = kahanSumInc(delta / count, mean, cMean);
        [aux, cAux] = kahanSumInc(delta * (v - (mean + cMean)), aux, cAux);
      }
      const variance = (aux + cAux) / count;
      return fn === "stddev" ? Math.sqrt(variance) : variance;
    }
    case "changes": {
      let changes = 0;
      let prev = w.values[w.from] as number;
      for (let i = w.from + 1; i < w.to; i++) {
        const v = w.values[i] as number;
        if (v !== prev && !(Number.isNaN(v) && Number.isNaN(prev))) changes++;
        prev = v;
      }
      return changes;
    }
    case "resets": {
      let resets = 0;
      let prev = w.values[w.from] as number;
      for (let i = w.from + 1; i < w.to; i++) {
        const v = w.values[i] as number;
        if (v < prev) resets++;
        prev = v;
      }
      return resets;
    }
  }
}

/** avg_over_time: an incremental mean with a compensated running sum, infinities kept. */
function avgOverTime(w: Window): number {
  let mean = 0;
  let count = 0;
  let c = 0;
  for (let i = w.from; i < w.to; i++) {
    const v = w.values[i] as number;
    count++;
    if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
      // An infinite mean stays: same-sign infinities cannot be subtracted, finite values do not move it.
      if (!Number.isFinite(v) && !Number.isNaN(v) && mean > 0 === v > 0) continue;
      if (Number.isFinite(v)) continue;
    }
    [mean, c] = kahanSumInc(v / count - mean / count, mean, c);
  }
  return !Number.isFinite(mean) && !Number.isNaN(mean) ? mean : mean + c;
}

export function quantileOverTime(q: number, w: Window): number {
  const values: number[] = [];
  for (let i = w.from; i < w.to; i++) values.push(w.values[i] as number);
  return quantile(q, values);
}

/**
 * Prometheus' quantile(): values sorted ascending (NaN first), linear interpolation between the
 * closest ranks; q outside [0, 1] gives ∓Inf, a NaN q or no values NaN.
 */
export function quantile(q: number, values: readonly number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const sorted = [...values];
  goSort(sorted, (a, b) => Number.isNaN(a) || a < b);
  const n = sorted.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return (sorted[lower] as number) * (1 - weight) + (sorted[upper] as number) * weight;
}

/** One step of Prometheus' kahanSumInc (Neumaier's variant): the new sum and compensation. */
export function kahanSumInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
  else c += inc - t + sum;
  return [t, c];
}

/** Prometheus' linearRegression: slope and intercept at `interceptMs`, compensated sums. */
export function linearRegression(w: Window, interceptMs: number): [number, number] {
  let n = 0;
  let sumX = 0;
  let cX = 0;
  let sumY = 0;
  let cY = 0;
  let sumXY = 0;
  let cXY = 0;
  let sumX2 = 0;
  let cX2 = 0;
  const initY = w.values[w.from] as number;
  let constY = true;
  for (let i = w.from; i < w.to; i++) {
    const v = w.values[i] as number;
    if (constY && i > w.from && v !== initY) constY = false;
    n += 1;
    const x = ((w.timestamps[i] as number) - interceptMs) / 1e3;
    [sumX, cX] = kahanSumInc(x, sumX, cX);
    [sumY, cY] = kahanSumInc(v, sumY, cY);
    [sumXY, cXY] = kahanSumInc(x * v, sumXY, cXY);
    [sumX2, cX2] = kahanSumInc(x * x, sumX2, cX2);
  }
  if (constY) {
    if (!Number.isFinite(initY) && !Number.isNaN(initY)) return [Number.NaN, Number.NaN];
    return [0, initY];
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  const intercept = sumY / n - (slope * sumX) / n;
  return [slope, intercept];
}

/** deriv: the per-second slope (at least two samples). */
export function deriv(w: Window): number | undefined {
  if (w.to - w.from < 2) return undefined;
  return linearRegression(w, w.timestamps[w.from] as number)[0];
}

/** predict_linear: the value `seconds` after `evalMs` on the regression line. */
export function predictLinear(w: Window, seconds: number, evalMs: number): number | undefined {
  if (w.to - w.from < 2) return undefined;
  const [slope, intercept] = linearRegression(w, evalMs);
  return slope * seconds + intercept;
}

/** holt_winters (double exponential smoothing); sf and tf must be in (0, 1). */
export function holtWinters(w: Window, sf: number, tf: number): number | undefined {
  if (!(sf > 0 && sf < 1)) {
    throw new PromQLError(
      "execution",
      `invalid smoothing factor. Expected: 0 < sf < 1, got: ${sf.toFixed(6)}`,
    );
  }
  if (!(tf > 0 && tf < 1)) {
    throw new PromQLError("execution", `invalid trend factor. Expected: 0 < tf < 1, got: ${tf.toFixed(6)}`);
  }
  const l = w.to - w.from;
  if (l < 2) return undefined;
  const at = (i: number) => w.values[w.from + i] as number;
  let s0 = 0;
  let s1 = at(0);
  let b = at(1) - at(0);
  for (let i = 1; i < l; i++) {
    const x = sf * at(i);
    b = i - 1 === 0 ? b : tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}
