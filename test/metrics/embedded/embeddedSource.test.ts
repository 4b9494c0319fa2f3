import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EmbeddedSource } from "../../../src/metrics/embedded/embeddedSource.js";
import { EmbeddedTSDB } from "../../../src/metrics/embedded/tsdb.js";
import { MetricsSourceError } from "../../../src/metrics/source.js";

const T0 = Date.UTC(2026, 10, 29, 12);

function source() {
  const tsdb = new EmbeddedTSDB();
  // A counter growing 10/s on two pods, scraped every 15 s for 10 minutes.
  for (let i = 0; i <= 40; i++) {
    const t = T0 + i * 15_000;
    tsdb.ingest({ __name__: "requests_total", namespace: "demo", pod: "a" }, t, 150 * i);
    tsdb.ingest({ __name__: "requests_total", namespace: "demo", pod: "b" }, t, 300 * i);
  }
  return new EmbeddedSource({ tsdb, clock: { now: () => T0 + 600_000 } });
}

describe("EmbeddedSource", () => {
  it("answers instant queries at the clock's now", async () => {
    const result = await source().instant('sum(rate(requests_total{namespace="demo"}[2m]))');
    assert.equal(result.type, "vector");
    assert.equal(result.type === "vector" ? result.samples.length : 0, 1);
    const value = result.type === "vector" ? (result.samples[0]?.value ?? Number.NaN) : Number.NaN;
    assert.ok(Math.abs(value - 30) < 1e-9, `10/s + 20/s, got ${value}`);
  });

  it("answers range queries, one series per label set", async () => {
    const series = await source().range(
      "rate(requests_total[1m])",
      new Date(T0 + 120_000),
      new Date(T0 + 600_000),
      60,
    );
    assert.deepEqual(
      series.map((s) => s.labels.pod),
      ["a", "b"],
    );
    for (const s of series) {
      assert.equal(s.points.length, 9);
      const rate = s.labels.pod === "a" ? 10 : 20;
      for (const [, v] of s.points) assert.ok(Math.abs(v - rate) < 1e-9);
    }
  });

  it("lists series matching selectors", async () => {
    const labels = await source().series(['requests_total{pod="b"}'], new Date(T0), new Date(T0 + 600_000));
    assert.deepEqual(labels, [{ __name__: "requests_total", namespace: "demo", pod: "b" }]);
  });

  it("reports bad and unsupported queries as query errors naming them", async () => {
    await assert.rejects(source().instant("sum(rate(requests_total[2m])"), (err: unknown) => {
      assert.ok(err instanceof MetricsSourceError);
      assert.equal(err.kind, "query");
      return true;
    });
    await assert.rejects(
      source().instant("histogram_count(requests_total)"),
      /histogram_count is not supported/,
    );
    await assert.rejects(
      source().series(["sum(requests_total)"], new Date(T0), new Date(T0 + 1)),
      /series selector/,
    );
  });
});
