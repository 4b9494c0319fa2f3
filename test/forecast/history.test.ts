/**
 * HistoryCache: step means of a query sampled a few times a step (src/forecast/stepMeans.ts), fetched
 * in chunks under the point limit, extended incrementally (the last finished step asked again) and
 * trimmed to the history length.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HistoryCache, MAX_POINTS_PER_REQUEST } from "../../src/forecast/history.js";
import { gridSource } from "../harness/gridSource.js";

const STEP = 60;
const STEP_MS = STEP * 1000;
/** sampleSeconds(60): four samples a step. */
const SAMPLE_MS = 15_000;

function clockAt(ms: number) {
  const clock = { ms, now: () => clock.ms };
  return clock;
}

/** Mean of the samples at s + 15, 30, 45, 60 s: (s + 37.5 s) / 1000. */
const meanOfStep = (s: number) => (s + 37_500) / 1000;

const target = { name: "web", query: "sum(x)", stepSeconds: STEP, historyMs: 100 * STEP_MS };

describe("HistoryCache", () => {
  it("fetches the window's samples in chunks of at most the point limit and keeps finished steps' means", async () => {
    const { source, calls } = gridSource();
    const clock = clockAt(1_000 * STEP_MS + 17_000);
    const cache = new HistoryCache({ source, clock, maxPointsPerRequest: 30 });
    const h = await cache.fetch(target);
    assert.equal(h.startMs, 900 * STEP_MS);
    assert.equal(h.endMs, 1_000 * STEP_MS + SAMPLE_MS, "samples up to the last sample time");
    assert.ok(
      calls.every((c) => c.points <= 30 && c.step === SAMPLE_MS / 1000),
      JSON.stringify(calls),
    );
    assert.equal(calls[0]?.start, 900 * STEP_MS + SAMPLE_MS, "the oldest step's first sample");
    // Steps 900 … 999 are over; step 1000 is in progress (one sample in) and is not a step yet.
    assert.equal(h.steps.length, 100);
    assert.equal(h.steps[0]?.[0], 900 * STEP_MS);
    assert.equal(h.steps.at(-1)?.[0], 999 * STEP_MS);
    for (const [t, v] of h.steps) assert.equal(v, meanOfStep(t));
    assert.deepEqual(h.lastSample, [1_000 * STEP_MS + SAMPLE_MS, (1_000 * STEP_MS + SAMPLE_MS) / 1000]);
  });

  it("extends from the last finished step only and trims to the history length", async () => {
    const { source, calls } = gridSource();
    const clock = clockAt(1_000 * STEP_MS);
    const cache = new HistoryCache({ source, clock });
    await cache.fetch(target);
    clock.ms += 5 * STEP_MS;
    const h = await cache.fetch(target);
    const last = calls.at(-1);
    assert.equal(last?.start, 999 * STEP_MS + SAMPLE_MS, "asks again from the last finished step (999)");
    assert.equal(last?.end, 1_005 * STEP_MS);
    assert.equal(h.steps.length, 100);
    assert.equal(h.steps[0]?.[0], 905 * STEP_MS);
    assert.equal(h.steps.at(-1)?.[0], 1_004 * STEP_MS);
    assert.equal(new Set(h.steps.map((p) => p[0])).size, h.steps.length);
    for (const [t, v] of h.steps) assert.equal(v, meanOfStep(t));
    // Nothing new: no request.
    const again = await cache.fetch(target);
    assert.equal(again.requests, 1, "only the last finished step is asked again");
    assert.deepEqual(again.steps, h.steps);
  });

  it("leaves steps without data out, and a step with some samples is their mean", async () => {
    // Step 995 has no samples at all; step 997 lost two of its four.
    const gap = (t: number) =>
      (t > 995 * STEP_MS && t <= 996 * STEP_MS) ||
      t === 997 * STEP_MS + 15_000 ||
      t === 997 * STEP_MS + 30_000;
    const { source } = gridSource({ gap });
    const cache = new HistoryCache({ source, clock: clockAt(1_000 * STEP_MS) });
    const h = await cache.fetch(target);
    assert.equal(h.steps.length, 99);
    assert.ok(!h.steps.some(([t]) => t === 995 * STEP_MS));
    const s997 = h.steps.find(([t]) => t === 997 * STEP_MS);
    assert.equal(s997?.[1], (997 * STEP_MS + 52_500) / 1000);
  });

  it("starts over when the query changes", async () => {
    const { source, calls } = gridSource();
    const cache = new HistoryCache({ source, clock: clockAt(1_000 * STEP_MS) });
    await cache.fetch(target);
    await cache.fetch({ ...target, query: "sum(y)" });
    assert.equal(calls.at(-1)?.points, 400);
  });

  it("refuses a query returning several series, naming the target", async () => {
    const { source } = gridSource({ seriesCount: 3 });
    const cache = new HistoryCache({ source, clock: clockAt(1_000 * STEP_MS) });
    await assert.rejects(
      cache.fetch(target),
      /forecast target web: query must return one series; got 3: add sum\(\)/,
    );
  });

  it("uses Prometheus' 11,000 point limit by default", async () => {
    const { source, calls } = gridSource();
    const cache = new HistoryCache({ source, clock: clockAt(50_000 * STEP_MS) });
    const h = await cache.fetch({ ...target, historyMs: 6_000 * STEP_MS });
    assert.equal(h.steps.length, 6_000);
    assert.equal(Math.max(...calls.map((c) => c.points)), MAX_POINTS_PER_REQUEST);
    assert.equal(calls.length, 3);
  });
});
