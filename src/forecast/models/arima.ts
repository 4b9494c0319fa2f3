/**
 * Automatic ARIMA, "arima": Hyndman & Khandakar's (2008) auto.arima as R's forecast package and
 * Nixtla's statsforecast AutoARIMA run it, simplified to stay bounded on 5-minute and 1-minute
 * series with a daily or weekly period m (288, 1440, 2016 steps):
 * - the period is the one holt_winters uses (seasonality.ts detectPeriod); none → non-seasonal;
 * - gaps are filled by linear interpolation before differencing (the last value carried past the
 *   end) and filtered through, but filled points are not scored in the sum of squares, σ² or AICc;
 *   the fit uses the most recent `maxFitPoints` points (at least 3 seasons);
 * - D ∈ {0,1} by seasonal strength > 0.64, then d ∈ {0,1,2} by KPSS at 5% (arimaTests.ts);
 * - the stepwise AICc search over (p,q) ≤ 5 and (P,Q) ≤ 1 at lag m with a constant when
 *   d + D ≤ 1 (arimaSearch.ts), each order estimated by conditional sum of squares (arimaFit.ts),
 *   as auto.arima does during its search on long series (R then refits the winner by maximum
 *   likelihood; here the CSS estimate stands);
 * - forecasts: the ARMA recursion undone through the differences; normal intervals from the
 *   ψ-weights of the expanded model, clipped at 0 (arimaPredict.ts).
 * `update(series)` runs the same coefficients' filter over the newer window without a new search.
 * Hand-written: no well-kept npm library implements statsforecast-style ARIMA in TypeScript.
 */
import { normalQuantilePaths } from "../intervals.js";
import { DEFAULT_PERIOD_CANDIDATES, detectPeriod } from "../seasonality.js";
import type { FittedModel, ForecastResult, Model, Quantile, Readiness, Series } from "../types.js";
import {
  type ArmaCoefficients,
  type ArmaFit,
  armaResiduals,
  conditioningPoints,
  expandArma,
} from "./arimaFit.js";
import {
  type ArimaState,
  differencePoly,
  forecastMean,
  forecastVariances,
  interpolateGaps,
  tailState,
} from "./arimaPredict.js";
import { stepwiseSearch } from "./arimaSearch.js";
import { difference, ndiffs, nsdiffs } from "./arimaTests.js";
import {
  checkForecastArgs,
  clipNonNegative,
  firstFiniteIndex,
  makeResult,
  pointReadiness,
  requireLastFinite,
} from "./fitHelpers.js";

export const ARIMA = "arima";

export interface ArimaOptions {
  /** Candidate season lengths in seconds (default 1 day and 7 days). */
  readonly candidates?: readonly number[];
  /** Fit on at most this many recent points (default 4,000; at least 3 seasons are kept). */
  readonly maxFitPoints?: number;
  /** Search seasonal AR/MA terms (P, Q ≤ 1) when a period is found (default true). */
  readonly seasonalTerms?: boolean;
  /** Largest non-seasonal p and q (default 5). */
  readonly maxOrder?: number;
  /** Fits the stepwise search may make (default 40). */
  readonly maxModels?: number;
  /** Finite points needed before the model is ready (default 50). */
  readonly minPoints?: number;
}

/** (p,d,q)(P,D,Q)[m]. */
export interface ArimaOrder {
  readonly p: number;
  readonly d: number;
  readonly q: number;
  readonly P: number;
  readonly D: number;
  readonly Q: number;
  readonly m: number;
}

export interface ArimaFitted extends FittedModel {
  readonly order: ArimaOrder;
  /** R-style: "ARIMA(1,1,1)(0,1,1)[288]", "ARIMA(1,0,0) with non-zero mean". */
  readonly orderText: string;
  readonly coefficients: ArmaCoefficients;
  readonly sigma2: number;
  readonly aicc: number;
  /** Orders the stepwise search fitted. */
  readonly modelsTried: number;
  update(series: Series): ArimaFitted;
}

export function describeOrder(o: ArimaOrder, constant: boolean): string {
  const seasonal = o.m > 1 ? `(${o.P},${o.D},${o.Q})[${o.m}]` : "";
  const base = `ARIMA(${o.p},${o.d},${o.q})${seasonal}`;
  if (!constant) return base;
  return `${base} ${o.d + o.D === 0 ? "with non-zero mean" : "with drift"}`;
}

/**
 * The gap-filled fit window of `series` (its last `points` values from the first finite one) and,
 * per point of the differenced series, whether its current value was observed (1) or filled (0).
 */
