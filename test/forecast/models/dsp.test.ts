import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { asymmetricMape, DSP, DspModel, preprocess } from "../../../src/forecast/models/dsp.js";
import { DAY_SECONDS } from "../../../src/forecast/seasonality.js";
import { checkModelContract, syntheticSeries, withGap } from "./contract.js";

const daily = (t: number): number => 100 + 50 * Math.sin((2 * Math.PI * t) / DAY_SECONDS);

describe("dsp", () => {
  it("has a stable name", () => assert.equal(new DspModel().name, DSP));

  it("finds a daily period on a noisy daily cycle and repeats it", async () => {
    const s = syntheticSeries({ points: 3 * 288, shape: daily, noise: 3 });
    const result = await checkModelContract(new DspModel(), s, { horizonSteps: 288 });
    const fitted = await new DspModel().fit(s);
    assert.equal(fitted.periodSteps, 288);
    let mae = 0;
    for (let h = 0; h < 288; h++)
      mae += Math.abs((result.mean[h] as number) - daily((3 * 288 + h) * 300)) / 288;
    assert.ok(mae < 8, `MAE ${mae.toFixed(2)} against the true cycle`);
  });

  it("finds daily, not weekly, on a pure daily sine over 15 days", async () => {
    const s = syntheticSeries({ points: 15 * 288, shape: daily, noise: 0 });
    assert.equal((await new DspModel().fit(s)).periodSteps, 288);
  });

  it("finds weekly when weekends differ", async () => {
    const shape = (t: number): number =>
      (Math.floor(t / DAY_SECONDS) % 7 >= 5 ? 10 : 100) + 20 * Math.sin((2 * Math.PI * t) / DAY_SECONDS);
    const s = syntheticSeries({ points: 21 * 24, stepSeconds: 3600, shape, noise: 2 });
    const fitted = await new DspModel().fit(s);
    assert.equal(fitted.periodSteps, 168);
    await checkModelContract(new DspModel(), s, { horizonSteps: 48 });
  });

  it("falls back to a flat forecast without a period", async () => {
    const s = syntheticSeries({ points: 3 * 288, shape: () => 40, noise: 5 });
    const fitted = await new DspModel().fit(s);
    assert.equal(fitted.periodSteps, undefined);
    assert.equal(fitted.estimator, "flat");
    const result = await checkModelContract(new DspModel(), s);
    assert.ok(result.mean.every((v) => v === s.values[s.values.length - 1]));
  });

  it("picks the estimator with the lowest asymmetric MAPE on the last cycle", async () => {
    // Amplitude grows day by day, so the two estimators score differently on the last cycle.
    const growing = (t: number): number =>
      100 + (10 + 10 * Math.floor(t / DAY_SECONDS)) * Math.sin((2 * Math.PI * t) / DAY_SECONDS);
    const fitted = await new DspModel().fit(syntheticSeries({ points: 4 * 288, shape: growing, noise: 1 }));
    const scores = fitted.backtest;
    assert.equal(scores.size, 2);
    const best = [...scores.entries()].sort((a, b) => a[1] - b[1])[0]?.[0];
    assert.equal(fitted.estimator, best);
    // A spike at one phase on the first three days only: max-at-phase keeps it, the last cycle does not.
    const spiky = (t: number): number =>
      daily(t) + (Math.floor(t / 300) % 288 === 100 && t < 3 * DAY_SECONDS ? 400 : 0);
    const spikes = syntheticSeries({ points: 4 * 288, shape: spiky, noise: 1 });
    const maxFit = await new DspModel({ estimators: ["max_value"] }).fit(spikes);
    const result = maxFit.forecast(288, [0.5]);
    assert.ok((result.mean[100] as number) > 400);
    const repeatFit = await new DspModel({ estimators: ["repeat_last_cycle"] }).fit(spikes);
    assert.ok((repeatFit.forecast(288, [0.5]).mean[100] as number) < 200);
  });

  it("tolerates a NaN run inside the history", async () => {
    const s = withGap(syntheticSeries({ points: 3 * 288, shape: daily, noise: 3 }), 400, 500);
    const fitted = await new DspModel().fit(s);
    assert.equal(fitted.periodSteps, 288);
    await checkModelContract(new DspModel(), s, { horizonSteps: 300 });
  });

  it("needs 2 days of history", () => {
    const short = syntheticSeries({ points: (31 * 3600) / 300, shape: daily, noise: 3 });
    const r = new DspModel().readiness(short);
    assert.equal(r.ready, false);
    if (!r.ready) {
      assert.equal(r.reason, "needs 2 days of history for a daily pattern, has 31 h");
      assert.equal(r.needMoreSeconds, 17 * 3600);
    }
    assert.deepEqual(new DspModel().readiness(syntheticSeries({ points: 2 * 288, shape: daily })), {
      ready: true,
    });
  });
});

describe("asymmetricMape", () => {
  const cases: [string, number[], number[], number][] = [
    ["exact", [10, 20], [10, 20], 0],
    ["20% over costs 0.2", [10], [12], 0.2],
    ["20% under costs 1", [10], [8], 1],
    // |1 − 0| ÷ mean actual 5 = 0.2 on the first point, 0 on the second.
    ["zero actual uses error over mean actual", [0, 10], [1, 10], 0.1],
  ];
  for (const [what, actual, predicted, want] of cases) {
    it(what, () => assert.ok(Math.abs(asymmetricMape(actual, predicted) - want) < 1e-9));
  }
});

describe("preprocess", () => {
  it("fills gaps linearly and holds the ends", () => {
    assert.deepEqual(
      [...preprocess([Number.NaN, 2, Number.NaN, Number.NaN, 8, Number.NaN])],
      [2, 2, 4, 6, 8, 8],
    );
  });
  it("replaces values beyond P0.1–P99.9 with the previous value", () => {
    const values = Array.from({ length: 5000 }, (_, i) => 10 + (i % 7));
    values[2500] = 1e6;
    const out = preprocess(values);
    assert.equal(out[2500], out[2499]);
  });
});
