import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HistoryCache, MAX_POINTS_PER_REQUEST } from "../../src/forecast/history.js";
import type { MetricsSource, RangeSeries } from "../../src/metrics/source.js";

const STEP = 60;
const STEP_MS = STEP * 1000;

/** A source whose one series is value(t) = t / 1000 on the step grid; records every range call. */
function gridSource(seriesCount = 1) {
  const calls: { start: number; end: number; points: number }[] = [];
  const source: MetricsSource = {
    instant: () => Promise.reject(new Error("not used")),
    series: () => Promise.reject(new Error("not used")),
    async range(_query, start, end, stepSeconds) {
      const points: [number, number][] = [];
      for (let t = start.getTime(); t <= end.getTime(); t += stepSeconds * 1000) points.push([t, t / 1000]);
      calls.push({ start: start.getTime(), end: end.getTime(), points: points.length });
      const out: RangeSeries[] = [];
      for (let i = 0; i < seriesCount; i++) out.push({ labels: { i: String(i) }, points });
      return out;
    },
  };
  return { source, calls };
}

function clockAt(ms: number) {
  const clock = { ms, now: () => clock.ms };
  return clock;
}

const target = { name: "web", query: "sum(x)", stepSeconds: STEP, historyMs: 100 * STEP_MS };

describe("HistoryCache", () => {
  it("fetches the whole window on the step grid, in chunks of at most the point limit", async () => {
    const { source, calls } = gridSource();
    const clock = clockAt(1_000 * STEP_MS + 17_000);
    const cache = new HistoryCache({ source, clock, maxPointsPerRequest: 30 });
    const h = await cache.fetch(target);
    assert.equal(h.endMs, 1_000 * STEP_MS);
    assert.equal(h.startMs, 900 * STEP_MS);
    assert.equal(h.points.length, 101);
    assert.ok(
      calls.every((c) => c.points <= 30),
      JSON.stringify(calls),
    );
    assert.equal(calls.length, 4);
    // Contiguous, no duplicates.
    for (let i = 1; i < h.points.length; i++)
      assert.equal(h.points[i]?.[0], (h.points[i - 1]?.[0] ?? 0) + STEP_MS);
  });

  it("extends incrementally from the last cached point and trims to the history length", async () => {
    const { source, calls } = gridSource();
    const clock = clockAt(1_000 * STEP_MS);
    const cache = new HistoryCache({ source, clock });
    await cache.fetch(target);
    clock.ms += 5 * STEP_MS;
    const h = await cache.fetch(target);
    const last = calls.at(-1);
    assert.equal(last?.start, 1_000 * STEP_MS, "re-fetches from the last cached point only");
    assert.equal(last?.points, 6);
    assert.equal(h.points.length, 101);
    assert.equal(h.points[0]?.[0], 905 * STEP_MS);
    assert.equal(h.points.at(-1)?.[0], 1_005 * STEP_MS);
    assert.equal(new Set(h.points.map((p) => p[0])).size, h.points.length);
  });

  it("starts over when the query changes", async () => {
    const { source, calls } = gridSource();
    const cache = new HistoryCache({ source, clock: clockAt(1_000 * STEP_MS) });
    await cache.fetch(target);
    await cache.fetch({ ...target, query: "sum(y)" });
    assert.equal(calls.at(-1)?.points, 101);
  });

  it("refuses a query returning several series, naming the target", async () => {
    const { source } = gridSource(3);
    const cache = new HistoryCache({ source, clock: clockAt(1_000 * STEP_MS) });
    await assert.rejects(
      cache.fetch(target),
      /forecast target web: query must return one series; got 3: add sum\(\)/,
    );
  });

  it("uses Prometheus' 11,000 point limit by default", async () => {
    const { source, calls } = gridSource();
    const cache = new HistoryCache({ source, clock: clockAt(50_000 * STEP_MS) });
    const h = await cache.fetch({ ...target, historyMs: 25_000 * STEP_MS });
    assert.equal(h.points.length, 25_001);
    assert.equal(Math.max(...calls.map((c) => c.points)), MAX_POINTS_PER_REQUEST);
    assert.equal(calls.length, 3);
  });
});
