import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MetricsSourceError, type MetricsSourceErrorKind, type Sample } from "../../src/metrics/source.js";
import { FakeSource } from "./fakeSource.js";

const sample = (pod: string, value: number): Sample => ({ labels: { pod }, value, timestamp: 1_000 });
const t = (ms: number) => new Date(ms);

async function rejectsWith(promise: Promise<unknown>, kind: MetricsSourceErrorKind, text?: RegExp) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof MetricsSourceError);
    assert.equal(err.kind, kind, err.message);
    if (text) assert.match(err.message, text);
    return true;
  });
}

describe("FakeSource", () => {
  it("answers canned instant results by exact query; a Sample[] is a vector", async () => {
    const fake = new FakeSource({
      instant: {
        'sum(x{pod="a"})': [sample("a", 1)],
        "scalar(y)": { type: "scalar", sample: { labels: {}, value: 2, timestamp: 5 } },
      },
    });
    assert.deepEqual(await fake.instant('sum(x{pod="a"})'), { type: "vector", samples: [sample("a", 1)] });
    assert.deepEqual(await fake.instant("scalar(y)"), {
      type: "scalar",
      sample: { labels: {}, value: 2, timestamp: 5 },
    });
    // Not the same string, so not the same query.
    assert.deepEqual(await fake.instant('sum(x{pod="a"}) '), { type: "vector", samples: [] });
  });

  it("fails unknown queries and selectors when strict", async () => {
    const fake = new FakeSource({ strict: true });
    await rejectsWith(fake.instant("nope"), "query", /no canned result.*"nope"/);
    await rejectsWith(fake.range("nope", t(0), t(1), 1), "query", /range query/);
    await rejectsWith(fake.series(["nope"], t(0), t(1)), "query", /series selector/);
  });

  it("throws canned errors before results, by query or selector, and forgets them on clearError", async () => {
    const refused = new MetricsSourceError("query", "parse error");
    const fake = new FakeSource({
      instant: { up: [sample("a", 1)] },
      series: { up: [{ __name__: "up" }] },
      errors: { up: "unavailable", "bad(": refused },
    });
    await rejectsWith(fake.instant("up"), "unavailable", /fake unavailable error for up/);
    await rejectsWith(fake.series(["other", "up"], t(0), t(1)), "unavailable");
    await assert.rejects(fake.instant("bad("), (err) => err === refused);
    fake.clearError("up");
    assert.deepEqual(await fake.instant("up"), { type: "vector", samples: [sample("a", 1)] });
  });

  it("unites the series of several selectors", async () => {
    const fake = new FakeSource({
      series: { a: [{ __name__: "a", pod: "1" }], b: [{ __name__: "b" }, { __name__: "b", pod: "2" }] },
    });
    assert.deepEqual(await fake.series(["a", "missing", "b"], t(0), t(1)), [
      { __name__: "a", pod: "1" },
      { __name__: "b" },
      { __name__: "b", pod: "2" },
    ]);
  });

  it("answers range queries", async () => {
    const series = [{ labels: { pod: "a" }, points: [[0, 1] as const, [1000, 2] as const] }];
    const fake = new FakeSource().setRange("rate(x[1m])", series);
    assert.deepEqual(await fake.range("rate(x[1m])", t(0), t(1000), 1), series);
    assert.deepEqual(await fake.range("other", t(0), t(1000), 1), []);
  });

  it("refuses times outside the declared window", async () => {
    const fake = new FakeSource({ window: { start: t(1_000), end: t(2_000) }, instant: { q: [] } });
    const cases: Array<[string, () => Promise<unknown>, boolean]> = [
      ["instant inside", () => fake.instant("q", t(1_500)), true],
      ["instant at server now", () => fake.instant("q"), true],
      ["instant before", () => fake.instant("q", t(999)), false],
      ["instant after", () => fake.instant("q", t(2_001)), false],
      ["range inside", () => fake.range("q", t(1_000), t(2_000), 1), true],
      ["range starting early", () => fake.range("q", t(500), t(2_000), 1), false],
      ["series ending late", () => fake.series(["q"], t(1_000), t(3_000)), false],
    ];
    for (const [name, call, ok] of cases) {
      if (ok) await assert.doesNotReject(call(), name);
      else await rejectsWith(call(), "query", /outside the accepted window/);
    }
  });

  it("records every call, including failed ones", async () => {
    const fake = new FakeSource({ errors: { broken: "bad_response" } });
    await fake.instant("a", t(5));
    await fake.range("b", t(1), t(2), 15);
    await fake.series(["c", "d"], t(3), t(4));
    await assert.rejects(fake.instant("broken"));
    assert.deepEqual(fake.calls, [
      { method: "instant", query: "a", at: t(5) },
      { method: "range", query: "b", start: t(1), end: t(2), stepSeconds: 15 },
      { method: "series", match: ["c", "d"], start: t(3), end: t(4) },
      { method: "instant", query: "broken", at: undefined },
    ]);
    assert.deepEqual(fake.queries(), ["a", "b", "c, d", "broken"]);
    fake.clearCalls();
    assert.equal(fake.calls.length, 0);
  });

  it("waits latencyMs and rejects as timeout when the signal fires first", async () => {
    const fake = new FakeSource({ latencyMs: 50, instant: { q: [sample("a", 1)] } });
    const started = performance.now();
    await fake.instant("q");
    assert.ok(performance.now() - started >= 45);
    await rejectsWith(fake.instant("q", undefined, { signal: AbortSignal.timeout(10) }), "timeout");
    fake.latencyMs = 0;
    await rejectsWith(fake.instant("q", undefined, { signal: AbortSignal.abort() }), "timeout");
  });
});
