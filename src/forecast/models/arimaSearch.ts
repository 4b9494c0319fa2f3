/**
 * The stepwise order search of Hyndman & Khandakar (2008), as R's forecast::auto.arima and
 * statsforecast's AutoARIMA run it, on a series already differenced d and D times: fit four
 * starting orders, (2,2)(1,1), (0,0)(0,0), (1,0)(1,0), (0,1)(0,1) (seasonal parts only with a
 * period), then move to the first neighbour that lowers AICc (P, Q, then p, q by ±1 alone and
 * together, then the constant toggled) and start over from it, until no neighbour improves or the
 * model budget is spent. Bounded here: p, q ≤ 5 and P, Q ≤ 1 (R allows P, Q ≤ 2), at most
 * `maxModels` fits. Hand-written: no well-kept npm library implements auto.arima in TypeScript.
 */
import { type ArmaFit, type ArmaSpec, type FitArmaOptions, fitArma } from "./arimaFit.js";

export interface StepwiseOptions extends FitArmaOptions {
  /** Largest p and q (default 5). */
  readonly maxOrder?: number;
  /** Largest P and Q (default 1; 0 searches non-seasonal orders only). */
  readonly maxSeasonalOrder?: number;
  /** Whether a constant (mean, or drift after one difference) may be included. */
  readonly allowConstant: boolean;
  /** Fits allowed in all (default 40; R's nmodels is 94). */
  readonly maxModels?: number;
}

export interface StepwiseResult {
  readonly best: ArmaFit;
  /** Orders fitted, in order. */
  readonly tried: readonly ArmaFit[];
}

const key = (s: ArmaSpec): string => `${s.p},${s.q},${s.P},${s.Q},${s.constant ? 1 : 0}`;

/** Stepwise AICc search over ARMA orders of `w` (gap-free, differenced) at period `m` (1: none). */
export function stepwiseSearch(w: Float64Array, m: number, options: StepwiseOptions): StepwiseResult {
  const maxOrder = options.maxOrder ?? 5;
  const maxSeasonal = m > 1 ? (options.maxSeasonalOrder ?? 1) : 0;
  const maxModels = options.maxModels ?? 40;
  const fits = new Map<string, ArmaFit>();
  const tried: ArmaFit[] = [];
  let best: ArmaFit | undefined;
  const valid = (s: ArmaSpec): boolean =>
    s.p >= 0 &&
    s.q >= 0 &&
    s.P >= 0 &&
    s.Q >= 0 &&
    s.p <= maxOrder &&
    s.q <= maxOrder &&
    s.P <= maxSeasonal &&
    s.Q <= maxSeasonal &&
    (options.allowConstant || !s.constant);
  /** Fits `s` unless already fitted or over budget; true when it became the best. */
  const consider = (s: ArmaSpec): boolean => {
    if (!valid(s) || fits.has(key(s)) || tried.length >= maxModels) return false;
    const fit = fitArma(w, s, m, options);
    fits.set(key(s), fit);
    tried.push(fit);
    if (best === undefined || fit.aicc < best.aicc) {
      best = fit;
      return true;
    }
    return false;
  };
  const constant = options.allowConstant;
  const seasonal = (P: number, Q: number): { P: number; Q: number } =>
    maxSeasonal > 0 ? { P, Q } : { P: 0, Q: 0 };
  consider({ p: 2, q: 2, ...seasonal(1, 1), constant });
  consider({ p: 0, q: 0, ...seasonal(0, 0), constant });
  consider({ p: 1, q: 0, ...seasonal(1, 0), constant });
  consider({ p: 0, q: 1, ...seasonal(0, 1), constant });
  if (constant) consider({ p: 0, q: 0, P: 0, Q: 0, constant: false });
  let improved = true;
  while (improved && tried.length < maxModels) {
    improved = false;
    const c = best as ArmaFit;
    const { p, q, P, Q } = c.spec;
    const moves: [number, number, number, number][] = [
      [0, 0, -1, 0],
      [0, 0, 0, -1],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
      [0, 0, -1, -1],
      [0, 0, -1, 1],
      [0, 0, 1, -1],
      [0, 0, 1, 1],
      [-1, 0, 0, 0],
      [0, -1, 0, 0],
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [-1, -1, 0, 0],
      [-1, 1, 0, 0],
      [1, -1, 0, 0],
      [1, 1, 0, 0],
    ];
    for (const [dp, dq, dP, dQ] of moves) {
      if (consider({ p: p + dp, q: q + dq, P: P + dP, Q: Q + dQ, constant: c.spec.constant })) {
        improved = true;
        break;
      }
    }
    if (!improved) improved = consider({ ...c.spec, constant: !c.spec.constant });
  }
  return { best: best as ArmaFit, tried };
}
