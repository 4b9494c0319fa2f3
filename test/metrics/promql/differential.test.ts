/**
 * Differential test of the embedded PromQL evaluator against a real Prometheus (Debian's 2.42):
 * the same samples are backfilled into Prometheus with promtool and held in an in-memory
 * SeriesQueryable; ~40 queries covering every supported construct are run as instant queries at
 * several times and as range queries through both, and must agree to 1e-9 relative.
 *
 * Sample timestamps are never on a whole second, so Prometheus 2.42's closed window boundaries
 * ([t − range, t], lookback [t − 5m, t]) and the evaluator's Prometheus-3 left-open ones never
 * disagree (docs/promql.md).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { evaluateInstant, evaluateRange } from "../../../src/metrics/promql/evaluate.js";
import type { SeriesQueryable } from "../../../src/metrics/promql/storage.js";
import type { Labels } from "../../../src/metrics/source.js";
import { type MemorySeries, memoryQueryable } from "../../doubles/memoryQueryable.js";
import { backfill } from "../../harness/backfill.js";
import { startPrometheus, type TestPrometheus } from "../../harness/prometheus.js";

const MIN = 60_000;
const SCRAPE_MS = 15_000;
const SPAN_MS = 180 * MIN;

/** The samples: counters with a reset and a late start, gauges with a gap, a classic histogram. */
function buildSeries(dataStart: number): MemorySeries[] {
  const n = SPAN_MS / SCRAPE_MS;
  // Never on a whole second: ms part is 37, 137, … 937.
  const at = (k: number) => dataStart + k * SCRAPE_MS + 2_037 + ((k * 7) % 10) * 100;
  const series: MemorySeries[] = [];
  const add = (labels: Labels, value: (k: number) => number | undefined) => {
    const samples: [number, number][] = [];
    for (let k = 0; k < n; k++) {
      const v = value(k);
      if (v !== undefined) samples.push([at(k), v]);
    }
    series.push({ labels, samples });
  };
  const counter = (step: (k: number) => number, resetAt?: number, from = 0, initial = 0) => {
    const values: number[] = [];
    let c = initial;
    for (let k = 0; k < n; k++) {
      c = k === resetAt ? 1.5 : c + step(k);
      values.push(c);
    }
    return (k: number) => (k < from ? undefined : values[k]);
  };
  add(
    { __name__: "req_total", job: "api", instance: "a" },
    counter((k) => 2 + 3 * Math.abs(Math.sin(k / 7)), 200),
  );
  add(
    { __name__: "req_total", job: "api", instance: "b" },
    counter((k) => 1 + (k % 5), undefined, 150, 500),
  );
  add(
    { __name__: "req_total", job: "web", instance: "a" },
    counter((k) => 0.5 * (k % 3) + 0.25, 500),
  );
  add({ __name__: "queue_depth", job: "api", instance: "a" }, (k) => 5 + 4 * Math.sin(k / 9));
  add({ __name__: "queue_depth", job: "api", instance: "b" }, (k) =>
    k >= 300 && k < 330 ? undefined : 3 + 2 * Math.cos(k / 5),
  );
  add({ __name__: "queue_depth", job: "web", instance: "a" }, (k) => 7 + (k % 4) + k / 1000);
  add({ __name__: "capacity", job: "api" }, (k) => 10 + (k % 3));
  add({ __name__: "capacity", job: "web" }, () => 20);
  for (const instance of ["a", "b"]) {
    const shift = instance === "a" ? 0 : 1;
    const per: Record<string, (k: number) => number> = {
      "0.1": (k) => 1 + ((k + shift) % 2),
      "0.5": (k) => 2 + ((k + shift) % 3),
      "1": () => 1,
      "+Inf": (k) => ((k + shift) % 4 === 0 ? 1 : 0),
    };
    let cumulative = (_k: number) => 0;
    for (const [le, inc] of Object.entries(per)) {
      const below = cumulative;
      const own = counter(inc);
      cumulative = (k) => below(k) + (own(k) as number);
      const bucket = cumulative;
      add({ __name__: "latency_seconds_bucket", job: "api", instance, le }, bucket);
    }
  }
  return series;
}

