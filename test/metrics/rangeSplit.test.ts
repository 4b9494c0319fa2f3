/**
 * RangeSplitSource (src/metrics/rangeSplit.ts) over the in-memory double: a split range answers
 * exactly what the one query answers (no point twice, none lost, series that come and go across
 * chunk boundaries), and a chunk refused for a samples limit is halved until it fits.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { labelsKey } from "../../src/metrics/promql/labels.js";
import { RangeSplitSource } from "../../src/metrics/rangeSplit.js";
import {
  type CallOptions,
  type MetricsSource,
  MetricsSourceError,
  type RangeSeries,
} from "../../src/metrics/source.js";
import { MemorySource } from "../doubles/memorySource.js";

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;

/** Two series: one for the whole 3 hours (15 s samples), one that stops after 70 minutes. */
function source(): MemorySource {
  const samples = (n: number, f: (k: number) => number) =>
    Array.from({ length: n }, (_, k) => [T0 + 1_000 + k * 15_000, f(k)] as [number, number]);
  return new MemorySource({
    series: [
      { labels: { __name__: "demand", pod: "a" }, samples: samples(720, (k) => k % 17) },
      { labels: { __name__: "demand", pod: "b" }, samples: samples(280, (k) => 100 + k) },
    ],
    now: () => T0 + 4 * 60 * MIN,
  });
}

/** Records range calls; refuses any whose points per series exceed `maxPoints` with a limit error. */
class Limited implements MetricsSource {
  readonly calls: number[] = [];
  constructor(
    private readonly inner: MetricsSource,
    private readonly maxPoints: number,
    private readonly limit: "samples" | "points" | "series" = "samples",
  ) {}
  instant(...args: Parameters<MetricsSource["instant"]>) {
    return this.inner.instant(...args);
  }
  series(...args: Parameters<MetricsSource["series"]>) {
    return this.inner.series(...args);
  }
  async range(q: string, s: Date, e: Date, step: number, o?: CallOptions): Promise<RangeSeries[]> {
    const points = Math.floor((e.getTime() - s.getTime()) / (step * 1000)) + 1;
    this.calls.push(points);
    if (points > this.maxPoints)
      throw new MetricsSourceError("query", `over the limit (${points} points)`, { limit: this.limit });
    return this.inner.range(q, s, e, step, o);
  }
}

const sorted = (series: readonly RangeSeries[]) =>
  [...series].sort((a, b) => labelsKey(a.labels).localeCompare(labelsKey(b.labels)));

describe("RangeSplitSource", () => {
  // Not on the step grid, not a whole number of chunks.
  const start = new Date(T0 + 7 * MIN + 13_000);
  const end = new Date(T0 + 170 * MIN);
  const queries = ["demand", "sum(rate(demand[5m]))", "max_over_time(demand[10m:1m])"];

  for (const query of queries) {
    it(`answers ${query} split into chunks as the one query does`, async () => {
      const whole = await source().range(query, start, end, 30);
      const inner = new Limited(source(), Number.POSITIVE_INFINITY);
      const splits: string[] = [];
      const split = new RangeSplitSource(inner, { maxPointsPerQuery: 7, onSplit: (r) => splits.push(r) });
      const got = await split.range(query, start, end, 30);
      assert.deepEqual(sorted(got), sorted(whole));
      assert.ok(whole.length > 0 && whole.every((s) => s.points.length > 7), "the ranges need splitting");
      const points = Math.floor((end.getTime() - start.getTime()) / 30_000) + 1;
      assert.equal(inner.calls.length, Math.ceil(points / 7));
      assert.ok(inner.calls.every((n) => n <= 7));
      assert.equal(splits.length, inner.calls.length - 1);
    });
  }

  it("halves a chunk refused for a samples limit until it fits, and stitches the halves", async () => {
    const whole = await source().range("demand", start, end, 60);
    const inner = new Limited(source(), 40);
    const splits: string[] = [];
    const split = new RangeSplitSource(inner, { maxPointsPerQuery: 11_000, onSplit: (r) => splits.push(r) });
    assert.deepEqual(sorted(await split.range("demand", start, end, 60)), sorted(whole));
    // Each refused chunk (over 40 points) is asked again as two halves; the accepted ones cover the range once.
    const points = Math.floor((end.getTime() - start.getTime()) / 60_000) + 1;
    const refused = inner.calls.filter((n) => n > 40);
    const accepted = inner.calls.filter((n) => n <= 40);
    assert.equal(inner.calls[0], points);
    assert.equal(
      accepted.reduce((a, b) => a + b, 0),
      points,
    );
    assert.ok(
      accepted.every((n) => n >= 20),
      `halves, not smaller: ${inner.calls}`,
    );
    assert.ok(refused.length >= 3);
    assert.deepEqual(splits, Array(inner.calls.length - 1).fill("limit"));
  });

  it("gives up after maxHalvings with the server's error and how far it split", async () => {
    const inner = new Limited(source(), 5, "points");
    const split = new RangeSplitSource(inner, { maxPointsPerQuery: 11_000, maxHalvings: 2 });
    await assert.rejects(split.range("demand", start, end, 60), (err: MetricsSourceError) => {
      assert.equal(err.kind, "query");
      assert.equal(err.limit, "points");
      assert.match(
        err.message,
        /over the limit \(41 points\) \(still refused with 41 points per series, after splitting the range 2 times\)/,
      );
      return true;
    });
  });

  it("does not split on other errors, nor on a series limit (a shorter range rarely has fewer series)", async () => {
    const inner = new Limited(source(), 5, "series");
    const split = new RangeSplitSource(inner, { maxPointsPerQuery: 11_000 });
    await assert.rejects(split.range("demand", start, end, 60), /over the limit \(\d+ points\)$/);
    assert.equal(inner.calls.length, 1);
    await assert.rejects(
      split.range("sum(", start, end, 60),
      (err: MetricsSourceError) => err.kind === "query",
    );
  });

  it("leaves a bad step or an end before the start to the server", async () => {
    const split = new RangeSplitSource(source(), { maxPointsPerQuery: 10 });
    for (const [s, e, step] of [
      [start, end, 0],
      [end, start, 60],
    ] as const)
      await assert.rejects(
        split.range("demand", s, e, step),
        (err: MetricsSourceError) => err.kind === "query",
      );
  });
});
