/**
 * Naive baseline: every future step equals the last observed value. Intervals come from the
 * in-sample one-step residuals (differences of consecutive finite points), widened by √h, as
 * statsforecast's Naive does. Kept for comparison and as the last-resort fallback.
 */
import { residualQuantilePaths } from "../intervals.js";
import type { FittedModel, ForecastResult, Model, Quantile, Readiness, Series } from "../types.js";
import {
  checkForecastArgs,
  laggedResiduals,
  makeResult,
  pointReadiness,
  requireLastFinite,
} from "./fitHelpers.js";

export const NAIVE = "naive";

export interface NaiveOptions {
  /** Use only the most recent this many residuals for the intervals (default: all). */
  readonly residualWindow?: number;
}

export class NaiveModel implements Model {
  readonly name = NAIVE;
  readonly fitCost = "cheap";
  readonly #options: NaiveOptions;

  constructor(options: NaiveOptions = {}) {
    this.#options = options;
  }

  readiness(series: Series): Readiness {
    return pointReadiness(series, 2);
  }

  async fit(series: Series): Promise<FittedModel> {
    const last = Math.max(0, requireLastFinite(NAIVE, series));
    const all = laggedResiduals(series.values, 1);
    const window = this.#options.residualWindow;
    const residuals = window !== undefined && window < all.length ? all.subarray(all.length - window) : all;
    return {
      name: NAIVE,
      forecast(horizonSteps: number, quantiles: readonly Quantile[]): ForecastResult {
        checkForecastArgs(NAIVE, horizonSteps, quantiles);
        const mean = new Float64Array(horizonSteps).fill(last);
        return makeResult(
          series,
          mean,
          residualQuantilePaths({ mean, residuals, quantiles, growth: "sqrt" }),
        );
      },
    };
  }
}
