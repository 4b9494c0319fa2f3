import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backtest, flatForecast, rollingOrigins } from "../../src/forecast/backtest.js";
import { NaiveModel } from "../../src/forecast/models/naive.js";
import { SeasonalNaiveModel } from "../../src/forecast/models/seasonalNaive.js";
import { DoubleModel, dailySeries } from "./doubles.js";

const Q = [0.1, 0.5, 0.9];

describe("rollingOrigins", () => {
  it("covers the last 20% with an origin every horizon, each with a full horizon", () => {
    const { origins, firstScored } = rollingOrigins(100, { horizonSteps: 5 });
    assert.equal(firstScored, 0);
    assert.deepEqual(origins, [80, 85, 90, 95]);
  });

  it("adds warm-up origins before the scored part", () => {
    const { origins, firstScored } = rollingOrigins(100, { horizonSteps: 5, warmupWindows: 2 });
    assert.deepEqual(origins.slice(0, firstScored), [70, 75]);
    assert.equal(origins[firstScored], 80);
  });
});

describe("backtest", () => {
  const series = dailySeries(6, 3600);

  it("fits only on data before each origin and keeps the actuals beside the forecast", async () => {
    const model = new DoubleModel({ name: "last", fitCost: "cheap" });
    const result = await backtest(series, [model], { horizonSteps: 6, quantiles: Q, origins: [100, 106] });
    const record = result.models.get("last");
    assert.ok(record);
    assert.deepEqual(model.fits, [100, 106]);
    const [first] = record.windows;
    assert.ok(first);
    assert.deepEqual([...first.actual], [...series.values.slice(100, 106)]);
    assert.equal(first.forecast.mean[0], series.values[99]);
    assert.equal(first.forecast.startMs, series.startMs + 100 * 3600_000);
  });

  it("refits an expensive model at most once per refit period and updates it in between", async () => {
    const model = new DoubleModel({ name: "slow", fitCost: "expensive", updatable: true });
    const origins = [72, 78, 84, 90, 96, 102];
    const result = await backtest(series, [model], {
      horizonSteps: 6,
      quantiles: Q,
      origins,
      refitEverySteps: 24,
    });
    assert.deepEqual(model.fits, [72, 96]);
    assert.deepEqual(model.updates, [78, 84, 90, 102]);
    assert.equal(result.models.get("slow")?.fits, 2);
    // Updated to the origin: forecasts from the latest value.
    assert.equal(result.models.get("slow")?.windows[1]?.forecast.mean[0], series.values[77]);
  });

  it("forecasts a stale fit over the lead time, corrected to the recent level", async () => {
    // A level shift: +1000 from step 80 on; fitted at 72 (flat at the step-71 level), used at 84.
    const values = Float64Array.from({ length: 120 }, (_, i) => (i >= 80 ? 1010 : 10));
    const shifted = { startMs: 0, stepSeconds: 3600, values };
    const model = new DoubleModel({ name: "slow", fitCost: "expensive" });
    const result = await backtest(shifted, [model], {
      horizonSteps: 4,
      quantiles: Q,
      origins: [72, 84],
      refitEverySteps: 24,
    });
    assert.deepEqual(model.fits, [72]);
    assert.equal(result.models.get("slow")?.windows[1]?.forecast.mean[0], 1010);
  });

  it("refits models declared cheap at every origin, whatever the machine's speed", async () => {
    const model = new DoubleModel({ name: "cheap", fitCost: "cheap" });
    await backtest(series, [model], {
      horizonSteps: 6,
      quantiles: Q,
      origins: [72, 78, 84],
      refitEverySteps: 24,
    });
    assert.deepEqual(model.fits, [72, 78, 84]);
  });

  it("records not-ready and failing origins and lets the fallback stand in", async () => {
    const picky = new DoubleModel({
      name: "picky",
      fitCost: "cheap",
      readiness: (s) =>
        s.values.length < 90
          ? { ready: false, reason: "needs 90 points", needMoreSeconds: 1 }
          : { ready: true },
      fails: (s) => s.values.length === 96,
    });
    const result = await backtest(series, [picky], {
      horizonSteps: 6,
      quantiles: Q,
      origins: [84, 90, 96],
      fallback: new SeasonalNaiveModel(),
    });
    const record = result.models.get("picky");
    assert.ok(record);
    assert.equal(record.notReady, 1);
    assert.equal(record.failures, 1);
    assert.match(record.windows[0]?.fallback?.reason ?? "", /not ready: needs 90 points/);
    assert.equal(record.windows[0]?.fallback?.by, "seasonal_naive");
    assert.equal(record.windows[1]?.fallback, undefined);
    assert.match(record.windows[2]?.fallback?.reason ?? "", /failed on purpose/);
    // Seasonal naive repeats yesterday: the stand-in at 84 is the value at 60.
    assert.ok(
      Math.abs((record.windows[0]?.forecast.mean[0] as number) - (series.values[60] as number)) < 1e-9,
    );
  });

  it("runs real baselines over the default last 20% and reports progress", async () => {
    const seen: string[] = [];
    const result = await backtest(series, [new NaiveModel(), new SeasonalNaiveModel()], {
      horizonSteps: 6,
      quantiles: Q,
      onProgress: (p) => {
        if (p.done === p.total) seen.push(p.model);
      },
    });
    assert.deepEqual(seen, ["naive", "seasonal_naive"]);
    assert.deepEqual(result.origins, [116, 122, 128, 134]);
    for (const record of result.models.values()) assert.equal(record.windows.length, 4);
  });

  it("rejects origins without a full horizon of actuals", async () => {
    await assert.rejects(
      backtest(series, [], { horizonSteps: 6, quantiles: Q, origins: [140] }),
      /origin 140/,
    );
  });

  it("flatForecast repeats the last finite value", () => {
    const f = flatForecast(
      { startMs: 0, stepSeconds: 60, values: new Float64Array([3, Number.NaN]) },
      2,
      [0.5],
    );
    assert.deepEqual([...f.mean], [3, 3]);
    assert.equal(f.startMs, 120_000);
  });
});
