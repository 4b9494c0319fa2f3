import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EmbeddedTSDB } from "../../../src/metrics/embedded/tsdb.js";
import type { LabelMatcher } from "../../../src/metrics/promql/storage.js";

const eq = (name: string, value: string): LabelMatcher => ({ name, type: "=", value });
const ne = (name: string, value: string): LabelMatcher => ({ name, type: "!=", value });
const re = (name: string, value: string): LabelMatcher => ({ name, type: "=~", value });
const nre = (name: string, value: string): LabelMatcher => ({ name, type: "!~", value });

/** Four series of `reqs` and one `other`, each with samples at 0, 15 s, ..., 150 s. */
function fixture(): EmbeddedTSDB {
  const db = new EmbeddedTSDB();
  const series: Record<string, string>[] = [
    { __name__: "reqs", job: "api", code: "200", pod: "api-1" },
    { __name__: "reqs", job: "api", code: "500", pod: "api-1" },
    { __name__: "reqs", job: "api", code: "200", pod: "api-2" },
    { __name__: "reqs", job: "web", pod: "web-1" },
    { __name__: "other", job: "api" },
  ];
  for (let i = 0; i <= 10; i++) {
    series.forEach((labels, j) => {
      assert.equal(db.append(labels, i * 15_000, i * 10 + j), "ok");
    });
  }
  return db;
}

const podsOf = (db: EmbeddedTSDB, matchers: LabelMatcher[]) =>
  db
    .select(matchers, 0, 1e12)
    .map((s) => `${s.labels.__name__}/${s.labels.pod ?? ""}/${s.labels.code ?? ""}`);

describe("EmbeddedTSDB select", () => {
  it("applies all four matcher types, treating a missing label as empty", () => {
    const db = fixture();
    assert.deepEqual(podsOf(db, [eq("__name__", "reqs"), eq("code", "200")]), [
      "reqs/api-1/200",
      "reqs/api-2/200",
    ]);
    assert.deepEqual(podsOf(db, [eq("__name__", "reqs"), ne("code", "200")]), [
      "reqs/api-1/500",
      "reqs/web-1/",
    ]);
    assert.deepEqual(podsOf(db, [eq("__name__", "reqs"), re("code", "2..|5..")]), [
      "reqs/api-1/200",
      "reqs/api-2/200",
      "reqs/api-1/500",
    ]);
    assert.deepEqual(podsOf(db, [eq("__name__", "reqs"), nre("pod", "api-.*")]), ["reqs/web-1/"]);
    assert.deepEqual(
      podsOf(db, [eq("__name__", "reqs"), eq("code", "")]),
      ["reqs/web-1/"],
      '= "" selects absent',
    );
    assert.deepEqual(
      podsOf(db, [eq("__name__", "reqs"), ne("code", "")]).length,
      3,
      '!= "" requires the label',
    );
    assert.deepEqual(podsOf(db, [re("__name__", "re.*|oth.*"), eq("job", "api")]).length, 4);
    assert.deepEqual(podsOf(db, [eq("__name__", "nope")]), []);
    assert.deepEqual(podsOf(db, [eq("__name__", "reqs"), eq("nolabel", "x")]), []);
  });

  it("anchors regular expressions at both ends, as Prometheus does", () => {
    const db = fixture();
    assert.deepEqual(podsOf(db, [eq("__name__", "reqs"), re("pod", "api")]), [], "no substring match");
    assert.deepEqual(podsOf(db, [eq("__name__", "reqs"), re("pod", "api-1|web")]), [
      "reqs/api-1/200",
      "reqs/api-1/500",
    ]);
    assert.deepEqual(podsOf(db, [eq("__name__", "reqs"), nre("pod", "api")]).length, 4, "!~ is anchored too");
    assert.deepEqual(
      podsOf(db, [eq("__name__", "reqs"), re("code", ".*")]).length,
      4,
      ".* matches absent labels",
    );
    assert.throws(
      () => db.select([re("pod", "(")], 0, 1),
      /label matcher pod=~"\(": invalid regular expression/,
    );
  });

  it("returns only the samples in [start, end], inclusive, ascending, and leaves out series without any", () => {
    const db = fixture();
    const [s] = db.select([eq("__name__", "other")], 30_000, 60_000);
    assert.ok(s);
    assert.deepEqual(Array.from(s.timestamps), [30_000, 45_000, 60_000]);
    assert.deepEqual(Array.from(s.values), [24, 34, 44]);
    assert.deepEqual(db.select([eq("__name__", "other")], 151_000, 200_000), []);
    assert.equal(db.select([eq("job", "api")], 150_000, 150_000).length, 4);
  });

  it("sorts series by label set, as Prometheus does", () => {
    const db = new EmbeddedTSDB();
    for (const v of ["10", "9", "1", "a"]) db.append({ __name__: "m", v }, 1, 1);
    db.append({ __name__: "m" }, 1, 1);
    assert.deepEqual(
      db.select([eq("__name__", "m")], 0, 2).map((s) => s.labels.v ?? "-"),
      ["-", "1", "10", "9", "a"],
    );
  });
});

