import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { forecastSeries } from "../../src/forecast/engine.js";
import { NaiveModel } from "../../src/forecast/models/naive.js";
import { SeasonalNaiveModel } from "../../src/forecast/models/seasonalNaive.js";
import { DoubleModel, dailySeries } from "./doubles.js";

const Q = [0.1, 0.5, 0.9];

describe("forecastSeries", () => {
  it("selects seasonal naive over naive on a daily pattern and serves a calibrated forecast", async () => {
    const series = dailySeries(8, 3600);
    const result = await forecastSeries(series, {
      models: [new NaiveModel(), new SeasonalNaiveModel()],
      horizonSteps: 6,
      quantiles: Q,
      backtestWindows: 12,
    });
    assert.equal(result.notReady, undefined);
    assert.ok(result.model === "seasonal_naive" || result.model.startsWith("ensemble("), result.model);
    assert.equal(result.forecast.mean.length, 6);
    assert.equal(result.forecast.startMs, series.startMs + series.values.length * 3600_000);
    for (const q of Q) assert.equal(result.forecast.quantiles.get(q)?.length, 6);
    const naive = result.scores.naive;
    const seasonal = result.scores.seasonal_naive;
    assert.ok(naive && seasonal);
    assert.ok(
      seasonal.scaledPinball < naive.scaledPinball,
      `${seasonal.scaledPinball} vs ${naive.scaledPinball}`,
    );
    assert.ok(seasonal.mase < naive.mase);
    assert.equal(seasonal.ready, true);
    assert.ok(Number.isFinite(seasonal.coverage));
    assert.deepEqual(Object.keys(result.calibration).sort(), ["0.1", "0.5", "0.9"]);
    // Forecast follows tomorrow's pattern: the served median is near the value one day earlier.
    const dayAgo = series.values[series.values.length - 24] as number;
    assert.ok(Math.abs((result.forecast.quantiles.get(0.5)?.[0] as number) - dayAgo) < 20);
  });

  it("reports not ready with the simplest model's reason when no model is ready", async () => {
    const need = (s: { values: Float64Array }) => ({
      ready: false as const,
      reason: `needs 48 points, has ${s.values.length}`,
      needMoreSeconds: (48 - s.values.length) * 3600,
    });
    const result = await forecastSeries(dailySeries(1, 3600), {
      models: [
        new DoubleModel({ name: "simple", readiness: need }),
        new DoubleModel({ name: "complex", readiness: need }),
      ],
      horizonSteps: 6,
      quantiles: Q,
    });
    assert.deepEqual(result.notReady, { reason: "needs 48 points, has 24", needMoreSeconds: 24 * 3600 });
    assert.equal(result.forecast.mean.length, 0);
    assert.equal(result.scores.simple?.ready, false);
    assert.match(result.scores.complex?.reason ?? "", /needs 48 points/);
  });

  it("uses only the ready models and records why the others are skipped", async () => {
    const result = await forecastSeries(dailySeries(4, 3600), {
      models: [
        new DoubleModel({ name: "ok", spread: 40 }),
        new DoubleModel({
          name: "later",
          readiness: () => ({ ready: false, reason: "needs 2 weeks", needMoreSeconds: 86_400 * 10 }),
        }),
      ],
      horizonSteps: 4,
      quantiles: Q,
      backtestWindows: 6,
    });
    assert.equal(result.model, "ok");
    assert.equal(result.scores.later?.ready, false);
    assert.equal(result.scores.later?.reason, "not ready: needs 2 weeks");
    assert.equal(result.notReady, undefined);
  });

  it("falls back down the ranking when the chosen model fails its final fit", async () => {
    const n = dailySeries(4, 3600).values.length;
    const result = await forecastSeries(dailySeries(4, 3600), {
      models: [
        new DoubleModel({ name: "steady", spread: 40 }),
        new DoubleModel({
          name: "best-but-breaks",
          spread: 40,
          level: () => 100,
          fails: (s) => s.values.length === n,
        }),
      ],
      horizonSteps: 4,
      quantiles: Q,
      backtestWindows: 6,
    });
    assert.notEqual(result.model, "best-but-breaks");
    assert.equal(result.forecast.mean.length, 4);
  });
});
