/**
 * End to end for metrics.k8s.io: a real Prometheus scrapes container and node series from a test
 * exporter; `foresight serve` answers metrics.k8s.io from `resourceRules`; the real `kubectl top
 * pods` and `kubectl top nodes` run against a stand-in aggregator (test/harness/aggregator.ts) that
 * sends metrics.k8s.io to the adapter and the rest to the simulated Kubernetes API, as
 * kube-apiserver would with the APIService.
 *
 * The live HPA controller (src/demo/live) then scales a Deployment on a `Resource` cpu metric read
 * through the same API (httpResourceMetrics), as kube-controller-manager's resource metrics client.
 *
 * CPU is a gauge here (cores) rather than cAdvisor's counter under rate(), so the expected figures
 * are exact; the rate() rendering is covered by test/adapter/resourceMetrics.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import { LiveHpaController } from "../../src/demo/live/hpaController.js";
import { httpMetricsClient, httpResourceMetrics } from "../../src/demo/live/hpaMetricsClient.js";
import { SimClock } from "../../src/replay/cluster/index.js";
import { startAdapter, type TestAdapter } from "../harness/adapter.js";
import { startAggregator, type TestAggregator } from "../harness/aggregator.js";
import { eventually } from "../harness/eventually.js";
import { startTestExporter, type TestExporter } from "../harness/exporter.js";
import { type Kubectl, kubectlAvailable, kubectlFor } from "../harness/kubectl.js";
import { type KubeFacade, startKubeFacade } from "../harness/kubeFacade.js";
import { startPrometheus, type TestPrometheus } from "../harness/prometheus.js";

const M = "/apis/metrics.k8s.io/v1beta1";
const MiB = 1024 * 1024;

const overrides = {
  namespace: { resource: "namespace" },
  pod: { resource: "pod" },
  node: { resource: "node" },
};

function config(): string {
  return stringify({
    adapter: { cacheTTL: "1s" },
    prometheus: { timeout: "3s" },
    resourceRules: {
      cpu: {
        containerQuery: "sum(test_container_cpu_cores{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
        nodeQuery: "sum(test_node_cpu_cores{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
        resources: { overrides },
        containerLabel: "container",
      },
      memory: {
        containerQuery: "sum(test_container_memory_bytes{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
        nodeQuery: "sum(test_node_memory_bytes{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
        resources: { overrides },
        containerLabel: "container",
      },
      window: "1m",
    },
  });
}

/** kubectl top's table as rows of cells, header first. */
function table(stdout: string): string[][] {
  return stdout
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/));
}

