/**
 * The four Theta variants as state-space recursions (Fiorucci, Pellegrini, Louzada & Petropoulos
 * 2016, "Models for optimising the theta method and their relationship to state space models"),
 * the forms Nixtla statsforecast's AutoTheta chooses among:
 *
 *   μ_t = ℓ_{t−1} + (1 − 1/θ) [ (1−α)^{t−1} A_{t−1} + (1 − (1−α)^t)/α · B_{t−1} ]   (forecast of y_t)
 *   ℓ_t = α y_t + (1 − α) ℓ_{t−1}
 *
 * Static (STM θ = 2, OTM θ optimised): A, B are the OLS intercept and slope of y on t = 1..n, fixed.
 * Dynamic (DSTM, DOTM): they are re-estimated recursively at every t,
 *   Ȳ_t = ((t−1) Ȳ_{t−1} + y_t)/t,  B_t = ((t−2) B_{t−1} + 6 (y_t − Ȳ_{t−1})/t)/(t+1),  A_t = Ȳ_t − (t+1) B_t/2,
 * starting from A_1 = y_1, B_1 = 0. STM is Hyndman & Billah's (2003) SES with drift B/2 (with the SES
 * start shifted by (A+B)/2). Forecasts run the same recursion forward with μ fed back as the
 * observation. ℓ_0, α (and θ) minimise the in-sample mean squared one-step error (Nelder-Mead,
 * bounded evaluations; statsforecast's bounds α ∈ [0.1, 0.99], θ ≥ 1).
 *
 * Hand-written: no well-kept npm library implements statsforecast-style ETS/Theta/ARIMA in
 * TypeScript, and the recursions are a few lines per step.
 */
import { nelderMead } from "./fitHelpers.js";

export type ThetaVariant = "STM" | "OTM" | "DSTM" | "DOTM";
export const THETA_VARIANTS: readonly ThetaVariant[] = ["STM", "OTM", "DSTM", "DOTM"];

export interface ThetaParams {
  readonly alpha: number;
  readonly theta: number;
  /** ℓ_0, the level before the first point. */
  readonly level0: number;
}

/** State after the last processed point, enough to forecast or to go on with new points. */
export interface ThetaState {
  /** 1-based time of the last processed point. */
  t: number;
  level: number;
  meanY: number;
  a: number;
  b: number;
}

export const isDynamic = (variant: ThetaVariant): boolean => variant === "DSTM" || variant === "DOTM";
const optimisesTheta = (variant: ThetaVariant): boolean => variant === "OTM" || variant === "DOTM";

/** Errors before this 0-based index are left out of the MSE (the dynamic line is still unsettled). */
const SKIP_ERRORS = 3;

/** OLS intercept and slope of `y` on t = 1..n. */
export function olsLine(y: ArrayLike<number>): { a: number; b: number } {
  const n = y.length;
  let my = 0;
  for (let i = 0; i < n; i++) my += y[i] as number;
  my /= n;
  const mt = (n + 1) / 2;
  let sty = 0;
  let stt = 0;
  for (let i = 0; i < n; i++) {
    const dt = i + 1 - mt;
    sty += dt * ((y[i] as number) - my);
    stt += dt * dt;
  }
  const b = stt > 0 ? sty / stt : 0;
  return { a: my - b * mt, b };
}

/** μ for time state.t + 1, from the state at state.t. */
function nextMean(s: ThetaState, alpha: number, theta: number): number {
  const decay = (1 - alpha) ** s.t;
  return s.level + (1 - 1 / theta) * (decay * s.a + ((1 - decay * (1 - alpha)) / alpha) * s.b);
}

/** Moves the state from t to t + 1 with observation `y`. */
function advance(s: ThetaState, y: number, alpha: number, dynamic: boolean): void {
  const t = s.t + 1;
  const previousMean = s.meanY;
  s.level = alpha * y + (1 - alpha) * s.level;
  s.meanY = ((t - 1) * previousMean + y) / t;
  if (dynamic) {
    s.b = ((t - 2) * s.b + (6 * (y - previousMean)) / t) / (t + 1);
    s.a = s.meanY - ((t + 1) * s.b) / 2;
  }
  s.t = t;
}

export interface ThetaRun {
  /** Mean squared one-step error over the observed points (index ≥ 3). */
  readonly mse: number;
  readonly state: ThetaState;
}

/**
 * Runs the recursions over `y` (gap-free: interpolated where the series had gaps). `observed[i]`
 * false leaves point i out of the error. Writes one-step errors to `residuals` when given (NaN where
 * not scored). `line` is the static A, B (ignored by the dynamic variants).
 */