function openMetrics(series: readonly MemorySeries[]): string {
  const byName = new Map<string, MemorySeries[]>();
  for (const s of series) {
    const name = s.labels.__name__ as string;
    byName.set(name, [...(byName.get(name) ?? []), s]);
  }
  const lines: string[] = [];
  for (const [name, list] of byName) {
    lines.push(`# TYPE ${name} unknown`);
    for (const s of list) {
      const labels = Object.entries(s.labels)
        .filter(([k]) => k !== "__name__")
        .map(([k, v]) => `${k}="${v}"`)
        .join(",");
      for (const [t, v] of s.samples) lines.push(`${name}{${labels}} ${v} ${(t / 1000).toFixed(3)}`);
    }
  }
  lines.push("# EOF", "");
  return lines.join("\n");
}

/** The queries, each run as instant (at several times) and range query. `@T` is replaced by a time. */
const QUERIES = [
  "req_total",
  'queue_depth{job="api"}',
  'queue_depth{job!="api"}',
  'queue_depth{instance=~"a|b"}',
  'queue_depth{instance!~"b", job=~".+"}',
  '{__name__="queue_depth", instance="b"}',
  "rate(req_total[5m])",
  "irate(req_total[2m])",
  "increase(req_total[10m])",
  "delta(queue_depth[10m])",
  "rate(req_total[3m] offset 5m)",
  "avg_over_time(queue_depth[5m])",
  "min_over_time(queue_depth[7m])",
  "max_over_time(queue_depth[7m])",
  "sum_over_time(queue_depth[2m])",
  "count_over_time(queue_depth[10m])",
  "last_over_time(queue_depth[10m])",
  "quantile_over_time(0.9, queue_depth[10m])",
  "sum by (job) (rate(req_total[5m]))",
  "sum(rate(req_total[5m])) by (job)",
  "avg without (instance) (queue_depth)",
  "min by (job) (queue_depth)",
  "max(queue_depth)",
  "count by (job) (req_total)",
  "topk(2, queue_depth)",
  "bottomk(1, queue_depth) by (job)",
  "quantile by (job) (0.5, queue_depth)",
  "histogram_quantile(0.9, sum by (le) (rate(latency_seconds_bucket[5m])))",
  "histogram_quantile(0.5, rate(latency_seconds_bucket[5m]))",
  "histogram_quantile(0.99, latency_seconds_bucket)",
  "queue_depth * 2 + 1",
  "2 ^ queue_depth / 10 - 1",
  "queue_depth % 3",
  "1 - queue_depth",
  "-queue_depth",
  "-2 ^ 2 + 1 + 2 * 3 ^ 2 ^ 0.5",
  "queue_depth / on(job) group_left capacity",
  "capacity * on(job) group_right queue_depth",
  "rate(req_total[5m]) / ignoring(instance) group_left sum without (instance) (rate(req_total[5m]))",
  'queue_depth{instance="a"} - on(job) queue_depth{instance="b"}',
  'queue_depth{instance="a"} + ignoring(instance) queue_depth{instance="b"}',
  "queue_depth > 5",
  "queue_depth > bool 5",
  "5 < queue_depth",
  "queue_depth <= on(job, instance) queue_depth offset 1m",
  "queue_depth >= bool ignoring(instance) group_left capacity / 2",
  "1 == bool 1",
  "scalar(sum(queue_depth)) * 2",
  "vector(3) + 1",
  "abs(1 - queue_depth)",
  "clamp_min(queue_depth, 4)",
  "clamp_max(queue_depth, 4)",
  "clamp(queue_depth, 3, 6)",
  "sqrt(queue_depth) + ln(queue_depth) + floor(queue_depth) + ceil(queue_depth)",
  "time() - 1000",
  "queue_depth offset 10m",
  "queue_depth @ @T",
  "rate(req_total[5m] @ @T)",
  "queue_depth @ end()",
  "max_over_time(queue_depth[5m] offset 2m @ start())",
] as const;

type PromVector = { metric: Labels; value: [number, string] }[];
type PromMatrix = { metric: Labels; values: [number, string][] }[];

