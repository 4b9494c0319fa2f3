import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  fitHoltWintersParams,
  HOLT_WINTERS,
  HoltWintersModel,
} from "../../../src/forecast/models/holtWinters.js";
import { checkModelContract, syntheticSeries, withGap } from "./contract.js";
import { maeAgainstTruth, STEP, trendSeason } from "./shapes.js";

describe("holt_winters", () => {
  it("has a stable name", () => assert.equal(new HoltWintersModel().name, HOLT_WINTERS));

  it("tracks a trend plus a daily season", async () => {
    const points = 4 * 288;
    const s = syntheticSeries({ points, shape: trendSeason, noise: 2 });
    const model = new HoltWintersModel();
    const result = await checkModelContract(model, s, { horizonSteps: 48 });
    const fitted = await model.fit(s);
    assert.equal(fitted.periodSteps, 288);
    const mae = maeAgainstTruth(result.mean, points, trendSeason);
    assert.ok(mae < 3, `MAE ${mae.toFixed(2)} against the truth should be near the noise level`);
    // Beats a flat forecast at the last value by far (it learned the season).
    const flat = new Float64Array(48).fill(s.values[points - 1] as number);
    assert.ok(mae < maeAgainstTruth(flat, points, trendSeason) / 2);
  });

  it("fits parameters inside their bounds", async () => {
    const s = syntheticSeries({ points: 3 * 288, shape: trendSeason, noise: 2 });
    const { params } = await new HoltWintersModel().fit(s);
    assert.ok(params.alpha > 0 && params.alpha < 1);
    assert.ok(params.beta >= 0 && params.beta <= params.alpha);
    assert.ok(params.gamma >= 0 && params.gamma <= 1 - params.alpha);
    assert.ok(params.phi >= 0.8 && params.phi <= 0.98);
  });

  it("skips updates across a NaN run and still tracks the pattern", async () => {
    const points = 4 * 288;
    const s = withGap(syntheticSeries({ points, shape: trendSeason, noise: 2 }), 500, 620);
    const result = await checkModelContract(new HoltWintersModel(), s, { horizonSteps: 48 });
    assert.ok(maeAgainstTruth(result.mean, points, trendSeason) < 4);
  });

  it("is damped Holt without a season and follows a trend upward", async () => {
    const shape = (t: number): number => 20 + 0.1 * (t / STEP);
    const s = syntheticSeries({ points: 600, shape, noise: 0.5 });
    const fitted = await new HoltWintersModel().fit(s);
    assert.equal(fitted.periodSteps, 1);
    const result = await checkModelContract(new HoltWintersModel(), s, { horizonSteps: 12 });
    assert.ok((result.mean[11] as number) > (result.mean[0] as number), "trend continues");
    assert.ok(Math.abs((result.mean[0] as number) - shape(600 * STEP)) < 1.5);
  });

  it("fits 5,000 points in under a second", () => {
    const y = syntheticSeries({ points: 5000, shape: trendSeason, noise: 2 }).values;
    const started = performance.now();
    fitHoltWintersParams(y, 288, { leadSteps: 12 });
    const ms = performance.now() - started;
    assert.ok(ms < 1000, `fit took ${ms.toFixed(0)} ms`);
  });

  it("needs two full seasons", () => {
    const s = syntheticSeries({ points: (31 * 3600) / STEP, shape: trendSeason, noise: 2 });
    const r = new HoltWintersModel().readiness(s);
    assert.equal(r.ready, false);
    if (!r.ready) {
      assert.equal(r.reason, "needs 2 days of history for a daily pattern, has 31 h");
      assert.equal(r.needMoreSeconds, 17 * 3600);
    }
    const ready = syntheticSeries({ points: 2 * 288, shape: trendSeason, noise: 2 });
    assert.deepEqual(new HoltWintersModel().readiness(ready), { ready: true });
  });
});