export function runTheta(
  y: Float64Array,
  observed: Uint8Array,
  variant: ThetaVariant,
  p: ThetaParams,
  line: { a: number; b: number },
  residuals?: Float64Array,
): ThetaRun {
  const dynamic = isDynamic(variant);
  const { alpha, theta } = p;
  const y0 = y[0] as number;
  const state: ThetaState = {
    t: 1,
    level: alpha * y0 + (1 - alpha) * p.level0,
    meanY: y0,
    a: dynamic ? y0 : line.a,
    b: dynamic ? 0 : line.b,
  };
  if (residuals) residuals.fill(Number.NaN);
  let sse = 0;
  let count = 0;
  for (let i = 1; i < y.length; i++) {
    const v = y[i] as number;
    if (observed[i] && i >= SKIP_ERRORS) {
      const e = v - nextMean(state, alpha, theta);
      sse += e * e;
      count++;
      if (residuals) residuals[i] = e;
    }
    advance(state, v, alpha, dynamic);
  }
  return { mse: count > 0 ? sse / count : Number.POSITIVE_INFINITY, state };
}

/** Goes on from `state` (copied) over new points; NaN points advance by the model's own forecast. */
export function continueTheta(
  state: ThetaState,
  y: ArrayLike<number>,
  variant: ThetaVariant,
  p: ThetaParams,
): ThetaState {
  const s = { ...state };
  for (let i = 0; i < y.length; i++) {
    const v = y[i] as number;
    advance(s, Number.isFinite(v) ? v : nextMean(s, p.alpha, p.theta), p.alpha, isDynamic(variant));
  }
  return s;
}

/** The h-step mean path from `state`: the recursion run forward with μ fed back. */
export function forecastTheta(
  state: ThetaState,
  variant: ThetaVariant,
  p: ThetaParams,
  horizonSteps: number,
): Float64Array {
  const s = { ...state };
  const out = new Float64Array(horizonSteps);
  for (let h = 0; h < horizonSteps; h++) {
    const mu = nextMean(s, p.alpha, p.theta);
    out[h] = mu;
    advance(s, mu, p.alpha, isDynamic(variant));
  }
  return out;
}

const ALPHA_MIN = 0.1;
const ALPHA_MAX = 0.99;
const logistic = (u: number): number => 1 / (1 + Math.exp(-u));

export interface ThetaFit {
  readonly variant: ThetaVariant;
  readonly params: ThetaParams;
  readonly mse: number;
}

/**
 * Fits one variant: ℓ_0 (as a shift from the value that makes the first forecast hit y_1, in units
 * of the series' spread), α through a logistic onto [0.1, 0.99], θ = 1 + e^u (θ = 2 when fixed).
 */
export function fitThetaVariant(
  y: Float64Array,
  observed: Uint8Array,
  variant: ThetaVariant,
  line: { a: number; b: number },
  maxEvaluations: number,
): ThetaFit {
  const dynamic = isDynamic(variant);
  const y0 = y[0] as number;
  let spread = 0;
  for (let i = 1; i < y.length; i++) spread += Math.abs((y[i] as number) - (y[i - 1] as number));
  const scale = spread / Math.max(1, y.length - 1) + 1e-9 * (Math.abs(y0) + 1);
  const toParams = (u: readonly number[]): ThetaParams => {
    const alpha = ALPHA_MIN + (ALPHA_MAX - ALPHA_MIN) * logistic(u[1] as number);
    const theta = optimisesTheta(variant) ? 1 + Math.exp(Math.min(30, u[2] as number)) : 2;
    // ℓ_0 at which the (hypothetical) forecast of y_1 is y_1, shifted by u[0] spreads.
    const start = dynamic ? y0 / theta : y0 - (1 - 1 / theta) * (line.a + line.b);
    return { alpha, theta, level0: start + (u[0] as number) * scale };
  };
  const objective = (u: readonly number[]): number => runTheta(y, observed, variant, toParams(u), line).mse;
  // α = 0.5 and θ = 2 as statsforecast starts; u[1] for α = 0.5 on [0.1, 0.99].
  const alphaStart = Math.log((0.5 - ALPHA_MIN) / (ALPHA_MAX - 0.5));
  const start = optimisesTheta(variant) ? [0, alphaStart, 0] : [0, alphaStart];
  const best = nelderMead(objective, start, { maxEvaluations, step: 1 });
  return { variant, params: toParams(best.x), mse: best.value };
}
