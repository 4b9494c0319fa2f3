/**
 * The coverage tracker: misses raise the served quantile, hits lower it, in the ratio that makes the
 * long-run miss rate 1 − q; only steps within the planning window of the served path count.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyTracker, initialTracker, trackSteps } from "../../src/forecast/coverageTracker.js";

const STEP_MS = 300_000;
const flat = (startMs: number, value: number, n = 4) => ({
  startMs,
  stepSeconds: STEP_MS / 1000,
  values: new Float64Array(n).fill(value),
  median: new Float64Array(n).fill(value * 0.8),
  mean: new Float64Array(n).fill(value * 0.8),
});

describe("coverage tracker", () => {
  it("moves up by gain·q on a miss and down by gain·(1 − q) on a hit", () => {
    const start = initialTracker(0.9, -STEP_MS);
    const served = flat(0, 100);
    const miss = trackSteps(start, served, [[0, 150]], 2);
    assert.ok(Math.abs(miss.offset - 0.09) < 1e-12, String(miss.offset));
    assert.equal(miss.throughMs, 0);
    const hit = trackSteps(start, served, [[0, 50]], 2);
    assert.ok(Math.abs(hit.offset + 0.01) < 1e-12, String(hit.offset));
    // A step already compared is not compared again.
    assert.deepEqual(trackSteps(miss, served, [[0, 150]], 2), miss);
  });

  it("only compares steps the served path planned for, and still moves past the others", () => {
    const start = initialTracker(0.9, -STEP_MS);
    const served = flat(0, 100);
    // Step 2 lies beyond a 2-step planning window; step −1 precedes the path.
    const next = trackSteps(
      start,
      served,
      [
        [-STEP_MS, 500],
        [2 * STEP_MS, 500],
      ],
      2,
    );
    assert.equal(next.offset, 0);
    assert.equal(next.throughMs, 2 * STEP_MS);
    assert.equal(trackSteps(start, undefined, [[0, 500]], 2).offset, 0, "nothing served yet");
  });

  it("settles at the promised coverage whatever the forecast's bias", () => {
    // Demand 100 ± 20 (uniform); a forecast whose raw q0.9 is 80, far too low.
    let state = initialTracker(0.9, -STEP_MS);
    let misses = 0;
    let a = 7;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      a = (a * 1103515245 + 12345) % 2 ** 31;
      const y = 100 + 40 * (a / 2 ** 31 - 0.5);
      const mean = new Float64Array([100]);
      const servedValue = applyTracker([80], mean, state)[0] as number;
      if (y > servedValue) misses++;
      state = trackSteps(
        state,
        { startMs: i * STEP_MS, stepSeconds: 300, values: [servedValue], median: [100], mean },
        [[i * STEP_MS, y]],
        1,
      );
    }
    const rate = misses / n;
    assert.ok(Math.abs(rate - 0.1) < 0.01, `miss rate ${rate}`);
  });

  it("applies the offset as a share of the level, never below a tenth of the average level", () => {
    const state = { quantile: 0.9, offset: 0.1, throughMs: 0 };
    const out = applyTracker([50, 150, 10], [40, 120, 1], state);
    const avg = (40 + 120 + 1) / 3;
    assert.deepEqual(Array.from(out), [50 + 4, 150 + 12, 10 + 0.1 * 0.1 * avg]);
    assert.deepEqual(
      Array.from(applyTracker([5], [100], { ...state, offset: -0.25 })),
      [0],
      "never negative",
    );
  });

  it("keeps the offset within its bounds", () => {
    let state = initialTracker(0.9, -STEP_MS);
    for (let i = 0; i < 100; i++) state = trackSteps(state, flat(i * STEP_MS, 1), [[i * STEP_MS, 1000]], 1);
    assert.equal(state.offset, 0.5);
  });
});
