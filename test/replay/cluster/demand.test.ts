import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseTrace } from "../../../src/forecast/traces.js";
import { resample, resampleTrace, TraceDemand } from "../../../src/replay/cluster/demand.js";

describe("TraceDemand", () => {
  const d = TraceDemand.fromSeconds([
    [100, 10],
    [160, 40],
    [220, 40],
    [280, 0],
  ]);

  const cases: [string, number, number][] = [
    ["before the start clamps to the first value", 0, 10],
    ["at a point", 160_000, 40],
    ["a third of the way up", 120_000, 20],
    ["flat segment", 200_000, 40],
    ["halfway down", 250_000, 20],
    ["after the end clamps to the last value", 1_000_000, 0],
  ];
  for (const [name, ms, want] of cases)
    it(name, () => {
      assert.ok(Math.abs(d.at(ms) - want) < 1e-9, `at(${ms}) = ${d.at(ms)}, want ${want}`);
    });

  it("gives the same answer in random order as in sequence (the cursor is only a hint)", () => {
    const times = Array.from({ length: 50 }, (_, i) => 90_000 + i * 4_000);
    const sequential = times.map((t) => d.at(t));
    const fresh = TraceDemand.fromSeconds([
      [100, 10],
      [160, 40],
      [220, 40],
      [280, 0],
    ]);
    const shuffled = [...times.keys()].sort((a, b) => ((a * 7919) % 50) - ((b * 7919) % 50));
    for (const i of shuffled) assert.equal(fresh.at(times[i] as number), sequential[i]);
  });

  it("bridges NaN gaps linearly", () => {
    const g = new TraceDemand([
      [0, 0],
      [1_000, Number.NaN],
      [2_000, 20],
    ]);
    assert.equal(g.at(1_000), 10);
  });

  it("rejects a trace without numbers", () => {
    assert.throws(() => new TraceDemand([[0, Number.NaN]]), /no numeric values/);
  });

  it("reads parsed CSV traces (points in ms)", () => {
    const t = parseTrace("timestamp_unix_seconds,value\n0,0\n60,6\n", "x.csv");
    assert.equal(TraceDemand.fromTrace(t).at(30_000), 3);
  });
});

describe("resample", () => {
  const d = TraceDemand.fromSeconds([
    [0, 0],
    [60, 60],
  ]);

  it("samples every 15 s over [start, end)", () => {
    assert.deepEqual([...resample(d, 0, 60_000)], [0, 15, 30, 45]);
  });

  it("covers the whole trace including its last point", () => {
    assert.deepEqual([...resampleTrace(d)], [0, 15, 30, 45, 60]);
  });

  it("honours a custom step and rejects a non-positive one", () => {
    assert.deepEqual([...resample(d, 10_000, 40_000, 10_000)], [10, 20, 30]);
    assert.throws(() => resample(d, 0, 1, 0), /must be positive/);
  });
});
