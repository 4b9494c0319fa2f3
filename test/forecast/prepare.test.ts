import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { prepareSeries } from "../../src/forecast/prepare.js";

const STEP = 300;
const DAY = 86_400 / STEP;

/** Busy daily pattern, ~100 ± 50, as [ms, value] points at a 5-minute step. */
function busy(days: number): [number, number][] {
  return Array.from({ length: days * DAY }, (_, i) => [
    1_700_000_000_000 + i * STEP * 1000,
    100 + 50 * Math.sin((2 * Math.PI * i) / DAY),
  ]);
}

describe("prepareSeries", () => {
  it("averages points within a bin and leaves empty bins NaN", () => {
    const t0 = 1_000_000;
    const { series, masked } = prepareSeries(
      [
        [t0, 1],
        [t0 + 10_000, 3],
        [t0 + 60_000, 5],
        [t0 + 180_000, 7],
      ],
      { stepSeconds: 60 },
    );
    assert.equal(series.startMs, t0);
    assert.deepEqual([...series.values], [2, 5, Number.NaN, 7]);
    assert.equal(masked.gaps, 1);
  });

  it("clips negatives to 0 and counts them", () => {
    const { series, masked } = prepareSeries(
      [
        [0, -2],
        [60_000, 4],
        [120_000, -0.5],
      ],
      { stepSeconds: 60 },
    );
    assert.deepEqual([...series.values], [0, 4, 0]);
    assert.equal(masked.clippedNegatives, 2);
  });

  it("masks a long run of zeros inside a busy period (an outage)", () => {
    const points = busy(3);
    const from = DAY + 20;
    const to = from + 12 * 6; // six hours of zeros
    for (let i = from; i < to; i++) (points[i] as [number, number])[1] = 0;
    const { series, masked } = prepareSeries(points, { stepSeconds: STEP });
    assert.equal(masked.outagePoints, to - from);
    assert.ok(Number.isNaN(series.values[from] as number));
    assert.ok(Number.isNaN(series.values[to - 1] as number));
    assert.ok(Number.isFinite(series.values[from - 1] as number));
    assert.ok(Number.isFinite(series.values[to] as number));
  });

  it("masks a very long outage even when the day after it is sparse (NASA-HTTP's 38 h)", () => {
    const points = busy(5);
    const from = DAY;
    const to = from + DAY + DAY / 2;
    for (let i = from; i < to; i++) (points[i] as [number, number])[1] = 0;
    // The recovery day: one value in four is zero, in short runs.
    for (let i = to; i < to + DAY; i++) if (i % 4 === 1) (points[i] as [number, number])[1] = 0;
    const { masked } = prepareSeries(points, { stepSeconds: STEP });
    assert.equal(masked.outagePoints, to - from);
  });

  it("keeps short zero runs and zeros of a sparse workload", () => {
    const points = busy(3);
    for (let i = 100; i < 103; i++) (points[i] as [number, number])[1] = 0; // 15 min < 30 min
    const sparse: [number, number][] = Array.from({ length: 3 * DAY }, (_, i) => [
      i * STEP * 1000,
      i % 4 === 0 ? 5 : 0,
    ]);
    for (let i = 200; i < 300; i++) (sparse[i] as [number, number])[1] = 0;
    assert.equal(prepareSeries(points, { stepSeconds: STEP }).masked.outagePoints, 0);
    assert.equal(prepareSeries(sparse, { stepSeconds: STEP }).masked.outagePoints, 0);
  });

  it("resamples a Series to a coarser step", () => {
    const values = Float64Array.from({ length: 10 }, (_, i) => i);
    const { series } = prepareSeries({ startMs: 0, stepSeconds: 60, values }, { stepSeconds: 120 });
    assert.equal(series.stepSeconds, 120);
    assert.deepEqual([...series.values], [0.5, 2.5, 4.5, 6.5, 8.5]);
  });

  it("rejects a non-positive step", () => {
    assert.throws(() => prepareSeries([], { stepSeconds: 0 }), /stepSeconds/);
  });
});