function key(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function close(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

function parseValue(text: string): number {
  return text === "+Inf"
    ? Number.POSITIVE_INFINITY
    : text === "-Inf"
      ? Number.NEGATIVE_INFINITY
      : Number(text);
}

async function promApi(prom: TestPrometheus, path: string, params: Record<string, string>): Promise<unknown> {
  const res = await fetch(`${prom.url}${path}?${new URLSearchParams(params)}`, {
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { status: string; data: { result: unknown }; error?: string };
  if (body.status !== "success") throw new Error(`Prometheus refused ${params.query}: ${body.error}`);
  return body.data.result;
}

describe("PromQL evaluator against Prometheus 2.42 on the same samples", { timeout: 60_000 }, () => {
  let prom: TestPrometheus;
  let queryable: SeriesQueryable;
  let dataStart: number;
  let rangeStart: number;
  let rangeEnd: number;
  let instants: number[];
  let atTime: number;

  before(async () => {
    // Whole minutes, so query times are whole seconds and never meet a sample timestamp.
    rangeEnd = Math.floor((Date.now() - 10 * MIN) / MIN) * MIN;
    dataStart = rangeEnd - SPAN_MS + 5 * MIN;
    rangeStart = dataStart + 15 * MIN;
    // In the middle, inside the gap of queue_depth{instance="b"} (> 5 m after its last sample), late.
    instants = [dataStart + 61 * MIN, dataStart + 81 * MIN + 30_000, dataStart + 140 * MIN, rangeEnd];
    atTime = dataStart + 100 * MIN;
    const series = buildSeries(dataStart);
    queryable = memoryQueryable(series);
    prom = await startPrometheus({ scrapeTargets: [] });
    await backfill(prom, openMetrics(series));
    // The data ends minutes ago, so wait with a query at its end (waitForSeries asks about now).
    const deadline = Date.now() + 20_000;
    for (;;) {
      const result = await promApi(prom, "/api/v1/query", {
        query: "queue_depth",
        time: String(rangeEnd / 1000),
      }).catch(() => []);
      if (Array.isArray(result) && result.length >= 3) break;
      if (Date.now() > deadline)
        throw new Error(`backfilled series not visible; stderr: ${prom.stderrTail()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  after(async () => {
    await prom?.close();
  });

  const expand = (q: string) => q.replaceAll("@T", String(atTime / 1000));

  it("agrees on instant queries", async () => {
    const failures: string[] = [];
    let compared = 0;
    for (const query of QUERIES.map(expand)) {
      for (const t of instants) {
        const theirs = (await promApi(prom, "/api/v1/query", { query, time: String(t / 1000) })) as
          | PromVector
          | [number, string];
        const ours = evaluateInstant(queryable, query, t);
        if (ours.type === "scalar") {
          const v = parseValue((theirs as [number, string])[1]);
          if (!close(ours.sample.value, v))
            failures.push(`${query} @${t}: scalar ${ours.sample.value} vs ${v}`);
          compared++;
          continue;
        }
        const want = new Map((theirs as PromVector).map((s) => [key(s.metric), parseValue(s.value[1])]));
        const got = new Map(ours.samples.map((s) => [key(s.labels), s.value]));
        const keys = new Set([...want.keys(), ...got.keys()]);
        for (const k of keys) {
          const w = want.get(k);
          const g = got.get(k);
          if (w === undefined || g === undefined || !close(g, w))
            failures.push(`${query} @${t} ${k}: ours ${g}, prometheus ${w}`);
          compared++;
        }
      }
    }
    assert.deepEqual(failures.slice(0, 30), [], `${failures.length} differences`);
    assert.ok(compared > 300, `compared only ${compared} values`);
  });

  it("agrees on range queries", async () => {
    const failures: string[] = [];
    let compared = 0;
    for (const query of QUERIES.map(expand)) {
      const theirs = (await promApi(prom, "/api/v1/query_range", {
        query,
        start: String(rangeStart / 1000),
        end: String(rangeEnd / 1000),
        step: "60",
      })) as PromMatrix;
      const ours = evaluateRange(queryable, query, rangeStart, rangeEnd, 60);
      if (ours.length === 0 || theirs.length === 0) failures.push(`${query}: an empty result`);
      const want = new Map(theirs.map((s) => [key(s.metric), s.values]));
      const got = new Map(ours.map((s) => [key(s.labels), s.points]));
      for (const k of new Set([...want.keys(), ...got.keys()])) {
        const w = want.get(k) ?? [];
        const g = got.get(k) ?? [];
        const wantByT = new Map(w.map(([t, v]) => [Math.round(t * 1000), parseValue(v)]));
        const gotByT = new Map(g.map(([t, v]) => [t, v]));
        for (const t of new Set([...wantByT.keys(), ...gotByT.keys()])) {
          const wv = wantByT.get(t);
          const gv = gotByT.get(t);
          if (wv === undefined || gv === undefined || !close(gv, wv)) {
            failures.push(`${query} ${k} @${t}: ours ${gv}, prometheus ${wv}`);
          }
          compared++;
        }
      }
    }
    assert.deepEqual(failures.slice(0, 30), [], `${failures.length} differences`);
    assert.ok(compared > 5_000, `compared only ${compared} points`);
  });
});
