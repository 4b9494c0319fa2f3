import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SEASONAL_NAIVE, SeasonalNaiveModel } from "../../../src/forecast/models/seasonalNaive.js";
import { DAY_SECONDS } from "../../../src/forecast/seasonality.js";
import { checkModelContract, syntheticSeries, withGap } from "./contract.js";

const daily = (t: number): number => 100 + 50 * Math.sin((2 * Math.PI * t) / DAY_SECONDS);

describe("seasonal_naive", () => {
  it("has a stable name", () => assert.equal(new SeasonalNaiveModel().name, SEASONAL_NAIVE));

  it("reproduces the last daily cycle", async () => {
    const s = syntheticSeries({ points: 3 * 288, shape: daily, noise: 3 });
    const result = await checkModelContract(new SeasonalNaiveModel(), s, { horizonSteps: 400 });
    assert.equal((await new SeasonalNaiveModel().fit(s)).periodSteps, 288);
    const n = s.values.length;
    for (let h = 0; h < 400; h++) assert.equal(result.mean[h], s.values[n - 288 + (h % 288)]);
  });

  it("grows intervals by whole periods ahead, flat within a period", async () => {
    const s = syntheticSeries({ points: 4 * 288, shape: daily, noise: 3 });
    const result = (await new SeasonalNaiveModel().fit(s)).forecast(2 * 288, [0.05, 0.95]);
    const width = (h: number): number =>
      (result.quantiles.get(0.95)?.[h] as number) - (result.quantiles.get(0.05)?.[h] as number);
    assert.ok(Math.abs(width(0) - width(287)) < 1e-9);
    assert.ok(Math.abs(width(288) / width(0) - Math.SQRT2) < 1e-9);
  });

  it("fills a gap in the last cycle from the cycle before", async () => {
    const clean = syntheticSeries({ points: 3 * 288, shape: daily, noise: 0 });
    const s = withGap(clean, 2 * 288 + 10, 2 * 288 + 40);
    const result = await checkModelContract(new SeasonalNaiveModel(), s, { horizonSteps: 288 });
    for (let h = 10; h < 40; h++) assert.equal(result.mean[h], s.values[288 + h]);
  });

  it("behaves as naive without a period", async () => {
    const s = syntheticSeries({ points: 3 * 288, shape: () => 50, noise: 5 });
    const result = await checkModelContract(new SeasonalNaiveModel(), s);
    assert.equal((await new SeasonalNaiveModel().fit(s)).periodSteps, 1);
    assert.ok(result.mean.every((v) => v === s.values[s.values.length - 1]));
    assert.deepEqual(new SeasonalNaiveModel().readiness(s), { ready: true });
  });

  it("is not ready before 2 days, saying how much is missing", () => {
    const s = syntheticSeries({ points: (31 * 3600) / 300, shape: daily, noise: 3 });
    const r = new SeasonalNaiveModel().readiness(s);
    assert.equal(r.ready, false);
    if (!r.ready) {
      assert.equal(r.reason, "needs 2 days of history for a daily pattern, has 31 h");
      assert.equal(r.needMoreSeconds, 17 * 3600);
    }
  });

  it("counts history from the first finite point", () => {
    const s = withGap(syntheticSeries({ points: 2 * 288, shape: daily, noise: 3 }), 0, 288);
    const r = new SeasonalNaiveModel().readiness(s);
    assert.equal(r.ready, false);
    if (!r.ready) assert.equal(r.needMoreSeconds, DAY_SECONDS);
  });

  it("still forecasts (as naive) before it is ready", async () => {
    const s = syntheticSeries({ points: 100, shape: daily, noise: 3 });
    await checkModelContract(new SeasonalNaiveModel(), s);
  });
});
