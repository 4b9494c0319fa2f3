/**
 * The ETS state-space recursions (Hyndman, Koehler, Snyder & Grose 2002; Hyndman et al. 2008) for
 * the forms an automatic ETS considers by default: error A or M, trend N, A or Ad (damped), season
 * N, A or M. One pass over the data gives the one-step forecasts, the final state and R forecast's
 * `lik` criterion (n·log Σe² for additive errors, plus 2·Σ log|ŷ| for multiplicative ones), from
 * which AICc follows. The state updates are written in terms of y (as R's etscalc does), so they
 * are the same for both error types; only the errors in the likelihood differ.
 * At a missing point the state is carried forward by its own forecast (y := ŷ) and the point stays
 * out of the likelihood. Hand-written: no well-kept npm library implements statsforecast/R-style
 * ETS in TypeScript.
 */

export type ErrorType = "A" | "M";
export type TrendType = "N" | "A" | "Ad";
export type SeasonType = "N" | "A" | "M";

export interface EtsForm {
  readonly error: ErrorType;
  readonly trend: TrendType;
  readonly season: SeasonType;
}

/** Smoothing parameters; beta = 0 without a trend, gamma = 0 without a season, phi = 1 unless damped. */
export interface EtsParams {
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
  readonly phi: number;
}

/** State after `t` observations: level, trend and one seasonal term per phase (index t mod m). */
export interface EtsState {
  readonly level: number;
  readonly trend: number;
  readonly season: Float64Array;
  /** Observations processed since the start of the fit window (its phase origin). */
  readonly t: number;
}

export interface EtsRun {
  /** R's `lik`: n·log Σe² (+ 2·Σ log|ŷ| for multiplicative error); +Inf when the form breaks down. */
  readonly lik: number;
  /** Σe² of the errors in the form's own unit (absolute for A, relative for M). */
  readonly sse: number;
  /** Finite observations in the likelihood. */
  readonly n: number;
  /** False when a multiplicative form broke down (a forecast or index ≤ 0) and the run stopped early. */
  readonly complete: boolean;
  readonly state: EtsState;
}

export interface RunOptions {
  /** Receives the one-step forecasts. */
  readonly fitted?: Float64Array;
  /** Errors drawn for the missing points (relative for M error), for simulating sample paths. */
  readonly noise?: ArrayLike<number>;
  /** Receives the observations, with the missing ones replaced as used (simulated draws). */
  readonly simulated?: Float64Array;
}

/** Below this a forecast or seasonal index counts as zero for the multiplicative forms (R's TOL). */
const TOL = 1e-10;
/** R clamps the criterion here when the errors vanish (a perfect fit). */
const LIK_FLOOR = -1e10;

export function formName(form: EtsForm): string {
  return `ETS(${form.error},${form.trend},${form.season})`;
}

/**
 * The forms R's ets / statsforecast AutoETS try by default: no multiplicative trend, no additive
 * error with multiplicative season, and multiplicative error or season only for positive data.
 */
export function candidateForms(seasonal: boolean, positive: boolean): EtsForm[] {
  const forms: EtsForm[] = [];
  for (const error of positive ? (["A", "M"] as const) : (["A"] as const)) {
    for (const trend of ["N", "A", "Ad"] as const) {
      for (const season of seasonal ? (["N", "A", "M"] as const) : (["N"] as const)) {
        if (season === "M" && (error === "A" || !positive)) continue;
        forms.push({ error, trend, season });
      }
    }
  }
  return forms;
}

/**
 * Number of free parameters: smoothing parameters, level and trend seeds, sigma, and (only with
 * `seasonSeeds`, as R counts its optimised seeds) the m − 1 seasonal seeds. Ours are not maximum-
 * likelihood estimates but averages over the first seasons, so by default they are not charged:
 * charged, 287 of them outweigh what a daily season adds to one-step likelihood on a few days of
 * 5-minute data, though it is what makes an hour-ahead forecast right.
 */
