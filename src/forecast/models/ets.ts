/**
 * Automatic ETS (exponential smoothing state-space models, Hyndman et al. 2002/2008), as R
 * forecast::ets and statsforecast's AutoETS: every default form — error A/M, trend N/A/Ad, season
 * N/A/M, no multiplicative trend, no additive error with multiplicative season, multiplicative
 * parts only for positive data — is fitted by maximum likelihood and the lowest AICc wins. The
 * season is the detected period (daily preferred over weekly, seasonality.ts), however long (288
 * at 5 min, 1,440 at 1 min, where R refuses m > 24): its seeds come from a decomposition of the
 * first seasons (etsInit.ts), not optimisation, and each form gets a fixed evaluation budget on at
 * most the most recent `maxFitPoints` points, so a fit's cost is bounded. A fitted model can be
 * brought forward over new points with the same parameters (`update`). Hand-written: no well-kept
 * npm library implements statsforecast/R-style ETS in TypeScript.
 */
import type { UpdatableFittedModel } from "../backtest.js";
import { normalQuantilePaths } from "../intervals.js";
import { DAY_SECONDS, DEFAULT_PERIOD_CANDIDATES, detectPeriod } from "../seasonality.js";
import type { ForecastResult, Model, Quantile, Readiness, Series } from "../types.js";
import { candidateForms, type EtsParams, type EtsState, formName, pointForecast, runEts } from "./etsCore.js";
import { initialState } from "./etsInit.js";
import { analyticVariances, hasAnalyticVariance, simulatedPaths } from "./etsIntervals.js";
import { type FormFit, fitForm } from "./etsOptimize.js";
import {
  checkForecastArgs,
  clipNonNegative,
  firstFiniteIndex,
  makeResult,
  periodReadiness,
  requireLastFinite,
} from "./fitHelpers.js";

export const ETS = "ets";

export interface EtsOptions {
  /** Candidate season lengths in seconds (default 1 day and 7 days, as holt_winters). */
  readonly candidates?: readonly number[];
  /** Season assumed for readiness before one can be detected (default 1 day). */
  readonly defaultPeriodSeconds?: number;
  /** Fit on at most this many recent points (default 20,000; at least 3 seasons are kept). */
  readonly maxFitPoints?: number;
  /** Likelihood evaluations per form (default 100). */
  readonly maxEvaluations?: number;
  /** Sample paths for the intervals of multiplicative forms (default 1,000). */
  readonly simulations?: number;
  /** Seed of the simulated errors (default 1). */
  readonly seed?: number;
  /** Charge the m − 1 seasonal seeds in AICc as R does (default false; see etsCore parameterCount). */
  readonly chargeSeasonSeeds?: boolean;
  /** Fit the level and trend seeds with the smoothing parameters, as R does (default true). */
  readonly fitSeeds?: boolean;
}

/** A fitted ETS model; the chosen form and its fit exposed for diagnostics. */
export interface EtsFit extends UpdatableFittedModel {
  /** The chosen form, e.g. "ETS(A,Ad,A)". */
  readonly form: string;
  readonly params: EtsParams;
  readonly aicc: number;
  /** One-step error variance (relative errors for multiplicative error). */
  readonly sigma2: number;
  /** Season length in steps (1: none). */
  readonly periodSteps: number;
  /** AICc of every form tried, by name (Infinity where a form broke down). */
  readonly tried: Readonly<Record<string, number>>;
  update(series: Series): Promise<EtsFit>;
}

interface Chosen {
  readonly fit: FormFit;
  readonly m: number;
  readonly tried: Readonly<Record<string, number>>;
}

export class EtsModel implements Model {
  readonly name = ETS;
  readonly fitCost = "expensive";
  readonly #candidates: readonly number[];
  readonly #defaultPeriodSeconds: number;
  readonly #maxFitPoints: number;
  readonly #maxEvaluations: number;
  readonly #simulations: number;
  readonly #seed: number;
  readonly #chargeSeasonSeeds: boolean;
  readonly #fitSeeds: boolean;

  constructor(options: EtsOptions = {}) {
    this.#candidates = options.candidates ?? DEFAULT_PERIOD_CANDIDATES;
    this.#defaultPeriodSeconds = options.defaultPeriodSeconds ?? DAY_SECONDS;
    this.#maxFitPoints = options.maxFitPoints ?? 20_000;
    this.#maxEvaluations = options.maxEvaluations ?? 100;
    this.#simulations = options.simulations ?? 1000;
    this.#seed = options.seed ?? 1;
    this.#chargeSeasonSeeds = options.chargeSeasonSeeds ?? false;
    this.#fitSeeds = options.fitSeeds ?? true;
  }

