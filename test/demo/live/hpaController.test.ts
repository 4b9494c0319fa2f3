import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { loadServingCert } from "../../../src/adapter/servingCert.js";
import { ObjectStore } from "../../../src/demo/kube/index.js";
import { LiveHpaController } from "../../../src/demo/live/hpaController.js";
import {
  type DescribedResource,
  type HpaMetricsClient,
  httpMetricsClient,
} from "../../../src/demo/live/hpaMetricsClient.js";
import { SimClock } from "../../../src/replay/cluster/index.js";
import type { MetricError, PodMetricsReading } from "../../../src/replay/hpa/types.js";

// biome-ignore lint/suspicious/noExplicitAny: the tests read deep, loosely shaped JSON of stored objects
type Doc = Record<string, any>;

const NS = "demo";
const T0 = Date.parse("2025-03-01T12:00:00Z");
const HPAS = "horizontalpodautoscalers.autoscaling";

type Reading<T> = T | MetricError;

/** A metrics client answering from mutable tables, recording every call. */
class FakeMetrics implements HpaMetricsClient {
  pods: Record<string, Reading<PodMetricsReading>> = {};
  external: Record<string, Reading<{ items: number[] }>> = {};
  object: Record<string, Reading<{ value: number }>> = {};
  readonly calls: string[] = [];

  async podsMetric(namespace: string, metric: string, labelSelector: string, metricSelector?: string) {
    this.calls.push(`pods ${namespace} ${metric} ${labelSelector} ${metricSelector ?? ""}`.trim());
    return this.pods[metric] ?? { error: `no pods metric ${metric}` };
  }
  async objectMetric(namespace: string, object: DescribedResource, metric: string) {
    this.calls.push(`object ${namespace} ${object.resource}/${object.name} ${metric}`);
    return this.object[metric] ?? { error: `no object metric ${metric}` };
  }
  async externalMetric(namespace: string, metric: string, labelSelector: string) {
    this.calls.push(`external ${namespace} ${metric} ${labelSelector}`);
    return this.external[metric] ?? { error: `no external metric ${metric}` };
  }
}

interface HpaOptions {
  min?: number;
  max?: number;
  metrics?: Doc[];
}

const PODS_RPS = {
  type: "Pods",
  pods: {
    metric: { name: "requests_per_second" },
    target: { type: "AverageValue", averageValue: "10" },
  },
};
const EXTERNAL_QUEUE = {
  type: "External",
  external: {
    metric: { name: "queue_depth", selector: { matchLabels: { queue: "web" } } },
    target: { type: "Value", value: "30" },
  },
};

function setup(opts: HpaOptions & { replicas?: number } = {}) {
  const clock = new SimClock(T0);
  const store = new ObjectStore({ now: () => new Date(clock.now()) });
  store.addNamespace(NS);
  const replicas = opts.replicas ?? 2;
  store.addDeployment({ namespace: NS, name: "web", replicas, selector: { app: "web" } });
  store.patch("deployments.apps", "web", NS, { status: { replicas } });
  for (let i = 0; i < replicas; i++) {
    store.addPod({ namespace: NS, name: `web-${i}`, labels: { app: "web" }, nodeName: "n1" });
  }
  // A pod of another app: the selector must leave it out.
  store.addPod({ namespace: NS, name: "db-0", labels: { app: "db" }, nodeName: "n1" });
  store.create(
    HPAS,
    {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "web", namespace: NS },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        minReplicas: opts.min ?? 1,
        maxReplicas: opts.max ?? 10,
        metrics: opts.metrics ?? [PODS_RPS, EXTERNAL_QUEUE],
      },
    },
    { namespace: NS },
  );
  const metrics = new FakeMetrics();
  const controller = new LiveHpaController({ store, namespace: NS, metrics, clock });
  return { clock, store, metrics, controller };
}

const specReplicas = (store: ObjectStore) => (store.get("deployments.apps", "web", NS) as Doc).spec.replicas;
const hpaStatus = (store: ObjectStore) => (store.get(HPAS, "web", NS) as Doc).status;
const cond = (store: ObjectStore, type: string): Doc | undefined =>
  hpaStatus(store).conditions.find((c: Doc) => c.type === type);
