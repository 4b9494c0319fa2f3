/**
 * Server limits against the real servers, started with low limits: Prometheus 2.42 with
 * --query.max-samples and its fixed 11,000 points per series, VictoriaMetrics 1.79 with
 * -search.maxPointsPerTimeseries, -search.maxSamplesPerQuery and -search.maxUniqueTimeseries. A
 * refused query fails with an error naming the limit (MetricsSourceError.limit, and the metrics
 * API's Status message); a range refused for samples or points is split until it fits, and the
 * stitched answer is the one the server gives without the limit.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import { prometheusSchema } from "../../src/config/schema.js";
import { decorateSource } from "../../src/metrics/decorate.js";
import { PrometheusSource } from "../../src/metrics/prometheusSource.js";
import { type MetricsSource, MetricsSourceError, type RangeSeries } from "../../src/metrics/source.js";
import { startAdapter } from "../harness/adapter.js";
import { backfill, openMetricsSeries } from "../harness/backfill.js";
import { startPrometheus, type TestPrometheus } from "../harness/prometheus.js";
import {
  startVictoriaMetrics,
  type TestVictoriaMetrics,
  victoriaMetricsMissing,
} from "../harness/victoriaMetrics.js";

const HOUR_MS = 3_600_000;
const E1 = "/apis/external.metrics.k8s.io/v1beta1";

/** One day of 15-second samples of `load`, ending a minute ago; five `queue` series beside it. */
function data(endMs: number) {
  const load: [number, number][] = [];
  for (let t = endMs - 24 * HOUR_MS; t <= endMs; t += 15_000) load.push([t, (t / 15_000) % 100]);
  return [
    { labels: { __name__: "load", app: "web" }, samples: load },
    ...["a", "b", "c", "d", "e"].map((q) => ({
      labels: { __name__: "queue", namespace: "ml", queue: q },
      samples: load.slice(-40).map(([t]) => [t, 1] as [number, number]),
    })),
  ];
}

interface Setup {
  readonly url: string;
  readonly endMs: number;
}

function client(
  url: string,
  extra: Record<string, unknown> = {},
): { source: MetricsSource; splits: string[] } {
  const splits: string[] = [];
  const config = prometheusSchema.parse({ url, timeout: "10s", ...extra });
  const source = decorateSource(new PrometheusSource({ config }), config, {
    onSplit: (reason) => splits.push(reason),
  });
  return { source, splits };
}

async function rejectsWithLimit(call: Promise<unknown>, limit: string, text: RegExp): Promise<void> {
  await assert.rejects(call, (err: unknown) => {
    assert.ok(err instanceof MetricsSourceError, String(err));
    assert.equal(err.kind, "query", err.message);
    assert.equal(err.limit, limit, err.message);
    assert.match(err.message, text);
    return true;
  });
}

/** The range's points, every one; the answers compared must be the same, point for point. */
function points(series: readonly RangeSeries[]): string {
  return JSON.stringify(series.map((s) => [s.labels, s.points]));
}

