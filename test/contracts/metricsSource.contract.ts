/**
 * The MetricsSource port's contract (src/metrics/source.ts), run against every implementation:
 * the Prometheus client against a real Prometheus, the embedded store's source, and the in-memory
 * double (metricsSource.contract.test.ts). Like test/forecast/models/contract.ts: a function that
 * takes a factory and registers the tests.
 *
 * It pins what the rest of the code relies on: the shape of instant results (a vector of samples
 * stamped with the evaluation time, or a scalar), the 5-minute lookback, metric names dropped by
 * functions and aggregations, range points at start + k·step (not aligned to multiples of the step)
 * with gaps left out rather than filled, series() as the deduplicated label sets with samples in
 * the window, NaN and ±Inf passed through, and every failure a MetricsSourceError of the right
 * kind: "query" for what the server refuses (bad PromQL, a bad step or range, a selector that is
 * not one), "timeout" for a call whose signal was aborted.
 *
 * Each implementation is given the same samples (`data`), written before the tests run. Sample
 * timestamps are never on a whole second, query times always are, so window boundaries (closed in
 * Prometheus 2, left-open in the embedded evaluator, docs/promql.md) never decide a result. Results
 * are compared as sets: the port promises no order.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { labelsKey } from "../../src/metrics/promql/labels.js";
import {
  type InstantResult,
  type Labels,
  type MetricsSource,
  MetricsSourceError,
  type MetricsSourceErrorKind,
  type RangeSeries,
  type Sample,
} from "../../src/metrics/source.js";
import type { MemorySeries } from "../doubles/memoryQueryable.js";

export interface ContractData {
  /** The series to load, samples ascending. */
  readonly series: readonly MemorySeries[];
  /** The first sample's minute (unix ms, a whole minute). */
  readonly startMs: number;
  /** The last sample is before this (unix ms, a whole minute, in the past). */
  readonly endMs: number;
}

export interface MetricsSourceFixture {
  readonly source: MetricsSource;
  close?(): Promise<void>;
}

export interface MetricsSourceContractOptions {
  /** Per-suite timeout (a real Prometheus takes seconds to start and load blocks). Default 30 s. */
  readonly timeoutMs?: number;
}

const SEC = 1000;
const MIN = 60 * SEC;
const SCRAPE_MS = 15 * SEC;
/** Sample timestamps are `startMs + OFFSET_MS + k · 15 s`: never on a whole second. */
const OFFSET_MS = 2_037;
const SPAN_MS = 60 * MIN;

/**
 * The samples every implementation holds: an hour of 15-second samples ending at least 10 minutes
 * before `nowMs` (Prometheus refuses nothing in the past within its retention).
 */
export function contractData(nowMs: number = Date.now()): ContractData {
  const endMs = Math.floor((nowMs - 10 * MIN) / MIN) * MIN;
  const startMs = endMs - SPAN_MS - MIN;
  const at = (k: number) => startMs + OFFSET_MS + k * SCRAPE_MS;
  const n = SPAN_MS / SCRAPE_MS;
  const series = (labels: Labels, value: (k: number) => number | undefined): MemorySeries => {
    const samples: [number, number][] = [];
    for (let k = 0; k < n; k++) {
      const v = value(k);
      if (v !== undefined) samples.push([at(k), v]);
    }
    return { labels, samples };
  };
  const inMinutes = (k: number) => (k * SCRAPE_MS) / MIN;
  return {
    startMs,
    endMs,
    series: [
      series({ __name__: "contract_gauge", job: "api", instance: "a" }, (k) => 10 + (k % 7)),
      // Stops after 20 minutes.
      series({ __name__: "contract_gauge", job: "api", instance: "b" }, (k) =>
        inMinutes(k) < 20 ? 100 + k : undefined,
      ),
      series({ __name__: "contract_gauge", job: "web", instance: "a" }, (k) => 0.5 * k),
      // 3 per 15 s: rate 0.2/s.
      series({ __name__: "contract_requests_total", job: "api" }, (k) => 3 * k),
      // Only in the last 20 minutes.
      series({ __name__: "contract_late", job: "batch" }, (k) => (inMinutes(k) >= 40 ? k : undefined)),
    ],
  };
}