function fitWindow(
  series: Series,
  points: number,
  order: DifferenceOrder,
): { y: Float64Array; observed: Uint8Array } {
  const n = series.values.length;
  const from = Math.max(firstFiniteIndex(series.values), n - points);
  const raw = series.values.subarray(from);
  const lost = order.d + order.D * order.m;
  const observed = new Uint8Array(Math.max(0, raw.length - lost));
  for (let t = 0; t < observed.length; t++) observed[t] = Number.isFinite(raw[t + lost] as number) ? 1 : 0;
  return { y: interpolateGaps(raw), observed };
}

type DifferenceOrder = Pick<ArimaOrder, "d" | "D" | "m">;

/** Differences `y` d times at lag 1 after D times at lag m. */
function differenced(y: Float64Array, order: DifferenceOrder): Float64Array {
  return difference(order.D > 0 ? difference(y, order.m, order.D) : y, 1, order.d);
}

function makeFitted(
  series: Series,
  windowPoints: number,
  order: ArimaOrder,
  fit: ArmaFit,
  modelsTried: number,
): ArimaFitted {
  const { y } = fitWindow(series, windowPoints, order);
  const w = differenced(y, order);
  const c = fit.coefficients;
  const { ar, ma } = expandArma(c, order.m);
  const e = new Float64Array(w.length);
  armaResiduals(w, c.constant, ar, ma, Math.min(w.length, conditioningPoints(fit.spec, order.m)), e);
  const diff = differencePoly(order.d, order.D, order.m);
  const state: ArimaState = tailState(y, w, e, c, diff, order.m);
  return {
    name: ARIMA,
    order,
    orderText: describeOrder(order, fit.spec.constant),
    coefficients: c,
    sigma2: fit.sigma2,
    aicc: fit.aicc,
    modelsTried,
    forecast(horizonSteps: number, quantiles: readonly Quantile[]): ForecastResult {
      checkForecastArgs(ARIMA, horizonSteps, quantiles);
      const raw = forecastMean(state, c, diff, order.m, horizonSteps);
      const variances = forecastVariances(c, diff, order.m, fit.sigma2, horizonSteps);
      const paths = normalQuantilePaths(raw, variances, quantiles);
      return makeResult(series, clipNonNegative(raw), paths);
    },
    update(newer: Series): ArimaFitted {
      requireLastFinite(ARIMA, newer);
      return makeFitted(newer, windowPoints, order, fit, modelsTried);
    },
  };
}

export class ArimaModel implements Model {
  readonly name = ARIMA;
  readonly fitCost = "expensive";
  readonly #candidates: readonly number[];
  readonly #maxFitPoints: number;
  readonly #seasonalTerms: boolean;
  readonly #maxOrder: number;
  readonly #maxModels: number;
  readonly #minPoints: number;

  constructor(options: ArimaOptions = {}) {
    this.#candidates = options.candidates ?? DEFAULT_PERIOD_CANDIDATES;
    this.#maxFitPoints = options.maxFitPoints ?? 4000;
    this.#seasonalTerms = options.seasonalTerms ?? true;
    this.#maxOrder = options.maxOrder ?? 5;
    this.#maxModels = options.maxModels ?? 40;
    this.#minPoints = options.minPoints ?? 50;
  }

  readiness(series: Series): Readiness {
    return pointReadiness(series, this.#minPoints);
  }

  async fit(series: Series): Promise<ArimaFitted> {
    requireLastFinite(ARIMA, series);
    const m = detectPeriod(series.values, series.stepSeconds, this.#candidates)?.periodSteps ?? 1;
    const windowPoints = Math.max(this.#maxFitPoints, m > 1 ? 3 * m : 0);
    const { y } = fitWindow(series, windowPoints, { d: 0, D: 0, m });
    const D = m > 1 ? nsdiffs(y, m) : 0;
    const d = ndiffs(D > 0 ? difference(y, m) : y);
    const order0 = { p: 0, d, q: 0, P: 0, D, Q: 0, m };
    const { observed } = fitWindow(series, windowPoints, order0);
    const w = differenced(y, order0);
    const { best, tried } = stepwiseSearch(w, m, {
      observed,
      allowConstant: d + D <= 1,
      maxOrder: this.#maxOrder,
      maxSeasonalOrder: this.#seasonalTerms ? 1 : 0,
      maxModels: this.#maxModels,
    });
    const order: ArimaOrder = { ...order0, p: best.spec.p, q: best.spec.q, P: best.spec.P, Q: best.spec.Q };
    return makeFitted(series, windowPoints, order, best, tried.length);
  }
}
