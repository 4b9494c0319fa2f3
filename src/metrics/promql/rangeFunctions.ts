/**
 * The functions over a range vector's samples of one series, ported from Prometheus'
 * promql/functions.go so results agree: extrapolatedRate (rate/increase/delta, with counter
 * resets and the zero-point clamp), instantValue (irate), and the *_over_time family.
 * Each returns undefined where Prometheus drops the series from the result.
 */

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

/** irate: the per-second rate between the last two samples (a drop counts as a reset). */
export function instantRate(w: Window): number | undefined {
  if (w.to - w.from < 2) return undefined;
  const last = w.values[w.to - 1] as number;
  const prev = w.values[w.to - 2] as number;
  const intervalMs = (w.timestamps[w.to - 1] as number) - (w.timestamps[w.to - 2] as number);
  if (intervalMs === 0) return undefined;
  const delta = last < prev ? last : last - prev;
  return delta / (intervalMs / 1000);
}

export type OverTime = "avg" | "min" | "max" | "sum" | "count" | "last";

export function overTime(fn: OverTime, w: Window): number | undefined {
  const n = w.to - w.from;
  if (n < 1) return undefined;
  switch (fn) {
    case "count":
      return n;
    case "last":
      return w.values[w.to - 1] as number;
    case "sum":
      return kahanSum(w.values, w.from, w.to);
    case "avg":
      return average(w.values, w.from, w.to);
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
  }
}

export function quantileOverTime(q: number, w: Window): number | undefined {
  if (w.to - w.from < 1) return undefined;
  const values: number[] = [];
  for (let i = w.from; i < w.to; i++) values.push(w.values[i] as number);
  return quantile(q, values);
}

/** Prometheus' quantile(): linear interpolation between closest ranks; q outside [0,1] gives ∓Inf. */
export function quantile(q: number, values: readonly number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const sorted = [...values].sort((a, b) => (Number.isNaN(a) ? -1 : Number.isNaN(b) ? 1 : a - b));
  const n = sorted.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return (sorted[lower] as number) * (1 - weight) + (sorted[upper] as number) * weight;
}

/** Kahan–Babuška summation, as Prometheus' kahanSumInc. */
export function kahanSum(values: ArrayLike<number>, from = 0, to = values.length): number {
  let sum = 0;
  let c = 0;
  for (let i = from; i < to; i++) {
    const v = values[i] as number;
    const t = sum + v;
    if (!Number.isFinite(t)) {
      c = 0;
    } else if (Math.abs(sum) >= Math.abs(v)) {
      c += sum - t + v;
    } else {
      c += v - t + sum;
    }
    sum = t;
  }
  return Number.isFinite(sum) ? sum + c : sum;
}

/** The mean: a compensated sum divided by the count (an incremental mean if the sum overflows). */
export function average(values: ArrayLike<number>, from = 0, to = values.length): number {
  const sum = kahanSum(values, from, to);
  const n = to - from;
  if (Number.isFinite(sum) || values.length === 0) return sum / n;
  let mean = 0;
  for (let i = from; i < to; i++) mean += ((values[i] as number) - mean) / (i - from + 1);
  return mean;
}
