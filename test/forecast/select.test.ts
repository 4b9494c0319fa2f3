import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CalibrationWindow } from "../../src/forecast/calibration.js";
import { combineForecasts, quantileWeights, selectModel, serveSelection } from "../../src/forecast/select.js";
import type { ForecastResult } from "../../src/forecast/types.js";

const Q = [0.1, 0.5, 0.9];

function flat(level: number, spread: number, h = 4): ForecastResult {
  return {
    startMs: 0,
    stepSeconds: 60,
    mean: new Float64Array(h).fill(level),
    quantiles: new Map(Q.map((q) => [q, new Float64Array(h).fill(level + spread * (q - 0.5))])),
  };
}

/** Actuals alternating around 100 (±10); a candidate forecasting `level` with `spread`. */
function windows(level: number, spread: number, count = 30): CalibrationWindow[] {
  return Array.from({ length: count }, (_, i) => ({
    actual: Float64Array.from({ length: 4 }, (_, h) => 100 + ((i + h) % 2 === 0 ? 10 : -10)),
    forecast: flat(level, spread),
  }));
}

/**
 * Ten windows of `steps` steps whose actuals run through 1..10 across the windows at every step, with
 * raw paths at 1 (0.1), 5 (0.5) and `q90(step)` (0.9): at 9 each path sits at its exact quantile.
 */
function oneToTen(steps: number, q90: (h: number) => number): CalibrationWindow[] {
  return Array.from({ length: 10 }, (_, i) => ({
    actual: Float64Array.from({ length: steps }, (_, h) => ((i + h) % 10) + 1),
    forecast: {
      startMs: 0,
      stepSeconds: 60,
      mean: new Float64Array(steps).fill(5.5),
      quantiles: new Map([
        [0.1, new Float64Array(steps).fill(1)],
        [0.5, new Float64Array(steps).fill(5)],
        [0.9, Float64Array.from({ length: steps }, (_, h) => q90(h))],
      ]),
    },
  }));
}