describe("metrics.k8s.io through kubectl top", {
  timeout: 180_000,
  skip: !kubectlAvailable() && "kubectl not found",
}, () => {
  let dir: string;
  let exporter: TestExporter;
  let prom: TestPrometheus;
  let kube: KubeFacade;
  let adapter: TestAdapter;
  let aggregator: TestAggregator;
  let kubectl: Kubectl;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "foresight-top-"));
    exporter = await startTestExporter();
    const container = (ns: string, pod: string, name: string, cores: number, bytes: number) => {
      exporter.setGauge("test_container_cpu_cores", { namespace: ns, pod, container: name }, cores);
      exporter.setGauge("test_container_memory_bytes", { namespace: ns, pod, container: name }, bytes);
    };
    container("ml", "web-0", "app", 0.25, 100 * MiB);
    container("ml", "web-0", "sidecar", 0.005, 20 * MiB);
    container("ml", "web-1", "app", 1.5, 300 * MiB);
    container("batch", "job-0", "main", 2, 1024 * MiB);
    // db-0 runs but has no series: left out of lists, 404 on a get.
    exporter.setGauge("test_node_cpu_cores", { node: "n1" }, 1.5);
    exporter.setGauge("test_node_memory_bytes", { node: "n1" }, 4096 * MiB);
    prom = await startPrometheus({ scrapeTargets: [exporter.scrapeTarget({ honorLabels: true })] });
    await prom.waitForSeries("test_container_cpu_cores", 4, 30_000);
    await prom.waitForSeries("test_node_memory_bytes", 1, 30_000);

    kube = await startKubeFacade();
    for (const ns of ["ml", "batch"]) kube.store.addNamespace(ns);
    kube.store.addPod({ namespace: "ml", name: "web-0", labels: { app: "web" }, nodeName: "n1" });
    kube.store.addPod({ namespace: "ml", name: "web-1", labels: { app: "web" }, nodeName: "n1" });
    kube.store.addPod({ namespace: "ml", name: "db-0", labels: { app: "db" }, nodeName: "n1" });
    kube.store.addPod({ namespace: "batch", name: "job-0", labels: { app: "job" }, nodeName: "n2" });
    kube.store.addNode({ name: "n1", capacity: { cpu: "4", memory: "16Gi" } });
    kube.store.addNode({ name: "n2", capacity: { cpu: "8", memory: "32Gi" } });
    const kubeconfig = join(dir, "cluster.kubeconfig");
    kube.kubeconfig(kubeconfig);
    const configPath = join(dir, "foresight.yaml");
    writeFileSync(configPath, config());
    adapter = await startAdapter({ configPath, prometheusUrl: prom.url, kubeconfig });
    aggregator = await startAggregator({
      kubeUrl: kube.url,
      adapterUrl: adapter.url,
      groups: ["metrics.k8s.io"],
    });
    kubectl = await kubectlFor(aggregator);
    await eventually(
      "pod metrics",
      async () => {
        const { status } = await adapter.get(`${M}/namespaces/ml/pods`);
        return status === 200 ? true : undefined;
      },
      { timeoutMs: 30_000, everyMs: 250, retryErrors: true },
    );
  });

  after(async () => {
    await kubectl?.cleanup();
    await aggregator?.close();
    await adapter?.stop();
    await prom?.close();
    await kube?.close();
    await exporter?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("kubectl top pods: each pod's containers summed, pods without metrics left out", async () => {
    const result = await kubectl.run("top", "pods", "-n", "ml");
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(table(result.stdout), [
      ["NAME", "CPU(cores)", "MEMORY(bytes)"],
      ["web-0", "255m", "120Mi"],
      ["web-1", "1500m", "300Mi"],
    ]);
  });

  it("kubectl top pods --containers, -l, -A: per container, by label selector, every namespace", async () => {
    const containers = await kubectl.run("top", "pods", "-n", "ml", "--containers", "-l", "app=web");
    assert.equal(containers.code, 0, containers.stderr);
    assert.deepEqual(table(containers.stdout), [
      ["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"],
      ["web-0", "app", "250m", "100Mi"],
      ["web-0", "sidecar", "5m", "20Mi"],
      ["web-1", "app", "1500m", "300Mi"],
    ]);
    const asked = aggregator.proxied.map((p) => p.path).find((p) => p.includes("labelSelector"));
    assert.equal(asked, `${M}/namespaces/ml/pods?labelSelector=app%3Dweb`);
    const all = await kubectl.run("top", "pods", "-A");
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(
      table(all.stdout).map((row) => row.slice(0, 2)),
      [
        ["NAMESPACE", "NAME"],
        ["batch", "job-0"],
        ["ml", "web-0"],
        ["ml", "web-1"],
      ],
    );
  });

  it("kubectl top pod NAME: the pod, or metrics-server's NotFound when it has no metrics", async () => {
    const one = await kubectl.run("top", "pod", "web-1", "-n", "ml");
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(table(one.stdout)[1], ["web-1", "1500m", "300Mi"]);
    const none = await kubectl.run("top", "pod", "db-0", "-n", "ml");
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /pods\.metrics\.k8s\.io "ml\/db-0" not found/);
  });

  it("kubectl top nodes: usage and its share of the node's allocatable; a node without metrics unknown", async () => {
    const result = await kubectl.run("top", "nodes");
    assert.equal(result.code, 0, result.stderr);
    const rows = table(result.stdout);
    assert.deepEqual(rows[0], ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]);
    assert.deepEqual(
      rows.find((r) => r[0] === "n1"),
      ["n1", "1500m", "37%", "4096Mi", "25%"],
    );
    assert.deepEqual(
      rows.find((r) => r[0] === "n2"),
      ["n2", "<unknown>", "<unknown>", "<unknown>", "<unknown>"],
    );
  });

  it("answers kubectl top in JSON whatever it accepts (it never asks for a Table)", () => {
    assert.ok(aggregator.proxied.length > 0);
    for (const { path, accept } of aggregator.proxied)
      assert.doesNotMatch(accept, /as=Table/, `${path} asked for a Table: ${accept}`);
  });

  it("serves the wire format: PodMetrics with containers, window, timestamp", async () => {
    const { status, body } = await adapter.get(`${M}/namespaces/ml/pods/web-0`);
    assert.equal(status, 200);
    const pod = body as {
      kind: string;
      apiVersion: string;
      metadata: { name: string; namespace: string; labels: Record<string, string> };
      timestamp: string;
      window: string;
      containers: { name: string; usage: Record<string, string> }[];
    };
    assert.equal(pod.kind, "PodMetrics");
    assert.equal(pod.apiVersion, "metrics.k8s.io/v1beta1");
    assert.deepEqual(
      [pod.metadata.name, pod.metadata.namespace, pod.metadata.labels],
      ["web-0", "ml", { app: "web" }],
    );
    assert.equal(pod.window, "1m0s");
    assert.ok(Math.abs(Date.now() - Date.parse(pod.timestamp)) < 60_000, pod.timestamp);
    assert.deepEqual(pod.containers, [
      { name: "app", usage: { cpu: "250m", memory: "100Mi" } },
      { name: "sidecar", usage: { cpu: "5m", memory: "20Mi" } },
    ]);
  });

  it("drives a Resource (cpu) HPA in the live controller from PodMetrics", async () => {
    const store = kube.store;
    store.addDeployment({ namespace: "ml", name: "web", replicas: 2, selector: { app: "web" } });
    store.patch("deployments.apps", "web", "ml", { status: { replicas: 2 } });
    // Each pod requests 500m: app 400m + sidecar 100m.
    for (const name of ["web-0", "web-1"]) {
      store.patch("pods", name, "ml", {
        spec: {
          containers: [
            { name: "app", image: "sim", resources: { requests: { cpu: "400m" } } },
            { name: "sidecar", image: "sim", resources: { requests: { cpu: "100m" } } },
          ],
        },
      });
    }
    store.create(
      "horizontalpodautoscalers.autoscaling",
      {
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata: { name: "web", namespace: "ml" },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
          minReplicas: 1,
          maxReplicas: 10,
          metrics: [
            {
              type: "Resource",
              resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 100 } },
            },
          ],
        },
      },
      { namespace: "ml" },
    );
    // Past the CPU initialization period (300 s) of pods started now, so every sample counts.
    const clock = new SimClock(Date.now() + 600_000);
    const controller = new LiveHpaController({
      store,
      namespace: "ml",
      clock,
      metrics: httpMetricsClient({ baseUrl: adapter.url, insecure: true }),
      resourceMetrics: httpResourceMetrics({ baseUrl: adapter.url, insecure: true }),
    });
    await controller.sync();
    // Usage 255m + 1500m over requests 2 × 500m: trunc(1755·100 / 1000) = 175 % against 100 % →
    // ceil(2 × 1.755) = 4.
    const hpa = store.get("horizontalpodautoscalers.autoscaling", "web", "ml") as unknown as {
      status: {
        currentMetrics?: unknown[];
        conditions?: { type: string; status: string; message: string }[];
      };
    };
    const active = hpa.status.conditions?.find((c) => c.type === "ScalingActive");
    assert.equal(active?.status, "True", active?.message);
    const [current] = (hpa.status.currentMetrics ?? []) as {
      resource?: { current?: { averageUtilization?: number } };
    }[];
    assert.equal(current?.resource?.current?.averageUtilization, 175);
    const deployment = store.get("deployments.apps", "web", "ml") as unknown as {
      spec: { replicas: number };
    };
    assert.equal(deployment.spec.replicas, 4);
  });

  it("Prometheus stopped: kubectl top fails with the 503, it does not print an empty table", async () => {
    await prom.stop();
    try {
      await new Promise((r) => setTimeout(r, 1_100)); // past the 1 s cache TTL
      const { status } = await adapter.get(`${M}/namespaces/ml/pods`);
      assert.equal(status, 503);
      const result = await kubectl.run("top", "pods", "-n", "ml");
      assert.notEqual(result.code, 0);
      assert.doesNotMatch(result.stdout, /web-0/);
    } finally {
      await prom.start();
    }
  });
});
