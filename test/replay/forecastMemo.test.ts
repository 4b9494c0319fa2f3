/** The forecast memo: the same question answered once, a different series or option asked again, failures not kept. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ForecastFn } from "../../src/forecast/runner.js";
import type { Model } from "../../src/forecast/types.js";
import { forecastMemo } from "../../src/replay/forecastMemo.js";

const model = { name: "m" } as Model;
const series = (values: number[]) => ({ startMs: 0, stepSeconds: 300, values: Float64Array.from(values) });

describe("forecastMemo", () => {
  it("asks the engine once per distinct question", async () => {
    let calls = 0;
    let fail = false;
    const inner: ForecastFn = async (s) => {
      calls++;
      if (fail) throw new Error("boom");
      return {
        forecast: { startMs: 0, stepSeconds: 300, mean: s.values, quantiles: new Map() },
        model: "m",
        scores: {},
        calibration: {},
      };
    };
    const memo = forecastMemo(inner);
    const options = { models: [model], horizonSteps: 3, quantiles: [0.9] };
    const a = await memo.forecast(series([1, 2, 3]), options);
    const b = await memo.forecast(series([1, 2, 3]), { ...options, signal: new AbortController().signal });
    assert.equal(a, b);
    assert.equal(calls, 1);
    await memo.forecast(series([1, 2, 4]), options);
    await memo.forecast(series([1, 2, 3]), { ...options, horizonSteps: 4 });
    assert.equal(calls, 3);
    fail = true;
    await assert.rejects(memo.forecast(series([9]), options), /boom/);
    await assert.rejects(memo.forecast(series([9]), options), /boom/);
    assert.equal(calls, 5, "a failure is asked again");
    assert.deepEqual(memo.stats, { calls: 5, hits: 1 });
  });
});