const events = (store: ObjectStore): Doc[] =>
  store.list({ group: "", resource: "events" }, { namespace: NS }).items as Doc[];

describe("LiveHpaController", () => {
  it("scales the target to what the HPA algorithm says, and writes the HPA status and an Event", async () => {
    const { store, metrics, controller } = setup();
    // Pods: average (20 + 10) / 2 = 15 against 10 → ratio 1.5 → ceil(1.5 · 2) = 3.
    metrics.pods.requests_per_second = { values: { "web-0": 20_000, "web-1": 10_000 } };
    // External Value: 30 + 60 = 90 against 30 → ratio 3 → ceil(3 · 2 ready pods) = 6.
    metrics.external.queue_depth = { items: [30_000, 60_000] };
    const reports = await controller.sync();

    // max(3, 6) = 6, capped by the v2 default scale-up limit max(2 · 2, 4) = 4 (no behavior set).
    assert.equal(specReplicas(store), 4);
    assert.deepEqual(reports, [
      { namespace: NS, name: "web", currentReplicas: 2, desiredReplicas: 4, rescaled: true },
    ]);
    assert.deepEqual(metrics.calls, [
      "pods demo requests_per_second app=web",
      "external demo queue_depth queue=web",
    ]);
    const status = hpaStatus(store);
    assert.equal(status.currentReplicas, 2);
    assert.equal(status.desiredReplicas, 4);
    assert.equal(status.lastScaleTime, "2025-03-01T12:00:00Z");
    assert.deepEqual(status.currentMetrics, [
      { type: "Pods", pods: { metric: { name: "requests_per_second" }, current: { averageValue: "15" } } },
      {
        type: "External",
        external: {
          metric: { name: "queue_depth", selector: { matchLabels: { queue: "web" } } },
          current: { value: "90" },
        },
      },
    ]);
    assert.equal(cond(store, "AbleToScale")?.reason, "SucceededRescale");
    assert.equal(cond(store, "ScalingActive")?.status, "True");
    assert.equal(cond(store, "ScalingLimited")?.reason, "ScaleUpLimit");
    assert.equal(cond(store, "ScalingLimited")?.lastTransitionTime, "2025-03-01T12:00:00Z");
    const rescale = events(store).find((e) => e.reason === "SuccessfulRescale");
    assert.equal(rescale?.message, "New size: 4; reason: external metric queue_depth above target");
    assert.equal(rescale?.involvedObject.kind, "HorizontalPodAutoscaler");
  });

  it("leaves replicas and status alone when every metric is within tolerance", async () => {
    const { store, metrics, controller, clock } = setup({ metrics: [PODS_RPS] });
    metrics.pods.requests_per_second = { values: { "web-0": 10_500, "web-1": 9_800 } }; // avg 10.15: +1.5 %
    await controller.sync();
    const rv = store.get(HPAS, "web", NS).metadata.resourceVersion;
    clock.advance(15_000);
    await controller.sync();
    assert.equal(specReplicas(store), 2);
    assert.equal(hpaStatus(store).desiredReplicas, 2);
    assert.equal(hpaStatus(store).lastScaleTime, undefined);
    // An unchanged sync writes nothing (conditions keep their lastTransitionTime).
    assert.equal(store.get(HPAS, "web", NS).metadata.resourceVersion, rv);
  });

  it("scales up on the next sync when minReplicas is raised (what mode Floor relies on), without asking for metrics", async () => {
    const { store, metrics, controller, clock } = setup({ metrics: [PODS_RPS] });
    metrics.pods.requests_per_second = { values: { "web-0": 10_000, "web-1": 10_000 } };
    await controller.sync();
    assert.equal(specReplicas(store), 2);
    const callsBefore = metrics.calls.length;

    store.patch(HPAS, "web", NS, { spec: { minReplicas: 7 } });
    clock.advance(15_000);
    await controller.sync();
    assert.equal(specReplicas(store), 7);
    assert.equal(metrics.calls.length, callsBefore, "the below-min early exit fetches no metrics");
    const status = hpaStatus(store);
    assert.equal(status.desiredReplicas, 7);
    assert.equal(status.lastScaleTime, "2025-03-01T12:00:15Z");
    assert.ok(
      events(store).some(
        (e) => e.message === "New size: 7; reason: Current number of replicas below Spec.MinReplicas",
      ),
    );
  });

  it("holds the replicas on a metrics error and reports ScalingActive False", async () => {
    const { store, metrics, controller, clock } = setup({ metrics: [PODS_RPS] });
    metrics.pods.requests_per_second = { values: { "web-0": 10_000, "web-1": 10_000 } };
    await controller.sync();
    metrics.pods.requests_per_second = { error: "unable to fetch metrics from custom metrics API: down" };
    clock.advance(15_000);
    const [report] = await controller.sync();
    clock.advance(15_000);
    await controller.sync();

    assert.equal(specReplicas(store), 2);
    assert.equal(report?.rescaled, false);
    const active = cond(store, "ScalingActive");
    assert.equal(active?.status, "False");
    assert.equal(active?.reason, "FailedGetPodsMetric");
    assert.match(active?.message, /unable to fetch metrics from custom metrics API: down/);
    assert.equal(active?.lastTransitionTime, "2025-03-01T12:00:15Z", "the transition time is kept");
    assert.equal(hpaStatus(store).desiredReplicas, 2, "desiredReplicas is held");
    assert.deepEqual(hpaStatus(store).currentMetrics, [{ type: "" }]);
    // Repeats of one warning are one Event with a count.
    const warnings = events(store).filter((e) => e.reason === "FailedGetPodsMetric");
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.count, 2);
  });

  it("scales up when one metric fails but another asks for more replicas", async () => {
    const { store, metrics, controller } = setup();
    metrics.pods.requests_per_second = { error: "down" };
    metrics.external.queue_depth = { items: [45_000] }; // 45/30 = 1.5 → ceil(1.5 · 2) = 3
    await controller.sync();
    assert.equal(specReplicas(store), 3);
    assert.equal(cond(store, "ScalingActive")?.status, "True");
  });

  it("reports Resource metrics as not simulated unless a resource metrics port is given", async () => {
    const cpu = {
      type: "Resource",
      resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
    };
    const { store, controller } = setup({ metrics: [cpu] });
    await controller.sync();
    assert.equal(cond(store, "ScalingActive")?.reason, "FailedGetResourceMetric");
    assert.match(cond(store, "ScalingActive")?.message, /resource metrics are not simulated/);
    assert.equal(specReplicas(store), 2);
  });

  it("says when the scale target does not exist", async () => {
    const { store, controller } = setup();
    store.delete("deployments.apps", "web", NS);
    const [report] = await controller.sync();
    assert.equal(cond(store, "AbleToScale")?.status, "False");
    assert.equal(cond(store, "AbleToScale")?.reason, "FailedGetScale");
    assert.match(report?.error ?? "", /web/);
  });
});

