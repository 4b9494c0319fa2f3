/**
 * Latency of a deployment modelled as queues, for the replay's latency SLO score. Hand-written: the
 * M/M/c and M/M/1 sojourn tails are closed forms of a few lines, and the hot path (one check per
 * 15 s step, ~80,000 steps × dozens of runs) has to stay allocation-free.
 *
 * Scale-free: arrivals are Poisson at λ = demand, service times exponential at μ = the saturation
 * demand of one replica, and the SLO is a multiple of the unloaded p95 (−ln 0.05 / μ), so the
 * demand unit and the time unit cancel.
 */

/**
 * "mmc": one balancer queueing for c replicas (M/M/c, Erlang C), the best any balancer can do.
 * "mm1": random balancing (kube-proxy's default), each replica its own M/M/1 queue at λ / c.
 */
export type QueueModel = "mmc" | "mm1";

export const DEFAULT_QUEUE_MODEL: QueueModel = "mmc";

/** The tail probability the SLO is stated at: p95. */
const TAIL = 0.05;
/** −ln(0.05): the unloaded p95 is this ÷ μ. */
const LN_TAIL = -Math.log(TAIL);

function checkModel(model: QueueModel): void {
  if (model !== "mmc" && model !== "mm1")
    throw new RangeError(`queue model "${String(model)}" is unknown; use "mmc" or "mm1"`);
}

function checkRates(lambda: number, mu: number, c: number): void {
  if (!(Number.isFinite(lambda) && lambda >= 0))
    throw new RangeError(`arrival rate λ = ${lambda} must be finite and ≥ 0 (it is the step's demand)`);
  if (!(Number.isFinite(mu) && mu > 0))
    throw new RangeError(
      `service rate μ = ${mu} must be finite and > 0 (the demand one replica serves at saturation)`,
    );
  if (!(Number.isInteger(c) && c >= 0)) throw new RangeError(`replicas c = ${c} must be an integer ≥ 0`);
}

function checkSloMultiple(sloMultiple: number): void {
  // At a multiple of 1 even an idle replica sits exactly on the SLO; below it, always violates.
  if (!(Number.isFinite(sloMultiple) && sloMultiple > 1))
    throw new RangeError(
      `SLO multiple ${sloMultiple} must be finite and > 1 (p95 allowed, ÷ the unloaded p95)`,
    );
}

/** The unloaded p95 sojourn (the service time's p95), −ln(0.05) / μ. */
export function unloadedP95(mu: number): number {
  if (!(Number.isFinite(mu) && mu > 0)) throw new RangeError(`service rate μ = ${mu} must be finite and > 0`);
  return LN_TAIL / mu;
}

/**
 * Erlang C: the probability that an arrival waits in an M/M/c queue with offered load a = λ / μ.
 * Through the Erlang B recursion, whose terms stay in [0, 1]: no factorials, stable for any c.
 * 1 when a ≥ c (the queue grows without bound).
 */
export function erlangC(c: number, a: number): number {
  if (!(Number.isInteger(c) && c >= 1)) throw new RangeError(`servers c = ${c} must be an integer ≥ 1`);
  if (!(Number.isFinite(a) && a >= 0)) throw new RangeError(`offered load a = ${a} must be finite and ≥ 0`);
  if (a >= c) return 1;
  let b = 1;
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
  return b / (1 - (a / c) * (1 - b));
}

/**
 * P(S + W > t) for independent S ~ Exp(r1), W ~ Exp(r2): (r2 e^{−r1 t} − r1 e^{−r2 t}) / (r2 − r1).
 * Symmetric in the rates, so it is written around the smaller one as
 * e^{−lo t} (1 + lo t (1 − e^{−d t}) / (d t)), d = hi − lo ≥ 0, which has no cancellation near
 * r1 = r2 (the limit (1 + μt) e^{−μt}) and no overflow when the rates are far apart.
 */
function hypoexponentialTail(r1: number, r2: number, t: number): number {
  const lo = Math.min(r1, r2);
  const x = (Math.max(r1, r2) - lo) * t;
  const shrink = x < 1e-8 ? 1 - x / 2 : -Math.expm1(-x) / x;
  return Math.exp(-lo * t) * (1 + lo * t * shrink);
}

