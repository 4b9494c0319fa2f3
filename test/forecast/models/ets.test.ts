import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ETS, EtsModel } from "../../../src/forecast/models/ets.js";
import { type EtsForm, pointForecast, runEts } from "../../../src/forecast/models/etsCore.js";
import { analyticVariances, simulatedPaths } from "../../../src/forecast/models/etsIntervals.js";
import { normalQuantile } from "../../../src/forecast/stats.js";
import { checkModelContract, seededRandom, syntheticSeries, withGap } from "./contract.js";
import { maeAgainstTruth, STEP, trendSeason } from "./shapes.js";

const ANN: EtsForm = { error: "A", trend: "N", season: "N" };

describe("ets", () => {
  it("has a stable name and is not declared cheap", () => {
    const model = new EtsModel();
    assert.equal(model.name, ETS);
    assert.equal(model.fitCost, "expensive");
  });

  it("meets the model contract on a trend plus a daily season and picks a seasonal form", async () => {
    const points = 4 * 288;
    const s = syntheticSeries({ points, shape: trendSeason, noise: 2 });
    const result = await checkModelContract(new EtsModel(), s, { horizonSteps: 48 });
    const fitted = await new EtsModel().fit(s);
    assert.equal(fitted.periodSteps, 288);
    assert.match(fitted.form, /^ETS\([AM],(N|A|Ad),[AM]\)$/);
    assert.ok(Number.isFinite(fitted.aicc));
    assert.ok(maeAgainstTruth(result.mean, points, trendSeason) < 4);
  });

  it("picks a level-only form for level plus noise", async () => {
    const s = syntheticSeries({ points: 600, shape: () => 50, noise: 2, seed: 5 });
    const fitted = await new EtsModel().fit(s);
    assert.equal(fitted.periodSteps, 1);
    assert.ok(["ETS(A,N,N)", "ETS(M,N,N)"].includes(fitted.form), fitted.form);
    await checkModelContract(new EtsModel(), s, { horizonSteps: 12 });
  });

  it("picks a trended form for a linear trend and follows it", async () => {
    const shape = (t: number): number => 20 + 0.1 * (t / STEP);
    const s = syntheticSeries({ points: 600, shape, noise: 0.5 });
    const fitted = await new EtsModel().fit(s);
    assert.match(fitted.form, /^ETS\([AM],(A|Ad),N\)$/);
    const mean = fitted.forecast(12, [0.5]).mean;
    assert.ok((mean[11] as number) > (mean[0] as number) + 0.5, "trend continues");
    assert.ok(Math.abs((mean[0] as number) - shape(600 * STEP)) < 1.5);
  });

  it("picks a multiplicative season when the amplitude grows with the level", async () => {
    const random = seededRandom(7);
    const points = 8 * 288;
    const values = new Float64Array(points);
    for (let i = 0; i < points; i++) {
      const level = 20 + 0.1 * i;
      const g = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      values[i] = level * (1 + 0.6 * Math.sin((2 * Math.PI * i) / 288)) * (1 + 0.02 * g);
    }
    const fitted = await new EtsModel().fit({ startMs: 0, stepSeconds: STEP, values });
    assert.match(fitted.form, /^ETS\(M,(N|A|Ad),M\)$/);
  });

  it("ETS(A,N,N) is simple exponential smoothing (worked by hand)", () => {
    const params = { alpha: 0.3, beta: 0, gamma: 0, phi: 1 };
    const init = { level: 10, trend: 0, season: new Float64Array(0), t: 0 };
    const run = runEts(Float64Array.of(10, 12, 11, 15), ANN, params, init);
    // l1 = 10, l2 = 10.6, l3 = 10.72, l4 = 10.72 + 0.3·4.28 = 12.004; errors 0, 2, 0.4, 4.28.
    assert.ok(Math.abs(run.state.level - 12.004) < 1e-12);
    assert.ok(Math.abs(run.sse - 22.4784) < 1e-12);
    assert.ok(Math.abs(run.lik - 4 * Math.log(22.4784)) < 1e-9);
    for (const v of pointForecast(ANN, params, run.state, 5)) assert.ok(Math.abs(v - 12.004) < 1e-12);
  });

  it("carries the state over a missing point by its forecast and leaves it out of the likelihood", () => {
    const params = { alpha: 0.3, beta: 0, gamma: 0, phi: 1 };
    const init = { level: 10, trend: 0, season: new Float64Array(0), t: 0 };
    const run = runEts(Float64Array.of(12, Number.NaN, 11), ANN, params, init);
    // l1 = 10.6, l2 = 10.6 (missing), l3 = 10.6 + 0.3·0.4 = 10.72; errors 2 and 0.4.
    assert.ok(Math.abs(run.state.level - 10.72) < 1e-12);
    assert.equal(run.n, 2);
    assert.ok(Math.abs(run.sse - 4.16) < 1e-12);
  });

  it("class-1 variances: ETS(A,N,N) is σ²(1 + (h−1)α²); ETS(A,Ad,A) by hand", () => {
    const ann = analyticVariances(ANN, { alpha: 0.3, beta: 0, gamma: 0, phi: 1 }, 1, 4, 6);
    for (let h = 1; h <= 6; h++)
      assert.ok(Math.abs((ann[h - 1] as number) - 4 * (1 + (h - 1) * 0.09)) < 1e-12);
    // m = 2, α .5, β .1, γ .2, φ .9: c1 = .5 + .1·.9 = .59; c2 = .5 + .1·1.71 + .2 = .871.
    const form: EtsForm = { error: "A", trend: "Ad", season: "A" };
    const v = analyticVariances(form, { alpha: 0.5, beta: 0.1, gamma: 0.2, phi: 0.9 }, 2, 1, 3);
    assert.ok(Math.abs((v[0] as number) - 1) < 1e-12);
    assert.ok(Math.abs((v[1] as number) - 1.3481) < 1e-12);
    assert.ok(Math.abs((v[2] as number) - 2.106741) < 1e-12);
  });

  it("simulated ETS(M,N,N) quantiles one step ahead match l·(1 + σ·z_q)", () => {
    const form: EtsForm = { error: "M", trend: "N", season: "N" };
    const state = { level: 100, trend: 0, season: new Float64Array(0), t: 0 };
    const params = { alpha: 0.4, beta: 0, gamma: 0, phi: 1 };
    const paths = simulatedPaths(form, params, state, 0.1, 3, [0.1, 0.5, 0.9], { paths: 4000, seed: 3 });
    for (const q of [0.1, 0.5, 0.9]) {
      const expected = 100 * (1 + 0.1 * normalQuantile(q));
      const got = paths.get(q)?.[0] as number;
      assert.ok(Math.abs(got - expected) < 1, `q${q}: ${got} vs ${expected}`);
    }
    // Wider further ahead (the level wanders).
    const spread = (h: number): number => (paths.get(0.9)?.[h] as number) - (paths.get(0.1)?.[h] as number);
    assert.ok(spread(2) > spread(0));
    // The near steps do not depend on how far ahead is asked.
    const longer = simulatedPaths(form, params, state, 0.1, 10, [0.1, 0.5, 0.9], { paths: 4000, seed: 3 });
    for (const q of [0.1, 0.5, 0.9])
      assert.deepEqual([...(longer.get(q) ?? [])].slice(0, 3), [...(paths.get(q) ?? [])]);
  });

  it("handles a run of missing values and still tracks the pattern", async () => {
    const points = 4 * 288;
    const s = withGap(syntheticSeries({ points, shape: trendSeason, noise: 2 }), 500, 620);
    const result = await checkModelContract(new EtsModel(), s, { horizonSteps: 48 });
    assert.ok(maeAgainstTruth(result.mean, points, trendSeason) < 5);
  });

  it("update runs the recursions over the new points with the same parameters", async () => {
    const s = syntheticSeries({ points: 600, shape: () => 50, noise: 2, seed: 5 });
    const head = { ...s, values: s.values.slice(0, 590) };
    const fitted = await new EtsModel().fit(head);
    assert.match(fitted.form, /^ETS\([AM],N,N\)$/);
    let level = fitted.forecast(1, [0.5]).mean[0] as number;
    for (let i = 590; i < 600; i++) level += fitted.params.alpha * ((s.values[i] as number) - level);
    // A sliding window (later start) must align by time.
    const slid = { startMs: s.startMs + 100 * STEP * 1000, stepSeconds: STEP, values: s.values.slice(100) };
    const updated = await fitted.update(slid);
    assert.equal(updated.form, fitted.form);
    assert.deepEqual(updated.params, fitted.params);
    const forecast = updated.forecast(3, [0.1, 0.9]);
    assert.equal(forecast.startMs, s.startMs + 600 * STEP * 1000);
    assert.ok(Math.abs((forecast.mean[0] as number) - level) < 1e-9);
  });

  it("needs two full seasons before a period shows", () => {
    const s = syntheticSeries({ points: (31 * 3600) / STEP, shape: trendSeason, noise: 2 });
    const r = new EtsModel().readiness(s);
    assert.equal(r.ready, false);
    if (!r.ready) assert.equal(r.reason, "needs 2 days of history for a daily pattern, has 31 h");
  });
});
