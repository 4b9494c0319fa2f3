import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NAIVE, NaiveModel } from "../../../src/forecast/models/naive.js";
import { DAY_SECONDS } from "../../../src/forecast/seasonality.js";
import { ForecastError, type Series } from "../../../src/forecast/types.js";
import { checkModelContract, syntheticSeries, withGap } from "./contract.js";

const daily = (t: number): number => 100 + 50 * Math.sin((2 * Math.PI * t) / DAY_SECONDS);
const series = (values: number[]): Series => ({
  startMs: 0,
  stepSeconds: 60,
  values: Float64Array.from(values),
});

describe("naive", () => {
  it("has a stable name", () => assert.equal(new NaiveModel().name, "naive"));

  it("meets the model contract on a noisy daily cycle", async () => {
    await checkModelContract(new NaiveModel(), syntheticSeries({ points: 600, shape: daily, noise: 5 }));
  });

  it("meets the model contract with gaps, including a trailing one", async () => {
    const s = withGap(withGap(syntheticSeries({ points: 600, shape: daily, noise: 5 }), 100, 180), 590, 600);
    const result = await checkModelContract(new NaiveModel(), s);
    assert.equal(result.mean[0], s.values[589]);
  });

  it("forecasts the last finite value", async () => {
    const fitted = await new NaiveModel().fit(series([3, 5, 4, 7, Number.NaN]));
    const result = fitted.forecast(5, [0.5]);
    assert.deepEqual([...result.mean], [7, 7, 7, 7, 7]);
    assert.equal(fitted.name, NAIVE);
  });

  it("widens intervals by √h from one-step residuals", async () => {
    // A random-looking walk far from 0, so no clipping.
    const s = syntheticSeries({ points: 500, shape: () => 1000, noise: 10, seed: 7 });
    const result = (await new NaiveModel().fit(s)).forecast(16, [0.1, 0.9]);
    const width = (h: number): number =>
      (result.quantiles.get(0.9)?.[h] as number) - (result.quantiles.get(0.1)?.[h] as number);
    assert.ok(width(0) > 10, `one-step width ${width(0)} should reflect noise of sd 10·√2`);
    assert.ok(Math.abs(width(15) / width(0) - 4) < 1e-9, "16 steps ahead is √16 = 4 times wider");
  });

  it("clips a negative last value to 0", async () => {
    const result = (await new NaiveModel().fit(series([1, 2, -3]))).forecast(2, [0.1, 0.9]);
    assert.deepEqual([...result.mean], [0, 0]);
  });

  it("is ready with 2 finite points, not with 1", () => {
    const model = new NaiveModel();
    assert.deepEqual(model.readiness(series([1, 2])), { ready: true });
    const one = model.readiness(series([Number.NaN, 4]));
    assert.equal(one.ready, false);
    if (!one.ready) {
      assert.match(one.reason, /needs at least 2 data points, has 1/);
      assert.equal(one.needMoreSeconds, 60);
    }
  });

  it("refuses an all-gap series and bad arguments with a ForecastError", async () => {
    await assert.rejects(new NaiveModel().fit(series([Number.NaN, Number.NaN])), ForecastError);
    const fitted = await new NaiveModel().fit(series([1, 2, 3]));
    assert.throws(() => fitted.forecast(0, [0.5]), ForecastError);
    assert.throws(() => fitted.forecast(3, [1]), ForecastError);
  });
});
