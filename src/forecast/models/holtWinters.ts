/**
 * Additive Holt-Winters with a damped trend, the model PHPA runs. One season is the detected period
 * (daily preferred over weekly, seasonality.ts); with none, it is damped Holt (level + trend).
 * Smoothing parameters (alpha, beta, gamma, phi) minimize the one-step in-sample squared error: a
 * coarse grid, then Nelder-Mead in a logistic-bounded space (hand-written in fitHelpers.ts; four
 * smooth parameters need nothing more, and no optimizer is among our dependencies). At missing
 * points the state is carried forward by its own forecast. Intervals: empirical quantiles of the
 * one-step residuals widened by √h (statsforecast-style for a model without its own likelihood).
 */
import { residualQuantilePaths } from "../intervals.js";
import { DAY_SECONDS, DEFAULT_PERIOD_CANDIDATES, detectPeriod, stepsPer } from "../seasonality.js";
import { nanMean } from "../stats.js";
import type { FittedModel, ForecastResult, Model, Quantile, Readiness, Series } from "../types.js";
import {
  checkForecastArgs,
  clipNonNegative,
  firstFiniteIndex,
  makeResult,
  nelderMead,
  periodReadiness,
  requireLastFinite,
} from "./fitHelpers.js";

export const HOLT_WINTERS = "holt_winters";

export interface HoltWintersOptions {
  /** Candidate season lengths in seconds (default 1 day and 7 days). */
  readonly candidates?: readonly number[];
  /** Season assumed for readiness before one can be detected (default 1 day). */
  readonly defaultPeriodSeconds?: number;
  /** Fit on at most this many recent points (default 20,000; at least 3 seasons are kept). */
  readonly maxFitPoints?: number;
  /** Objective evaluations for the Nelder-Mead refinement (default 150). */
  readonly maxEvaluations?: number;
  /**
   * Also fit to the error of forecasts made this far ahead (seconds; default 0 = one-step SSE
   * only, as PHPA/statsmodels). An option, not the default: on four shared traces at a 1 h lead it
   * was no better overall than one-step fitting.
   */
  readonly fitLeadSeconds?: number;
}

export interface HoltWintersParams {
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
  readonly phi: number;
}

/** A fitted Holt-Winters model; parameters and season length exposed for diagnostics. */
export interface HoltWintersFit extends FittedModel {
  readonly params: HoltWintersParams;
  /** Season length in steps (1: no season detected, damped Holt). */
  readonly periodSteps: number;
}

interface HwState {
  level: number;
  trend: number;
  readonly season: Float64Array;
}

const PHI_MIN = 0.8;
const PHI_MAX = 0.98;

/**
 * Starting state from the first two seasons (classical decomposition), NaN-aware: trend from the
 * difference of the two season means (a regression line would be biased by the cycle itself),
 * season = mean deviation from that line at each phase, centred. Without a season: first value,
 * no trend.
 */
function initialState(y: Float64Array, period: number): HwState {
  const season = new Float64Array(period);
  const m1 = nanMean(y.subarray(0, period));
  const m2 = nanMean(y.subarray(period, 2 * period));
  if (period > 1 && Number.isFinite(m1) && Number.isFinite(m2)) {
    const trend = (m2 - m1) / period;
    const line = (t: number): number => m1 + trend * (t - (period - 1) / 2);
    for (let i = 0; i < period; i++) {
      let sum = 0;
      let n = 0;
      for (const t of [i, i + period]) {
        const v = y[t] as number;
        if (Number.isFinite(v)) {
          sum += v - line(t);
          n++;
        }
      }
      season[i] = n > 0 ? sum / n : 0;
    }
    const centre = nanMean(season);
    for (let i = 0; i < period; i++) season[i] = (season[i] as number) - centre;
    // Level just before t = 0, so the first forecast is level + trend + season.
    return { level: line(-1), trend, season };
  }
  const first = y[Math.max(0, firstFiniteIndex(y))] as number;
  return { level: Number.isFinite(first) ? first : 0, trend: 0, season };
}

/**
 * Runs the recursions over `y`. Returns the fitting loss: mean squared one-step error, plus (when
 * `lead` > 1) the mean squared error of forecasts made `lead` steps earlier, and the final state.
 * Writes the one-step errors to `residuals` when given. Missing points advance the state by its
 * forecast. The lead-step forecasts come from a ring of past (level, trend); the seasonal term is
 * not updated between origin and target as long as `lead` ≤ period.
 */
function run(
  y: Float64Array,
  period: number,
  p: HoltWintersParams,
  init: HwState,
  lead = 1,
  residuals?: Float64Array,
): { loss: number; state: HwState } {
  const { alpha, beta, gamma, phi } = p;
  const s = Float64Array.from(init.season);
  let l = init.level;
  let b = init.trend;
  let sse1 = 0;
  let n1 = 0;
  let sseLead = 0;
  let nLead = 0;
  const pastLevel = new Float64Array(lead);
  const pastTrend = new Float64Array(lead);
  let dampLead = 0;
  for (let i = 1, power = 1; i <= lead; i++) {
    power *= phi;
    dampLead += power;
  }
  for (let t = 0; t < y.length; t++) {
    const phase = t % period;
    const seasonal = s[phase] as number;
    const v = y[t] as number;
    const damped = phi * b;
    const ring = t % lead;
    if (Number.isFinite(v)) {
      const e = v - (l + damped + seasonal);
      sse1 += e * e;
      n1++;
      if (lead > 1 && t >= lead) {
        const eLead = v - ((pastLevel[ring] as number) + dampLead * (pastTrend[ring] as number) + seasonal);
        sseLead += eLead * eLead;
        nLead++;
      }
      if (residuals) residuals[t] = e;
      const next = alpha * (v - seasonal) + (1 - alpha) * (l + damped);
      b = beta * (next - l) + (1 - beta) * damped;
      s[phase] = gamma * (v - next) + (1 - gamma) * seasonal;
      l = next;
    } else {
      if (residuals) residuals[t] = Number.NaN;
      l += damped;
      b = damped;
    }
    pastLevel[ring] = l;
    pastTrend[ring] = b;
  }
  const loss = (n1 > 0 ? sse1 / n1 : 0) + (nLead > 0 ? sseLead / nLead : 0);
  return { loss, state: { level: l, trend: b, season: s } };
}

