import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  applyCalibration,
  calibrationRecord,
  conformalLevel,
  empiricalCoverage,
  fitCalibration,
} from "../../src/forecast/calibration.js";
import type { ForecastResult } from "../../src/forecast/types.js";

/** Deterministic uniform numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Windows of 100 + N(0, 10²)-ish noise with a forecaster that is too narrow (±2 around 100). */
function windows(count: number, seed: number, h = 8) {
  const next = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
  return Array.from({ length: count }, () => {
    const actual = Float64Array.from({ length: h }, () => 100 + 10 * gauss());
    const forecast: ForecastResult = {
      startMs: 0,
      stepSeconds: 60,
      mean: new Float64Array(h).fill(100),
      quantiles: new Map([
        [0.1, new Float64Array(h).fill(98)],
        [0.5, new Float64Array(h).fill(100)],
        [0.9, new Float64Array(h).fill(102)],
      ]),
    };
    return { actual, forecast };
  });
}

describe("conformal calibration", () => {
  it("brings coverage of miscalibrated quantiles to nominal on fresh data", () => {
    const train = windows(200, 1);
    const test = windows(200, 2);
    assert.ok(empiricalCoverage(test, 0.9) < 0.7, "the raw 0.9 path is too low");
    const cal = fitCalibration(train, [0.1, 0.5, 0.9]);
    const calibrated = test.map((w) => ({ actual: w.actual, forecast: applyCalibration(w.forecast, cal) }));
    for (const q of [0.1, 0.5, 0.9]) {
      const c = empiricalCoverage(calibrated, q);
      assert.ok(Math.abs(c - q) < 0.04, `coverage of ${q} is ${c}`);
    }
    // N(0, 10) 0.9 quantile ≈ 12.8 above 100, the raw path sits at 102.
    assert.ok(Math.abs((cal.offsets.get(0.9)?.[0] as number) - 10.8) < 1.5);
  });

  it("uses horizon buckets only when each has enough residuals", () => {
    const few = fitCalibration(windows(5, 3), [0.9], { buckets: 4 });
    assert.equal(few.offsets.get(0.9)?.length, 1);
    const many = fitCalibration(windows(100, 3), [0.9], { buckets: 4 });
    assert.equal(many.offsets.get(0.9)?.length, 4);
    assert.deepEqual(Object.keys(calibrationRecord(many)), ["0.9@1", "0.9@2", "0.9@3", "0.9@4"]);
    assert.deepEqual(Object.keys(calibrationRecord(few)), ["0.9"]);
  });

  it("keeps paths non-negative and non-crossing", () => {
    const f: ForecastResult = {
      startMs: 0,
      stepSeconds: 60,
      mean: new Float64Array([1]),
      quantiles: new Map([
        [0.1, new Float64Array([1])],
        [0.9, new Float64Array([2])],
      ]),
    };
    const cal = {
      offsets: new Map([
        [0.1, new Float64Array([5])],
        [0.9, new Float64Array([-5])],
      ]),
      horizonSteps: 1,
      residuals: 0,
    };
    const out = applyCalibration(f, cal);
    assert.deepEqual([out.quantiles.get(0.1)?.[0], out.quantiles.get(0.9)?.[0]], [0, 6]);
  });

  it("uses the split-conformal finite-sample level", () => {
    assert.equal(conformalLevel(0.9, 9), 1);
    assert.equal(conformalLevel(0.9, 99), 0.9090909090909091);
    assert.equal(conformalLevel(0.1, 99), 10 / 99);
  });
});
