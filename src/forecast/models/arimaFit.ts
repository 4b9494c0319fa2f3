/**
 * Estimates one seasonal ARMA order on an already differenced series by conditional sum of squares
 * (CSS), the estimator R's auto.arima uses during its search on long or high-frequency series
 * (`approximation = TRUE` when n > 150 or frequency > 12). The model, R's sign convention:
 *   φ(B) Φ(B^m) (w_t − μ) = θ(B) Θ(B^m) e_t,  φ(B) = 1 − Σ φ_i B^i,  θ(B) = 1 + Σ θ_j B^j.
 * Residuals are 0 for the first p + mP points (the conditioning), SSE over the rest. Coefficients
 * are searched by Nelder-Mead (fitHelpers.ts) in an unconstrained space mapped through partial
 * autocorrelations (R's partrans: tanh, then Durbin-Levinson), so every candidate AR part is
 * stationary and every MA part invertible. Polynomials are kept sparse (lag, coefficient), so a
 * seasonal term at lag 288 or 1440 costs two more terms per step, not 1440.
 * Hand-written: no well-kept npm library implements statsforecast/R-style ARIMA in TypeScript.
 */
import { nelderMead } from "./fitHelpers.js";

/** A non-seasonal and seasonal ARMA order with or without a constant (mean or drift). */
export interface ArmaSpec {
  readonly p: number;
  readonly q: number;
  readonly P: number;
  readonly Q: number;
  readonly constant: boolean;
}

export interface ArmaCoefficients {
  /** φ_1..φ_p. */
  readonly ar: readonly number[];
  /** θ_1..θ_q. */
  readonly ma: readonly number[];
  /** Φ_1..Φ_P at lags m, 2m… */
  readonly sar: readonly number[];
  /** Θ_1..Θ_Q. */
  readonly sma: readonly number[];
  /** μ, the mean of the differenced series (0 without a constant). */
  readonly constant: number;
}

/** A polynomial 1 + Σ coefs[k]·B^lags[k] with only its non-zero terms beyond lag 0. */
export interface SparsePoly {
  readonly lags: readonly number[];
  readonly coefs: readonly number[];
}

export interface ArmaFit {
  readonly spec: ArmaSpec;
  readonly coefficients: ArmaCoefficients;
  /** Innovation variance: SSE / (points after the conditioning). */
  readonly sigma2: number;
  /** AICc with the CSS likelihood over the differenced length, as auto.arima's approximation. */
  readonly aicc: number;
}

/** Product of two sparse polynomials (terms that cancel are dropped). */
export function multiplyPoly(a: SparsePoly, b: SparsePoly): SparsePoly {
  const terms = new Map<number, number>();
  const add = (lag: number, c: number): void => {
    terms.set(lag, (terms.get(lag) ?? 0) + c);
  };
  const aTerms: [number, number][] = [
    [0, 1],
    ...a.lags.map((l, i): [number, number] => [l, a.coefs[i] as number]),
  ];
  const bTerms: [number, number][] = [
    [0, 1],
    ...b.lags.map((l, i): [number, number] => [l, b.coefs[i] as number]),
  ];
  for (const [la, ca] of aTerms) for (const [lb, cb] of bTerms) add(la + lb, ca * cb);
  const lags = [...terms.keys()].filter((l) => l > 0 && terms.get(l) !== 0).sort((x, y) => x - y);
  return { lags, coefs: lags.map((l) => terms.get(l) as number) };
}

/** 1 + Σ sign·c_i B^(i·step). */
export function polyOf(coefs: readonly number[], step: number, sign: 1 | -1): SparsePoly {
  const lags: number[] = [];
  const out: number[] = [];
  coefs.forEach((c, i) => {
    if (c !== 0) {
      lags.push((i + 1) * step);
      out.push(sign * c);
    }
  });
  return { lags, coefs: out };
}

