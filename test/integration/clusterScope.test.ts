/**
 * Against a real Prometheus 2.42: `prometheus.clusterMatchers` with one store holding two
 * clusters' series (every consumer reads only its own cluster's: discovery, custom and external
 * metrics, range queries, subqueries and both sides of binary operators), a bad matcher refused at
 * load with its line; and partial answers (a remote-read endpoint that does not answer makes every
 * answer partial, with a warning): the metrics APIs refuse them (503) unless
 * `adapter.partialResponse: warn`, the forecaster's history read refuses them, and both are counted.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { loadAndCompile } from "../../src/cli/loadRules.js";
import { ConfigError } from "../../src/config/errors.js";
import { prometheusSchema } from "../../src/config/schema.js";
import { type KubeFacade, startKubeFacade } from "../../src/demo/kube/index.js";
import { HistoryCache } from "../../src/forecast/history.js";
import { milliValue } from "../../src/k8s/quantity.js";
import { StaticResourceCatalog } from "../../src/k8s/resourceCatalog.js";
import { decorateSource } from "../../src/metrics/decorate.js";
import { PrometheusSource } from "../../src/metrics/prometheusSource.js";
import { MetricsSourceError } from "../../src/metrics/source.js";
import { startAdapter, type TestAdapter } from "../harness/adapter.js";
import { backfill, openMetricsSeries } from "../harness/backfill.js";
import { eventually } from "../harness/eventually.js";
import { freePort } from "../harness/ports.js";
import { startPrometheus, type TestPrometheus } from "../harness/prometheus.js";

const C2 = "/apis/custom.metrics.k8s.io/v1beta2";
const E1 = "/apis/external.metrics.k8s.io/v1beta1";
const HOUR_MS = 3_600_000;
const quantity = (text: string) => Number(milliValue(text)) / 1000;

/** The same workloads in two clusters, with values 10× apart; one metric only prod-us has. */
type Series = { labels: Record<string, string>; samples: [number, number][] };

function twoClusters(endMs: number): Series[] {
  const every15s = (spanMs: number, value: (t: number) => number) => {
    const out: [number, number][] = [];
    for (let t = endMs - spanMs; t <= endMs; t += 15_000) out.push([t, value(t)]);
    return out;
  };
  return ["prod-eu", "prod-us"].flatMap((cluster, i): Series[] => {
    const k = i === 0 ? 1 : 10;
    return [
      {
        labels: { __name__: "app_load", cluster, namespace: "ml", pod: "web-0" },
        samples: every15s(HOUR_MS, () => 3 * k),
      },
      {
        labels: { __name__: "queue_depth", cluster, namespace: "ml", queue: "orders" },
        samples: every15s(HOUR_MS, () => 4 * k),
      },
      {
        labels: { __name__: "demand_rps", cluster },
        samples: every15s(6 * HOUR_MS, (t) => k * (1 + (t % 7))),
      },
      ...(cluster === "prod-us"
        ? [
            {
              labels: { __name__: "us_only", cluster, namespace: "ml", pod: "web-0" },
              samples: every15s(HOUR_MS, () => 1),
            },
          ]
        : []),
    ];
  });
}

const RULES = {
  rules: [
    {
      seriesQuery: '{__name__=~"app_load|us_only",namespace!="",pod!=""}',
      resources: { template: "<<.Resource>>" },
      metricsQuery: "sum by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>})",
    },
  ],
  externalRules: [
    {
      seriesQuery: 'queue_depth{namespace!=""}',
      resources: { overrides: { namespace: { resource: "namespace" } } },
      // Both sides of a binary operator, and a subquery: each selector must be scoped.
      metricsQuery:
        "sum by (queue) (<<.Series>>{<<.LabelMatchers>>}) + 0 * sum by (queue) (max_over_time(<<.Series>>{<<.LabelMatchers>>}[10m:1m]))",
    },
  ],
};

