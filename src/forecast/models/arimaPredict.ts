/**
 * Forecasting from a fitted ARIMA(p,d,q)(P,D,Q)[m]: gap filling before differencing, the point
 * forecast (the ARMA recursion on the differenced series with future innovations 0, then the
 * differences undone), and the forecast variances from the ψ-weights of the full model
 * φ(B)Φ(B^m)(1−B)^d(1−B^m)^D y = θ(B)Θ(B^m) e: var_h = σ² Σ_{j<h} ψ_j², as R's predict.Arima and
 * statsforecast do (normal paths from them: intervals.ts normalQuantilePaths). Hand-written: no well-kept npm library implements ARIMA forecasting in TS.
 */
import { type ArmaCoefficients, expandArma, multiplyPoly, type SparsePoly } from "./arimaFit.js";

/**
 * `values` with NaN runs filled by linear interpolation between their finite neighbours; a leading
 * run takes the first finite value, a trailing run the last (no slope is invented past the data).
 */
export function interpolateGaps(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values as ArrayLike<number>);
  let previous = -1;
  for (let i = 0; i <= out.length; i++) {
    if (i < out.length && !Number.isFinite(out[i] as number)) continue;
    const gapFrom = previous + 1;
    if (i > gapFrom) {
      const left = previous >= 0 ? (out[previous] as number) : undefined;
      const right = i < out.length ? (out[i] as number) : undefined;
      for (let k = gapFrom; k < i; k++) {
        if (left === undefined) out[k] = right ?? 0;
        else if (right === undefined) out[k] = left;
        else out[k] = left + ((right - left) * (k - previous)) / (i - previous);
      }
    }
    previous = i;
  }
  return out;
}

/** (1 − B)^d (1 − B^m)^D as a sparse polynomial. */
export function differencePoly(d: number, D: number, m: number): SparsePoly {
  let poly: SparsePoly = { lags: [], coefs: [] };
  for (let k = 0; k < d; k++) poly = multiplyPoly(poly, { lags: [1], coefs: [-1] });
  for (let k = 0; k < D; k++) poly = multiplyPoly(poly, { lags: [m], coefs: [-1] });
  return poly;
}

/**
 * ψ_0..ψ_{h−1} of θ(B)/a(B), `ar` the full AR polynomial a(B) = 1 + Σ a_k B^k (differences
 * included) and `ma` θ(B) = 1 + Σ b_k B^k: ψ_j = b_j − Σ_k a_k ψ_{j−k}.
 */
export function psiWeights(ar: SparsePoly, ma: SparsePoly, h: number): Float64Array {
  const psi = new Float64Array(h);
  const b = new Map(ma.lags.map((l, i) => [l, ma.coefs[i] as number]));
  for (let j = 0; j < h; j++) {
    let v = j === 0 ? 1 : (b.get(j) ?? 0);
    for (let k = 0; k < ar.lags.length; k++) {
      const lag = ar.lags[k] as number;
      if (lag > j) break;
      v -= (ar.coefs[k] as number) * (psi[j - lag] as number);
    }
    psi[j] = v;
  }
  return psi;
}

/** What forecasting needs from the end of the fit window. */
export interface ArimaState {
  /** Last values of the differenced series (as many as the largest AR lag). */
  readonly wTail: Float64Array;
  /** Last residuals (as many as the largest MA lag). */
  readonly eTail: Float64Array;
  /** Last values of the series itself (as many as the largest differencing lag). */
  readonly yTail: Float64Array;
}

const lastLag = (poly: SparsePoly): number => poly.lags[poly.lags.length - 1] ?? 0;

export function tailState(
  y: Float64Array,
  w: Float64Array,
  e: Float64Array,
  c: ArmaCoefficients,
  diff: SparsePoly,
  m: number,
): ArimaState {
  const { ar, ma } = expandArma(c, m);
  const tail = (x: Float64Array, k: number): Float64Array =>
    Float64Array.from(x.subarray(Math.max(0, x.length - k)));
  return { wTail: tail(w, lastLag(ar)), eTail: tail(e, lastLag(ma)), yTail: tail(y, lastLag(diff)) };
}

/** Point forecast h steps ahead: ARMA recursion on w (future e = 0), then differences undone. */
export function forecastMean(
  state: ArimaState,
  c: ArmaCoefficients,
  diff: SparsePoly,
  m: number,
  h: number,
): Float64Array {
  const { ar, ma } = expandArma(c, m);
  const nw = state.wTail.length;
  const ne = state.eTail.length;
  const ny = state.yTail.length;
  const w = new Float64Array(nw + h);
  w.set(state.wTail);
  const e = new Float64Array(ne + h);
  e.set(state.eTail);
  const y = new Float64Array(ny + h);
  y.set(state.yTail);
  for (let s = 0; s < h; s++) {
    let v = c.constant;
    ar.lags.forEach((lag, k) => {
      const t = nw + s - lag;
      v -= (ar.coefs[k] as number) * (t >= 0 ? (w[t] as number) - c.constant : 0);
    });
    ma.lags.forEach((lag, k) => {
      const t = ne + s - lag;
      if (t >= 0) v += (ma.coefs[k] as number) * (e[t] as number);
    });
    w[nw + s] = v;
    let level = v;
    diff.lags.forEach((lag, k) => {
      const t = ny + s - lag;
      level -= (diff.coefs[k] as number) * (t >= 0 ? (y[t] as number) : 0);
    });
    y[ny + s] = level;
  }
  return y.slice(ny);
}

/** h-step forecast variances σ² Σ_{j<h} ψ_j² for h = 1..horizon. */
export function forecastVariances(
  c: ArmaCoefficients,
  diff: SparsePoly,
  m: number,
  sigma2: number,
  horizon: number,
): Float64Array {
  const { ar, ma } = expandArma(c, m);
  const psi = psiWeights(multiplyPoly(ar, diff), ma, horizon);
  const out = new Float64Array(horizon);
  let sum = 0;
  for (let h = 0; h < horizon; h++) {
    sum += (psi[h] as number) ** 2;
    out[h] = sigma2 * sum;
  }
  return out;
}