/** A tiny metrics API: MetricValueList, ExternalMetricValueList, and a 503 Status for "down". */
function metricsHandler(seen: string[]) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    seen.push(req.url ?? "");
    const url = new URL(req.url ?? "/", "http://x");
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname.endsWith("/down")) {
      return send(503, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "Prometheus at http://prom:9090 is unreachable",
        reason: "ServiceUnavailable",
        code: 503,
      });
    }
    if (url.pathname === "/apis/custom.metrics.k8s.io/v1beta2/namespaces/demo/pods/*/requests_per_second") {
      const item = (name: string, value: string) => ({
        describedObject: { kind: "Pod", namespace: "demo", name, apiVersion: "/v1" },
        metric: { name: "requests_per_second", selector: null },
        timestamp: "2025-03-01T12:00:00Z",
        windowSeconds: 30,
        value,
      });
      return send(200, {
        kind: "MetricValueList",
        apiVersion: "custom.metrics.k8s.io/v1beta2",
        metadata: {},
        items: [item("web-0", "20"), item("web-1", "10500m")],
      });
    }
    if (url.pathname === "/apis/external.metrics.k8s.io/v1beta1/namespaces/demo/queue_depth") {
      return send(200, {
        kind: "ExternalMetricValueList",
        apiVersion: "external.metrics.k8s.io/v1beta1",
        metadata: {},
        items: [
          { metricName: "queue_depth", metricLabels: {}, timestamp: "2025-03-01T12:00:00Z", value: "1500m" },
          { metricName: "queue_depth", metricLabels: {}, timestamp: "2025-03-01T12:00:00Z", value: "2k" },
        ],
      });
    }
    return send(404, {
      kind: "Status",
      message: "the server could not find the requested resource",
      code: 404,
    });
  };
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

