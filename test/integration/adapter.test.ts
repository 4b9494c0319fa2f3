/**
 * End to end: a real Prometheus scrapes a test exporter (DCGM GPU series for known pods, latency
 * histograms, queue gauges); `foresight serve` runs as a child process against it and against the
 * simulated cluster's Kubernetes API; requests go over HTTPS, and through kubectl.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { type KubeFacade, startKubeFacade } from "../../src/demo/kube/index.js";
import { startAdapter, type TestAdapter } from "../harness/adapter.js";
import { eventually as poll } from "../harness/eventually.js";
import { startTestExporter, type TestExporter } from "../harness/exporter.js";
import { startPrometheus, type TestPrometheus } from "../harness/prometheus.js";

const run = promisify(execFile);
const C2 = "/apis/custom.metrics.k8s.io/v1beta2";
const C1 = "/apis/custom.metrics.k8s.io/v1beta1";
const E1 = "/apis/external.metrics.k8s.io/v1beta1";

/** The shipped examples' rules plus rules for the object, namespace and external cases. */
function testConfig(): string {
  const examples = ["gpu-dcgm.yaml", "http-latency.yaml"].map(
    (f) =>
      parse(readFileSync(new URL(`../../examples/${f}`, import.meta.url), "utf8")) as { rules: unknown[] },
  );
  return stringify({
    adapter: { relistInterval: "5m", maxAge: "5m", rediscoveryInterval: "1s", cacheTTL: "1s" },
    prometheus: { timeout: "3s" },
    rules: [
      ...examples.flatMap((e) => e.rules),
      {
        seriesQuery: 'app_queue_length{namespace!="",deployment!=""}',
        resources: {
          overrides: {
            namespace: { resource: "namespace" },
            deployment: { group: "apps", resource: "deployment" },
          },
        },
        metricsQuery: "sum by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>})",
      },
      {
        // A CRD the built-in table does not know: only the API server's discovery can resolve it.
        seriesQuery: 'model_queue{namespace!="",inferenceservice!=""}',
        resources: {
          overrides: {
            namespace: { resource: "namespace" },
            inferenceservice: { group: "serving.kserve.io", resource: "inferenceservice" },
          },
        },
        metricsQuery: "sum by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>})",
      },
      {
        seriesQuery: '{__name__=~"^(app_load|fresh_.*)$",namespace!="",pod!=""}',
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
  });
}

/** This file's polling: a throwing check (the adapter not up yet) counts as not yet. */
const eventually = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> =>
  poll(what, fn, { timeoutMs, everyMs: 250, retryErrors: true });

interface Item {
  describedObject: { kind: string; namespace?: string; name: string; apiVersion: string };
  metric?: { name: string; selector: unknown };
  metricName?: string;
  timestamp: string;
  value: string;
  windowSeconds?: number;
  window?: number;
  selector?: unknown;
  metricLabels?: Record<string, string>;
}
interface List {
  kind: string;
  apiVersion: string;
  items: Item[];
}

describe("foresight serve against a real Prometheus", { timeout: 240_000 }, () => {
  let dir: string;
  let gpu: TestExporter;
  let gpuExported: TestExporter;
  let prom: TestPrometheus;
  let kube: KubeFacade;
  let adapter: TestAdapter;
  let latencyTimer: NodeJS.Timeout;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "foresight-it-"));
    gpu = await startTestExporter();
    gpuExported = await startTestExporter();
    gpu.gpuPods({
      namespace: "ml",
      honorLabels: true,
      pods: [
        { pod: "web-0", util: 87, fbUsed: 1000 },
        { pod: "web-1", util: 40, fbUsed: 2000, gpus: 2 },
        { pod: "db-0", util: 12, fbUsed: 300 },
      ],
    });
    gpuExported.gpuPods({
      namespace: "batch",
      honorLabels: false,
      hostLabel: "hostname",
      pods: [{ pod: "job-0", util: 55, fbUsed: 10 }],
    });
    gpu.setGauge("app_queue_length", { namespace: "ml", deployment: "web" }, 7);
    gpu.setGauge("app_load", { namespace: "ml", pod: "web-0" }, 3);
    gpu.setGauge("model_queue", { namespace: "ml", inferenceservice: "llama" }, 11);
    gpu.setGauge("app_load", { namespace: "ml", pod: "web-1" }, Number.NaN);
    gpu.setGauge("queue_depth", { namespace: "ml", queue: "orders" }, 42);
    gpu.setGauge("queue_depth", { namespace: "ml", queue: "billing" }, 5);
    // Requests keep arriving at web-0, all in the (0.1, 0.25] bucket: its p95 is 0.1 + 0.15 × 0.95.
    latencyTimer = setInterval(
      () => gpu.observe("http_request_duration_seconds", { namespace: "ml", pod: "web-0" }, 0.2),
      20,
    );
    prom = await startPrometheus({
      scrapeTargets: [gpu.scrapeTarget(), gpuExported.scrapeTarget()],
      scrapeInterval: "1s",
    });
    await prom.waitForSeries("DCGM_FI_DEV_GPU_UTIL", 5, 30_000);

    kube = await startKubeFacade();
    const deployments = kube.store.registry.resolve("deployments.apps");
    kube.store.registry.register({
      ...deployments,
      group: "serving.kserve.io",
      version: "v1beta1",
      resource: "inferenceservices",
      kind: "InferenceService",
      singular: "inferenceservice",
      shortNames: ["isvc"],
      categories: [],
      printColumns: [],
      applyDefaults: () => {},
    });
    for (const ns of ["ml", "batch"]) kube.store.addNamespace(ns);
    kube.store.addDeployment({ namespace: "ml", name: "web", replicas: 2, selector: { app: "web" } });
    kube.store.addPod({ namespace: "ml", name: "web-0", labels: { app: "web" } });
    kube.store.addPod({ namespace: "ml", name: "web-1", labels: { app: "web" } });
    kube.store.addPod({ namespace: "ml", name: "db-0", labels: { app: "db" } });
    kube.store.addPod({ namespace: "batch", name: "job-0", labels: { app: "job" } });
    const kubeconfig = join(dir, "cluster.kubeconfig");
    kube.kubeconfig(kubeconfig);
    const configPath = join(dir, "foresight.yaml");
    writeFileSync(configPath, testConfig());
    adapter = await startAdapter({ configPath, prometheusUrl: prom.url, kubeconfig });
    await eventually("discovery of gpu_utilization", async () => {
      const { body } = await adapter.get(C2);
      const names = (body as { resources: { name: string }[] }).resources.map((r) => r.name);
      return names.includes("pods/gpu_utilization") &&
        names.includes("pods/http_request_duration_seconds_p95")
        ? true
        : undefined;
    });
  });

  after(async () => {
    clearInterval(latencyTimer);
    await adapter?.stop();
    await prom?.close();
    await kube?.close();
    await gpu?.close();
    await gpuExported?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const recent = (ts: string) => {
    assert.match(ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const age = Date.now() - Date.parse(ts);
    assert.ok(age >= -1_000 && age < 60_000, `timestamp ${ts} is a recent sample time`);
  };

  it("serves the discovery documents", async () => {
    const groups = await adapter.get("/apis");
    assert.equal(groups.status, 200);
    assert.deepEqual(groups.body, {
      kind: "APIGroupList",
      apiVersion: "v1",
      groups: [
        {
          name: "custom.metrics.k8s.io",
          versions: [
            { groupVersion: "custom.metrics.k8s.io/v1beta2", version: "v1beta2" },
            { groupVersion: "custom.metrics.k8s.io/v1beta1", version: "v1beta1" },
          ],
          preferredVersion: { groupVersion: "custom.metrics.k8s.io/v1beta2", version: "v1beta2" },
        },
        {
          name: "external.metrics.k8s.io",
          versions: [{ groupVersion: "external.metrics.k8s.io/v1beta1", version: "v1beta1" }],
          preferredVersion: { groupVersion: "external.metrics.k8s.io/v1beta1", version: "v1beta1" },
        },
      ],
    });
    const group = await adapter.get("/apis/custom.metrics.k8s.io");
    assert.equal((group.body as { kind: string }).kind, "APIGroup");
    const custom = (await adapter.get(C1)).body as {
      groupVersion: string;
      resources: Record<string, unknown>[];
    };
    assert.equal(custom.groupVersion, "custom.metrics.k8s.io/v1beta1");
    const byName = new Map(custom.resources.map((r) => [r.name, r]));
    assert.deepEqual(byName.get("pods/gpu_utilization"), {
      name: "pods/gpu_utilization",
      singularName: "",
      namespaced: true,
      kind: "MetricValueList",
      verbs: ["get"],
    });
    assert.equal(byName.get("nodes/gpu_utilization_node")?.namespaced, false);
    assert.equal(byName.get("namespaces/app_queue_length")?.namespaced, false);
    assert.ok(byName.has("deployments.apps/app_queue_length"));
    const external = (await adapter.get(E1)).body as { resources: Record<string, unknown>[] };
    assert.deepEqual(external.resources, [
      {
        name: "queue_depth",
        singularName: "",
        namespaced: true,
        kind: "ExternalMetricValueList",
        verbs: ["get"],
      },
    ]);
  });

  it("v1beta2 pod wildcard with labelSelector: the selected pods with data, GPUs averaged per pod", async () => {
    const { status, body } = await adapter.get(
      `${C2}/namespaces/ml/pods/%2A/gpu_utilization?labelSelector=app%3Dweb`,
    );
    assert.equal(status, 200, JSON.stringify(body));
    const list = body as List;
    assert.equal(list.kind, "MetricValueList");
    assert.equal(list.apiVersion, "custom.metrics.k8s.io/v1beta2");
    assert.deepEqual(
      list.items.map((i) => ({ ...i, timestamp: "T" })),
      [
        {
          describedObject: { kind: "Pod", namespace: "ml", name: "web-0", apiVersion: "v1" },
          metric: { name: "gpu_utilization", selector: null },
          timestamp: "T",
          value: "87",
        },
        {
          describedObject: { kind: "Pod", namespace: "ml", name: "web-1", apiVersion: "v1" },
          metric: { name: "gpu_utilization", selector: null },
          timestamp: "T",
          value: "40",
        },
      ],
    );
    for (const item of list.items) recent(item.timestamp);
  });

  it("v1beta1 pod wildcard uses metricName, selector and window", async () => {
    const { status, body } = await adapter.get(
      `${C1}/namespaces/ml/pods/*/http_request_duration_seconds_p95?labelSelector=app%3Dweb`,
    );
    assert.equal(status, 200, JSON.stringify(body));
    const list = body as List;
    assert.equal(list.apiVersion, "custom.metrics.k8s.io/v1beta1");
    assert.deepEqual(
      list.items.map((i) => ({ ...i, timestamp: "T" })),
      [
        {
          describedObject: { kind: "Pod", namespace: "ml", name: "web-0", apiVersion: "v1" },
          metricName: "http_request_duration_seconds_p95",
          timestamp: "T",
          window: 120,
          value: "242500u",
          selector: null,
        },
      ],
      "web-1 has no requests (its p95 is NaN) and is left out, not served as 0",
    );
  });

  it("a single pod, and the honorLabels:false layout (exported_pod) of the same metric", async () => {
    const single = await adapter.get(`${C2}/namespaces/ml/pods/web-1/gpu_utilization`);
    assert.equal(single.status, 200);
    assert.deepEqual(
      (single.body as List).items.map((i) => [i.describedObject.name, i.value]),
      [["web-1", "40"]],
    );
    const exported = await adapter.get(
      `${C2}/namespaces/batch/pods/%2A/gpu_utilization?labelSelector=app%3Djob`,
    );
    assert.equal(exported.status, 200, JSON.stringify(exported.body));
    assert.deepEqual(
      (exported.body as List).items.map((i) => [
        i.describedObject.namespace,
        i.describedObject.name,
        i.value,
      ]),
      [["batch", "job-0", "55"]],
    );
  });

  it("an object metric of deployments.apps, and a metric of a namespace", async () => {
    const deployment = await adapter.get(`${C2}/namespaces/ml/deployments.apps/web/app_queue_length`);
    assert.equal(deployment.status, 200, JSON.stringify(deployment.body));
    assert.deepEqual(
      (deployment.body as List).items.map((i) => ({ ...i, timestamp: "T" })),
      [
        {
          describedObject: { kind: "Deployment", namespace: "ml", name: "web", apiVersion: "apps/v1" },
          metric: { name: "app_queue_length", selector: null },
          timestamp: "T",
          value: "7",
        },
      ],
    );
    const namespace = await adapter.get(`${C2}/namespaces/ml/metrics/app_queue_length`);
    assert.equal(namespace.status, 200, JSON.stringify(namespace.body));
    assert.deepEqual(
      (namespace.body as List).items.map((i) => [
        i.describedObject.kind,
        i.describedObject.name,
        i.describedObject.namespace,
        i.value,
      ]),
      [["Namespace", "ml", undefined, "7"]],
    );
  });

  it("an object metric of a CRD found through the API server's discovery", async () => {
    const { status, body } = await adapter.get(
      `${C2}/namespaces/ml/inferenceservices.serving.kserve.io/llama/model_queue`,
    );
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(
      (body as List).items.map((i) => [i.describedObject, i.value]),
      [
        [
          {
            kind: "InferenceService",
            namespace: "ml",
            name: "llama",
            apiVersion: "serving.kserve.io/v1beta1",
          },
          "11",
        ],
      ],
    );
  });

  it("an external metric with labelSelector", async () => {
    const { status, body } = await adapter.get(
      `${E1}/namespaces/ml/queue_depth?labelSelector=queue%3Dorders`,
    );
    assert.equal(status, 200, JSON.stringify(body));
    const list = body as List;
    assert.equal(list.kind, "ExternalMetricValueList");
    assert.deepEqual(
      list.items.map((i) => ({ ...i, timestamp: "T" })),
      [{ metricName: "queue_depth", metricLabels: { queue: "orders" }, timestamp: "T", value: "42" }],
    );
    const other = await adapter.get(`${E1}/namespaces/batch/queue_depth`);
    assert.equal(other.status, 404, "the namespace scopes the query");
  });

  it("NaN samples are dropped, never served as 0", async () => {
    const { status, body } = await adapter.get(`${C2}/namespaces/ml/pods/*/app_load`);
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(
      (body as List).items.map((i) => [i.describedObject.name, i.value]),
      [["web-0", "3"]],
    );
  });

  it("unknown metric → 404, bad selector → 400, write → 405, all as Status", async () => {
    const unknown = await adapter.get(`${C2}/namespaces/ml/pods/%2A/no_such_metric?labelSelector=app%3Dweb`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(
      { ...(unknown.body as object), message: "M" },
      {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "M",
        reason: "NotFound",
        code: 404,
      },
    );
    const bad = await adapter.get(
      `${C2}/namespaces/ml/pods/%2A/gpu_utilization?labelSelector=app%3D%3D%3Dweb`,
    );
    assert.equal(bad.status, 400);
    assert.equal((bad.body as { reason: string }).reason, "BadRequest");
    const post = await adapter.get(`${C2}/namespaces/ml/pods/web-0/gpu_utilization`, "POST");
    assert.equal(post.status, 405);
    assert.equal((post.body as { reason: string }).reason, "MethodNotAllowed");
  });

  it("a metric added while running is served within seconds (on-demand re-discovery)", async () => {
    const path = `${C2}/namespaces/ml/pods/web-0/fresh_requests`;
    assert.equal((await adapter.get(path)).status, 404);
    gpu.setGauge("fresh_requests", { namespace: "ml", pod: "web-0" }, 5);
    const started = Date.now();
    const list = await eventually(
      "fresh_requests",
      async () => {
        const { status, body } = await adapter.get(path);
        return status === 200 ? (body as List) : undefined;
      },
      20_000,
    );
    assert.equal(list.items[0]?.value, "5");
    // relistInterval is 5m here: only the on-demand path can have found it this fast.
    assert.ok(Date.now() - started < 20_000);
  });

  it("kubectl get --raw returns the same JSON for each API", async () => {
    const kubeconfig = adapter.writeKubeconfig(join(dir, "adapter.kubeconfig"));
    const kubectl = async (path: string) => {
      const { stdout } = await run(
        "kubectl",
        ["--kubeconfig", kubeconfig, "--cache-dir", join(dir, "kcache"), "get", "--raw", path],
        {
          timeout: 20_000,
        },
      );
      return JSON.parse(stdout) as List;
    };
    const custom = await kubectl(`${C2}/namespaces/ml/pods/*/gpu_utilization?labelSelector=app%3Dweb`);
    assert.deepEqual(
      custom.items.map((i) => [i.describedObject.name, i.value]),
      [
        ["web-0", "87"],
        ["web-1", "40"],
      ],
    );
    const v1 = await kubectl(`${C1}/namespaces/ml/deployments.apps/web/app_queue_length`);
    assert.equal(v1.items[0]?.metricName, "app_queue_length");
    const external = await kubectl(`${E1}/namespaces/ml/queue_depth?labelSelector=queue%3Dbilling`);
    assert.deepEqual(
      external.items.map((i) => [i.metricLabels, i.value]),
      [[{ queue: "billing" }, "5"]],
    );
    const discovery = await kubectl(C2);
    assert.equal(discovery.kind, "APIResourceList");
  });

  it("Prometheus stopped → 503 (the HPA holds); restarted → recovers", async () => {
    const path = `${C2}/namespaces/ml/pods/%2A/gpu_utilization?labelSelector=app%3Dweb`;
    await prom.stop();
    await new Promise((r) => setTimeout(r, 1_100)); // past the 1 s cache TTL
    const down = await adapter.get(path);
    assert.equal(down.status, 503, JSON.stringify(down.body));
    assert.equal((down.body as { reason: string }).reason, "ServiceUnavailable");
    const discovery = await adapter.get(C2);
    assert.equal(discovery.status, 200, "discovery keeps its last good result");
    await prom.start();
    const back = await eventually("recovery", async () => {
      const { status, body } = await adapter.get(path);
      return status === 200 ? (body as List) : undefined;
    });
    assert.deepEqual(
      back.items.map((i) => i.describedObject.name),
      ["web-0", "web-1"],
    );
  });

  it("exports self-metrics", async () => {
    const text = await (await fetch(`${adapter.httpUrl}/metrics`)).text();
    assert.match(text, /foresight_apiserver_requests_total\{api="custom",code="200"\} \d+/);
    assert.match(text, /foresight_query_cache_lookups_total\{result="miss"\} \d+/);
    assert.match(text, /foresight_discovery_age_seconds\{rule="rules\[0\]"\}/);
    assert.match(
      text,
      /foresight_prometheus_query_errors_total\{endpoint="query",kind="unavailable"\} [1-9]/,
    );
    const ready = await fetch(`${adapter.httpUrl}/readyz`);
    assert.equal(ready.status, 200, await ready.text());
  });
});
