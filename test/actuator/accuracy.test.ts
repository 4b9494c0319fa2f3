/**
 * AccuracyTracker: the predictions the planner uses (the steps of a forecast covering
 * [now, now + lead], within the planning window), one per (forecast origin, step), paired with each
 * step's mean demand once the step is over; the summary computed by hand (pinball loss at q:
 * q·(a−f) when a ≥ f, else (1−q)·(f−a); coverage; under-prediction rate).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AccuracyTracker } from "../../src/actuator/accuracy.js";

const STEP = 300_000;
const T0 = Date.UTC(2026, 0, 1);
const at = (i: number) => T0 + i * STEP;
const LEAD = STEP; // one step of lead time: the planner looks at the step holding now and the next

/** A forecast made from data up to step `origin − 1`: its first value is for step `origin`. */
const path = (origin: number, values: number[]) => ({
  startMs: at(origin),
  stepSeconds: STEP / 1000,
  values,
});

function approx(actual: number | undefined, expected: number, what: string) {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);
}

describe("AccuracyTracker", () => {
  it("records what the planner looks at now, pairs it with the step means and summarizes", () => {
    const t = new AccuracyTracker();
    // Early in step 1, planning over steps 1 and 2 with the forecast made at step 1.
    t.record(path(1, [100, 100, 999]), at(1) + 30_000, LEAD, 2);
    // In step 2, the forecast made at step 2: steps 2 and 3.
    t.record(path(2, [60, 50, 999]), at(2) + 30_000, LEAD, 2);
    assert.equal(t.summary(0.9), undefined, "nothing compared before the steps are over");
    t.observe([
      [at(1), 130], // under 100 by 30: 0.9 · 30 = 27
      [at(2), 60], // vs 100 (origin 1): over by 40: 0.1 · 40 = 4; vs 60 (origin 2): exact, covered
    ]);
    assert.deepEqual(t.compared(), { actuals: [130, 60, 60], served: [100, 100, 60] });
    assert.equal(t.comparedSteps(), 2);
    const s = t.summary(0.9);
    assert.equal(s?.steps, 2, "finished steps");
    assert.equal(s?.forecasts, 3, "compared (forecast, step) pairs");
    approx(s?.pinball, 31 / 3, "pinball at 0.9");
    approx(s?.underPredictionRate, 1 / 3, "under-prediction rate");
    approx(s?.coverage, 2 / 3, "coverage");
    approx(t.summary(0.1)?.pinball, (0.1 * 30 + 0.9 * 40) / 3, "pinball at 0.1");
    t.observe([[at(3), 50]]);
    assert.deepEqual(t.compared().served, [100, 100, 60, 50]);
  });

  it("never records past the planning window or a step already over", () => {
    const t = new AccuracyTracker();
    // A forecast from step 1 used late in step 2 (an update was skipped): index 1 only, since
    // index 2 lies past the 2-step planning window and step 1 is over.
    t.record(path(1, [10, 20, 30, 40]), at(2) + 200_000, LEAD, 2);
    t.observe([
      [at(1), 1],
      [at(2), 2],
      [at(3), 3],
    ]);
    assert.deepEqual(t.compared(), { actuals: [2], served: [20] });
  });

  it("keeps one prediction per forecast origin and step: the latest forecast with that origin", () => {
    const t = new AccuracyTracker();
    t.record(path(1, [100, 100]), at(1), LEAD, 2);
    t.record(path(1, [120, 110]), at(1) + 60_000, LEAD, 2); // an update with the same data
    t.record(path(1, [Number.NaN, 90]), at(1) + 90_000, LEAD, 2); // non-finite values are skipped
    t.observe([
      [at(1), 50],
      [at(2), 50],
    ]);
    assert.deepEqual(t.compared(), { actuals: [50, 50], served: [120, 90] });
  });

  it("matches the pinball formula on arbitrary data", () => {
    const t = new AccuracyTracker(100);
    const predicted = Array.from({ length: 50 }, (_, i) => 100 + ((i * 37) % 61));
    const actual = Array.from({ length: 50 }, (_, i) => 90 + ((i * 53) % 83));
    predicted.forEach((f, i) => {
      t.record(path(i, [f]), at(i), 0, 1);
    });
    t.observe(actual.map((a, i) => [at(i), a] as const));
    for (const q of [0.05, 0.5, 0.9, 0.99]) {
      let loss = 0;
      let under = 0;
      for (let i = 0; i < 50; i++) {
        const a = actual[i] as number;
        const f = predicted[i] as number;
        loss += a >= f ? q * (a - f) : (1 - q) * (f - a);
        if (a > f) under++;
      }
      const s = t.summary(q);
      approx(s?.pinball, loss / 50, `pinball at ${q}`);
      approx(s?.underPredictionRate, under / 50, `under at ${q}`);
      assert.ok(under > 0 && under < 50, "the data has both sides");
    }
  });

  it("waits for a finite step mean, keeps steps oldest first, and takes a revised mean", () => {
    const t = new AccuracyTracker();
    t.record(path(3, [30]), at(3), 0, 1);
    t.record(path(1, [10]), at(1), 0, 1);
    t.record(path(2, [20]), at(2), 0, 1);
    t.observe([
      [at(1), Number.NaN],
      [at(2), 25],
    ]);
    assert.deepEqual(t.compared(), { actuals: [25], served: [20] });
    t.observe([
      [at(1), 5],
      [at(2), 26],
      [at(3), 35],
    ]);
    assert.deepEqual(t.compared(), { actuals: [5, 26, 35], served: [10, 20, 30] });
  });

  it("expire drops pending predictions older than the cutoff, never compared ones", () => {
    const t = new AccuracyTracker();
    for (let i = 1; i <= 3; i++) t.record(path(i, [i * 10]), at(i), 0, 1);
    t.observe([[at(1), 11]]);
    t.expire(at(3));
    t.observe([
      [at(2), 99],
      [at(3), 31],
    ]);
    assert.deepEqual(t.compared(), { actuals: [11, 31], served: [10, 30] });
  });

  it("keeps the newest `window` compared steps and the pending ones after them", () => {
    const t = new AccuracyTracker(2);
    for (let i = 1; i <= 5; i++) t.record(path(i, [i * 10]), at(i), 0, 1);
    t.observe([
      [at(1), 1],
      [at(2), 2],
      [at(3), 3],
    ]);
    assert.deepEqual(t.compared(), { actuals: [2, 3], served: [20, 30] });
    t.observe([
      [at(4), 4],
      [at(5), 500],
    ]);
    assert.deepEqual(t.compared(), { actuals: [4, 500], served: [40, 50] });
    const s = t.summary(0.9);
    approx(s?.underPredictionRate, 0.5, "one of the two kept steps is under");
    approx(s?.pinball, (0.1 * 36 + 0.9 * 450) / 2, "pinball of the kept steps");
  });
});
