import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SampleRing } from "../../../src/metrics/embedded/sampleRing.js";

const all = (ring: SampleRing) => {
  const { timestamps, values } = ring.range(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  return { t: [...timestamps], v: [...values] };
};

describe("SampleRing", () => {
  it("grows past its initial size and keeps samples in order", () => {
    const ring = new SampleRing(1000);
    for (let i = 0; i < 100; i++) ring.push(i * 10, i);
    assert.equal(ring.length, 100);
    assert.equal(ring.firstTimestamp, 0);
    assert.equal(ring.lastTimestamp, 990);
    assert.equal(ring.lastValue, 99);
    assert.deepEqual(
      all(ring).v,
      Array.from({ length: 100 }, (_, i) => i),
    );
  });

  it("overwrites the oldest sample once full, and reads across the wrap", () => {
    const ring = new SampleRing(5);
    let overwritten = 0;
    for (let i = 1; i <= 12; i++) overwritten += ring.push(i * 1000, i);
    assert.equal(overwritten, 7);
    assert.equal(ring.length, 5);
    assert.deepEqual(all(ring), { t: [8000, 9000, 10000, 11000, 12000], v: [8, 9, 10, 11, 12] });
    const mid = ring.range(9000, 11000);
    assert.deepEqual([...mid.values], [9, 10, 11]);
  });

  it("selects inclusive ranges by binary search", () => {
    const ring = new SampleRing(100);
    for (let i = 0; i < 10; i++) ring.push(i * 15_000, i);
    assert.deepEqual([...ring.range(15_000, 45_000).values], [1, 2, 3]);
    assert.deepEqual([...ring.range(15_001, 44_999).values], [2]);
    assert.deepEqual([...ring.range(200_000, 300_000).values], []);
    assert.deepEqual([...ring.range(-100, -1).values], []);
    assert.deepEqual([...ring.range(50_000, 40_000).values], [], "an inverted range is empty");
    assert.equal(ring.countIn(0, 135_000), 10);
    assert.equal(ring.countIn(1, 14_999), 0);
  });

  it("drops samples before a time, gives memory back, and can empty and refill", () => {
    const ring = new SampleRing(10_000);
    for (let i = 0; i < 1000; i++) ring.push(i, i);
    assert.equal(ring.dropBefore(990), 990);
    assert.deepEqual(all(ring).t, [990, 991, 992, 993, 994, 995, 996, 997, 998, 999]);
    assert.equal(ring.dropBefore(500), 0);
    ring.push(1000, 1000);
    assert.equal(ring.length, 11);
    assert.equal(ring.dropBefore(5000), 11);
    assert.equal(ring.length, 0);
    assert.equal(ring.lastTimestamp, undefined);
    ring.push(6000, 1);
    assert.deepEqual(all(ring), { t: [6000], v: [1] });
  });

  it("returns copies that later writes do not change", () => {
    const ring = new SampleRing(3);
    ring.push(1, 1);
    ring.push(2, 2);
    const before = ring.range(0, 10);
    ring.push(3, 3);
    ring.push(4, 4);
    assert.deepEqual([...before.values], [1, 2]);
  });

  it("refuses a non-positive size", () => {
    assert.throws(() => new SampleRing(0), /maxSamples must be a positive integer/);
  });

  it("keeps staleness markers apart from the samples, across growth, wrap and retention", () => {
    const ring = new SampleRing(6);
    ring.push(1000, 1);
    ring.push(2000, 2, true);
    assert.equal(ring.lastStale, true);
    assert.equal(ring.length, 2);
    ring.push(3000, Number.NaN); // a real NaN: a sample, not a marker
    assert.equal(ring.lastStale, false);
    const r = ring.range(0, 10_000);
    assert.deepEqual([...r.timestamps], [1000, 3000]);
    assert.equal(r.values[0], 1);
    assert.ok(Number.isNaN(r.values[1]));
    assert.deepEqual([...r.staleTimestamps], [2000]);
    assert.deepEqual([...ring.range(2500, 10_000).staleTimestamps], [], "marker outside the range");
    // Wrap the full ring: the marker at 2000 is overwritten, a new one at 8000 keeps its flag.
    for (let t = 4000; t <= 7000; t += 1000) ring.push(t, t / 1000);
    ring.push(8000, 0, true);
    ring.push(9000, 9);
    const wrapped = ring.range(0, 10_000);
    assert.deepEqual([...wrapped.timestamps], [4000, 5000, 6000, 7000, 9000]);
    assert.deepEqual([...wrapped.values], [4, 5, 6, 7, 9]);
    assert.deepEqual([...wrapped.staleTimestamps], [8000]);
    ring.dropBefore(8500);
    assert.deepEqual([...ring.range(0, 10_000).staleTimestamps], []);
    assert.deepEqual([...ring.range(0, 10_000).timestamps], [9000]);
  });

  it("keeps marker flags when it grows", () => {
    const ring = new SampleRing(1000);
    for (let i = 0; i < 40; i++) ring.push(i, i, i % 10 === 9);
    const r = ring.range(0, 100);
    assert.deepEqual([...r.staleTimestamps], [9, 19, 29, 39]);
    assert.equal(r.timestamps.length, 36);
    assert.equal(ring.lastStale, true);
  });
});
