/**
 * Seasonal naive baseline: every future step equals the value one period earlier, with the period
 * found automatically (seasonality.ts; 1 day or 7 days by default). Intervals come from in-sample
 * seasonal residuals (y[t] − y[t − period]), widened by √(whole periods ahead) as statsforecast's
 * SeasonalNaive does. Without a detectable period it behaves as the naive model.
 */

import { DAY_SECONDS, DEFAULT_PERIOD_CANDIDATES, detectPeriod } from "../seasonality.js";
import type { FittedModel, ForecastResult, Model, Quantile, Readiness, Series } from "../types.js";
import {
  checkForecastArgs,
  clipNonNegative,
  laggedResiduals,
  makeResult,
  periodReadiness,
  requireLastFinite,
  scaledResidualPaths,
  seasonalGrowth,
  sqrtGrowth,
} from "./fitHelpers.js";

export const SEASONAL_NAIVE = "seasonal_naive";

export interface SeasonalNaiveOptions {
  /** Candidate periods in seconds (default 1 day and 7 days). */
  readonly candidates?: readonly number[];
  /** Period assumed for readiness before one can be detected (default 1 day). */
  readonly defaultPeriodSeconds?: number;
}

/** A fitted seasonal naive model; the period used is exposed for diagnostics. */
export interface SeasonalNaiveFit extends FittedModel {
  /** Period in steps (1: none detected, naive). */
  readonly periodSteps: number;
}

/** Path that repeats the last observed cycle; a gap falls back to earlier cycles, then to `last`. */
export function repeatLastCycle(
  values: ArrayLike<number>,
  periodSteps: number,
  horizonSteps: number,
  last: number,
): Float64Array {
  const n = values.length;
  const out = new Float64Array(horizonSteps);
  for (let h = 0; h < horizonSteps; h++) {
    let v = Number.NaN;
    for (let i = n - periodSteps + (h % periodSteps); i >= 0 && !Number.isFinite(v); i -= periodSteps) {
      v = values[i] as number;
    }
    out[h] = Number.isFinite(v) ? v : last;
  }
  return clipNonNegative(out);
}

export class SeasonalNaiveModel implements Model {
  readonly name = SEASONAL_NAIVE;
  readonly fitCost = "cheap";
  readonly #candidates: readonly number[];
  readonly #defaultPeriodSeconds: number;

  constructor(options: SeasonalNaiveOptions = {}) {
    this.#candidates = options.candidates ?? DEFAULT_PERIOD_CANDIDATES;
    this.#defaultPeriodSeconds = options.defaultPeriodSeconds ?? DAY_SECONDS;
  }

  /**
   * Ready once two full periods are there: of the detected period if any, otherwise of the default
   * (daily) one, since a period cannot be detected earlier. After that, with no period found, the
   * model is a naive forecast and needs only 2 points.
   */
  readiness(series: Series): Readiness {
    return periodReadiness(series, this.#candidates, this.#defaultPeriodSeconds, 2);
  }

  async fit(series: Series): Promise<SeasonalNaiveFit> {
    const last = Math.max(0, requireLastFinite(SEASONAL_NAIVE, series));
    const period = detectPeriod(series.values, series.stepSeconds, this.#candidates)?.periodSteps ?? 1;
    const residuals = laggedResiduals(series.values, period);
    const growth = period > 1 ? seasonalGrowth(period) : sqrtGrowth;
    return {
      name: SEASONAL_NAIVE,
      periodSteps: period,
      forecast(horizonSteps: number, quantiles: readonly Quantile[]): ForecastResult {
        checkForecastArgs(SEASONAL_NAIVE, horizonSteps, quantiles);
        const mean = repeatLastCycle(series.values, period, horizonSteps, last);
        return makeResult(series, mean, scaledResidualPaths(mean, residuals, quantiles, growth));
      },
    };
  }
}