export function parameterCount(form: EtsForm, m: number, seasonSeeds = false): number {
  const trended = form.trend !== "N";
  const seasonal = form.season !== "N";
  const smoothing = 1 + (trended ? 1 : 0) + (form.trend === "Ad" ? 1 : 0) + (seasonal ? 1 : 0);
  const initial = 1 + (trended ? 1 : 0) + (seasonal && seasonSeeds ? m - 1 : 0);
  return smoothing + initial + 1;
}

/** AICc from R's `lik` (−2·log-likelihood up to a constant shared by every form on the same data). */
export function aicc(lik: number, n: number, np: number): number {
  if (!Number.isFinite(lik) || n - np - 1 <= 0) return Number.POSITIVE_INFINITY;
  return lik + 2 * np + (2 * np * (np + 1)) / (n - np - 1);
}

/** Runs the recursions over `y` from `init` (not modified); stops early if a multiplicative form breaks down. */
export function runEts(
  y: ArrayLike<number>,
  form: EtsForm,
  params: EtsParams,
  init: EtsState,
  options: RunOptions = {},
): EtsRun {
  const { fitted, noise, simulated } = options;
  const { alpha, beta, gamma } = params;
  const trended = form.trend !== "N";
  const phi = form.trend === "Ad" ? params.phi : 1;
  const hasSeason = form.season !== "N";
  const multSeason = form.season === "M";
  const multError = form.error === "M";
  const s = Float64Array.from(init.season);
  const m = Math.max(1, s.length);
  let l = init.level;
  let b = trended ? init.trend : 0;
  let t = init.t;
  let sse = 0;
  let sumLog = 0;
  let n = 0;
  let broken = false;
  for (let i = 0; i < y.length; i++, t++) {
    const phase = t % m;
    const sv = hasSeason ? (s[phase] as number) : multSeason ? 1 : 0;
    const phib = phi * b;
    const q = l + phib;
    const yhat = multSeason ? q * sv : q + sv;
    if (fitted) fitted[i] = yhat;
    let v = y[i] as number;
    if (Number.isFinite(v)) {
      if (multError) {
        if (!(yhat > TOL)) broken = true;
        const e = (v - yhat) / yhat;
        sse += e * e;
        sumLog += Math.log(Math.abs(yhat));
      } else {
        const e = v - yhat;
        sse += e * e;
      }
      n++;
    } else {
      // Missing: carry the state by its own forecast, or (simulating) by a draw around it.
      const e = noise ? (noise[i] as number) : 0;
      v = multError ? yhat * (1 + e) : yhat + e;
    }
    if (simulated) simulated[i] = v;
    if (multSeason && !(sv > TOL && q > TOL)) broken = true;
    if (broken) break;
    // p: the observation with the season taken out; q: the level the state expected.
    const p = multSeason ? v / sv : v - sv;
    const level = q + alpha * (p - q);
    if (trended) b = phib + beta * (p - q);
    if (hasSeason) s[phase] = sv + gamma * ((multSeason ? v / q : v - q) - sv);
    l = level;
  }
  let lik = Number.POSITIVE_INFINITY;
  if (!broken && n > 0) {
    lik = n * Math.log(sse) + (multError ? 2 * sumLog : 0);
    if (!(lik >= LIK_FLOOR)) lik = Number.isNaN(lik) ? Number.POSITIVE_INFINITY : LIK_FLOOR;
  }
  return { lik, sse, n, complete: !broken, state: { level: l, trend: b, season: s, t } };
}

/** Point forecasts for steps 1..h after `state`: (l + φ_h·b) ∘ s, φ_h = φ + … + φ^h. */
export function pointForecast(
  form: EtsForm,
  params: EtsParams,
  state: EtsState,
  horizon: number,
): Float64Array {
  const phi = form.trend === "Ad" ? params.phi : 1;
  const trended = form.trend !== "N";
  const m = Math.max(1, state.season.length);
  const out = new Float64Array(horizon);
  let damping = 0;
  let power = 1;
  for (let h = 0; h < horizon; h++) {
    power *= phi;
    damping += power;
    const q = state.level + (trended ? damping * state.trend : 0);
    const sv = state.season[(state.t + h) % m] as number;
    out[h] = form.season === "M" ? q * sv : form.season === "A" ? q + sv : q;
  }
  return out;
}
