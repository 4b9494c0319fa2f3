import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { forecastSeries } from "../../src/forecast/engine.js";
import { NaiveModel } from "../../src/forecast/models/naive.js";
import { SeasonalNaiveModel } from "../../src/forecast/models/seasonalNaive.js";
import type { FittedModel, Series } from "../../src/forecast/types.js";
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

  it("always forecasts the median, so the served quantile never lies below it", async () => {
    const series = dailySeries(8, 3600);
    const result = await forecastSeries(series, {
      models: [new NaiveModel(), new SeasonalNaiveModel()],
      horizonSteps: 6,
      quantiles: [0.9],
      backtestWindows: 12,
    });
    const q9 = result.forecast.quantiles.get(0.9) as Float64Array;
    const q5 = result.forecast.quantiles.get(0.5) as Float64Array;
    assert.ok(q5, "the median is there though only 0.9 was asked for");
    for (let h = 0; h < 6; h++) assert.ok((q9[h] as number) >= (q5[h] as number), `step ${h}`);
    assert.ok(Object.keys(result.calibration).some((k) => k.startsWith("0.5")));
  });

  it("scores the served quantile as served: calibrated out of sample, over the accuracy steps", async () => {
    const series = dailySeries(8, 3600);
    const options = {
      models: [new SeasonalNaiveModel(), new NaiveModel()],
      horizonSteps: 6,
      quantiles: [0.9],
      backtestWindows: 12,
    };
    const all = await forecastSeries(series, options);
    const near = await forecastSeries(series, { ...options, accuracySteps: 2 });
    const s = near.scores.seasonal_naive;
    assert.ok(s && s.coverage >= 0 && s.coverage <= 1 && Number.isFinite(s.pinball ?? Number.NaN));
    // The selection score does not depend on the accuracy steps.
    assert.equal(near.scores.seasonal_naive?.scaledPinball, all.scores.seasonal_naive?.scaledPinball);
    // An ensemble served is scored too, so the page shows the accuracy of what is served.
    if (all.model.startsWith("ensemble(")) assert.ok(all.scores[all.model]);
  });

  it("a cheap update refits the chosen members on new data and serves them with the full run's calibration", async () => {
    const series = dailySeries(8, 3600);
    const models = [new SeasonalNaiveModel(), new NaiveModel()];
    const full = await forecastSeries(series, {
      models,
      horizonSteps: 6,
      quantiles: [0.9],
      backtestWindows: 12,
    });
    assert.ok(full.members && full.calibrationState);
    const { calibrationOf } = await import("../../src/forecast/calibration.js");
    const calibration = calibrationOf(full.calibrationState);
    assert.ok(calibration);
    // The same data: the same forecast, without a backtest (no scores).
    const again = await forecastSeries(series, {
      models,
      horizonSteps: 6,
      quantiles: [0.9],
      reuse: { members: full.members, calibration },
    });
    assert.equal(again.model, full.model);
    assert.deepEqual(again.scores, {});
    assert.deepEqual(
      Array.from(again.forecast.quantiles.get(0.9) ?? []),
      Array.from(full.forecast.quantiles.get(0.9) ?? []),
    );
    await assert.rejects(
      forecastSeries(series, {
        models: [new NaiveModel()],
        horizonSteps: 6,
        quantiles: [0.9],
        reuse: { members: [{ name: "dsp", weight: 1 }], calibration },
      }),
      /model dsp is not among the candidates/,
    );
  });

  it("a cheap update brings a member's last full fit forward instead of fitting it, where the model can", async () => {
    const series = dailySeries(8, 3600);
    const kept = new DoubleModel({ name: "kept", fitCost: "expensive", level: () => 40 });
    const brought: number[] = [];
    let saved: number | undefined;
    const model = Object.assign(kept, {
      // Stands in for PersistedNeuralModel: nothing kept before the first fit, then the fit's level.
      bringForward: async (s: Series) => {
        brought.push(s.values.length);
        if (saved === undefined) return undefined;
        return (await new DoubleModel({ name: "kept", level: () => saved as number }).fit(s)) as FittedModel;
      },
    });
    const calibration = {
      horizonSteps: 6,
      residuals: 0,
      offsets: new Map([
        [0.5, new Float64Array(6)],
        [0.9, new Float64Array(6)],
      ]),
    };
    const reuse = { members: [{ name: "kept", weight: 1 }], calibration };
    const first = await forecastSeries(series, { models: [model], horizonSteps: 6, quantiles: [0.9], reuse });
    assert.equal(kept.fits.length, 1, "nothing to bring forward: fitted");
    assert.equal(first.forecast.mean[0], 40);
    saved = 55;
    const second = await forecastSeries(series, {
      models: [model],
      horizonSteps: 6,
      quantiles: [0.9],
      reuse,
    });
    assert.equal(kept.fits.length, 1, "brought forward: no fit");
    assert.deepEqual(brought, [series.values.length, series.values.length]);
    assert.equal(second.forecast.mean[0], 55);
  });
});
