import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  autocorrelation,
  DAY_SECONDS,
  detectPeriod,
  detrend,
  stepsPer,
  winsorize,
} from "../../src/forecast/seasonality.js";
import { syntheticSeries, withGap } from "./models/contract.js";

const daily = (t: number): number => 100 + 50 * Math.sin((2 * Math.PI * t) / DAY_SECONDS);

describe("stepsPer", () => {
  const cases: [number, number, number][] = [
    [86_400, 300, 288],
    [86_400, 60, 1440],
    [604_800, 3600, 168],
    [86_400, 420, 206],
  ];
  for (const [seconds, step, want] of cases) {
    it(`${seconds} s at ${step} s steps is ${want}`, () => assert.equal(stepsPer(seconds, step), want));
  }
  it("rejects a non-positive step", () => assert.throws(() => stepsPer(60, 0), RangeError));
});

describe("detrend and autocorrelation", () => {
  it("removes a line exactly and keeps NaN", () => {
    const out = detrend([1, 3, Number.NaN, 7, 9]);
    assert.ok(Number.isNaN(out[2]));
    for (const i of [0, 1, 3, 4]) assert.ok(Math.abs(out[i] as number) < 1e-9);
  });
  it("is about cos(2π·lag/period) for a sine", () => {
    const x = Float64Array.from({ length: 2000 }, (_, i) => Math.sin((2 * Math.PI * i) / 100));
    assert.ok(Math.abs(autocorrelation(x, 100) - 1) < 0.01);
    assert.ok(Math.abs(autocorrelation(x, 50) + 1) < 0.01);
    assert.ok(Math.abs(autocorrelation(x, 25)) < 0.01);
  });
});

describe("detectPeriod", () => {
  it("finds a daily cycle at 5-minute steps with noise", () => {
    const s = syntheticSeries({ points: 3 * 288, shape: daily, noise: 10 });
    const found = detectPeriod(s.values, s.stepSeconds);
    assert.equal(found?.periodSteps, 288);
    assert.ok((found?.strength ?? 0) > 0.8);
  });
  it("prefers daily over weekly on a pure daily cycle", () => {
    const s = syntheticSeries({ points: 15 * 288, shape: daily, noise: 5 });
    assert.equal(detectPeriod(s.values, s.stepSeconds)?.periodSteps, 288);
  });
  it("picks weekly when weekends differ strongly", () => {
    // Hourly steps, busy weekdays and near-idle weekends, small daily ripple.
    const shape = (t: number): number => {
      const day = Math.floor(t / DAY_SECONDS) % 7;
      return (day >= 5 ? 10 : 100) + 5 * Math.sin((2 * Math.PI * t) / DAY_SECONDS);
    };
    const s = syntheticSeries({ points: 21 * 24, stepSeconds: 3600, shape, noise: 2 });
    assert.equal(detectPeriod(s.values, s.stepSeconds)?.periodSteps, 168);
  });
  it("survives NaN gaps", () => {
    const s = withGap(syntheticSeries({ points: 4 * 288, shape: daily, noise: 5 }), 300, 400);
    assert.equal(detectPeriod(s.values, s.stepSeconds)?.periodSteps, 288);
  });
  const none: [string, (t: number) => number, number][] = [
    ["white noise", () => 100, 20],
    ["a linear trend", (t) => 10 + t / 600, 1],
  ];
  for (const [what, shape, noise] of none) {
    it(`finds nothing in ${what}`, () => {
      const s = syntheticSeries({ points: 4 * 288, shape, noise });
      assert.equal(detectPeriod(s.values, s.stepSeconds), undefined);
    });
  }
  it("needs two full periods", () => {
    const s = syntheticSeries({ points: 288 + 200, shape: daily, noise: 1 });
    assert.equal(detectPeriod(s.values, s.stepSeconds), undefined);
  });
  it("accepts custom candidates (hourly)", () => {
    const hourly = (t: number): number => 50 + 20 * Math.sin((2 * Math.PI * t) / 3600);
    const s = syntheticSeries({ points: 600, stepSeconds: 60, shape: hourly, noise: 2 });
    assert.equal(detectPeriod(s.values, s.stepSeconds, [3600])?.periodSteps, 60);
  });
});

describe("detectPeriod with spikes", () => {
  it("still finds a weak daily cycle under a few huge spikes", () => {
    const weak = (t: number): number => 100 + 10 * Math.sin((2 * Math.PI * t) / DAY_SECONDS);
    const s = syntheticSeries({ points: 6 * 288, shape: weak, noise: 8, seed: 3 });
    const values = Float64Array.from(s.values);
    // Spikes on 0.5% of points, like bursts of a tweet count.
    for (let i = 37; i < values.length; i += 211) values[i] = 5000;
    assert.equal(detectPeriod(values, s.stepSeconds)?.periodSteps, 288);
  });
});

describe("winsorize", () => {
  it("clamps the tails and keeps NaN", () => {
    const values = [...Array.from({ length: 999 }, (_, i) => i), 1e9, Number.NaN];
    const out = winsorize(values, 0.01);
    assert.ok((out[999] as number) < 1000);
    assert.ok((out[0] as number) > 5);
    assert.ok(Number.isNaN(out[1000]));
    assert.equal(out[500], 500);
  });
});
