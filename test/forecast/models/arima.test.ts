import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ARIMA, ArimaModel, describeOrder } from "../../../src/forecast/models/arima.js";
import {
  type ArmaCoefficients,
  partrans,
  rootsOutside,
  wellInsideUnitCircle,
} from "../../../src/forecast/models/arimaFit.js";
import {
  differencePoly,
  forecastMean,
  forecastVariances,
  interpolateGaps,
  psiWeights,
} from "../../../src/forecast/models/arimaPredict.js";
import {
  kpssLags,
  kpssStatistic,
  ndiffs,
  seasonalStrength,
} from "../../../src/forecast/models/arimaTests.js";
import { DAY_SECONDS } from "../../../src/forecast/seasonality.js";
import type { Series } from "../../../src/forecast/types.js";
import { checkModelContract, seededRandom, syntheticSeries, withGap } from "./contract.js";

const STEP = 300;

/** Seeded standard normal draws (Box-Muller). */
function normals(seed: number, n: number): Float64Array {
  const random = seededRandom(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++)
    out[i] = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return out;
}

const series = (values: Float64Array): Series => ({
  startMs: Date.UTC(2024, 0, 1),
  stepSeconds: STEP,
  values,
});

/** x_t = level + φ x_{t−1} + θ e_{t−1} + e_t. */
function simulateArma(seed: number, n: number, phi: number, theta: number, level: number): Float64Array {
  const e = normals(seed, n + 100);
  const x = new Float64Array(n + 100);
  for (let t = 1; t < x.length; t++)
    x[t] = phi * (x[t - 1] as number) + (e[t] as number) + theta * (e[t - 1] as number);
  return x.slice(100).map((v) => v + level);
}

const coefficients = (c: Partial<ArmaCoefficients>): ArmaCoefficients => ({
  ar: [],
  ma: [],
  sar: [],
  sma: [],
  constant: 0,
  ...c,
});