describe("EmbeddedTSDB append", () => {
  it("rejects out-of-order samples per series and counts them", () => {
    const db = new EmbeddedTSDB();
    const a = { __name__: "m", s: "a" };
    assert.equal(db.append(a, 2000, 1), "ok");
    assert.equal(db.append(a, 1000, 1), "out_of_order");
    assert.equal(db.append({ __name__: "m", s: "b" }, 1000, 1), "ok", "another series has its own order");
    assert.equal(db.append(a, 2000, 1), "duplicate_same");
    assert.equal(db.append(a, 2000, 5), "duplicate");
    assert.equal(db.append(a, 3000, Number.NaN), "ok");
    assert.equal(db.append(a, 3000, Number.NaN), "duplicate_same");
    const stats = db.stats();
    assert.equal(stats.rejectedOutOfOrder, 1);
    assert.equal(stats.rejectedDuplicate, 1);
    assert.equal(db.sampleCount, 3);
    assert.equal(db.seriesCount, 2);
  });

  it("identifies a series by its labels in any order, ignoring empty values", () => {
    const db = new EmbeddedTSDB();
    db.append({ __name__: "m", a: "1", b: "2" }, 1, 1);
    db.append({ b: "2", a: "1", __name__: "m", c: "" }, 2, 2);
    assert.equal(db.seriesCount, 1);
    const [s] = db.select([eq("a", "1")], 0, 10);
    assert.deepEqual(s?.labels, { __name__: "m", a: "1", b: "2" });
    assert.deepEqual(Array.from(s?.values ?? []), [1, 2]);
  });

  it("drops samples older than the retention behind each series' newest sample", () => {
    const db = new EmbeddedTSDB({ retentionMs: 60_000 });
    for (let t = 0; t <= 300_000; t += 15_000) db.append({ __name__: "m" }, t, t);
    const [s] = db.select([eq("__name__", "m")], 0, 1e9);
    assert.deepEqual(Array.from(s?.timestamps ?? []), [240_000, 255_000, 270_000, 285_000, 300_000]);
    assert.equal(db.sampleCount, 5);
    assert.equal(db.stats().expired, 16);
  });

  it("keeps at most maxSamplesPerSeries per series", () => {
    const db = new EmbeddedTSDB({ maxSamplesPerSeries: 4 });
    for (let t = 1; t <= 10; t++) db.append({ __name__: "m" }, t, t);
    assert.equal(db.sampleCount, 4);
    assert.deepEqual(Array.from(db.select([eq("__name__", "m")], 0, 100)[0]?.values ?? []), [7, 8, 9, 10]);
  });

  it("refuses new series beyond maxSeries, counting them, while existing series still take samples", () => {
    const db = new EmbeddedTSDB({ maxSeries: 2 });
    assert.equal(db.append({ __name__: "m", i: "1" }, 1, 1), "ok");
    assert.equal(db.append({ __name__: "m", i: "2" }, 1, 1), "ok");
    assert.equal(db.append({ __name__: "m", i: "3" }, 1, 1), "series_limit");
    assert.equal(db.append({ __name__: "m", i: "4" }, 1, 1), "series_limit");
    assert.equal(db.append({ __name__: "m", i: "1" }, 2, 1), "ok");
    assert.equal(db.stats().rejectedSeriesLimit, 2);
    assert.equal(db.seriesCount, 2);
  });

  it("gc removes series whose samples all aged out, and their index entries", () => {
    const db = new EmbeddedTSDB({ retentionMs: 1000 });
    db.append({ __name__: "m", pod: "old" }, 0, 1);
    db.append({ __name__: "m", pod: "new" }, 5000, 1);
    assert.equal(db.gc(5500), 1);
    assert.equal(db.seriesCount, 1);
    assert.deepEqual(db.labelValues("pod"), ["new"]);
    assert.deepEqual(podsOf(db, [eq("pod", "old")]), []);
    assert.equal(db.append({ __name__: "m", pod: "old" }, 6000, 1), "ok", "a removed series can come back");
  });

  it("ingest checks names and timestamps with errors naming the series", () => {
    const db = new EmbeddedTSDB();
    assert.equal(db.ingest({ __name__: "sim_demand", deployment: "llm" }, 1000, 3), "ok");
    assert.throws(() => db.ingest({ job: "x" }, 1, 1), /invalid metric name undefined/);
    assert.throws(() => db.ingest({ __name__: "1bad" }, 1, 1), /invalid metric name "1bad"/);
    assert.throws(
      () => db.ingest({ __name__: "m", "a-b": "1" }, 1, 1),
      /invalid label name "a-b" in m\{a-b="1"\}/,
    );
    assert.throws(() => db.ingest({ __name__: "m" }, 1.5, 1), /timestamp 1.5 of m\{\}/);
    assert.throws(() => db.append({ job: "x" }, 1, 1), /has no __name__/);
  });
});