/** The expanded AR polynomial φ(B)Φ(B^m) and MA polynomial θ(B)Θ(B^m). */
export function expandArma(c: ArmaCoefficients, m: number): { ar: SparsePoly; ma: SparsePoly } {
  return {
    ar: multiplyPoly(polyOf(c.ar, 1, -1), polyOf(c.sar, m, -1)),
    ma: multiplyPoly(polyOf(c.ma, 1, 1), polyOf(c.sma, m, 1)),
  };
}

/**
 * One-step residuals e_t of the ARMA on `w` (e_t = 0 for t < `ncond`), written to `out`; returns
 * the sum of squares over t ≥ ncond where `observed[t]` is 1 (every t without a mask): a point
 * filled in from a gap is filtered through but not scored. `ar` and `ma` are the expanded polynomials.
 */
export function armaResiduals(
  w: ArrayLike<number>,
  mean: number,
  ar: SparsePoly,
  ma: SparsePoly,
  ncond: number,
  out: Float64Array,
  observed?: Uint8Array,
): number {
  const n = w.length;
  const arLags = Int32Array.from(ar.lags);
  const arCoefs = Float64Array.from(ar.coefs);
  const maLags = Int32Array.from(ma.lags);
  const maCoefs = Float64Array.from(ma.coefs);
  const na = arLags.length;
  const nm = maLags.length;
  let sse = 0;
  out.fill(0, 0, Math.min(n, ncond));
  for (let t = ncond; t < n; t++) {
    // φ(B)Φ(B^m)(w − μ) has coefficient +1 at lag 0 and `arCoefs` (already signed) beyond.
    let e = (w[t] as number) - mean;
    for (let k = 0; k < na; k++)
      e += (arCoefs[k] as number) * ((w[t - (arLags[k] as number)] as number) - mean);
    for (let k = 0; k < nm; k++) {
      const lag = maLags[k] as number;
      if (lag <= t) e -= (maCoefs[k] as number) * (out[t - lag] as number);
    }
    out[t] = e;
    if (observed === undefined || observed[t] === 1) sse += e * e;
  }
  return sse;
}

/** R's partrans: unconstrained values → coefficients of a stationary AR polynomial. */
export function partrans(raw: readonly number[]): number[] {
  const phi = raw.map((u) => Math.tanh(u));
  const work = phi.slice();
  for (let j = 1; j < phi.length; j++) {
    const a = phi[j] as number;
    for (let k = 0; k < j; k++) work[k] = (work[k] as number) - a * (phi[j - k - 1] as number);
    for (let k = 0; k < j; k++) phi[k] = work[k] as number;
  }
  return phi;
}

/**
 * Whether every root of 1 − Σ a_i B^i lies outside the circle of radius `radius` (1: stationary),
 * by the step-down Levinson recursion on a_i·radius^i: all partial autocorrelations inside (−1, 1).
 */
export function rootsOutside(a: readonly number[], radius: number): boolean {
  let phi = a.map((c, i) => c * radius ** (i + 1));
  for (let k = phi.length; k > 0; k--) {
    const kappa = phi[k - 1] as number;
    if (!(Math.abs(kappa) < 1)) return false;
    const next: number[] = [];
    for (let j = 0; j < k - 1; j++)
      next.push(((phi[j] as number) + kappa * (phi[k - 2 - j] as number)) / (1 - kappa * kappa));
    phi = next;
  }
  return true;
}

/**
 * auto.arima's check after each fit: a model with an AR or MA root within 1.01 of the unit circle
 * is not a candidate (its forecasts or intervals would be unstable).
 */
export function wellInsideUnitCircle(c: ArmaCoefficients): boolean {
  const negate = (x: readonly number[]): number[] => x.map((v) => -v);
  return [c.ar, negate(c.ma), c.sar, negate(c.sma)].every((a) => rootsOutside(a, 1.01));
}

/** Points the CSS conditions on: the largest AR lag. */
export function conditioningPoints(spec: ArmaSpec, m: number): number {
  return spec.p + m * spec.P;
}