describe("arima", () => {
  it("has a stable name and is expensive to fit", () => {
    const model = new ArimaModel();
    assert.equal(model.name, ARIMA);
    assert.equal(model.fitCost, "expensive");
  });

  it("finds an AR(1) with φ = 0.7 and estimates φ within 0.05", async () => {
    const fitted = await new ArimaModel().fit(series(simulateArma(7, 2000, 0.7, 0, 50)));
    assert.equal(fitted.order.p, 1, fitted.orderText);
    assert.equal(fitted.order.d, 0, fitted.orderText);
    assert.equal(fitted.order.q, 0, fitted.orderText);
    assert.ok(
      Math.abs((fitted.coefficients.ar[0] as number) - 0.7) < 0.05,
      `φ = ${fitted.coefficients.ar[0]}`,
    );
    assert.ok(Math.abs(fitted.coefficients.constant - 50) < 0.5, `mean ${fitted.coefficients.constant}`);
    assert.ok(Math.abs(fitted.sigma2 - 1) < 0.1, `σ² ${fitted.sigma2}`);
  });

  it("recovers an MA(1) with θ = 0.5", async () => {
    const fitted = await new ArimaModel().fit(series(simulateArma(11, 2000, 0, 0.5, 30)));
    assert.deepEqual([fitted.order.p, fitted.order.d, fitted.order.q], [0, 0, 1], fitted.orderText);
    assert.ok(
      Math.abs((fitted.coefficients.ma[0] as number) - 0.5) < 0.06,
      `θ = ${fitted.coefficients.ma[0]}`,
    );
  });

  it("takes one difference of a random walk", async () => {
    const e = normals(5, 1500);
    const walk = new Float64Array(e.length);
    for (let t = 0; t < walk.length; t++)
      walk[t] = 200 + (t > 0 ? (walk[t - 1] as number) - 200 : 0) + (e[t] as number);
    const fitted = await new ArimaModel().fit(series(walk));
    assert.equal(fitted.order.d, 1, fitted.orderText);
    assert.equal(fitted.order.m, 1);
  });

  it("differences a strong daily cycle seasonally and satisfies the contract", async () => {
    const shape = (t: number): number => 100 + 30 * Math.sin((2 * Math.PI * t) / DAY_SECONDS);
    const s = syntheticSeries({ points: 4 * 288, shape, noise: 2 });
    const result = await checkModelContract(new ArimaModel(), s, { horizonSteps: 24 });
    const fitted = await new ArimaModel().fit(s);
    assert.equal(fitted.order.m, 288);
    assert.equal(fitted.order.D, 1, fitted.orderText);
    let mae = 0;
    for (let h = 0; h < 24; h++)
      mae += Math.abs((result.mean[h] as number) - shape((4 * 288 + h) * STEP)) / 24;
    assert.ok(mae < 4, `MAE ${mae.toFixed(2)} against the noise-free cycle`);
  });

  it("fills gaps by interpolation and still satisfies the contract", async () => {
    assert.deepEqual(
      [...interpolateGaps([Number.NaN, 1, Number.NaN, Number.NaN, 4, Number.NaN])],
      [1, 1, 2, 3, 4, 4],
    );
    const base = series(simulateArma(3, 800, 0.6, 0, 20));
    const gappy = withGap(withGap(base, 100, 160), 700, 720);
    const fitted = await new ArimaModel().fit(gappy);
    assert.ok(Number.isFinite(fitted.aicc));
    await checkModelContract(new ArimaModel(), gappy, { horizonSteps: 12 });
  });

  it("does not score filled points: a long gap leaves σ² at the innovation variance", async () => {
    // Unit-variance AR(1); a 600-point straight line through the gap would fit almost perfectly.
    const values = simulateArma(7, 2000, 0.7, 0, 50);
    const fitted = await new ArimaModel().fit(withGap(series(values), 800, 1400));
    assert.ok(Math.abs(fitted.sigma2 - 1) < 0.12, `σ² ${fitted.sigma2}`);
  });

  it("ψ-weights of an AR(1) are φ^j and the h-step variance is σ² Σ φ^2j", () => {
    const phi = 0.6;
    const psi = psiWeights({ lags: [1], coefs: [-phi] }, { lags: [], coefs: [] }, 5);
    for (const [j, v] of [1, 0.6, 0.36, 0.216, 0.1296].entries())
      assert.ok(Math.abs((psi[j] as number) - v) < 1e-12);
    const variances = forecastVariances(coefficients({ ar: [phi] }), differencePoly(0, 0, 1), 1, 2, 3);
    // 2·(1 + 0.36 + 0.1296)
    assert.ok(Math.abs((variances[2] as number) - 2.9792) < 1e-12);
    // ARIMA(0,1,1), θ = 0.4: ψ_0 = 1, ψ_j = 1 + θ, so var_3 = σ²(1 + 2·1.96).
    const ima = forecastVariances(coefficients({ ma: [0.4] }), differencePoly(1, 0, 1), 1, 1, 3);
    assert.ok(Math.abs((ima[2] as number) - 4.92) < 1e-12);
  });

  it("forecasts an AR(1) with a mean and a random walk with drift as worked by hand", () => {
    const ar = forecastMean(
      { wTail: Float64Array.of(14), eTail: new Float64Array(0), yTail: new Float64Array(0) },
      coefficients({ ar: [0.5], constant: 10 }),
      differencePoly(0, 0, 1),
      1,
      3,
    );
    assert.deepEqual([...ar], [12, 11, 10.5]);
    const drift = forecastMean(
      { wTail: new Float64Array(0), eTail: new Float64Array(0), yTail: Float64Array.of(100) },
      coefficients({ constant: 2 }),
      differencePoly(1, 0, 1),
      1,
      2,
    );
    assert.deepEqual([...drift], [102, 104]);
    // Seasonal naive, ARIMA(0,0,0)(0,1,0)[3]: the last season repeats.
    const seasonal = forecastMean(
      { wTail: new Float64Array(0), eTail: new Float64Array(0), yTail: Float64Array.of(1, 5, 9) },
      coefficients({}),
      differencePoly(0, 1, 3),
      3,
      4,
    );
    assert.deepEqual([...seasonal], [1, 5, 9, 1]);
  });

  it("computes the KPSS statistic of a tiny series as worked by hand", () => {
    // 1..5: e = −2..2, partial sums −2 −3 −3 −2 0, Σ S² = 26, η = 26/25; γ0 = 10/5 = 2,
    // lag-1 autocovariance sum 4 with Bartlett weight 1/2: s²(1) = 2 + 2·½·4/5 = 2.8.
    assert.equal(kpssLags(5), 0);
    assert.ok(Math.abs(kpssStatistic([1, 2, 3, 4, 5]) - 1.04 / 2) < 1e-12);
    assert.ok(Math.abs(kpssStatistic([1, 2, 3, 4, 5], 1) - 1.04 / 2.8) < 1e-12);
    assert.equal(kpssLags(20_000), 32);
    assert.equal(ndiffs(normals(1, 500)), 0);
  });

  it("measures seasonal strength near 1 for a clean cycle and near 0 for noise", () => {
    const noise = normals(2, 10 * 24);
    const cycle = noise.map((v, t) => 10 * Math.sin((2 * Math.PI * t) / 24) + 0.5 * v);
    assert.ok(seasonalStrength(cycle, 24) > 0.9);
    assert.ok(seasonalStrength(noise, 24) < 0.64);
  });

  it("maps unconstrained values to a stationary AR polynomial (R's partrans)", () => {
    // p = 2: r = tanh(u); φ1 = r1 − r2·r1, φ2 = r2.
    const [r1, r2] = [Math.tanh(0.3), Math.tanh(-0.8)];
    const [phi1, phi2] = partrans([0.3, -0.8]) as [number, number];
    assert.ok(Math.abs(phi1 - (r1 - r2 * r1)) < 1e-12);
    assert.ok(Math.abs(phi2 - r2) < 1e-12);
  });

  it("tells stationary AR polynomials from ones with a root near or inside the unit circle", () => {
    // (1 − 0.5B)(1 − 0.7B) = 1 − 1.2B + 0.35B²: roots 2 and 1/0.7.
    assert.equal(rootsOutside([1.2, -0.35], 1), true);
    // 1 − 0.5B − 0.6B²: roots (−0.5 ± √2.65) / 1.2, one of them 0.940.
    assert.equal(rootsOutside([0.5, 0.6], 1), false);
    // AR(1) φ = 0.995: root 1.005, inside auto.arima's 1.01 margin; φ = 0.98 (root 1.0204) is not.
    assert.equal(rootsOutside([0.995], 1.01), false);
    assert.equal(rootsOutside([0.98], 1.01), true);
  });

  it("rejects fits with an AR or MA root within 1.01 of the unit circle, seasonal ones included", () => {
    assert.equal(wellInsideUnitCircle(coefficients({ ar: [0.5], ma: [-0.98] })), true);
    // θ = −0.995: θ(B) = 1 − 0.995B has its root at 1.005.
    assert.equal(wellInsideUnitCircle(coefficients({ ma: [-0.995] })), false);
    assert.equal(wellInsideUnitCircle(coefficients({ sar: [0.995] })), false);
    assert.equal(wellInsideUnitCircle(coefficients({ sma: [0.995] })), false);
    // ARIMA(1,1,5) MA part a real-trace search once chose: θ(1) ≈ 0, a unit root.
    const ma = [-1.6445532, 0.5276563, 0.0722533, 0.0132328, 0.0314111];
    assert.equal(wellInsideUnitCircle(coefficients({ ar: [0.948], ma })), false);
  });

  it("updates over newer points with the same coefficients", async () => {
    const values = simulateArma(7, 1200, 0.7, 0, 40);
    const fitted = await new ArimaModel().fit(series(values.slice(0, 1000)));
    const same = fitted.update(series(values.slice(0, 1000)));
    assert.deepEqual([...same.forecast(6, [0.5]).mean], [...fitted.forecast(6, [0.5]).mean]);
    const later = fitted.update(series(values));
    assert.deepEqual(later.coefficients, fitted.coefficients);
    assert.equal(later.orderText, fitted.orderText);
    assert.equal(fitted.orderText, "ARIMA(1,0,0) with non-zero mean");
    const phi = fitted.coefficients.ar[0] as number;
    const mu = fitted.coefficients.constant;
    const next = later.forecast(1, [0.5]);
    assert.ok(Math.abs((next.mean[0] as number) - (mu + phi * ((values[1199] as number) - mu))) < 1e-9);
    assert.equal(next.startMs, Date.UTC(2024, 0, 1) + 1200 * STEP * 1000);
  });

  it("names orders the way R prints them", () => {
    const o = { p: 1, d: 1, q: 1, P: 0, D: 1, Q: 1, m: 288 };
    assert.equal(describeOrder(o, false), "ARIMA(1,1,1)(0,1,1)[288]");
    assert.equal(describeOrder({ ...o, d: 0, D: 0, m: 1 }, true), "ARIMA(1,0,1) with non-zero mean");
  });

  it("is ready after 50 points", () => {
    assert.equal(new ArimaModel().readiness(series(new Float64Array(49).fill(1))).ready, false);
    assert.equal(new ArimaModel().readiness(series(new Float64Array(50).fill(1))).ready, true);
  });
});
