import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seededRandom } from "../../src/forecast/random.js";
import {
  erlangC,
  p95Ratio,
  type QueueModel,
  sojournExceedance,
  unloadedP95,
  violatesSlo,
} from "../../src/replay/queueing.js";
import { sampleQuantile } from "../../src/replay/scores.js";

const MODELS: readonly QueueModel[] = ["mmc", "mm1"];

function close(actual: number, expected: number, relative: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= relative * Math.abs(expected),
    `${what}: ${actual} is not within ${relative} of ${expected}`,
  );
}

/** Erlang C from its textbook formula, summed in log space so that large c does not overflow. */
function erlangCByLogSum(c: number, a: number): number {
  const logs: number[] = [];
  let logFactorial = 0;
  for (let k = 0; k < c; k++) {
    if (k > 0) logFactorial += Math.log(k);
    logs.push(k * Math.log(a) - logFactorial);
  }
  const logWaiting = c * Math.log(a) - (logFactorial + Math.log(c)) + Math.log(c / (c - a));
  const top = Math.max(logWaiting, ...logs);
  let idle = 0;
  for (const l of logs) idle += Math.exp(l - top);
  const waiting = Math.exp(logWaiting - top);
  return waiting / (idle + waiting);
}

function exponential(random: () => number, rate: number): number {
  return -Math.log(1 - random()) / rate;
}

/** Sojourns and whether each waited, of `customers` through an FCFS M/M/c queue starting empty. */
function simulateMmc(lambda: number, mu: number, c: number, customers: number, seed: number) {
  const random = seededRandom(seed);
  const freeAt = new Float64Array(c);
  const sojourn = new Float64Array(customers);
  let waited = 0;
  let now = 0;
  for (let n = 0; n < customers; n++) {
    now += exponential(random, lambda);
    // One queue, first come first served: the head of the line takes the first server to free up.
    let server = 0;
    for (let k = 1; k < c; k++) if ((freeAt[k] as number) < (freeAt[server] as number)) server = k;
    const start = Math.max(now, freeAt[server] as number);
    if (start > now) waited++;
    freeAt[server] = start + exponential(random, mu);
    sojourn[n] = (freeAt[server] as number) - now;
  }
  return { sojourn, waitedFraction: waited / customers };
}

/** Sojourns of `customers` sent to one of c FCFS replicas chosen uniformly at random. */
function simulateRandomBalancing(lambda: number, mu: number, c: number, customers: number, seed: number) {
  const random = seededRandom(seed);
  const freeAt = new Float64Array(c);
  const sojourn = new Float64Array(customers);
  let now = 0;
  for (let n = 0; n < customers; n++) {
    now += exponential(random, lambda);
    const replica = Math.floor(random() * c);
    freeAt[replica] = Math.max(now, freeAt[replica] as number) + exponential(random, mu);
    sojourn[n] = (freeAt[replica] as number) - now;
  }
  return sojourn;
}

describe("erlangC", () => {
  it("matches known values: C(1, a) = a, C(2, 1) = 1/3, C(10, 8) ≈ 0.409", () => {
    close(erlangC(1, 0.5), 0.5, 1e-12, "C(1, 0.5)");
    close(erlangC(2, 1), 1 / 3, 1e-12, "C(2, 1)");
    close(erlangC(10, 8), 0.40918, 1e-4, "C(10, 8)");
    assert.equal(erlangC(3, 0), 0);
    assert.equal(erlangC(3, 3), 1);
  });

  it("stays finite and agrees with the log-space formula for 10,000 and 100,000 servers", () => {
    for (const c of [10_000, 100_000]) {
      const a = 0.99 * c;
      const value = erlangC(c, a);
      assert.ok(value > 0 && value < 1, `C(${c}, ${a}) = ${value}`);
      // The log-space sum loses ~1e-9 to rounding over 100,000 terms; the recursion is the tighter one.
      close(value, erlangCByLogSum(c, a), 1e-7, `C(${c}, ${a})`);
    }
  });
});