describe("httpMetricsClient", () => {
  it("reads MetricValueList and ExternalMetricValueList as milli-values, and a 503 Status as a MetricError", async () => {
    const seen: string[] = [];
    const server = http.createServer(metricsHandler(seen));
    const port = await listen(server);
    try {
      const client = httpMetricsClient({ baseUrl: `http://127.0.0.1:${port}` });
      const pods = await client.podsMetric("demo", "requests_per_second", "app=web,tier in (a,b)");
      assert.deepEqual(pods, {
        values: { "web-0": 20_000, "web-1": 10_500 },
        timestampMs: T0,
        windowMs: 30_000,
      });
      assert.deepEqual(await client.externalMetric("demo", "queue_depth", "queue=web"), {
        items: [1_500, 2_000_000],
      });
      assert.deepEqual(await client.externalMetric("demo", "down", ""), {
        error:
          "unable to fetch metrics from external metrics API: Prometheus at http://prom:9090 is unreachable",
      });
      assert.deepEqual(await client.podsMetric("demo", "nope", "app=web"), {
        error:
          "unable to fetch metrics from custom metrics API: the server could not find the requested resource",
      });
      const first = new URL(seen[0] ?? "", "http://x");
      assert.equal(first.searchParams.get("labelSelector"), "app=web,tier in (a,b)");
      assert.equal(first.searchParams.has("metricLabelSelector"), false);
      assert.equal(new URL(seen[1] ?? "", "http://x").searchParams.get("labelSelector"), "queue=web");
    } finally {
      server.close();
    }
  });

  it("asks a Namespace's Object metric on its own path, as client-go does", async () => {
    const seen: string[] = [];
    const server = http.createServer(metricsHandler(seen));
    const port = await listen(server);
    try {
      const client = httpMetricsClient({ baseUrl: `http://127.0.0.1:${port}` });
      await client.objectMetric("demo", { resource: "namespaces", name: "team" }, "queue_len");
      await client.objectMetric("demo", { resource: "services", name: "web" }, "queue_len");
      assert.deepEqual(
        seen.map((u) => new URL(u, "http://x").pathname),
        [
          "/apis/custom.metrics.k8s.io/v1beta2/namespaces/team/metrics/queue_len",
          "/apis/custom.metrics.k8s.io/v1beta2/namespaces/demo/services/web/queue_len",
        ],
      );
    } finally {
      server.close();
    }
  });

  it("drives the controller over HTTP: scales on good metrics, holds on a 503", async () => {
    const seen: string[] = [];
    const server = http.createServer(metricsHandler(seen));
    const port = await listen(server);
    try {
      const { store, clock } = setup({ metrics: [PODS_RPS] });
      const controller = new LiveHpaController({
        store,
        namespace: NS,
        clock,
        metrics: httpMetricsClient({ baseUrl: `http://127.0.0.1:${port}` }),
      });
      // avg(20, 10.5) = 15.25 against 10 → ceil(1.525 · 2) = 4.
      await controller.sync();
      assert.equal(specReplicas(store), 4);

      store.patch(HPAS, "web", NS, {
        spec: { metrics: [{ ...PODS_RPS, pods: { ...PODS_RPS.pods, metric: { name: "down" } } }] },
      });
      clock.advance(15_000);
      await controller.sync();
      assert.equal(specReplicas(store), 4);
      assert.equal(cond(store, "ScalingActive")?.status, "False");
      assert.match(cond(store, "ScalingActive")?.message, /Prometheus at http:\/\/prom:9090 is unreachable/);
    } finally {
      server.close();
    }
  });

  it("speaks https with a self-signed certificate when insecure, and refuses it otherwise", async () => {
    const { cert, key } = await loadServingCert();
    const server = https.createServer({ cert, key }, metricsHandler([]));
    const port = await listen(server);
    try {
      const insecure = httpMetricsClient({ baseUrl: `https://localhost:${port}`, insecure: true });
      assert.deepEqual(await insecure.externalMetric("demo", "queue_depth", ""), {
        items: [1_500, 2_000_000],
      });
      const withCa = httpMetricsClient({ baseUrl: `https://localhost:${port}`, ca: cert });
      assert.deepEqual(await withCa.externalMetric("demo", "queue_depth", ""), { items: [1_500, 2_000_000] });
      const strict = httpMetricsClient({ baseUrl: `https://localhost:${port}` });
      const refused = await strict.externalMetric("demo", "queue_depth", "");
      assert.ok("error" in refused && /certificate/i.test(refused.error), JSON.stringify(refused));
    } finally {
      server.close();
    }
  });
});