describe("selectModel", () => {
  it("weights the 0.9 quantile as much as all the others together", () => {
    assert.deepEqual(
      [...quantileWeights(Q)],
      [
        [0.1, 1],
        [0.5, 1],
        [0.9, 2],
      ],
    );
  });

  it("picks the candidate with the lowest calibrated scaled pinball and keeps every score", () => {
    const selection = selectModel(
      [
        { name: "good", windows: windows(100, 40) },
        {
          name: "noisy",
          windows: windows(100, 40).map((w, i) => ({ ...w, forecast: flat(i % 2 ? 70 : 130, 40) })),
        },
      ],
      { quantiles: Q, scale: 10, maxEnsemble: 1 },
    );
    assert.equal(selection.model, "good");
    assert.ok((selection.scores.get("good") as number) < (selection.scores.get("noisy") as number));
    assert.deepEqual(selection.members, [{ name: "good", weight: 1 }]);
  });

  it("calibration makes a biased but steady candidate competitive", () => {
    // "biased" is always 50 too low: after calibration it is as good as "unbiased".
    const selection = selectModel(
      [
        { name: "biased", windows: windows(50, 40) },
        { name: "unbiased", windows: windows(100, 40) },
      ],
      { quantiles: Q, scale: 10, maxEnsemble: 1 },
    );
    const biased = selection.scores.get("biased") as number;
    const unbiased = selection.scores.get("unbiased") as number;
    assert.ok(Math.abs(biased - unbiased) < 1e-9, `${biased} vs ${unbiased}`);
  });

  it("chooses an inverse-loss ensemble when errors cancel", () => {
    // One forecaster is always 20–30 high, the other 20–30 low, on a flat actual of 100: together they are close.
    const actual = new Float64Array(4).fill(100);
    const mk = (level: number, noise: number) =>
      Array.from({ length: 30 }, (_, i) => ({ actual, forecast: flat(level + (i % 3) * noise, 10) }));
    const selection = selectModel(
      [
        { name: "high", windows: mk(120, 5) },
        { name: "low", windows: mk(80, -5) },
      ],
      { quantiles: Q, scale: 1 },
    );
    assert.equal(selection.model, "ensemble(high,low)");
    const [high, low] = selection.members;
    assert.equal(high?.name, "high");
    // Inverse-loss weights: each member's weight is inversely proportional to its own calibrated score.
    const ratio = (selection.scores.get("low") as number) / (selection.scores.get("high") as number);
    assert.ok(Math.abs((high?.weight ?? 0) / (low?.weight ?? 1) - ratio) < 1e-9);
    assert.ok(Math.abs((high?.weight ?? 0) + (low?.weight ?? 0) - 1) < 1e-12);
    assert.ok((selection.scores.get(selection.model) as number) < (selection.scores.get("high") as number));
    const served = serveSelection(
      selection,
      new Map([
        ["high", flat(120, 10)],
        ["low", flat(80, 10)],
      ]),
    );
    const expected = (high?.weight ?? 0) * 120 + (low?.weight ?? 0) * 80;
    assert.ok(Math.abs((served.mean[0] as number) - expected) < 1e-9);
  });

  it("combineForecasts averages paths with weights and keeps them ordered", () => {
    const out = combineForecasts(
      [
        { name: "a", weight: 0.25 },
        { name: "b", weight: 0.75 },
      ],
      new Map([
        ["a", flat(0, 0)],
        ["b", flat(100, 40)],
      ]),
    );
    assert.equal(out.mean[0], 75);
    assert.equal(out.quantiles.get(0.9)?.[0], 0.75 * 116);
    assert.throws(() => combineForecasts([{ name: "x", weight: 1 }], new Map()), /no forecast for x/);
  });

  it("serves a candidate uncalibrated when its own quantiles cover their levels and calibration would raise its score", () => {
    // In every window and at every step the actuals run through 1..10 across the windows, and the
    // raw paths sit at their exact quantiles (1, 5, 9): offsets fitted on nine windows only add noise.
    const ws = oneToTen(4, () => 9);
    const selection = selectModel([{ name: "exact", windows: ws }], { quantiles: Q, scale: 1 });
    assert.equal(selection.calibrated.get("exact"), false, selection.why);
    for (const offsets of selection.calibration.offsets.values()) assert.deepEqual([...offsets], [0]);
    // Raw pinball per step over 1..10: q0.1 at 1 → 0.45, q0.5 at 5 → 1.25, q0.9 at 9 → 0.45; weights 1, 1, 2.
    assert.ok(Math.abs((selection.scores.get("exact") as number) - 0.65) < 1e-9);
    assert.match(
      selection.why,
      /served uncalibrated: its own quantiles cover their levels, and calibration would raise its score from 0\.650 to \d+\.\d{3} out of sample/,
    );
  });

  it("measures the raw coverage also over the steps the user's accuracy covers (coverageSteps)", () => {
    // As above over 20 steps, but the 0.9 path sits at 8 on the first two: 0.89 overall, 0.8 near.
    const ws = oneToTen(20, (h) => (h < 2 ? 8 : 9));
    const all = selectModel([{ name: "x", windows: ws }], { quantiles: Q, scale: 1 });
    assert.equal(all.calibrated.get("x"), false, all.why);
    const near = selectModel([{ name: "x", windows: ws }], { quantiles: Q, scale: 1, coverageSteps: 2 });
    assert.equal(near.calibrated.get("x"), true, near.why);
  });

  it("keeps calibration on a forecast whose own quantiles miss their levels, even where raw scores lower", () => {
    // Perfect forecasts except one window far above: every raw level covers 80%, so 0.1 is far off.
    const ws: CalibrationWindow[] = Array.from({ length: 5 }, (_, i) => ({
      actual: new Float64Array(4).fill(i === 0 ? 200 : 100),
      forecast: flat(100, 0),
    }));
    const selection = selectModel([{ name: "steady", windows: ws }], { quantiles: Q, scale: 1 });
    assert.equal(selection.calibrated.get("steady"), true);
    assert.doesNotMatch(selection.why, /uncalibrated/);
    // Raw would score 12 (window 0 loses 100 at every level: 0.1 + 0.5 + 2 · 0.9 = 2.4 × 100 / 4 / 5);
    // served calibrated, the score is the out-of-sample calibrated one, not that.
    assert.notEqual(selection.scores.get("steady"), 12);
  });

  it("never serves an ensemble or calibration that scores worse on the windows than the best single candidate", () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 20; trial++) {
      const actual = Array.from({ length: 12 }, () =>
        Float64Array.from({ length: 4 }, () => 80 + 40 * next()),
      );
      const candidates = ["a", "b", "c", "d"].map((name) => {
        const bias = 40 * (next() - 0.5);
        const spread = 60 * next();
        return {
          name,
          windows: actual.map((a) => ({
            actual: a,
            forecast: flat(100 + bias + 10 * (next() - 0.5), spread),
          })),
        };
      });
      const selection = selectModel(candidates, { quantiles: Q, scale: 1 });
      const best = Math.min(...candidates.map((c) => selection.scores.get(c.name) as number));
      assert.ok(
        (selection.scores.get(selection.model) as number) <= best,
        `trial ${trial}: ${selection.why}`,
      );
      assert.ok(selection.why.length > 0);
    }
  });
});
