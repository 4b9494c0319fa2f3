/**
 * AccuracyTracker: forecasts paired with the demand seen later, and the summary computed by hand
 * (pinball loss at q: q·(a−f) when a ≥ f, else (1−q)·(f−a); coverage; under-prediction rate).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AccuracyTracker } from "../../src/actuator/accuracy.js";

const STEP = 300_000;
const T0 = Date.UTC(2026, 0, 1);
const at = (i: number) => T0 + i * STEP;

function approx(actual: number | undefined, expected: number, what: string) {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);
}

describe("AccuracyTracker", () => {
  it("pairs predictions with later demand and summarizes them", () => {
    const t = new AccuracyTracker();
    t.predict(at(1), 100);
    t.predict(at(2), 100);
    t.predict(at(3), 50);
    assert.equal(t.summary(0.9), undefined, "nothing compared before demand arrives");
    t.observe([
      [at(1), 130], // under by 30: 0.9 · 30 = 27
      [at(2), 60], // over by 40: 0.1 · 40 = 4
      [at(3), 50], // exact: 0, counts as covered
    ]);
    assert.deepEqual(t.compared(), { actuals: [130, 60, 50], served: [100, 100, 50] });
    const s = t.summary(0.9);
    assert.equal(s?.steps, 3);
    approx(s?.pinball, 31 / 3, "pinball at 0.9");
    approx(s?.underPredictionRate, 1 / 3, "under-prediction rate");
    approx(s?.coverage, 2 / 3, "coverage");
    // The same pairs at another quantile: 0.1 · 30 + 0.9 · 40 = 39.
    approx(t.summary(0.1)?.pinball, 39 / 3, "pinball at 0.1");
    approx(t.summary(0.5)?.pinball, 35 / 3, "pinball at 0.5 is half the absolute error");
  });

  it("matches the pinball formula on arbitrary data", () => {
    const t = new AccuracyTracker(100);
    const predicted = Array.from({ length: 50 }, (_, i) => 100 + ((i * 37) % 61));
    const actual = Array.from({ length: 50 }, (_, i) => 90 + ((i * 53) % 83));
    predicted.forEach((f, i) => {
      t.predict(at(i), f);
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

  it("keeps the first prediction made for a step and ignores non-finite values", () => {
    const t = new AccuracyTracker();
    t.predict(at(1), 100);
    t.predict(at(1), 500); // a later, closer forecast for the same step is not the one that was served ahead
    t.predict(at(2), Number.NaN);
    t.predict(at(3), Number.POSITIVE_INFINITY);
    t.observe([
      [at(1), 120],
      [at(2), 10],
      [at(3), 10],
    ]);
    assert.deepEqual(t.compared(), { actuals: [120], served: [100] });
  });

  it("waits for a finite actual and keeps the steps oldest first", () => {
    const t = new AccuracyTracker();
    t.predict(at(3), 30);
    t.predict(at(1), 10);
    t.predict(at(2), 20);
    t.observe([
      [at(1), Number.NaN],
      [at(2), 25],
    ]);
    assert.deepEqual(t.compared(), { actuals: [25], served: [20] });
    t.observe([
      [at(1), 5],
      [at(3), 35],
    ]);
    assert.deepEqual(t.compared(), { actuals: [5, 25, 35], served: [10, 20, 30] });
    // A later observation of a compared step does not replace its actual.
    t.observe([[at(2), 999]]);
    assert.deepEqual(t.compared().actuals, [5, 25, 35]);
  });

  it("expire drops pending predictions older than the cutoff, never compared ones", () => {
    const t = new AccuracyTracker();
    t.predict(at(1), 10);
    t.predict(at(2), 20);
    t.predict(at(3), 30);
    t.observe([[at(1), 11]]);
    t.expire(at(3));
    // at(2) was pending and older than the cutoff: its demand arriving now is not compared.
    t.observe([
      [at(2), 99],
      [at(3), 31],
    ]);
    assert.deepEqual(t.compared(), { actuals: [11, 31], served: [10, 30] });
  });

  it("keeps the newest `window` compared steps and the pending ones after them", () => {
    const t = new AccuracyTracker(2);
    for (let i = 1; i <= 5; i++) t.predict(at(i), i * 10);
    t.observe([
      [at(1), 1],
      [at(2), 2],
      [at(3), 3],
    ]);
    assert.deepEqual(t.compared(), { actuals: [2, 3], served: [20, 30] });
    assert.equal(t.summary(0.9)?.steps, 2);
    t.observe([
      [at(4), 4],
      [at(5), 500],
    ]);
    assert.deepEqual(t.compared(), { actuals: [4, 500], served: [40, 50] });
    const s = t.summary(0.9);
    approx(s?.underPredictionRate, 0.5, "one of the two kept steps is under");
    // (0.1 · 36 + 0.9 · 450) / 2
    approx(s?.pinball, (0.1 * 36 + 0.9 * 450) / 2, "pinball of the kept steps");
  });
});