/** Three pods whose app container requests 200m, with a plain init container and a sidecar, 100m each. */
function sidecarSetup(metrics: Doc[]) {
  const clock = new SimClock(T0);
  const store = new ObjectStore({ now: () => new Date(clock.now()) });
  store.addNamespace(NS);
  store.addDeployment({ namespace: NS, name: "web", replicas: 3, selector: { app: "web" } });
  store.patch("deployments.apps", "web", NS, { status: { replicas: 3 } });
  const cpu = (milli: number) => ({ resources: { requests: { cpu: `${milli}m` } } });
  for (let i = 0; i < 3; i++) {
    const pod = store.addPod({ namespace: NS, name: `web-${i}`, labels: { app: "web" }, nodeName: "n1" });
    store.patch("pods", pod.metadata.name, NS, {
      spec: {
        containers: [{ name: "app", image: "sim", ...cpu(200) }],
        initContainers: [
          { name: "migrate", image: "sim", ...cpu(100) },
          { name: "proxy", image: "sim", restartPolicy: "Always", ...cpu(100) },
        ],
      },
    });
  }
  store.create(
    HPAS,
    {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "web", namespace: NS },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        minReplicas: 1,
        maxReplicas: 10,
        metrics,
      },
    },
    { namespace: NS },
  );
  // Past the CPU initialization period (300 s), so ready pods' samples all count.
  clock.advance(600_000);
  const calls: string[] = [];
  const usage: Record<string, Record<string, number>> = {};
  const controller = new LiveHpaController({
    store,
    namespace: NS,
    metrics: new FakeMetrics(),
    clock,
    resourceMetrics: async (namespace, resource, podSelector, container) => {
      calls.push(`${namespace} ${resource} ${podSelector} ${container ?? "(pod)"}`);
      const values = usage[container ?? "(pod)"];
      return values ? { values, timestampMs: clock.now() } : { error: "no usage" };
    },
  });
  return { store, controller, calls, usage };
}

