/**
 * Crane-style DSP predictor (gocrane/crane pkg/prediction/dsp), simplified where noted:
 * - Preprocessing as Crane: gaps filled linearly; values outside P0.1–P99.9 replaced by the
 *   previous value.
 * - Periodicity among 1 d and 7 d only. (1) Spectrum: the DFT power at the candidate's frequency
 *   must beat the 99th percentile of the largest periodogram ordinate of white noise, computed in
 *   closed form (ln(N/2) + ln 100 in units of the mean ordinate) instead of Crane's 100 random
 *   permutations; only the candidate bin is evaluated, so no FFT is needed. (2) Autocorrelation:
 *   the lag must sit on a peak (positive regression slope of the ACF before it, negative after).
 *   Of the candidates that pass, the one with the higher autocorrelation wins.
 * - Estimators: repeat the last cycle, or Crane's `maxValue` (per phase, the max over past
 *   cycles, times 1 + marginFraction). As Crane does, each is backtested on the last held-out
 *   cycle and the lowest asymmetric MAPE wins. Crane's `fft` (low-pass) estimator is left out.
 * - No period: a flat forecast at the last value (naive), so the model always answers.
 * Intervals: in-sample residuals of cycle repetition (y[t] − y[t − period]), widened by
 * √(whole periods ahead); with no period, one-step residuals widened by √h.
 */

import {
  autocorrelation,
  DAY_SECONDS,
  DEFAULT_PERIOD_CANDIDATES,
  detrend,
  stepsPer,
} from "../seasonality.js";
import { empiricalQuantile } from "../stats.js";
import type { FittedModel, ForecastResult, Model, Quantile, Readiness, Series } from "../types.js";
import {
  checkForecastArgs,
  clipNonNegative,
  cycleReadiness,
  laggedResiduals,
  makeResult,
  pointReadiness,
  requireLastFinite,
  scaledResidualPaths,
  seasonalGrowth,
  sqrtGrowth,
} from "./fitHelpers.js";

export const DSP = "dsp";

export type DspEstimator = "repeat_last_cycle" | "max_value";

export interface DspOptions {
  /** Candidate periods in seconds (default 1 day and 7 days, as Crane). */
  readonly candidates?: readonly number[];
  /** Estimators to choose from by backtest (default both). */
  readonly estimators?: readonly DspEstimator[];
  /** `max_value` multiplies its estimate by 1 + this (Crane's marginFraction, default 0). */
  readonly marginFraction?: number;
  /** `max_value` looks at most this many past cycles back (default 7). */
  readonly maxCycles?: number;
}

/** A fitted DSP model, with what it found for diagnostics. */
export interface DspFit extends FittedModel {
  /** Detected period in steps, or undefined when the forecast is flat. */
  readonly periodSteps: number | undefined;
  readonly estimator: DspEstimator | "flat";
  /** Asymmetric MAPE of each estimator on the held-out last cycle. */
  readonly backtest: ReadonlyMap<DspEstimator, number>;
}

/** Linear gap fill (ends held flat), then P0.1–P99.9 outliers replaced by the previous value. */
export function preprocess(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const out = Float64Array.from(values as ArrayLike<number>);
  let prev = -1;
  for (let i = 0; i <= n; i++) {
    if (i < n && !Number.isFinite(out[i] as number)) continue;
    if (i - prev > 1) {
      const left = prev >= 0 ? (out[prev] as number) : undefined;
      const right = i < n ? (out[i] as number) : undefined;
      for (let k = prev + 1; k < i; k++) {
        if (left !== undefined && right !== undefined)
          out[k] = left + ((right - left) * (k - prev)) / (i - prev);
        else out[k] = left ?? right ?? 0;
      }
    }
    prev = i;
  }
  const lo = empiricalQuantile(out, 0.001);
  const hi = empiricalQuantile(out, 0.999);
  for (let i = 0; i < n; i++) {
    const v = out[i] as number;
    if (v < lo || v > hi) out[i] = i > 0 ? (out[i - 1] as number) : Math.min(hi, Math.max(lo, v));
  }
  return out;
}

/** Periodogram ordinate at `cycles` cycles over the series, in units of its variance (white noise: Exp(1)). */
function spectralRatio(centered: Float64Array, cycles: number): number {
  const n = centered.length;
  let re = 0;
  let im = 0;
  let energy = 0;
  for (let t = 0; t < n; t++) {
    const v = centered[t] as number;
    const angle = (2 * Math.PI * cycles * t) / n;
    re += v * Math.cos(angle);
    im -= v * Math.sin(angle);
    energy += v * v;
  }
  return energy > 0 ? (re * re + im * im) / energy : 0;
}

/** Least-squares slope of ys over xs. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}

/** Whether lag `p` sits on an autocorrelation peak: ACF rising into it and falling after it. */
function onAcfPeak(centered: Float64Array, p: number): boolean {
  const width = Math.max(2, Math.round(p * 0.1));
  const stride = Math.max(1, Math.floor(width / 10));
  const before: number[][] = [[], []];
  const after: number[][] = [[], []];
  for (let k = 0; k <= width; k += stride) {
    before[0]?.push(p - k);
    before[1]?.push(autocorrelation(centered, p - k));
    after[0]?.push(p + k);
    after[1]?.push(autocorrelation(centered, p + k));
  }
  if ([...(before[1] ?? []), ...(after[1] ?? [])].some((v) => !Number.isFinite(v))) return false;
  return (
    slope(before[0] ?? [], before[1] ?? []) > 0 &&
    slope(after[0] ?? [], after[1] ?? []) < 0 &&
    (before[1]?.[0] as number) > 0
  );
}