describe("prometheus.clusterMatchers and partial answers against a real Prometheus", {
  timeout: 120_000,
}, () => {
  let dir: string;
  let prom: TestPrometheus;
  let partialProm: TestPrometheus;
  let kube: KubeFacade;
  let kubeconfig: string;
  let endMs: number;
  const adapters: TestAdapter[] = [];

  const start = async (name: string, prometheusUrl: string, config: Record<string, unknown>) => {
    const configPath = join(dir, `${name}.yaml`);
    writeFileSync(
      configPath,
      stringify({ adapter: { relistInterval: "5m", cacheTTL: "0s" }, ...RULES, ...config }),
    );
    const adapter = await startAdapter({ configPath, prometheusUrl, kubeconfig });
    adapters.push(adapter);
    return adapter;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "foresight-cluster-it-"));
    endMs = Math.floor((Date.now() - 20_000) / 1000) * 1000;
    const text = openMetricsSeries(twoClusters(endMs));
    prom = await startPrometheus({ scrapeTargets: [] });
    partialProm = await startPrometheus({ scrapeTargets: [] });
    await backfill(prom, text);
    await backfill(partialProm, text);
    await prom.waitForSeries("app_load", 2);
    kube = await startKubeFacade();
    kube.store.addNamespace("ml");
    kube.store.addPod({ namespace: "ml", name: "web-0", labels: { app: "web" } });
    kubeconfig = join(dir, "cluster.kubeconfig");
    kube.kubeconfig(kubeconfig);
  });

  after(async () => {
    for (const a of adapters) await a.stop();
    await prom?.close();
    await partialProm?.close();
    await kube?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe("clusterMatchers", () => {
    let adapter: TestAdapter;
    before(async () => {
      adapter = await start("scoped", prom.url, { prometheus: { clusterMatchers: ['cluster="prod-eu"'] } });
    });

    it("discovers only this cluster's series", async () => {
      const names = await eventually(
        "discovery",
        async () => {
          const res = await adapter.get(C2);
          const list = (res.body as { resources?: { name: string }[] }).resources?.map((r) => r.name);
          return list?.includes("pods/app_load") ? list : undefined;
        },
        { timeoutMs: 30_000, everyMs: 250, retryErrors: true },
      );
      assert.ok(!names.includes("pods/us_only"), `prod-us's metric discovered: ${names}`);
    });

    it("serves custom and external metrics from this cluster's series only", async () => {
      const custom = await adapter.get(`${C2}/namespaces/ml/pods/web-0/app_load`);
      assert.equal(custom.status, 200, JSON.stringify(custom.body));
      assert.equal(quantity((custom.body as { items: { value: string }[] }).items[0]?.value ?? ""), 3);
      const external = await adapter.get(`${E1}/namespaces/ml/queue_depth`);
      assert.equal(external.status, 200, JSON.stringify(external.body));
      const items = (external.body as { items: { metricLabels: Record<string, string>; value: string }[] })
        .items;
      assert.deepEqual(
        items.map((i) => [i.metricLabels.queue, quantity(i.value)]),
        [["orders", 4]],
      );
    });

    it("scopes range queries (the forecaster's history) and every selector of a query", async () => {
      const config = prometheusSchema.parse({ url: prom.url, clusterMatchers: ['cluster="prod-eu"'] });
      const source = decorateSource(new PrometheusSource({ config }), config);
      const history = new HistoryCache({ source, clock: { now: () => endMs } });
      const got = await history.fetch({
        name: "d",
        query: "sum(demand_rps)",
        stepSeconds: 300,
        historyMs: 5 * HOUR_MS,
      });
      assert.ok(got.steps.length > 50);
      // prod-eu's demand is 1..7, prod-us' ten times that: a mean over 7 means the other cluster leaked in.
      for (const [, v] of got.steps) assert.ok(v >= 1 && v <= 7, `step mean ${v}`);
      const at = new Date(endMs);
      const both = await source.instant(
        'count(app_load) + count(max_over_time(queue_depth[10m:1m]) unless on() vector(0) == 1) * 10 + count({__name__="app_load"} offset 1m) * 100',
        at,
      );
      assert.deepEqual(both.type === "vector" && both.samples.map((s) => s.value), [111]);
      const unscoped = new PrometheusSource({ config: prometheusSchema.parse({ url: prom.url }) });
      const all = await unscoped.instant("count(app_load)", at);
      assert.deepEqual(
        all.type === "vector" && all.samples.map((s) => s.value),
        [2],
        "the store holds both clusters",
      );
      const labels = await source.series(["app_load", "us_only"], new Date(endMs - HOUR_MS), at);
      assert.deepEqual(
        labels.map((l) => l.cluster),
        ["prod-eu"],
      );
    });

    it("refuses a malformed matcher at load, naming the field and its line", async () => {
      const path = join(dir, "bad.yaml");
      writeFileSync(
        path,
        'prometheus:\n  clusterMatchers:\n    - cluster="prod-eu"\n    - cluster=prod-us\n',
      );
      await assert.rejects(loadAndCompile(path, new StaticResourceCatalog()), (err: unknown) => {
        assert.ok(err instanceof ConfigError, String(err));
        assert.match(
          err.message,
          /bad\.yaml:4:7: prometheus\.clusterMatchers\[1\]: "cluster=prod-us" is not one label matcher such as cluster="prod-eu"/,
        );
        assert.equal(err.problems.length, 1);
        return true;
      });
    });
  });

  describe("partial answers", () => {
    it("answers 503 by default, counts the partial answer and logs it once", async () => {
      const adapter = await start("abort", partialProm.url, {});
      await eventually(
        "queue_depth served while the answers are whole",
        async () =>
          (await adapter.get(`${E1}/namespaces/ml/queue_depth`)).status === 200 ? true : undefined,
        { timeoutMs: 30_000, everyMs: 250, retryErrors: true },
      );
      // From now on nobody answers on the remote-read port: every answer is the local data and a warning.
      const config = parse(readFileSync(partialProm.configFile, "utf8")) as Record<string, unknown>;
      config.remote_read = [{ url: `http://127.0.0.1:${await freePort()}/api/v1/read`, read_recent: true }];
      writeFileSync(partialProm.configFile, stringify(config));
      await partialProm.stop();
      await partialProm.start();
      const res = await eventually(
        "a partial answer",
        async () => {
          const r = await adapter.get(`${E1}/namespaces/ml/queue_depth`);
          return r.status === 503 ? r : undefined;
        },
        { timeoutMs: 30_000, everyMs: 250, retryErrors: true },
      );
      assert.match(
        (res.body as { message: string }).message,
        /partial data .*adapter\.partialResponse: abort/,
      );
      const metrics = await (await fetch(`${adapter.httpUrl}/metrics`)).text();
      assert.match(
        metrics,
        /foresight_prometheus_query_warnings_total\{endpoint="query",kind="partial"\} [1-9]/,
      );
      assert.match(
        metrics,
        /foresight_prometheus_query_errors_total\{endpoint="query",kind="partial"\} [1-9]/,
      );
      await adapter.get(`${E1}/namespaces/ml/queue_depth`);
      await adapter.waitForLog(/remote_read: error sending request/);
      const logged = adapter.logs().match(/partial result \(data missing\): refused/g) ?? [];
      assert.equal(logged.length, 1, "once per query");
    });

    it("serves the partial value with adapter.partialResponse: warn", async () => {
      const adapter = await start("warn", partialProm.url, {
        adapter: { relistInterval: "5m", cacheTTL: "0s", partialResponse: "warn" },
      });
      const res = await eventually(
        "queue_depth served",
        async () => {
          const r = await adapter.get(`${E1}/namespaces/ml/queue_depth`);
          return r.status === 200 ? r : undefined;
        },
        { timeoutMs: 30_000, everyMs: 250, retryErrors: true },
      );
      const items = (res.body as { items: { value: string }[] }).items;
      // Unscoped, both clusters' orders queue: 4 + 40.
      assert.deepEqual(
        items.map((i) => quantity(i.value)),
        [44],
      );
      await adapter.waitForLog(/partial result \(data missing\), served as such/);
    });

    it("never trains on a partial history: the forecaster's read fails with kind partial", async () => {
      const config = prometheusSchema.parse({ url: partialProm.url });
      const source = decorateSource(new PrometheusSource({ config }), config);
      const history = new HistoryCache({ source, clock: { now: () => endMs } });
      await assert.rejects(
        history.fetch({ name: "d", query: "sum(demand_rps)", stepSeconds: 300, historyMs: 5 * HOUR_MS }),
        (err: unknown) =>
          err instanceof MetricsSourceError && err.kind === "partial" && /remote_read/.test(err.message),
      );
    });
  });
});