describe("LiveHpaController: container resources and sidecars", () => {
  it("a ContainerResource metric reads the container's usage against the container's request", async () => {
    const { store, controller, calls, usage } = sidecarSetup([
      {
        type: "ContainerResource",
        containerResource: {
          name: "cpu",
          container: "app",
          target: { type: "Utilization", averageUtilization: 50 },
        },
      },
    ]);
    // app uses 150m of its 200m: trunc(450·100 / 600) = 75 % against 50 → ratio 1.5 → ceil(4.5) = 5.
    usage.app = { "web-0": 150, "web-1": 150, "web-2": 150 };
    await controller.sync();
    assert.deepEqual(calls, ["demo cpu app=web app"]);
    assert.equal(specReplicas(store), 5);
    assert.deepEqual(hpaStatus(store).currentMetrics, [
      {
        type: "ContainerResource",
        containerResource: { name: "cpu", container: "app", current: { averageUtilization: 75 } },
      },
    ]);
    assert.match(cond(store, "ScalingActive")?.message, /cpu container resource utilization/);
  });

  it("a Resource metric divides by the containers' and sidecars' requests, not the init container's", async () => {
    const { store, controller, calls, usage } = sidecarSetup([
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 100 } },
      },
    ]);
    // Pod request 200m (app) + 100m (proxy, restartPolicy Always) = 300m; migrate does not count.
    // Usage 360m each: trunc(1080·100 / 900) = 120 % → ratio 1.2 → ceil(3.6) = 4. (With migrate
    // counted, 400m: 90 %, within tolerance, 3; without proxy, 200m: 180 % → ceil(5.4) = 6.)
    usage["(pod)"] = { "web-0": 360, "web-1": 360, "web-2": 360 };
    await controller.sync();
    assert.deepEqual(calls, ["demo cpu app=web (pod)"]);
    assert.equal(specReplicas(store), 4);
    assert.deepEqual(hpaStatus(store).currentMetrics, [
      { type: "Resource", resource: { name: "cpu", current: { averageUtilization: 120 } } },
    ]);
  });

  it("a container the pods do not have is FailedGetContainerResourceMetric, and the count holds", async () => {
    const { store, controller, usage } = sidecarSetup([
      {
        type: "ContainerResource",
        containerResource: {
          name: "cpu",
          container: "cache",
          target: { type: "Utilization", averageUtilization: 50 },
        },
      },
    ]);
    usage.cache = { "web-0": 150, "web-1": 150, "web-2": 150 };
    await controller.sync();
    assert.equal(specReplicas(store), 3);
    assert.equal(cond(store, "ScalingActive")?.reason, "FailedGetContainerResourceMetric");
    assert.match(cond(store, "ScalingActive")?.message, /container cache not found in Pod web-0/);
    assert.ok(events(store).some((e) => e.reason === "FailedGetContainerResourceMetric"));
  });
});

describe("LiveHpaController: the scale selector", () => {
  it("an unparsable scale selector is InvalidSelector, with no pods listed and no metric fetched", async () => {
    const clock = new SimClock(T0);
    const store = new ObjectStore({ now: () => new Date(clock.now()) });
    store.addNamespace(NS);
    store.create("customresourcedefinitions.apiextensions.k8s.io", {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "workers.example.dev" },
      spec: {
        group: "example.dev",
        scope: "Namespaced",
        names: { plural: "workers", singular: "worker", kind: "Worker" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            subresources: {
              status: {},
              scale: {
                specReplicasPath: ".spec.replicas",
                statusReplicasPath: ".status.replicas",
                labelSelectorPath: ".status.selector",
              },
            },
          },
        ],
      },
    });
    store.create(
      "workers.example.dev",
      { apiVersion: "example.dev/v1", kind: "Worker", metadata: { name: "web" }, spec: { replicas: 2 } },
      { namespace: NS },
    );
    store.patch("workers.example.dev", "web", NS, { status: { replicas: 2, selector: "app in (web" } });
    store.create(
      HPAS,
      {
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata: { name: "web", namespace: NS },
        spec: {
          scaleTargetRef: { apiVersion: "example.dev/v1", kind: "Worker", name: "web" },
          minReplicas: 1,
          maxReplicas: 10,
          metrics: [PODS_RPS],
        },
      },
      { namespace: NS },
    );
    const metrics = new FakeMetrics();
    const controller = new LiveHpaController({ store, namespace: NS, metrics, clock });
    const [report] = await controller.sync();

    assert.deepEqual(metrics.calls, []);
    assert.equal(report?.rescaled, false);
    const active = cond(store, "ScalingActive");
    assert.equal(active?.status, "False");
    assert.equal(active?.reason, "InvalidSelector");
    assert.match(
      active?.message,
      /^couldn't convert selector into a corresponding internal selector object: /,
    );
    assert.deepEqual(
      events(store)
        .map((e) => `${e.type} ${e.reason}`)
        .sort(),
      ["Warning FailedComputeMetricsReplicas", "Warning InvalidSelector"],
    );
    assert.equal((store.get("workers.example.dev", "web", NS) as Doc).spec.replicas, 2);
  });
});