/** The sample of `labels` in force at `t` (the newest at or before t, within 5 minutes). */
function sampleAt(data: ContractData, labels: Labels, t: number): number | undefined {
  const series = data.series.find((s) => labelsKey(s.labels) === labelsKey(labels));
  let found: number | undefined;
  for (const [ts, v] of series?.samples ?? []) if (ts <= t && ts > t - 5 * MIN) found = v;
  return found;
}

async function rejectsWithKind(call: Promise<unknown>, kind: MetricsSourceErrorKind, what: string) {
  await assert.rejects(call, (err: unknown) => {
    assert.ok(
      err instanceof MetricsSourceError,
      `${what}: expected a MetricsSourceError, got ${String(err)}`,
    );
    assert.equal(err.kind, kind, `${what}: kind (${err.message})`);
    return true;
  });
}

function vector(result: InstantResult): readonly Sample[] {
  assert.equal(result.type, "vector", `expected a vector, got ${JSON.stringify(result)}`);
  return result.type === "vector" ? result.samples : [];
}

function byLabels<T extends { labels: Labels }>(items: readonly T[]): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) {
    const key = labelsKey(item.labels);
    assert.ok(!map.has(key), `label set ${key} twice`);
    map.set(key, item);
  }
  return map;
}

function keys(labelSets: readonly Labels[]): string[] {
  return labelSets.map(labelsKey).sort();
}