/** P(T > t) in the stable case (0 < λ < cμ, c ≥ 1); `erlang` is C(c, λ/μ), unused by "mm1". */
function stableTail(
  model: QueueModel,
  lambda: number,
  mu: number,
  c: number,
  erlang: number,
  t: number,
): number {
  if (model === "mm1") return Math.exp(-(mu - lambda / c) * t);
  return (1 - erlang) * Math.exp(-mu * t) + erlang * hypoexponentialTail(mu, c * mu - lambda, t);
}

/** λ = 0: nothing queues. */
function idle(lambda: number): boolean {
  return lambda === 0;
}

/** No replica, or arrivals at or above what all replicas serve: the queue grows without bound. */
function unstable(lambda: number, mu: number, c: number): boolean {
  return c === 0 || lambda >= c * mu;
}

/**
 * P(T > t), T the sojourn (wait + service) of a request. With λ = 0 it is the service time's tail;
 * with no replica or λ ≥ cμ every request is eventually later than any t, so 1.
 */
export function sojournExceedance(
  model: QueueModel,
  lambda: number,
  mu: number,
  c: number,
  t: number,
): number {
  checkModel(model);
  checkRates(lambda, mu, c);
  if (!(Number.isFinite(t) && t >= 0)) throw new RangeError(`time t = ${t} must be finite and ≥ 0`);
  if (idle(lambda)) return Math.exp(-mu * t);
  if (unstable(lambda, mu, c)) return 1;
  const erlang = model === "mmc" ? erlangC(c, lambda / mu) : 0;
  return stableTail(model, lambda, mu, c, erlang, t);
}

/**
 * The sojourn's p95 ÷ the unloaded p95. 1 when λ = 0 (nothing queues, even with c = 0: no request
 * is late); Infinity when there is demand and no replica, or λ ≥ cμ. M/M/1 has the closed form
 * 1 / (1 − ρ); M/M/c is found by bisection on its tail.
 */
export function p95Ratio(model: QueueModel, lambda: number, mu: number, c: number): number {
  checkModel(model);
  checkRates(lambda, mu, c);
  if (idle(lambda)) return 1;
  if (unstable(lambda, mu, c)) return Number.POSITIVE_INFINITY;
  if (model === "mm1") return 1 / (1 - lambda / (c * mu));
  const erlang = erlangC(c, lambda / mu);
  const t0 = LN_TAIL / mu;
  // T ≥ S, so the p95 is at least the unloaded one; double until the tail is below 5 %.
  let lo = t0;
  let hi = 2 * t0;
  while (stableTail(model, lambda, mu, c, erlang, hi) > TAIL) {
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (stableTail(model, lambda, mu, c, erlang, mid) > TAIL) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2 / t0;
}

/**
 * Whether the sojourn's p95 exceeds sloMultiple × the unloaded p95, as P(T > sloMultiple × unloaded
 * p95) > 5 %: one tail evaluation instead of a bisection, allocation-free, and O(c) (Erlang C) only
 * when a cheaper bound cannot decide. Never with λ = 0; always with demand and no replica, or λ ≥ cμ.
 */
export function violatesSlo(
  model: QueueModel,
  lambda: number,
  mu: number,
  c: number,
  sloMultiple: number,
): boolean {
  checkModel(model);
  checkRates(lambda, mu, c);
  checkSloMultiple(sloMultiple);
  if (idle(lambda)) return false;
  if (unstable(lambda, mu, c)) return true;
  const t = (sloMultiple * LN_TAIL) / mu;
  if (model === "mm1") return stableTail(model, lambda, mu, c, 0, t) > TAIL;
  // Exact shortcut past the O(c) Erlang C: the tail is at most what it would be if every request
  // waited (C = 1), and that is below 5 % unless the replicas are near saturation or the multiple near 1.
  if (hypoexponentialTail(mu, c * mu - lambda, t) <= TAIL) return false;
  return stableTail(model, lambda, mu, c, erlangC(c, lambda / mu), t) > TAIL;
}