describe("EmbeddedTSDB series, labelNames, labelValues", () => {
  it("unions matcher sets, dedups, and keeps only series with samples in range", () => {
    const db = fixture();
    db.append({ __name__: "late", job: "api" }, 1_000_000, 1);
    const found = db.series([[eq("job", "api"), eq("code", "200")], [eq("pod", "api-1")]], 0, 200_000);
    assert.deepEqual(
      found.map((l) => `${l.pod}/${l.code}`),
      ["api-1/200", "api-2/200", "api-1/500"],
    );
    assert.deepEqual(
      db.series([[eq("job", "api")]], 500_000, 2_000_000).map((l) => l.__name__),
      ["late"],
    );
    assert.deepEqual(db.labelNames(), ["__name__", "code", "job", "pod"]);
    assert.deepEqual(db.labelValues("job"), ["api", "web"]);
    assert.deepEqual(db.labelValues("__name__"), ["late", "other", "reqs"]);
    assert.deepEqual(db.labelValues("missing"), []);
  });

  it("finds one series among many through the index", () => {
    const db = new EmbeddedTSDB();
    for (let i = 0; i < 20_000; i++)
      db.append({ __name__: "gpu_util", pod: `p-${i}`, node: `n-${i % 100}` }, 1, i);
    const hits = db.select([eq("__name__", "gpu_util"), eq("pod", "p-12345")], 0, 2);
    assert.equal(hits.length, 1);
    assert.equal(hits[0]?.values[0], 12345);
    assert.equal(db.select([eq("node", "n-7"), re("pod", "p-1.*")], 0, 2).length, 111);
  });

  it("stores staleness markers apart from the samples, never creating a series", () => {
    const db = new EmbeddedTSDB();
    const m = { __name__: "m", pod: "a" };
    assert.equal(db.markStale({ __name__: "m", pod: "none" }, 1000), false, "no such series");
    assert.equal(db.seriesCount, 0);
    db.append(m, 1000, 1);
    assert.equal(db.markStale(m, 1000), false, "not at the last sample's time");
    assert.equal(db.markStale(m, 500), false, "not before it");
    assert.equal(db.markStale(m, 2000), true);
    assert.equal(db.markStale(m, 3000), false, "already stale");
    assert.equal(db.append(m, 2000, 5), "duplicate", "a sample at the marker's time");
    assert.equal(db.append(m, 4000, Number.NaN), "ok");
    const [s] = db.select([eq("__name__", "m")], 0, 5000);
    assert.deepEqual(Array.from(s?.timestamps ?? []), [1000, 4000]);
    assert.equal(s?.values[0], 1);
    assert.ok(Number.isNaN(s?.values[1]), "a real NaN is a sample");
    assert.deepEqual(Array.from(s?.staleMarkers ?? []), [2000]);
    assert.deepEqual(db.select([eq("__name__", "m")], 1500, 3000), [], "only a marker in range");
    assert.equal(db.select([eq("__name__", "m")], 3000, 5000)[0]?.staleMarkers, undefined);
    const stats = db.stats();
    assert.equal(stats.samples, 3);
    assert.equal(stats.appended, 2);
    assert.equal(stats.rejectedDuplicate, 1);
    assert.equal(stats.rejectedOutOfOrder, 0);
  });
});
