import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  addWindow,
  emptySums,
  finishScores,
  intervalCoverage,
  mase,
  meanPinball,
  naiveScale,
  scaledPinball,
} from "../../src/forecast/scores.js";

describe("naiveScale", () => {
  it("is the MAE of the one-day seasonal naive when there are two days", () => {
    // Step 12 h: a day is 2 steps. Values alternate day/night with a drift of 1 per day.
    const history = [10, 0, 11, 1, 12, 2];
    assert.equal(naiveScale(history, 43_200), 1);
  });

  it("falls back to the 1-step naive with less than two days", () => {
    assert.equal(naiveScale([1, 3, 2], 3600), 1.5);
  });

  it("falls back to mean |y|, then 1, for flat series", () => {
    assert.equal(naiveScale([4, 4, 4], 3600), 4);
    assert.equal(naiveScale([0, 0], 3600), 1);
  });

  it("skips NaN pairs", () => {
    assert.equal(naiveScale([1, Number.NaN, 3, 5], 3600), 2);
  });
});

describe("pinball, MASE and coverage", () => {
  const actual = [10, 20, Number.NaN, 30];
  const path = [12, 15, 99, 30];

  it("pinball weights under- and over-forecasts by the level", () => {
    // errors y − f: −2, 5, (skipped), 0 → at 0.9: 0.1·2, 0.9·5, 0 → mean 4.7/3.
    assert.ok(Math.abs(meanPinball(actual, path, 0.9) - 4.7 / 3) < 1e-12);
    assert.ok(Math.abs(meanPinball(actual, path, 0.1) - (0.9 * 2 + 0.1 * 5) / 3) < 1e-12);
    assert.ok(Math.abs(scaledPinball(actual, path, 0.9, 2) - 4.7 / 6) < 1e-12);
  });

  it("MASE divides the MAE by the scale", () => {
    assert.ok(Math.abs(mase(actual, path, 7 / 3) - 1) < 1e-12);
  });

  it("coverage counts actuals at or below the path, or inside an interval", () => {
    assert.equal(intervalCoverage(actual, path), 2 / 3);
    assert.equal(intervalCoverage(actual, path, [11, 0, 0, 0]), 1 / 3);
  });

  it("accumulates windows", () => {
    const sums = emptySums();
    addWindow(sums, actual, path, new Map([[0.9, path]]));
    addWindow(sums, [0], [1], new Map([[0.9, [1]]]));
    const s = finishScores(sums, 1);
    assert.equal(s.points, 4);
    assert.ok(Math.abs((s.scaledPinball.get(0.9) as number) - (4.7 + 0.1) / 4) < 1e-12);
    assert.equal(s.coverage.get(0.9), 3 / 4);
    assert.ok(Number.isNaN(finishScores(emptySums(), 1).mase));
  });
});
