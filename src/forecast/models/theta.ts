/**
 * `theta`: the Theta method with automatic choice among its variants, as Nixtla statsforecast's
 * AutoTheta: standard (STM, θ = 2), optimised (OTM), dynamic standard (DSTM) and dynamic optimised
 * (DOTM) Theta (Assimakopoulos & Nikolopoulos 2000; Hyndman & Billah 2003; Fiorucci et al. 2016),
 * each fitted by Nelder-Mead on the in-sample one-step MSE; the lowest MSE wins (thetaCore.ts).
 *
 * - Season: the detected period (daily preferred, as holt_winters). When the 90% seasonality test
 *   passes, a classical decomposition's indices are taken out first (multiplicative, or additive
 *   when the series has zeros or negative values) and put back on the forecast (thetaSeasonal.ts).
 * - Gaps: linearly interpolated for the recursions, left out of the errors.
 * - Fit on at most `maxFitPoints` recent points (at least 3 seasons).
 * - Intervals: NOT statsforecast's Gaussian ones. Empirical quantiles of the in-sample one-step
 *   residuals (deseasonalised scale), widened with the SES-equivalent state-space growth
 *   √(1 + α²(h − 1)) (Hyndman & Billah's SES-with-drift view) and, when multiplicative, scaled by
 *   the seasonal index. Clipped at 0, sorted.
 * - `update(series)`: the same parameters and seasonal indices, the recursions run over the new points.
 *
 * Hand-written: no well-kept npm library implements statsforecast-style ETS/Theta/ARIMA in TS.
 */
import { DAY_SECONDS, DEFAULT_PERIOD_CANDIDATES, detectPeriod } from "../seasonality.js";
import {
  type FittedModel,
  ForecastError,
  type ForecastResult,
  type Model,
  type Quantile,
  type Readiness,
  type Series,
} from "../types.js";
import {
  checkForecastArgs,
  clipNonNegative,
  countFinite,
  firstFiniteIndex,
  makeResult,
  periodReadiness,
  scaledResidualPaths,
} from "./fitHelpers.js";
import {
  continueTheta,
  fitThetaVariant,
  forecastTheta,
  olsLine,
  runTheta,
  THETA_VARIANTS,
  type ThetaFit,
  type ThetaParams,
  type ThetaState,
  type ThetaVariant,
} from "./thetaCore.js";
import {
  deseasonalize,
  fillGaps,
  isSeasonal,
  type SeasonalIndices,
  seasonalIndices,
} from "./thetaSeasonal.js";

export const THETA = "theta";

export interface ThetaOptions {
  /** Candidate season lengths in seconds (default 1 day and 7 days). */
  readonly candidates?: readonly number[];
  /** Season assumed for readiness before one can be detected (default 1 day). */
  readonly defaultPeriodSeconds?: number;
  /** Fit on at most this many recent points (default 20,000; at least 3 seasons are kept). */
  readonly maxFitPoints?: number;
  /** Nelder-Mead objective evaluations per variant (default 120). */
  readonly maxEvaluations?: number;
  /** Variants to choose among (default all four). */
  readonly variants?: readonly ThetaVariant[];
}

/** A fitted Theta model; the chosen variant and its parameters exposed for diagnostics. */
export interface ThetaFitted extends FittedModel {
  readonly variant: ThetaVariant;
  readonly alpha: number;
  readonly theta: number;
  readonly level0: number;
  /** In-sample one-step MSE of the chosen variant (deseasonalised scale), and of every variant tried. */
  readonly mse: number;
  readonly variantMse: Readonly<Partial<Record<ThetaVariant, number>>>;
  /** Season length in steps (1: none detected); `seasonal`: the test passed and indices were applied. */
  readonly periodSteps: number;
  readonly seasonal: boolean;
  /** The decomposition, when seasonal; index k is the phase k steps after the fit's first point. */
  readonly seasonality?: SeasonalIndices;
  update(series: Series): ThetaFitted | Promise<ThetaFitted>;
}

/** Everything a forecast needs; what update carries forward. */
interface ThetaCarry {
  readonly fit: ThetaFit;
  readonly variantMse: Partial<Record<ThetaVariant, number>>;
  readonly state: ThetaState;
  readonly residuals: Float64Array;
  readonly period: number;
  readonly seasonality: SeasonalIndices | undefined;
  /** Unix ms of the fit's first point (phase 0 of the indices). */
  readonly originMs: number;
}

export class ThetaModel implements Model {
  readonly name = THETA;
  readonly fitCost = "expensive";
  readonly #candidates: readonly number[];
  readonly #defaultPeriodSeconds: number;
  readonly #maxFitPoints: number;
  readonly #maxEvaluations: number;
  readonly #variants: readonly ThetaVariant[];