describe("Prometheus' limits: --query.max-samples and 11,000 points per series", { timeout: 90_000 }, () => {
  let prom: TestPrometheus;
  let unlimited: TestPrometheus;
  let setup: Setup;

  before(async () => {
    const endMs = Math.floor((Date.now() - 60_000) / 1000) * 1000;
    const text = openMetricsSeries(data(endMs));
    prom = await startPrometheus({ scrapeTargets: [], extraArgs: ["--query.max-samples=1000"] });
    unlimited = await startPrometheus({ scrapeTargets: [] });
    await backfill(prom, text);
    await backfill(unlimited, text);
    await prom.waitForSeries("load", 1);
    await unlimited.waitForSeries("load", 1);
    setup = { url: prom.url, endMs };
  });

  after(async () => {
    await prom?.close();
    await unlimited?.close();
  });

  it("names --query.max-samples when an instant query loads too many samples", async () => {
    const { source } = client(setup.url);
    await rejectsWithLimit(
      source.instant("count_over_time(load[6h])", new Date(setup.endMs)),
      "samples",
      /limit of samples per query \(Prometheus --query.max-samples.*query processing would load too many samples/,
    );
  });

  it("splits a range refused for --query.max-samples until it fits, with the unlimited server's answer", async () => {
    const [from, to] = [new Date(setup.endMs - 20 * HOUR_MS), new Date(setup.endMs)];
    const { source, splits } = client(setup.url);
    const got = await source.range("load", from, to, 60);
    const want = await client(unlimited.url).source.range("load", from, to, 60);
    assert.equal(want[0]?.points.length, 1201);
    assert.equal(points(got), points(want));
    assert.ok(splits.length >= 1 && splits.every((r) => r === "limit"), String(splits));
  });

  it("splits a range over the 11,000 points Prometheus allows (maxPointsPerQuery set too high)", async () => {
    const [from, to] = [new Date(setup.endMs - 4 * HOUR_MS), new Date(setup.endMs)];
    const tooHigh = client(unlimited.url, { maxPointsPerQuery: 20_000 });
    const got = await tooHigh.source.range("load", from, to, 1);
    assert.deepEqual(tooHigh.splits, ["limit", "limit"], "refused, then two halves");
    const byDefault = client(unlimited.url);
    assert.equal(points(got), points(await byDefault.source.range("load", from, to, 1)));
    assert.deepEqual(byDefault.splits, ["points"]);
    assert.equal(got[0]?.points.length, 4 * 3600 + 1);
  });
});

describe("VictoriaMetrics' limits", { timeout: 90_000, skip: victoriaMetricsMissing() }, () => {
  let vm: TestVictoriaMetrics;
  let vmSamples: TestVictoriaMetrics;
  let unlimited: TestVictoriaMetrics;
  let setup: Setup;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "foresight-limits-"));
    const endMs = Math.floor((Date.now() - 60_000) / 1000) * 1000;
    vm = await startVictoriaMetrics({
      extraArgs: ["-search.maxPointsPerTimeseries=500", "-search.maxUniqueTimeseries=3"],
    });
    vmSamples = await startVictoriaMetrics({ extraArgs: ["-search.maxSamplesPerQuery=3000"] });
    unlimited = await startVictoriaMetrics();
    for (const server of [vm, vmSamples, unlimited]) await server.importSeries(data(endMs));
    setup = { url: vm.url, endMs };
  });

  after(async () => {
    await vm?.close();
    await vmSamples?.close();
    await unlimited?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("names -search.maxSamplesPerQuery and -search.maxUniqueTimeseries", async () => {
    await rejectsWithLimit(
      client(vmSamples.url).source.instant("count_over_time(load[6h])", new Date(setup.endMs)),
      "samples",
      /limit of samples per query \(VictoriaMetrics -search.maxSamplesPerQuery.*cannot select more than -search.maxSamplesPerQuery=3000/,
    );
    await rejectsWithLimit(
      client(vm.url).source.instant("sum(queue)", new Date(setup.endMs)),
      "series",
      /limit of series per query \(VictoriaMetrics -search.maxUniqueTimeseries.*exceeds 3/,
    );
  });

  it("splits a range refused for -search.maxPointsPerTimeseries until it fits, with the unlimited server's answer", async () => {
    const [from, to] = [new Date(setup.endMs - 20 * HOUR_MS), new Date(setup.endMs)];
    const { source, splits } = client(setup.url);
    const got = await source.range('load{app="web"}', from, to, 60);
    const want = await client(unlimited.url).source.range('load{app="web"}', from, to, 60);
    assert.equal(want[0]?.points.length, 1201);
    assert.equal(points(got), points(want));
    // 1,201 points: refused, then 601 and 600 refused, then four chunks of 300 or 301: 6 more queries.
    assert.deepEqual(splits, Array(6).fill("limit"));
  });

  it("counts the samples of whole blocks: a range refused for -search.maxSamplesPerQuery stays refused when split", async () => {
    // The day of `load` is one block of 5,761 samples: any part of it loads them all.
    const { source, splits } = client(vmSamples.url);
    await rejectsWithLimit(
      source.range('load{app="web"}', new Date(setup.endMs - 20 * HOUR_MS), new Date(setup.endMs), 60),
      "samples",
      /-search.maxSamplesPerQuery=3000.*\(still refused with 19 points per series, after splitting the range 6 times\)$/,
    );
    assert.deepEqual(splits, Array(6).fill("limit"));
  });

  it("answers the metrics API with a Status naming the limit", async () => {
    const configPath = join(dir, "foresight.yaml");
    writeFileSync(
      configPath,
      stringify({
        adapter: { relistInterval: "5m", cacheTTL: "0s" },
        externalRules: [
          {
            seriesQuery: 'queue{namespace!=""}',
            resources: { overrides: { namespace: { resource: "namespace" } } },
            metricsQuery: "sum(<<.Series>>{<<.LabelMatchers>>})",
          },
        ],
      }),
    );
    const adapter = await startAdapter({ configPath, prometheusUrl: vm.url });
    try {
      const res = await adapter.get(`${E1}/namespaces/ml/queue`);
      assert.equal(res.status, 500, JSON.stringify(res.body));
      assert.match(
        (res.body as { message: string }).message,
        /the query of externalRules\[0\] is over the backend's limit of series per query/,
      );
      await adapter.waitForLog(/-search.maxUniqueTimeseries/);
    } finally {
      await adapter.stop();
    }
  });
});
