/**
 * End to end against a real single-node VictoriaMetrics (Debian's victoria-metrics 1.79) instead of
 * Prometheus: `foresight serve` discovers series through VictoriaMetrics' /api/v1/series, answers
 * custom and external metrics from its instant queries, and trains a forecast on four days of
 * history read with range queries. Skipped where the binary is not installed.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import { prometheusSchema } from "../../src/config/schema.js";
import { type KubeFacade, startKubeFacade } from "../../src/demo/kube/index.js";
import { HistoryCache } from "../../src/forecast/history.js";
import { milliValue } from "../../src/k8s/quantity.js";
import { decorateSource } from "../../src/metrics/decorate.js";
import { PrometheusSource } from "../../src/metrics/prometheusSource.js";
import { startAdapter, type TestAdapter } from "../harness/adapter.js";
import { eventually } from "../harness/eventually.js";
import {
  type ImportSeries,
  startVictoriaMetrics,
  type TestVictoriaMetrics,
  victoriaMetricsMissing,
} from "../harness/victoriaMetrics.js";

const C2 = "/apis/custom.metrics.k8s.io/v1beta2";
const E1 = "/apis/external.metrics.k8s.io/v1beta1";
const DAY_MS = 86_400_000;
const skip = victoriaMetricsMissing();

/** The demand the forecast learns: a daily sine around 100. */
const demand = (t: number) => 100 + 50 * Math.sin((2 * Math.PI * (t % DAY_MS)) / DAY_MS);

/** Samples every `everyMs` over the `spanMs` before `endMs`. */
function samples(endMs: number, spanMs: number, everyMs: number, value: (t: number) => number) {
  const out: [number, number][] = [];
  for (let t = endMs - spanMs; t <= endMs; t += everyMs) out.push([t, value(t)]);
  return out;
}

const quantity = (text: string) => Number(milliValue(text)) / 1000;

