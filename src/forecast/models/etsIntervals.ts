/**
 * Prediction intervals for a fitted ETS form. Additive-error forms with additive or no season
 * (class 1 of Hyndman et al. 2008, ch. 6) have the exact forecast variance
 * v_h = σ²·(1 + Σ_{j<h} c_j²), c_j = α + β·φ_j + γ·[j mod m = 0], φ_j = φ + … + φ^j, and normal
 * quantiles around the point forecast. The multiplicative forms have no such closed form worth
 * the complexity, so their quantiles come from sample paths simulated through the same recursions
 * with normal errors from a seeded generator (deterministic for a given fit). Paths are clipped at 0
 * and kept non-crossing. Hand-written: no well-kept npm library implements statsforecast/R-style
 * ETS in TypeScript.
 */
import { sortQuantilePaths } from "../intervals.js";
import { seededRandom } from "../random.js";
import type { Quantile } from "../types.js";
import { type EtsForm, type EtsParams, type EtsState, runEts } from "./etsCore.js";

/** Whether the form has the analytical (class 1) variance: additive error, no multiplicative season. */
export function hasAnalyticVariance(form: EtsForm): boolean {
  return form.error === "A" && form.season !== "M";
}

/** Forecast variances v_1..v_horizon of a class-1 form with one-step variance `sigma2` (season length m). */
export function analyticVariances(
  form: EtsForm,
  params: EtsParams,
  m: number,
  sigma2: number,
  horizon: number,
): Float64Array {
  const phi = form.trend === "Ad" ? params.phi : 1;
  const beta = form.trend === "N" ? 0 : params.beta;
  const gamma = form.season === "A" ? params.gamma : 0;
  const out = new Float64Array(horizon);
  let sum = 1;
  let phiSum = 0;
  let power = 1;
  for (let h = 0; h < horizon; h++) {
    out[h] = sigma2 * sum;
    // c_j for j = h + 1, added for the next step.
    const j = h + 1;
    power *= phi;
    phiSum += power;
    const c = params.alpha + beta * phiSum + (m > 1 && j % m === 0 ? gamma : 0);
    sum += c * c;
  }
  return out;
}

export interface SimulationOptions {
  readonly paths: number;
  readonly seed: number;
}

/** Linear-interpolated quantile of an ascending-sorted array (numpy's default). */
function sortedQuantile(sorted: Float64Array, level: number): number {
  const pos = (sorted.length - 1) * level;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

/** Quantile paths from simulated sample paths (errors N(0, σ²), relative for M error). */
export function simulatedPaths(
  form: EtsForm,
  params: EtsParams,
  state: EtsState,
  sigma: number,
  horizon: number,
  quantiles: readonly Quantile[],
  options: SimulationOptions,
): Map<Quantile, Float64Array> {
  const gaps = new Float64Array(horizon).fill(Number.NaN);
  const noise = new Float64Array(horizon);
  const path = new Float64Array(horizon);
  const samples = new Float64Array(horizon * options.paths);
  for (let p = 0; p < options.paths; p++) {
    // One stream per path, so the first steps do not depend on how far ahead is asked.
    const random = seededRandom(options.seed * 100_003 + p);
    for (let h = 0; h < horizon; h++) {
      // Box-Muller from two uniforms.
      noise[h] = sigma * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    }
    path.fill(0);
    runEts(gaps, form, params, state, { noise, simulated: path });
    for (let h = 0; h < horizon; h++) {
      const v = path[h] as number;
      samples[h * options.paths + p] = Number.isFinite(v) ? v : 0;
    }
  }
  const out = new Map<Quantile, Float64Array>();
  for (const q of quantiles) out.set(q, new Float64Array(horizon));
  for (let h = 0; h < horizon; h++) {
    const sorted = samples.subarray(h * options.paths, (h + 1) * options.paths).sort();
    for (const q of quantiles) (out.get(q) as Float64Array)[h] = Math.max(0, sortedQuantile(sorted, q));
  }
  return sortQuantilePaths(out);
}