describe("sojournExceedance", () => {
  it("M/M/1 (either model with one replica) is Exp(μ − λ)", () => {
    for (const model of MODELS)
      for (const t of [0, 0.5, 2, 10])
        close(sojournExceedance(model, 0.7, 1, 1, t), Math.exp(-0.3 * t), 1e-12, `${model} t = ${t}`);
  });

  it("is continuous through θ = cμ − λ = μ, where the closed form is (1 − C + C(1 + μt)) e^{−μt}", () => {
    // c = 2, μ = 1, λ = 1: θ = 1 = μ and C(2, 1) = 1/3.
    const t = 1.3;
    const limit = (2 / 3 + (1 / 3) * (1 + t)) * Math.exp(-t);
    close(sojournExceedance("mmc", 1, 1, 2, t), limit, 1e-12, "at θ = μ");
    for (const eps of [1e-12, 1e-9, 1e-6]) {
      close(sojournExceedance("mmc", 1 - eps, 1, 2, t), limit, 1e-5, `λ = 1 − ${eps}`);
      close(sojournExceedance("mmc", 1 + eps, 1, 2, t), limit, 1e-5, `λ = 1 + ${eps}`);
    }
  });

  it("is the service tail with no demand and 1 with no replica or λ ≥ cμ", () => {
    close(sojournExceedance("mmc", 0, 2, 0, 1), Math.exp(-2), 1e-12, "λ = 0");
    for (const model of MODELS) {
      assert.equal(sojournExceedance(model, 1, 1, 0, 5), 1);
      assert.equal(sojournExceedance(model, 3, 1, 3, 5), 1);
    }
  });

  it("rises with λ at a fixed t", () => {
    for (const model of MODELS) {
      let previous = 0;
      for (let lambda = 0; lambda < 10; lambda += 0.25) {
        const p = sojournExceedance(model, lambda, 1, 10, unloadedP95(1) * 2);
        assert.ok(p > previous, `${model} λ = ${lambda}: ${p} ≤ ${previous}`);
        previous = p;
      }
    }
  });
});

describe("p95Ratio", () => {
  it("is 1 / (1 − ρ) for M/M/1, so it passes 2× exactly at λ = μ / 2", () => {
    for (const model of MODELS)
      for (const rho of [0.1, 0.5, 0.9, 0.99])
        close(p95Ratio(model, rho * 3, 3, 1), 1 / (1 - rho), 1e-10, `${model} ρ = ${rho}`);
    assert.ok(p95Ratio("mmc", 0.49, 1, 1) < 2);
    assert.ok(p95Ratio("mmc", 0.51, 1, 1) > 2);
  });

  it("mm1 at c replicas is M/M/1 at λ / c: 1 / (1 − ρ) regardless of c", () => {
    close(p95Ratio("mm1", 8, 1, 10), 5, 1e-12, "ρ = 0.8 over 10 replicas");
  });

  it("pooling beats random balancing at the same load", () => {
    for (const c of [2, 5, 20]) assert.ok(p95Ratio("mmc", 0.8 * c, 1, c) < p95Ratio("mm1", 0.8 * c, 1, c));
  });

  it("does not depend on the units: scaling λ and μ together keeps the ratio", () => {
    close(p95Ratio("mmc", 8, 1, 10), p95Ratio("mmc", 8000, 1000, 10), 1e-10, "λ, μ × 1000");
  });

  it("rises with λ, and is 1 at λ = 0 and Infinity at saturation or with no replica", () => {
    for (const model of MODELS)
      for (const c of [1, 3, 10, 50]) {
        let previous = 1;
        assert.equal(p95Ratio(model, 0, 1, c), 1);
        for (let rho = 0.05; rho < 1; rho += 0.05) {
          const ratio = p95Ratio(model, rho * c, 1, c);
          // Many replicas at low load wait so rarely that the ratio is 1 to the bisection's precision.
          assert.ok(ratio >= previous, `${model} c = ${c} ρ = ${rho}: ${ratio} < ${previous}`);
          previous = ratio;
        }
        assert.ok(previous > 1.05, `${model} c = ${c}: ${previous} at ρ = 0.95`);
        assert.equal(p95Ratio(model, c, 1, c), Number.POSITIVE_INFINITY);
      }
    assert.equal(p95Ratio("mmc", 0, 1, 0), 1);
    assert.equal(p95Ratio("mmc", 0.1, 1, 0), Number.POSITIVE_INFINITY);
  });

  it("is finite and near 1 for 10,000 replicas at ρ = 0.99 (waits are short and rare)", () => {
    const ratio = p95Ratio("mmc", 9_900, 1, 10_000);
    assert.ok(Number.isFinite(ratio) && ratio >= 1 && ratio < 1.01, `ratio ${ratio}`);
    const larger = p95Ratio("mmc", 99_000, 1, 100_000);
    assert.ok(Number.isFinite(larger) && larger >= 1 && larger <= ratio, `ratio ${larger}`);
  });

  it("matches a Monte Carlo M/M/c FCFS queue (4 replicas, ρ = 0.8, 1,000,000 requests)", () => {
    const lambda = 3.2;
    const mu = 1;
    const c = 4;
    const { sojourn, waitedFraction } = simulateMmc(lambda, mu, c, 1_000_000, 7);
    // The queue starts empty; drop the first requests so the sample is in the steady state. Sojourns
    // of neighbours are correlated at this load: 200,000 requests scatter the p95 by ±3 %, 1,000,000
    // by ±1 % (ten seeds).
    const p95 = sampleQuantile(sojourn.subarray(10_000), 0.95);
    close(p95 / unloadedP95(mu), p95Ratio("mmc", lambda, mu, c), 0.02, "p95 ratio");
    close(waitedFraction, erlangC(c, lambda / mu), 0.02, "share of requests that waited");
  });

  it("matches a Monte Carlo of random balancing over 3 replicas at ρ = 0.7 (1,000,000 requests)", () => {
    const sojourn = simulateRandomBalancing(2.1, 1, 3, 1_000_000, 11);
    const p95 = sampleQuantile(sojourn.subarray(10_000), 0.95);
    close(p95 / unloadedP95(1), p95Ratio("mm1", 2.1, 1, 3), 0.02, "p95 ratio");
  });
});