  constructor(options: ThetaOptions = {}) {
    this.#candidates = options.candidates ?? DEFAULT_PERIOD_CANDIDATES;
    this.#defaultPeriodSeconds = options.defaultPeriodSeconds ?? DAY_SECONDS;
    this.#maxFitPoints = options.maxFitPoints ?? 20_000;
    this.#maxEvaluations = options.maxEvaluations ?? 120;
    this.#variants = options.variants ?? THETA_VARIANTS;
    if (this.#variants.length === 0) throw new ForecastError(`${THETA}: variants must not be empty`);
  }

  /** Two full seasons, of the detected period or (before one can be seen) the default daily one. */
  readiness(series: Series): Readiness {
    return periodReadiness(series, this.#candidates, this.#defaultPeriodSeconds, 4);
  }

  async fit(series: Series): Promise<ThetaFitted> {
    if (countFinite(series.values) < 4) {
      throw new ForecastError(`${THETA}: needs at least 4 finite points, has ${countFinite(series.values)}`);
    }
    const period = detectPeriod(series.values, series.stepSeconds, this.#candidates)?.periodSteps ?? 1;
    const n = series.values.length;
    const from = Math.max(firstFiniteIndex(series.values), n - Math.max(this.#maxFitPoints, 3 * period));
    const { y: filled, observed } = fillGaps(series.values.subarray(from));
    const seasonality = isSeasonal(filled, period) ? seasonalIndices(filled, observed, period) : undefined;
    const y = seasonality ? deseasonalize(filled, seasonality, 0) : filled;
    const line = olsLine(y);
    const variantMse: Partial<Record<ThetaVariant, number>> = {};
    let best: ThetaFit | undefined;
    for (const variant of this.#variants) {
      const candidate = fitThetaVariant(y, observed, variant, line, this.#maxEvaluations);
      variantMse[variant] = candidate.mse;
      if (!best || candidate.mse < best.mse) best = candidate;
    }
    const fit = best as ThetaFit;
    const residuals = new Float64Array(y.length);
    const { state } = runTheta(y, observed, fit.variant, fit.params, line, residuals);
    const stepMs = series.stepSeconds * 1000;
    const carry: ThetaCarry = {
      fit,
      variantMse,
      state,
      residuals,
      period,
      seasonality,
      originMs: series.startMs + from * stepMs,
    };
    return fitted(carry, series, (s) => this.fit(s));
  }
}

/** The fitted model over `carry`, forecasting from the end of `series`. */
function fitted(carry: ThetaCarry, series: Series, refit: (s: Series) => Promise<ThetaFitted>): ThetaFitted {
  const { fit, seasonality, state } = carry;
  const p: ThetaParams = fit.params;
  const stepMs = series.stepSeconds * 1000;
  const endMs = series.startMs + series.values.length * stepMs;
  /** Phase offset (steps since the fit's first point) of the first point after `series`. */
  const endOffset = Math.round((endMs - carry.originMs) / stepMs);
  return {
    name: THETA,
    variant: fit.variant,
    alpha: p.alpha,
    theta: p.theta,
    level0: p.level0,
    mse: fit.mse,
    variantMse: carry.variantMse,
    periodSteps: carry.period,
    seasonal: seasonality !== undefined,
    ...(seasonality ? { seasonality } : {}),
    forecast(horizonSteps: number, quantiles: readonly Quantile[]): ForecastResult {
      checkForecastArgs(THETA, horizonSteps, quantiles);
      const base = forecastTheta(state, fit.variant, p, horizonSteps);
      const factor = (h: number): number =>
        seasonality ? (seasonality.index[(endOffset + h) % seasonality.index.length] as number) : 0;
      const mean = new Float64Array(horizonSteps);
      for (let h = 0; h < horizonSteps; h++) {
        const b = base[h] as number;
        mean[h] = !seasonality ? b : seasonality.multiplicative ? b * factor(h) : b + factor(h);
      }
      clipNonNegative(mean);
      const spread = (h: number): number =>
        Math.sqrt(1 + p.alpha * p.alpha * h) * (seasonality?.multiplicative ? factor(h) : 1);
      return makeResult(series, mean, scaledResidualPaths(mean, carry.residuals, quantiles, spread));
    },
    update(next: Series): ThetaFitted | Promise<ThetaFitted> {
      const nextEndMs = next.startMs + next.values.length * stepMs;
      const added = Math.round((nextEndMs - endMs) / stepMs);
      if (next.stepSeconds !== series.stepSeconds || added < 0 || added > next.values.length)
        return refit(next);
      const fresh = next.values.subarray(next.values.length - added);
      const y = seasonality ? deseasonalize(fresh, seasonality, endOffset) : fresh;
      const moved = continueTheta(state, y, fit.variant, p);
      return fitted({ ...carry, state: moved }, next, refit);
    },
  };
}
