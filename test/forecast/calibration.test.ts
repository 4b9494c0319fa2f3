import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  applyCalibration,
  calibrationOf,
  calibrationRecord,
  calibrationState,
  conformalLevel,
  empiricalCoverage,
  fitCalibration,
  leaveOneOutCalibrated,
  servedAccuracy,
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
    // N(0, 10) 0.9 quantile ≈ 12.8 above 100, the raw path sits at 102: an offset of about 10.8,
    // kept as a share of the forecast's level (100).
    assert.ok(Math.abs((cal.offsets.get(0.9)?.[0] as number) - 0.108) < 0.015);
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

  it("shifts each horizon bucket by its own offset: near steps of a widening path are not pushed below the median", () => {
    // A model whose raw 0.9 path widens with the horizon (+2 per step above a correct median) while
    // the outcomes' spread stays ±10: far steps are too wide, the first ones too narrow.
    const next = rng(9);
    const h = 12;
    const ws = Array.from({ length: 60 }, () => {
      const actual = Float64Array.from({ length: h }, () => 100 + 20 * (next() - 0.5));
      const forecast: ForecastResult = {
        startMs: 0,
        stepSeconds: 60,
        mean: new Float64Array(h).fill(100),
        quantiles: new Map([
          [0.5, new Float64Array(h).fill(100)],
          [0.9, Float64Array.from({ length: h }, (_, k) => 100 + 2 * (k + 1))],
        ]),
      };
      return { actual, forecast };
    });
    const cal = fitCalibration(ws, [0.5, 0.9]);
    const offsets = cal.offsets.get(0.9) as Float64Array;
    assert.ok(offsets.length >= 4, `${offsets.length} buckets`);
    assert.ok((offsets[0] as number) > 0 && (offsets.at(-1) as number) < 0, Array.from(offsets).join(" "));
    const out = applyCalibration(ws[0]?.forecast as ForecastResult, cal);
    for (let k = 0; k < h; k++)
      assert.ok((out.quantiles.get(0.9)?.[k] as number) >= (out.quantiles.get(0.5)?.[k] as number));
  });

  it("scales offsets with the forecast's level", () => {
    // Outcomes 20 % above the forecast, at level 10 and at level 1000.
    const mk = (level: number) => ({
      actual: new Float64Array(4).fill(level * 1.2),
      forecast: {
        startMs: 0,
        stepSeconds: 60,
        mean: new Float64Array(4).fill(level),
        quantiles: new Map([[0.9, new Float64Array(4).fill(level)]]),
      } as ForecastResult,
    });
    const cal = fitCalibration([mk(10), mk(1000), mk(10), mk(1000)], [0.9], { buckets: 1 });
    assert.ok(Math.abs((cal.offsets.get(0.9)?.[0] as number) - 0.2) < 1e-9);
    const low = applyCalibration(mk(50).forecast, cal);
    assert.ok(Math.abs((low.quantiles.get(0.9)?.[0] as number) - 60) < 1e-9);
  });

  it("round-trips through its stored state, and refuses a malformed one", () => {
    const cal = fitCalibration(windows(100, 3), [0.5, 0.9]);
    const back = calibrationOf(JSON.parse(JSON.stringify(calibrationState(cal))));
    assert.ok(back);
    assert.deepEqual([...back.offsets.keys()], [...cal.offsets.keys()]);
    assert.deepEqual(Array.from(back.offsets.get(0.9) ?? []), Array.from(cal.offsets.get(0.9) ?? []));
    assert.equal(calibrationOf(undefined), undefined);
    assert.equal(
      calibrationOf({ horizonSteps: 8, residuals: 1, offsets: { "0.9": [Number.NaN] } }),
      undefined,
    );
    assert.equal(calibrationOf({ horizonSteps: 0, residuals: 1, offsets: {} }), undefined);
  });

  it("reports served accuracy out of sample: each window under the other windows' offsets", () => {
    const ws = windows(40, 5);
    const raw = servedAccuracy(ws, [0.1, 0.5, 0.9], 0.9, { steps: 8, calibrate: false });
    assert.ok(raw.coverage < 0.7, "the raw path is too low");
    const served = servedAccuracy(ws, [0.1, 0.5, 0.9], 0.9, { steps: 8 });
    assert.equal(served.steps, 40 * 8);
    assert.ok(Math.abs(served.coverage - 0.9) < 0.06, `coverage ${served.coverage}`);
    assert.ok(served.pinball < raw.pinball);
    // Only the first steps when asked: the planning window.
    assert.equal(servedAccuracy(ws, [0.9], 0.9, { steps: 2 }).steps, 40 * 2);
    // Out of sample: a single outlier window is not covered by offsets fitted on the others.
    const outlier = { ...windows(1, 6)[0], actual: new Float64Array(8).fill(1000) } as (typeof ws)[number];
    const withOutlier = servedAccuracy([...ws, outlier], [0.9], 0.9, { steps: 8 });
    assert.ok(withOutlier.coverage < served.coverage);
  });
});

describe("leaveOneOutCalibrated", () => {
  it("shifts each window by the calibration fitted on all the other windows", () => {
    const ws = windows(30, 11);
    // Ties: equal residuals must be left out one for one.
    const tied = ws.map((w, i) =>
      i % 3 === 0 ? { ...w, actual: Float64Array.from(w.actual, () => 103) } : w,
    );
    const qs = [0.1, 0.5, 0.9];
    const out = leaveOneOutCalibrated(tied, qs, { buckets: 1 });
    tied.forEach((w, i) => {
      const others = tied.filter((_, j) => j !== i);
      const expected = applyCalibration(w.forecast, fitCalibration(others, qs, { buckets: 1 }));
      for (const q of qs) {
        const got = out[i]?.forecast.quantiles.get(q) as Float64Array;
        const want = expected.quantiles.get(q) as Float64Array;
        for (let h = 0; h < want.length; h++)
          assert.ok(Math.abs((got[h] as number) - (want[h] as number)) < 1e-9, `window ${i} q${q} step ${h}`);
      }
    });
  });

  it("gives a single window back as it is", () => {
    const ws = windows(1, 3);
    assert.equal(leaveOneOutCalibrated(ws, [0.9])[0]?.forecast, ws[0]?.forecast);
  });
});
