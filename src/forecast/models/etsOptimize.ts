/**
 * Fits one ETS form: the smoothing parameters minimise R forecast's `lik` criterion by Nelder-Mead
 * (fitHelpers.ts) within R's "usual" bounds (0 < β < α < 1, 0 < γ < 1 − α, 0.8 ≤ φ ≤ 0.98), mapped
 * through logistic functions so the simplex moves freely. A fixed, small grid of starts and a fixed
 * evaluation budget per form keep the cost bounded and the result deterministic; the initial states
 * are the heuristic ones of etsInit.ts, not optimised. Hand-written: no well-kept npm library
 * implements statsforecast/R-style ETS in TypeScript.
 */

import { nanMean } from "../stats.js";
import { aicc, type EtsForm, type EtsParams, type EtsState, parameterCount, runEts } from "./etsCore.js";
import { nelderMead } from "./fitHelpers.js";

const LOWER = 1e-4;
const UPPER = 1 - 1e-4;
const PHI_MIN = 0.8;
const PHI_MAX = 0.98;

export interface FormFit {
  readonly form: EtsForm;
  readonly params: EtsParams;
  /** State after the last fitted point. */
  readonly state: EtsState;
  readonly lik: number;
  readonly aicc: number;
  /** Variance of the one-step errors (relative for M error): Σe² / (n − np), as R. */
  readonly sigma2: number;
  /** Objective evaluations spent. */
  readonly evaluations: number;
}

function standardDeviation(y: Float64Array): number {
  const mean = nanMean(y);
  let sum = 0;
  let n = 0;
  for (const v of y) {
    if (!Number.isFinite(v)) continue;
    sum += (v - mean) ** 2;
    n++;
  }
  return n > 1 ? Math.sqrt(sum / (n - 1)) : 0;
}

const logistic = (u: number): number => 1 / (1 + Math.exp(-u));
const logit = (x: number): number => Math.log(x / (1 - x));

/** Unconstrained vector (α, then β, γ, φ where the form has them) → bounded parameters. */
function toParams(form: EtsForm, u: readonly number[]): EtsParams {
  let k = 0;
  const alpha = LOWER + (UPPER - LOWER) * logistic(u[k++] as number);
  const beta = form.trend === "N" ? 0 : LOWER + (alpha - LOWER) * logistic(u[k++] as number);
  const gamma = form.season === "N" ? 0 : LOWER + Math.max(0, 1 - alpha - LOWER) * logistic(u[k++] as number);
  const phi = form.trend === "Ad" ? PHI_MIN + (PHI_MAX - PHI_MIN) * logistic(u[k++] as number) : 1;
  return { alpha, beta, gamma, phi };
}

/** The unconstrained vector for α and the shares of β, γ, φ within their bounds. */
function fromShares(
  form: EtsForm,
  alpha: number,
  shares: { beta: number; gamma: number; phi: number },
): number[] {
  const u = [logit((alpha - LOWER) / (UPPER - LOWER))];
  if (form.trend !== "N") u.push(logit(shares.beta));
  if (form.season !== "N") u.push(logit(shares.gamma));
  if (form.trend === "Ad") u.push(logit(shares.phi));
  return u;
}

/** Fits `form` on `y` from `init` with at most `budget.maxEvaluations` likelihood evaluations. */
export function fitForm(
  y: Float64Array,
  form: EtsForm,
  init: EtsState,
  m: number,
  budget: { readonly maxEvaluations: number; readonly seasonSeeds?: boolean; readonly fitSeeds?: boolean },
): FormFit {
  let evaluations = 0;
  const smoothing = fromShares(form, 0.5, { beta: 0.5, gamma: 0.5, phi: 0.5 }).length;
  // Level and trend seeds move from their heuristic values in steps of a quarter spread (as R fits them).
  const trended = form.trend !== "N";
  const seeds = budget.fitSeeds ? (trended ? 2 : 1) : 0;
  const spread = seeds > 0 ? standardDeviation(y) / 4 : 0;
  const slopeSpread = spread / Math.max(10, 2 * m);
  const seeded = (u: readonly number[]): EtsState =>
    seeds === 0
      ? init
      : {
          ...init,
          level: init.level + spread * (u[smoothing] as number),
          trend: trended ? init.trend + slopeSpread * (u[smoothing + 1] as number) : init.trend,
        };
  const objective = (u: readonly number[]): number => {
    evaluations++;
    return runEts(y, form, toParams(form, u), seeded(u)).lik;
  };
  let best: number[] = [];
  let bestValue = Number.POSITIVE_INFINITY;
  // Starts: a slow, a medium and a fast level; a small share of the rest (as R's initparam).
  for (const alpha of [0.02, 0.2, 0.6]) {
    const u = [
      ...fromShares(form, alpha, { beta: 0.1, gamma: 0.05, phi: 0.9 }),
      ...new Array<number>(seeds).fill(0),
    ];
    const value = objective(u);
    if (best.length === 0 || value < bestValue) [best, bestValue] = [u, value];
  }
  const left = Math.max(0, budget.maxEvaluations - evaluations);
  if (left > best.length + 1) {
    const refined = nelderMead(objective, best, { maxEvaluations: left, step: 0.8 });
    if (refined.value < bestValue) [best, bestValue] = [refined.x, refined.value];
  }
  const params = toParams(form, best);
  const run = runEts(y, form, params, seeded(best));
  const np = parameterCount(form, m, budget.seasonSeeds);
  const dof = run.n - np > 0 ? run.n - np : Math.max(1, run.n);
  return {
    form,
    params,
    state: run.state,
    lik: run.lik,
    aicc: aicc(run.lik, run.n, np),
    sigma2: run.sse / dof,
    evaluations: evaluations + 1,
  };
}