describe("violatesSlo", () => {
  it("agrees with p95Ratio > multiple on a grid of models, replicas, loads and multiples", () => {
    let checked = 0;
    for (const model of MODELS)
      for (const c of [1, 2, 5, 20, 200])
        for (let rho = 0; rho < 1.1; rho += 0.01)
          for (const multiple of [1.01, 1.5, 2, 3, 5]) {
            const ratio = p95Ratio(model, rho * c, 2, c);
            // Bisection stops within ~1e-13; points that close to the threshold say nothing.
            if (Math.abs(ratio - multiple) < 1e-9 * multiple) continue;
            assert.equal(
              violatesSlo(model, rho * c, 2, c, multiple),
              ratio > multiple,
              `${model} c = ${c} ρ = ${rho} multiple ${multiple}: ratio ${ratio}`,
            );
            checked++;
          }
    assert.ok(checked > 5000);
  });

  it("M/M/1 breaks a 2× SLO exactly when λ > μ / 2", () => {
    assert.equal(violatesSlo("mmc", 0.499, 1, 1, 2), false);
    assert.equal(violatesSlo("mmc", 0.501, 1, 1, 2), true);
    assert.equal(violatesSlo("mm1", 4.99, 1, 10, 2), false);
    assert.equal(violatesSlo("mm1", 5.01, 1, 10, 2), true);
  });

  it("never violates without demand, always with demand and no replica or λ ≥ cμ", () => {
    for (const model of MODELS) {
      assert.equal(violatesSlo(model, 0, 1, 0, 2), false);
      assert.equal(violatesSlo(model, 1e-9, 1, 0, 2), true);
      assert.equal(violatesSlo(model, 4, 1, 4, 100), true);
    }
  });
});

describe("input checks", () => {
  it("rejects bad rates, replica counts, times, multiples and models with RangeErrors", () => {
    assert.throws(() => p95Ratio("mmc", -1, 1, 1), RangeError);
    assert.throws(() => p95Ratio("mmc", Number.NaN, 1, 1), RangeError);
    assert.throws(() => p95Ratio("mmc", Number.POSITIVE_INFINITY, 1, 1), RangeError);
    assert.throws(() => p95Ratio("mmc", 1, 0, 1), /service rate μ = 0/);
    assert.throws(() => p95Ratio("mm1", 1, 1, 1.5), /replicas c = 1.5 must be an integer/);
    assert.throws(() => p95Ratio("mm1", 1, 1, -1), RangeError);
    assert.throws(() => sojournExceedance("mmc", 1, 1, 2, -1), /time t = -1/);
    assert.throws(() => violatesSlo("mmc", 1, 1, 2, 1), /SLO multiple 1 must be finite and > 1/);
    assert.throws(() => violatesSlo("mmc", 1, 1, 2, Number.NaN), RangeError);
    assert.throws(() => violatesSlo("mmd" as QueueModel, 1, 1, 2, 2), /queue model "mmd" is unknown/);
    assert.throws(() => erlangC(0, 1), RangeError);
    assert.throws(() => unloadedP95(-1), RangeError);
  });
});
