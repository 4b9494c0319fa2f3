/** ReplayMetricsSource: the replay's demand through the MetricsSource port, as rate() would read it, never past the clock. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SimClock } from "../../src/replay/cluster/simClock.js";
import { ReplayMetricsSource } from "../../src/replay/replayMetricsSource.js";

const STEP = 15_000;
const T0 = Date.UTC(2026, 0, 1);

describe("ReplayMetricsSource", () => {
  it("answers a sample at t with the mean demand over the interval before t", async () => {
    const clock = new SimClock(T0);
    const source = new ReplayMetricsSource({ startMs: T0, stepMs: STEP, clock });
    const demand = Float64Array.from({ length: 40 }, (_, i) => i);
    source.extend(demand.subarray(0, 21));
    clock.set(T0 + 20 * STEP);
    const [series] = await source.range("anything", new Date(T0), new Date(T0 + 60 * STEP), 60);
    // Samples at 60 s, 120 s, 180 s, 240 s, 300 s: each the mean of the four 15 s steps before it.
    assert.deepEqual(series?.points, [
      [T0 + 60_000, 1.5],
      [T0 + 120_000, 5.5],
      [T0 + 180_000, 9.5],
      [T0 + 240_000, 13.5],
      [T0 + 300_000, 17.5],
    ]);
    const now = await source.instant("anything");
    assert.equal(now.type === "vector" ? now.samples[0]?.value : undefined, 17.5);
  });

  it("has nothing the replay has not reached", async () => {
    const clock = new SimClock(T0);
    const source = new ReplayMetricsSource({ startMs: T0, stepMs: STEP, clock });
    source.extend(new Float64Array(4).fill(1));
    clock.set(T0 + 10 * STEP);
    const [series] = await source.range("q", new Date(T0), new Date(T0 + 10 * STEP), 15);
    assert.deepEqual(
      series?.points.map((p) => p[0]),
      [1, 2, 3, 4].map((i) => T0 + i * STEP),
      "steps handed over only",
    );
    assert.deepEqual(await source.range("q", new Date(T0 + 20 * STEP), new Date(T0 + 30 * STEP), 15), []);
  });
});
