/**
 * Prediction intervals from in-sample residuals, the standard way for models without a likelihood
 * of their own (as statsforecast does for its baselines): the empirical quantiles of the one-step
 * residuals, widened with the horizon by √h (a random-walk error accumulation), around the mean path.
 * Demand is never negative, so paths are clipped at 0; quantile paths are kept non-crossing.
 * Models with forecast variances of their own get normal paths from them (normalQuantilePaths).
 */
import { empiricalQuantile, finite, normalQuantile } from "./stats.js";
import type { Quantile } from "./types.js";

export interface ResidualIntervalOptions {
  readonly mean: Float64Array;
  /** One-step-ahead in-sample errors (actual − fitted); NaN entries are ignored. */
  readonly residuals: ArrayLike<number>;
  readonly quantiles: readonly Quantile[];
  /** How the spread grows with the step h (1-based): "sqrt" (default) or "flat". */
  readonly growth?: "sqrt" | "flat";
  /** Values may not go below this (default 0). */
  readonly floor?: number;
}

export function residualQuantilePaths(options: ResidualIntervalOptions): Map<Quantile, Float64Array> {
  const { mean, quantiles } = options;
  const errors = finite(options.residuals);
  const floor = options.floor ?? 0;
  // Few residuals: fall back to a normal spread from their standard deviation.
  const sd = Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / Math.max(1, errors.length));
  const offsets = new Map<Quantile, number>();
  for (const q of quantiles) {
    offsets.set(q, errors.length >= 20 ? empiricalQuantile(errors, q) : sd * normalQuantile(q));
  }
  const out = new Map<Quantile, Float64Array>();
  for (const q of quantiles) out.set(q, new Float64Array(mean.length));
  for (let h = 0; h < mean.length; h++) {
    const scale = options.growth === "flat" ? 1 : Math.sqrt(h + 1);
    for (const q of quantiles) {
      const path = out.get(q) as Float64Array;
      path[h] = Math.max(floor, (mean[h] as number) + (offsets.get(q) as number) * scale);
    }
  }
  return sortQuantilePaths(out);
}

/** Make quantile paths non-crossing: at each step, values sorted to follow the quantile levels. */
export function sortQuantilePaths(paths: Map<Quantile, Float64Array>): Map<Quantile, Float64Array> {
  const levels = [...paths.keys()].sort((a, b) => a - b);
  const length = paths.get(levels[0] as number)?.length ?? 0;
  for (let h = 0; h < length; h++) {
    const column = levels.map((q) => (paths.get(q) as Float64Array)[h] as number).sort((a, b) => a - b);
    levels.forEach((q, i) => {
      (paths.get(q) as Float64Array)[h] = column[i] as number;
    });
  }
  return new Map(levels.map((q) => [q, paths.get(q) as Float64Array]));
}

/**
 * Normal quantile paths mean + z_q·√v_h from a model's own forecast variances (one per step), for
 * models with analytical intervals (ETS class 1, ARIMA). Clipped at 0, non-crossing.
 */
export function normalQuantilePaths(
  mean: Float64Array,
  variances: Float64Array,
  quantiles: readonly Quantile[],
): Map<Quantile, Float64Array> {
  const out = new Map<Quantile, Float64Array>();
  for (const q of quantiles) {
    const z = normalQuantile(q);
    const path = new Float64Array(mean.length);
    for (let h = 0; h < mean.length; h++)
      path[h] = Math.max(0, (mean[h] as number) + z * Math.sqrt(variances[h] as number));
    out.set(q, path);
  }
  return sortQuantilePaths(out);
}