  /** Ten points and two full seasons, of the detected period or (before one shows) the default daily one. */
  readiness(series: Series): Readiness {
    return periodReadiness(series, this.#candidates, this.#defaultPeriodSeconds, 10);
  }

  async fit(series: Series): Promise<EtsFit> {
    requireLastFinite(ETS, series);
    const m = detectPeriod(series.values, series.stepSeconds, this.#candidates)?.periodSteps ?? 1;
    const n = series.values.length;
    const from = Math.max(firstFiniteIndex(series.values), n - Math.max(this.#maxFitPoints, 3 * m));
    const chosen = this.#select(series.values.subarray(from), m);
    return this.#fitted(series, chosen, chosen.fit.state);
  }

  /** Fits every candidate form on `y` and keeps the lowest AICc (lowest lik if none has a finite AICc). */
  #select(y: Float64Array, m: number): Chosen {
    let positive = true;
    for (const v of y) if (Number.isFinite(v) && !(v > 0)) positive = false;
    const inits = new Map<string, EtsState>();
    const tried: Record<string, number> = {};
    let best: FormFit | undefined;
    const better = (a: FormFit, b: FormFit | undefined): boolean =>
      !b || a.aicc < b.aicc || (!Number.isFinite(b.aicc) && !Number.isFinite(a.aicc) && a.lik < b.lik);
    for (const form of candidateForms(m > 1, positive)) {
      const key = `${form.trend}${form.season}`;
      let init = inits.get(key);
      if (!init) {
        init = initialState(y, form.trend, form.season, m);
        inits.set(key, init);
      }
      const fit = fitForm(y, form, init, m, {
        maxEvaluations: this.#maxEvaluations,
        seasonSeeds: this.#chargeSeasonSeeds,
        fitSeeds: this.#fitSeeds,
      });
      tried[formName(form)] = fit.aicc;
      if (better(fit, best)) best = fit;
    }
    return { fit: best as FormFit, m, tried };
  }

  /** The fitted model of `chosen` at `state`, which is the state after the last point of `series`. */
  #fitted(series: Series, chosen: Chosen, state: EtsState): EtsFit {
    const { form, params, sigma2 } = chosen.fit;
    const endMs = series.startMs + series.values.length * series.stepSeconds * 1000;
    const simulation = { paths: this.#simulations, seed: this.#seed };
    return {
      name: ETS,
      form: formName(form),
      params,
      aicc: chosen.fit.aicc,
      sigma2,
      periodSteps: chosen.m,
      tried: chosen.tried,
      forecast(horizonSteps: number, quantiles: readonly Quantile[]): ForecastResult {
        checkForecastArgs(ETS, horizonSteps, quantiles);
        const mean = pointForecast(form, params, state, horizonSteps);
        const paths = hasAnalyticVariance(form)
          ? normalQuantilePaths(
              mean,
              analyticVariances(form, params, chosen.m, sigma2, horizonSteps),
              quantiles,
            )
          : simulatedPaths(form, params, state, Math.sqrt(sigma2), horizonSteps, quantiles, simulation);
        return makeResult(series, clipNonNegative(mean), paths);
      },
      update: async (next: Series): Promise<EtsFit> => this.#update(series, endMs, chosen, state, next),
    };
  }

  /** Runs the recursions over the points of `next` after `endMs`; refits if `next` does not extend the fit. */
  async #update(
    previous: Series,
    endMs: number,
    chosen: Chosen,
    state: EtsState,
    next: Series,
  ): Promise<EtsFit> {
    const stepMs = next.stepSeconds * 1000;
    const offset = (endMs - next.startMs) / stepMs;
    if (
      next.stepSeconds !== previous.stepSeconds ||
      !Number.isInteger(offset) ||
      offset < 0 ||
      offset > next.values.length
    )
      return this.fit(next);
    if (offset === next.values.length) return this.#fitted(next, chosen, state);
    requireLastFinite(ETS, next);
    const { form, params } = chosen.fit;
    const run = runEts(next.values.subarray(offset), form, params, state);
    if (!run.complete) return this.fit(next);
    return this.#fitted(next, chosen, run.state);
  }
}