export function metricsSourceContract(
  name: string,
  start: (data: ContractData) => Promise<MetricsSourceFixture>,
  options: MetricsSourceContractOptions = {},
): void {
  describe(`MetricsSource contract: ${name}`, { timeout: options.timeoutMs ?? 30_000 }, () => {
    const data = contractData();
    const { startMs, endMs } = data;
    /** Whole seconds, never a sample time. */
    const mid = startMs + 10 * MIN;
    const late = startMs + 45 * MIN;
    let fixture: MetricsSourceFixture | undefined;
    let source: MetricsSource;

    before(async () => {
      fixture = await start(data);
      source = fixture.source;
    });
    after(async () => {
      await fixture?.close?.();
    });

    describe("instant", () => {
      it("answers an empty vector when nothing matches", async () => {
        assert.deepEqual(await source.instant("contract_absent", new Date(mid)), {
          type: "vector",
          samples: [],
        });
        assert.deepEqual(vector(await source.instant('contract_gauge{job="none"}', new Date(mid))), []);
      });

      it("answers each matching series' full label set, its newest sample, stamped with the query time", async () => {
        const samples = byLabels(vector(await source.instant('contract_gauge{job="api"}', new Date(mid))));
        const want = data.series.filter(
          (s) => s.labels.job === "api" && s.labels.__name__ === "contract_gauge",
        );
        assert.deepEqual([...samples.keys()].sort(), keys(want.map((s) => s.labels)));
        for (const s of want) {
          const got = samples.get(labelsKey(s.labels));
          assert.equal(got?.value, sampleAt(data, s.labels, mid));
          assert.equal(got?.timestamp, mid, "the evaluation time, not the sample's");
        }
      });

      it("looks back 5 minutes: a series that stopped longer ago is gone", async () => {
        const at = startMs + 30 * MIN; // instance b stopped at 20 minutes
        const samples = vector(await source.instant('contract_gauge{job="api"}', new Date(at)));
        assert.deepEqual(
          samples.map((s) => s.labels.instance),
          ["a"],
        );
        const justAfter = startMs + 22 * MIN;
        const b = { __name__: "contract_gauge", job: "api", instance: "b" };
        const within = byLabels(vector(await source.instant("contract_gauge", new Date(justAfter))));
        assert.equal(within.get(labelsKey(b))?.value, sampleAt(data, b, justAfter));
      });

      it("drops the metric name in functions and aggregations, keeping the grouping labels", async () => {
        const summed = vector(await source.instant("sum by (job) (contract_gauge)", new Date(late)));
        assert.deepEqual(keys(summed.map((s) => s.labels)), keys([{ job: "api" }, { job: "web" }]));
        const web = { __name__: "contract_gauge", job: "web", instance: "a" };
        assert.equal(summed.find((s) => s.labels.job === "web")?.value, sampleAt(data, web, late));
        const rates = vector(await source.instant("rate(contract_requests_total[5m])", new Date(late)));
        assert.equal(rates.length, 1);
        assert.deepEqual(rates[0]?.labels, { job: "api" });
        assert.ok(Math.abs((rates[0]?.value ?? 0) - 0.2) < 1e-9, `rate ${rates[0]?.value}`);
      });

      it("answers a scalar expression as a scalar stamped with the query time", async () => {
        assert.deepEqual(await source.instant("2 * 3", new Date(mid)), {
          type: "scalar",
          sample: { labels: {}, value: 6, timestamp: mid },
        });
        const result = await source.instant('scalar(contract_gauge{job="web"})', new Date(late));
        assert.equal(result.type, "scalar");
        if (result.type === "scalar")
          assert.equal(
            result.sample.value,
            sampleAt(data, { __name__: "contract_gauge", job: "web", instance: "a" }, late),
          );
      });

      it("passes NaN and ±Inf through as numbers", async () => {
        const nan = vector(await source.instant("vector(0) / 0", new Date(mid)));
        assert.equal(nan.length, 1);
        assert.ok(Number.isNaN(nan[0]?.value), `NaN, got ${nan[0]?.value}`);
        const inf = vector(await source.instant("vector(1) / 0", new Date(mid)));
        assert.equal(inf[0]?.value, Number.POSITIVE_INFINITY);
        const negInf = vector(await source.instant("vector(-1) / 0", new Date(mid)));
        assert.equal(negInf[0]?.value, Number.NEGATIVE_INFINITY);
      });

      it("evaluates at the source's now when no time is given", async () => {
        const before = Date.now();
        const samples = vector(await source.instant("vector(1)"));
        const after = Date.now();
        assert.equal(samples.length, 1);
        const t = samples[0]?.timestamp ?? 0;
        assert.ok(t >= before - 1000 && t <= after + 1000, `now ${t} not within [${before}, ${after}]`);
        // The data ended more than 5 minutes ago.
        assert.deepEqual(vector(await source.instant("contract_gauge")), []);
      });

      it("refuses bad PromQL with a query error", async () => {
        await rejectsWithKind(source.instant("sum(", new Date(mid)), "query", "parse error");
        await rejectsWithKind(source.instant("rate(contract_gauge)", new Date(mid)), "query", "type error");
        await rejectsWithKind(source.instant('{job=~".*"}', new Date(mid)), "query", "empty matcher");
      });

      it("refuses a range-vector result with a MetricsSourceError", async () => {
        await assert.rejects(source.instant("contract_gauge[5m]", new Date(mid)), MetricsSourceError);
      });
    });

    describe("range", () => {
      // Not a multiple of the step: points are start + k · step, not aligned to the step.
      const from = startMs + 5 * MIN + 30 * SEC;
      const to = startMs + 35 * MIN + 30 * SEC;
      const step = 60;

      it("answers points at start + k·step up to end, ascending, per full label set", async () => {
        const series = byLabels(
          await source.range('contract_gauge{instance="a"}', new Date(from), new Date(to), step),
        );
        const want = data.series.filter(
          (s) => s.labels.__name__ === "contract_gauge" && s.labels.instance === "a",
        );
        assert.deepEqual([...series.keys()].sort(), keys(want.map((s) => s.labels)));
        for (const s of want) {
          const points = series.get(labelsKey(s.labels))?.points ?? [];
          const expected: [number, number][] = [];
          for (let t = from; t <= to; t += step * SEC)
            expected.push([t, sampleAt(data, s.labels, t) as number]);
          assert.deepEqual(points, expected);
        }
      });

      it("leaves out the steps where a series has no value (no NaN, no zero)", async () => {
        const b = { __name__: "contract_gauge", job: "api", instance: "b" };
        const series = await source.range('contract_gauge{instance="b"}', new Date(from), new Date(to), step);
        assert.equal(series.length, 1);
        const points = series[0]?.points ?? [];
        const expected: [number, number][] = [];
        for (let t = from; t <= to; t += step * SEC) {
          const v = sampleAt(data, b, t);
          if (v !== undefined) expected.push([t, v]);
        }
        assert.ok(expected.length > 0 && expected.length < 31, "the fixture has a gap in range");
        assert.deepEqual(points, expected);
      });

      it("answers [] when nothing matches, and one point when start = end", async () => {
        assert.deepEqual(await source.range("contract_absent", new Date(from), new Date(to), step), []);
        const one = await source.range("sum(contract_gauge)", new Date(mid), new Date(mid), step);
        assert.equal(one.length, 1);
        assert.deepEqual(one[0]?.labels, {});
        assert.equal(one[0]?.points.length, 1);
        assert.equal(one[0]?.points[0]?.[0], mid);
      });

      it("answers a scalar expression as one series without labels", async () => {
        const series = await source.range("1 + 1", new Date(from), new Date(from + 2 * MIN), step);
        assert.deepEqual(series, [
          {
            labels: {},
            points: [
              [from, 2],
              [from + MIN, 2],
              [from + 2 * MIN, 2],
            ],
          },
        ] satisfies RangeSeries[]);
      });

      it("refuses bad PromQL, a step that is not positive, end before start and too many points", async () => {
        const [a, b] = [new Date(from), new Date(to)];
        await rejectsWithKind(source.range("sum(", a, b, step), "query", "parse error");
        await rejectsWithKind(source.range("contract_gauge", a, b, 0), "query", "zero step");
        await rejectsWithKind(source.range("contract_gauge", a, b, -60), "query", "negative step");
        await rejectsWithKind(source.range("contract_gauge", b, a, step), "query", "end before start");
        await rejectsWithKind(
          source.range("contract_gauge", new Date(from - 12_000 * SEC), b, 1),
          "query",
          "more than 11,000 points",
        );
      });
    });

    describe("series", () => {
      it("answers the label sets of the matching series with samples in the window", async () => {
        const all = await source.series(["contract_gauge"], new Date(startMs), new Date(endMs));
        assert.deepEqual(
          keys(all),
          keys(data.series.filter((s) => s.labels.__name__ === "contract_gauge").map((s) => s.labels)),
        );
        const early = await source.series(
          ["contract_late", 'contract_gauge{job="api"}'],
          new Date(startMs),
          new Date(startMs + 30 * MIN),
        );
        assert.deepEqual(
          keys(early),
          keys([
            { __name__: "contract_gauge", job: "api", instance: "a" },
            { __name__: "contract_gauge", job: "api", instance: "b" },
          ]),
          "contract_late has no sample before 40 minutes",
        );
      });

      it("answers the union of several selectors, each series once", async () => {
        const found = await source.series(
          ['contract_gauge{job="web"}', '{__name__="contract_gauge", instance="a"}', "contract_late"],
          new Date(startMs),
          new Date(endMs),
        );
        assert.deepEqual(
          keys(found),
          keys([
            { __name__: "contract_gauge", job: "api", instance: "a" },
            { __name__: "contract_gauge", job: "web", instance: "a" },
            { __name__: "contract_late", job: "batch" },
          ]),
        );
      });

      it("answers [] when nothing matches", async () => {
        assert.deepEqual(await source.series(["contract_absent"], new Date(startMs), new Date(endMs)), []);
      });

      it("refuses what is not a series selector, and no selector at all, with a query error", async () => {
        const [a, b] = [new Date(startMs), new Date(endMs)];
        await rejectsWithKind(source.series(["sum(contract_gauge)"], a, b), "query", "an expression");
        await rejectsWithKind(source.series(["contract_gauge{"], a, b), "query", "a parse error");
        await rejectsWithKind(source.series(['{job=~".*"}'], a, b), "query", "an empty matcher");
        await rejectsWithKind(source.series([], a, b), "query", "no match[]");
      });
    });

    describe("cancellation", () => {
      it("rejects a call whose signal is already aborted with a timeout error", async () => {
        const controller = new AbortController();
        controller.abort(new Error("caller gone"));
        const options = { signal: controller.signal };
        const [a, b] = [new Date(startMs), new Date(endMs)];
        await rejectsWithKind(source.instant("contract_gauge", new Date(mid), options), "timeout", "instant");
        await rejectsWithKind(source.range("contract_gauge", a, b, 60, options), "timeout", "range");
        await rejectsWithKind(source.series(["contract_gauge"], a, b, options), "timeout", "series");
      });
    });
  });
}
