import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ForecastFn, PrepareFn } from "../../src/forecast/runner.js";
import { marginSteps, runScheduled, type ScheduledTargetRun } from "../../src/forecast/scheduledRun.js";
import { ForecastStore } from "../../src/forecast/store.js";
import type { Series } from "../../src/forecast/types.js";

const target: ScheduledTargetRun = {
  name: "team/web",
  query: "sum(x)",
  stepSeconds: 300,
  historyMs: 86_400_000,
  horizonMs: 3_600_000,
  quantiles: [0.5, 0.9],
  updateEveryMs: 300_000,
};

describe("runScheduled", () => {
  it("forecasts past the horizon and shows full runs, not updates, to the global model", async () => {
    const horizons: number[] = [];
    const observed: [string, number][] = [];
    // Flat at the last value: enough for the runner to store a forecast.
    const forecast: ForecastFn = async (series, options) => {
      horizons.push(options.horizonSteps);
      const n = options.horizonSteps;
      const last = series.values.at(-1) ?? 0;
      return {
        forecast: {
          startMs: series.startMs + series.values.length * 300_000,
          stepSeconds: 300,
          mean: new Float64Array(n).fill(last),
          quantiles: new Map(options.quantiles.map((q) => [q, new Float64Array(n).fill(last * (1 + q))])),
        },
        model: "naive",
        scores: {},
        calibration: {},
      };
    };
    const prepare: PrepareFn = (points) => ({
      series: {
        startMs: points[0]?.[0] ?? 0,
        stepSeconds: 300,
        values: Float64Array.from(points, (p) => p[1]),
      },
      masked: { gaps: 0, outagePoints: 0 },
    });
    const steps: [number, number][] = Array.from({ length: 48 }, (_, i) => [i * 300_000, 10 + i]);
    const deps = {
      history: {
        fetch: async () => ({
          steps,
          lastSample: steps.at(-1),
          startMs: 0,
          endMs: 48 * 300_000,
          requests: 1,
        }),
      },
      prepare,
      forecast,
      models: () => [
        { name: "naive", readiness: () => ({ ready: true as const }), fit: () => Promise.reject() },
      ],
      store: new ForecastStore(),
      clock: { now: () => 48 * 300_000 },
      global: { observe: (name: string, series: Series) => observed.push([name, series.values.length]) },
    };
    // 15 minutes (more than two 5-minute updates) is 3 steps, and one more.
    assert.equal(marginSteps(target), 4);
    const full = await runScheduled(target, "full", new AbortController().signal, deps);
    assert.equal(full.forecast?.mean.length, 12 + 4);
    assert.deepEqual(observed, [["team/web", 48]]);
    await runScheduled(target, "update", new AbortController().signal, deps);
    assert.deepEqual(horizons, [16, 16]);
    assert.equal(observed.length, 1, "an update is not shown to the global model");
    assert.equal(
      marginSteps({ ...target, updateEveryMs: 3_600_000 }),
      25,
      "two hourly updates: 24 steps, and one",
    );
  });
});
