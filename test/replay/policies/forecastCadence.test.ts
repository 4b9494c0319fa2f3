import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FittedModel, Model, Series } from "../../../src/forecast/types.js";
import { CoarseSeries, Refitter } from "../../../src/replay/policies/forecastCadence.js";

/** Forecasts last value + 1, + 2, … and counts fits. */
class CountingModel implements Model {
  readonly name = "counting";
  fits = 0;
  readiness(series: Series) {
    return series.values.length >= 2
      ? ({ ready: true } as const)
      : ({ ready: false, reason: "needs 2 points", needMoreSeconds: 600 } as const);
  }
  async fit(series: Series): Promise<FittedModel> {
    this.fits++;
    const last = series.values[series.values.length - 1] as number;
    const startMs = series.startMs + series.values.length * series.stepSeconds * 1000;
    return {
      name: this.name,
      forecast: (h: number) => ({
        startMs,
        stepSeconds: series.stepSeconds,
        mean: Float64Array.from({ length: h }, (_, i) => last + i + 1),
        quantiles: new Map(),
      }),
    };
  }
}

describe("CoarseSeries", () => {
  it("keeps 5-minute means of 15 s samples", () => {
    const s = new CoarseSeries(1000, 15_000);
    for (let i = 0; i < 45; i++) s.push(i < 20 ? 1 : 3);
    const series = s.series();
    assert.equal(series.stepSeconds, 300);
    assert.equal(series.startMs, 1000);
    assert.deepEqual([...series.values], [1, 3]); // the 5 samples of the third bucket are not complete
  });
});

describe("Refitter", () => {
  it("refits at most once per interval and only when the model is ready", async () => {
    const model = new CountingModel();
    const r = new Refitter(model, 3_600_000, 3_600_000);
    const one: Series = { startMs: 0, stepSeconds: 300, values: Float64Array.from([5]) };
    const two: Series = { startMs: 0, stepSeconds: 300, values: Float64Array.from([5, 7]) };
    assert.equal(r.due(0), true);
    await r.refit(0, one);
    assert.equal(model.fits, 0);
    assert.equal(r.at(0), undefined);
    assert.equal(r.due(3_599_999), false);
    assert.equal(r.due(3_600_000), true);
    await r.refit(3_600_000, two);
    assert.equal(model.fits, 1);
    // Path starts at 600 s with 8, 9, 10, …
    assert.equal(r.at(600_000), 8);
    assert.equal(r.at(750_000), 8.5);
    assert.equal(r.maxOver(600_000, 1_200_000), 10);
    assert.equal(r.maxOver(0, 0), 8); // before the path: its first value
  });
});