/** The candidate period (steps) that passes both the spectral and the autocorrelation test. */
export function detectDspPeriod(
  cleaned: Float64Array,
  stepSeconds: number,
  candidates: readonly number[] = DEFAULT_PERIOD_CANDIDATES,
): { periodSteps: number; strength: number } | undefined {
  let best: { periodSteps: number; strength: number } | undefined;
  for (const seconds of [...candidates].sort((a, b) => a - b)) {
    const p = stepsPer(seconds, stepSeconds);
    const cycles = Math.floor(cleaned.length / p);
    if (p < 4 || cycles < 2) continue;
    // Whole cycles only, so the candidate frequency falls exactly on a DFT bin.
    const centered = detrend(cleaned.subarray(cleaned.length - cycles * p));
    const n = centered.length;
    if (spectralRatio(centered, cycles) <= Math.log(n / 2) + Math.log(100)) continue;
    if (!onAcfPeak(centered, p)) continue;
    const strength = autocorrelation(centered, p);
    if (best === undefined || strength > best.strength) best = { periodSteps: p, strength };
  }
  return best;
}

/**
 * Crane-style asymmetric MAPE: over-forecasting by x costs x, under-forecasting by x costs
 * −ln(1 − x)/ln 1.25 (20% under costs 1), since running short of capacity is worse. Where the
 * actual is about 0, the absolute error over the mean actual is used instead.
 */
export function asymmetricMape(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  let scale = 0;
  let count = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    if (Number.isFinite(a)) {
      scale += Math.abs(a);
      count++;
    }
  }
  scale = count > 0 ? scale / count : 0;
  let cost = 0;
  let n = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const p = predicted[i] as number;
    if (!Number.isFinite(a) || !Number.isFinite(p)) continue;
    n++;
    if (Math.abs(a) <= 1e-9 * Math.max(1, scale)) {
      cost += scale > 0 ? Math.abs(p - a) / scale : Math.abs(p - a);
      continue;
    }
    const e = (p - a) / Math.abs(a);
    cost += e >= 0 ? e : -Math.log(Math.max(1e-6, 1 + e)) / Math.log(1.25);
  }
  return n > 0 ? cost / n : Number.POSITIVE_INFINITY;
}

/** One cycle (length p) estimated from `history`, aligned so cycle[j] follows history's end by j. */
function estimateCycle(
  history: Float64Array,
  p: number,
  estimator: DspEstimator,
  maxCycles: number,
  margin: number,
): Float64Array {
  const n = history.length;
  const cycle = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    if (estimator === "repeat_last_cycle") {
      cycle[j] = history[n - p + j] as number;
      continue;
    }
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 1, i = n - p + j; c <= maxCycles && i >= 0; c++, i -= p)
      max = Math.max(max, history[i] as number);
    cycle[j] = max * (1 + margin);
  }
  return cycle;
}

export class DspModel implements Model {
  readonly name = DSP;
  readonly fitCost = "cheap";
  readonly #candidates: readonly number[];
  readonly #estimators: readonly DspEstimator[];
  readonly #margin: number;
  readonly #maxCycles: number;

  constructor(options: DspOptions = {}) {
    this.#candidates = options.candidates ?? DEFAULT_PERIOD_CANDIDATES;
    this.#estimators = options.estimators ?? ["repeat_last_cycle", "max_value"];
    this.#margin = options.marginFraction ?? 0;
    this.#maxCycles = options.maxCycles ?? 7;
    if (this.#estimators.length === 0) throw new RangeError(`${DSP}: estimators must not be empty`);
  }

  /** Two cycles of 1 day, as Crane needs before its periodicity test can pass. */
  readiness(series: Series): Readiness {
    const points = pointReadiness(series, 2);
    return points.ready ? cycleReadiness(series, DAY_SECONDS) : points;
  }

  async fit(series: Series): Promise<DspFit> {
    const last = Math.max(0, requireLastFinite(DSP, series));
    const cleaned = preprocess(series.values);
    const period = detectDspPeriod(cleaned, series.stepSeconds, this.#candidates)?.periodSteps;
    const backtest = new Map<DspEstimator, number>();
    if (period === undefined) {
      const residuals = laggedResiduals(series.values, 1);
      return {
        name: DSP,
        periodSteps: undefined,
        estimator: "flat",
        backtest,
        forecast(horizonSteps: number, quantiles: readonly Quantile[]): ForecastResult {
          checkForecastArgs(DSP, horizonSteps, quantiles);
          const mean = new Float64Array(horizonSteps).fill(last);
          return makeResult(series, mean, scaledResidualPaths(mean, residuals, quantiles, sqrtGrowth));
        },
      };
    }
    const n = cleaned.length;
    const heldOut = cleaned.subarray(n - period);
    const history = cleaned.subarray(0, n - period);
    let chosen = this.#estimators[0] as DspEstimator;
    for (const estimator of this.#estimators) {
      const score = asymmetricMape(
        heldOut,
        estimateCycle(history, period, estimator, this.#maxCycles, this.#margin),
      );
      backtest.set(estimator, score);
      if (score < (backtest.get(chosen) as number)) chosen = estimator;
    }
    const cycle = clipNonNegative(estimateCycle(cleaned, period, chosen, this.#maxCycles, this.#margin));
    const residuals = laggedResiduals(series.values, period);
    const growth = seasonalGrowth(period);
    return {
      name: DSP,
      periodSteps: period,
      estimator: chosen,
      backtest,
      forecast(horizonSteps: number, quantiles: readonly Quantile[]): ForecastResult {
        checkForecastArgs(DSP, horizonSteps, quantiles);
        const mean = new Float64Array(horizonSteps);
        for (let h = 0; h < horizonSteps; h++) mean[h] = cycle[h % period] as number;
        return makeResult(series, mean, scaledResidualPaths(mean, residuals, quantiles, growth));
      },
    };
  }
}