/** Parameter count AICc charges: ARMA terms, the constant, and σ². */
export function parameterCount(spec: ArmaSpec): number {
  return spec.p + spec.q + spec.P + spec.Q + (spec.constant ? 1 : 0) + 1;
}

export function aicc(nstar: number, sigma2: number, k: number): number {
  if (nstar - k - 1 <= 0 || !(sigma2 > 0)) return Number.POSITIVE_INFINITY;
  return nstar * Math.log(sigma2) + 2 * k + (2 * k * (k + 1)) / (nstar - k - 1);
}

export interface FitArmaOptions {
  /** Objective evaluations per Nelder-Mead run (default 120 + 60 per parameter). */
  readonly maxEvaluations?: number;
  /** 1 where w[t] comes from observed points, 0 where from gap filling (default: all observed). */
  readonly observed?: Uint8Array;
}

/** Scored points of `w` in [from, n): observed ones when a mask is given. */
function scoredPoints(n: number, from: number, observed: Uint8Array | undefined): number {
  if (observed === undefined) return Math.max(0, n - from);
  let k = 0;
  for (let t = from; t < n; t++) k += observed[t] as number;
  return k;
}

/** Maps an unconstrained vector to coefficients (the constant in units of `scale`, around `centre`). */
function decode(u: readonly number[], spec: ArmaSpec, centre: number, scale: number): ArmaCoefficients {
  let i = 0;
  const take = (k: number): number[] => {
    const out = u.slice(i, i + k);
    i += k;
    return out;
  };
  const ar = partrans(take(spec.p));
  const ma = partrans(take(spec.q)).map((c) => -c);
  const sar = partrans(take(spec.P));
  const sma = partrans(take(spec.Q)).map((c) => -c);
  const constant = spec.constant ? centre + scale * (u[i] as number) : 0;
  return { ar, ma, sar, sma, constant };
}

/** CSS fit of one order on the differenced series `w` (gap-free) with seasonal period `m`. */
export function fitArma(w: Float64Array, spec: ArmaSpec, m: number, options: FitArmaOptions = {}): ArmaFit {
  const n = w.length;
  const ncond = conditioningPoints(spec, m);
  const observed = options.observed;
  const used = scoredPoints(n, ncond, observed);
  let centre = 0;
  for (let i = 0; i < n; i++) centre += w[i] as number;
  centre /= Math.max(1, n);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += ((w[i] as number) - centre) ** 2;
  const scale = Math.sqrt(ss / Math.max(1, n)) || 1;
  const dim = spec.p + spec.q + spec.P + spec.Q + (spec.constant ? 1 : 0);
  const residuals = new Float64Array(n);
  const sseOf = (c: ArmaCoefficients): number => {
    const { ar, ma } = expandArma(c, m);
    return armaResiduals(w, c.constant, ar, ma, ncond, residuals, observed);
  };
  let best: number[] = new Array<number>(dim).fill(0);
  if (dim > 0 && used > dim) {
    const objective = (u: readonly number[]): number => sseOf(decode(u, spec, centre, scale)) / used;
    const maxEvaluations = options.maxEvaluations ?? 120 + 60 * dim;
    const first = nelderMead(objective, best, { maxEvaluations, step: 0.5, tolerance: 1e-8 });
    // A restart from the first optimum with a smaller simplex: Nelder-Mead often stalls early.
    const second = nelderMead(objective, first.x, { maxEvaluations, step: 0.1, tolerance: 1e-9 });
    best = second.value <= first.value ? second.x : first.x;
  }
  const coefficients = decode(best, spec, centre, scale);
  const sigma2 = used > 0 ? sseOf(coefficients) / used : Number.NaN;
  return {
    spec,
    coefficients,
    sigma2,
    // auto.arima drops an order whose fit has a root this close to the unit circle.
    aicc: wellInsideUnitCircle(coefficients)
      ? aicc(scoredPoints(n, 0, observed), sigma2, parameterCount(spec))
      : Number.POSITIVE_INFINITY,
  };
}