const logistic = (u: number): number => 1 / (1 + Math.exp(-u));
const logit = (x: number): number => Math.log(x / (1 - x));

/** Unconstrained vector → parameters; gamma is a share of (1 − alpha) to keep the seasons stable. */
function toParams(u: readonly number[], seasonal: boolean): HoltWintersParams {
  const alpha = 0.001 + 0.998 * logistic(u[0] as number);
  return {
    alpha,
    beta: 0.5 * alpha * logistic(u[1] as number),
    gamma: seasonal ? 0.999 * (1 - alpha) * logistic(u[2] as number) : 0,
    phi: PHI_MIN + (PHI_MAX - PHI_MIN) * logistic(u[3] as number),
  };
}

/** Fits the smoothing parameters on `y`: coarse grid, then Nelder-Mead from the best grid point. */
export function fitHoltWintersParams(
  y: Float64Array,
  period: number,
  options: { readonly leadSteps?: number; readonly maxEvaluations?: number } = {},
): { params: HoltWintersParams; loss: number } {
  const seasonal = period > 1;
  const init = initialState(y, period);
  const lead = Math.max(1, Math.min(options.leadSteps ?? 1, seasonal ? period : Number.POSITIVE_INFINITY));
  const objective = (u: readonly number[]): number => run(y, period, toParams(u, seasonal), init, lead).loss;
  let best: number[] = [0, 0, 0, 0];
  let bestValue = Number.POSITIVE_INFINITY;
  for (const a of [0.05, 0.2, 0.5, 0.8]) {
    for (const bShare of [0.05, 0.4]) {
      for (const gShare of seasonal ? [0.05, 0.3] : [0.5]) {
        for (const phiShare of [0.5, 0.9]) {
          const u = [logit((a - 0.001) / 0.998), logit(bShare), logit(gShare), logit(phiShare)];
          const v = objective(u);
          if (v < bestValue) [best, bestValue] = [u, v];
        }
      }
    }
  }
  const refined = nelderMead(objective, best, { maxEvaluations: options.maxEvaluations ?? 150, step: 0.7 });
  if (refined.value < bestValue) [best, bestValue] = [refined.x, refined.value];
  return { params: toParams(best, seasonal), loss: bestValue };
}

export class HoltWintersModel implements Model {
  readonly name = HOLT_WINTERS;
  readonly fitCost = "cheap";
  readonly #candidates: readonly number[];
  readonly #defaultPeriodSeconds: number;
  readonly #maxFitPoints: number;
  readonly #maxEvaluations: number;
  readonly #leadSeconds: number;

  constructor(options: HoltWintersOptions = {}) {
    this.#candidates = options.candidates ?? DEFAULT_PERIOD_CANDIDATES;
    this.#defaultPeriodSeconds = options.defaultPeriodSeconds ?? DAY_SECONDS;
    this.#maxFitPoints = options.maxFitPoints ?? 20_000;
    this.#maxEvaluations = options.maxEvaluations ?? 150;
    this.#leadSeconds = options.fitLeadSeconds ?? 0;
  }

  /** Two full seasons, of the detected period or (before one can be seen) the default daily one. */
  readiness(series: Series): Readiness {
    return periodReadiness(series, this.#candidates, this.#defaultPeriodSeconds, 2);
  }

  async fit(series: Series): Promise<HoltWintersFit> {
    requireLastFinite(HOLT_WINTERS, series);
    const detected = detectPeriod(series.values, series.stepSeconds, this.#candidates);
    const period = detected?.periodSteps ?? 1;
    const n = series.values.length;
    const from = Math.max(firstFiniteIndex(series.values), n - Math.max(this.#maxFitPoints, 3 * period));
    const y = series.values.subarray(from);
    const leadSteps = this.#leadSeconds > 0 ? stepsPer(this.#leadSeconds, series.stepSeconds) : 1;
    const { params } = fitHoltWintersParams(y, period, { leadSteps, maxEvaluations: this.#maxEvaluations });
    const residuals = new Float64Array(y.length);
    const { state } = run(y, period, params, initialState(y, period), 1, residuals);
    // Skip the first season's errors: they mostly measure the initialization.
    const usable = residuals.subarray(Math.min(period, Math.max(0, y.length - 2)));
    return {
      name: HOLT_WINTERS,
      forecast(horizonSteps: number, quantiles: readonly Quantile[]): ForecastResult {
        checkForecastArgs(HOLT_WINTERS, horizonSteps, quantiles);
        const mean = new Float64Array(horizonSteps);
        let damping = 0;
        let phiPower = 1;
        for (let h = 0; h < horizonSteps; h++) {
          phiPower *= params.phi;
          damping += phiPower;
          const seasonal = state.season[(y.length + h) % period] as number;
          mean[h] = state.level + damping * state.trend + seasonal;
        }
        clipNonNegative(mean);
        return makeResult(
          series,
          mean,
          residualQuantilePaths({ mean, residuals: usable, quantiles, growth: "sqrt" }),
        );
      },
      params,
      periodSteps: period,
    };
  }
}
