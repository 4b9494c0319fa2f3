import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LaggedSignal, utilizationPercent } from "../../src/replay/metricSignal.js";

describe("utilizationPercent", () => {
  // A replica serves 10 at saturation.
  const cases: [number, number, number][] = [
    [28, 4, 70],
    [20, 4, 50],
    [40, 4, 100], // saturated
    [80, 4, 100], // overloaded: utilization stops at 100 %
    [0, 0, 0],
    [5, 0, 100], // nobody ready: saturated
  ];
  for (const [demand, ready, want] of cases)
    it(`demand ${demand} on ${ready} ready replicas is ${want} %`, () => {
      assert.equal(utilizationPercent(demand, ready, 10), want);
    });
});

describe("LaggedSignal", () => {
  it("reads the 1-minute mean of samples one scrape old", () => {
    const signal = new LaggedSignal(15_000, { scrapeMs: 15_000, windowMs: 60_000 });
    assert.equal(signal.delaySteps, 1);
    assert.equal(signal.windowSteps, 4);
    assert.equal(signal.value(), 0);
    const seen: number[] = [];
    for (const sample of [10, 10, 10, 10, 50, 50, 50, 50, 50]) {
      signal.push(sample);
      seen.push(signal.value());
    }
    // The step after a push sees the window ending at that push (one step = one scrape old).
    assert.deepEqual(seen, [10, 10, 10, 10, 20, 30, 40, 50, 50]);
  });

  it("delays further with an older scrape", () => {
    const signal = new LaggedSignal(15_000, { scrapeMs: 45_000, windowMs: 15_000 });
    const seen: number[] = [];
    for (const sample of [1, 2, 3, 4, 5]) {
      signal.push(sample);
      seen.push(signal.value());
    }
    assert.deepEqual(seen, [1, 1, 1, 2, 3]);
  });
});