describe("foresight serve against a real VictoriaMetrics", { timeout: 120_000, skip }, () => {
  let dir: string;
  let vm: TestVictoriaMetrics;
  let kube: KubeFacade;
  let adapter: TestAdapter;
  let historyEnd: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "foresight-vm-it-"));
    vm = await startVictoriaMetrics();
    const now = Date.now();
    historyEnd = Math.floor((now - 60_000) / 60_000) * 60_000;
    const recent = (labels: ImportSeries["labels"], value: number): ImportSeries => ({
      labels,
      samples: samples(now - 1_000, 10 * 60_000, 15_000, () => value),
    });
    await vm.importSeries([
      recent({ __name__: "app_load", namespace: "ml", pod: "web-0" }, 3),
      recent({ __name__: "app_load", namespace: "ml", pod: "web-1" }, 5),
      recent({ __name__: "queue_depth", namespace: "ml", queue: "orders" }, 42),
      recent({ __name__: "queue_depth", namespace: "ml", queue: "billing" }, 5),
      {
        labels: { __name__: "demand_rps", app: "web" },
        samples: samples(historyEnd, 4 * DAY_MS, 60_000, demand),
      },
    ]);
    await vm.waitForSeries("app_load", 2);

    kube = await startKubeFacade();
    kube.store.addNamespace("ml");
    kube.store.addPod({ namespace: "ml", name: "web-0", labels: { app: "web" } });
    kube.store.addPod({ namespace: "ml", name: "web-1", labels: { app: "web" } });
    const kubeconfig = join(dir, "cluster.kubeconfig");
    kube.kubeconfig(kubeconfig);
    const configPath = join(dir, "foresight.yaml");
    writeFileSync(
      configPath,
      stringify({
        adapter: { relistInterval: "5m", rediscoveryInterval: "1s", cacheTTL: "1s" },
        prometheus: { timeout: "10s" },
        rules: [
          {
            seriesQuery: 'app_load{namespace!="",pod!=""}',
            resources: { template: "<<.Resource>>" },
            metricsQuery: "sum by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>})",
          },
        ],
        externalRules: [
          {
            seriesQuery: 'queue_depth{namespace!=""}',
            resources: { overrides: { namespace: { resource: "namespace" } } },
            metricsQuery: "sum by (queue) (<<.Series>>{<<.LabelMatchers>>})",
          },
        ],
        forecast: {
          maxTrainSeconds: 50,
          targets: [
            {
              name: "web",
              query: "sum(demand_rps)",
              step: "5m",
              history: "4d",
              horizon: "1h",
              models: ["naive", "seasonal_naive", "holt_winters"],
            },
          ],
        },
      }),
    );
    adapter = await startAdapter({ configPath, prometheusUrl: vm.url, kubeconfig });
  });

  after(async () => {
    await adapter?.stop();
    await vm?.close();
    await kube?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("discovers the series and serves a pod's custom metric from VictoriaMetrics", async () => {
    const body = await eventually(
      "pods/app_load",
      async () => {
        const res = await adapter.get(`${C2}/namespaces/ml/pods/*/app_load`);
        return res.status === 200 ? res.body : undefined;
      },
      { timeoutMs: 30_000, everyMs: 250, retryErrors: true },
    );
    const items = (body as { items: { describedObject: { name: string }; value: string }[] }).items;
    assert.deepEqual(items.map((i) => [i.describedObject.name, quantity(i.value)]).sort(), [
      ["web-0", 3],
      ["web-1", 5],
    ]);
  });

  it("serves an external metric from VictoriaMetrics", async () => {
    const res = await adapter.get(`${E1}/namespaces/ml/queue_depth`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const items = (res.body as { items: { metricLabels: Record<string, string>; value: string }[] }).items;
    assert.deepEqual(items.map((i) => [i.metricLabels.queue, quantity(i.value)]).sort(), [
      ["billing", 5],
      ["orders", 42],
    ]);
  });

  it("trains the forecast on four days of history read from VictoriaMetrics and serves it", async () => {
    const path = `${E1}/namespaces/default/foresight_forecast?labelSelector=${encodeURIComponent("target=web,quantile=0.9")}`;
    const body = await eventually(
      "foresight_forecast",
      async () => {
        const res = await adapter.get(path);
        return res.status === 200 ? res.body : undefined;
      },
      { timeoutMs: 60_000, everyMs: 500, retryErrors: true },
    );
    const value = quantity((body as { items: { value: string }[] }).items[0]?.value ?? "NaN");
    // The p90 of the next hour's peak of a 50..150 sine: inside the pattern's range, not a made-up 0.
    assert.ok(value > 40 && value < 200, `served ${value}`);
    const metrics = await (await fetch(`${adapter.httpUrl}/metrics`)).text();
    assert.match(metrics, /foresight_forecast_last_error\{target="web"\} 0/);
  });

  it("reads the whole history through range queries split to prometheus.maxPointsPerQuery, stitched without gaps", async () => {
    // The forecaster's own history reader over the source serve builds, with a points limit of 500.
    const splits: string[] = [];
    const source = decorateSource(
      new PrometheusSource({ config: prometheusSchema.parse({ url: vm.url }) }),
      prometheusSchema.parse({ maxPointsPerQuery: 500 }),
      { onSplit: (reason) => splits.push(reason) },
    );
    const history = new HistoryCache({ source, clock: { now: () => historyEnd + 60_000 } });
    const got = await history.fetch({
      name: "web",
      query: "sum(demand_rps)",
      stepSeconds: 300,
      historyMs: 4 * DAY_MS,
    });
    // 4 days of 5-minute steps, less the newest (unfinished) one; each the mean of the step's samples.
    assert.ok(got.steps.length >= 4 * 288 - 2, `${got.steps.length} steps`);
    assert.ok(splits.length >= 10, `${splits.length} more queries`);
    const starts = got.steps.map(([t]) => t);
    assert.deepEqual(
      starts,
      [...new Set(starts)].sort((a, b) => a - b),
      "each step once, in order",
    );
    for (const [t, v] of got.steps)
      assert.ok(Math.abs(v - demand(t + 150_000)) < 2, `step ${t}: ${v} vs ${demand(t)}`);
  });
});
