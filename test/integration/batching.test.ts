/**
 * Batching against a real Prometheus (Debian's 2.42): the rules of the shipped examples (DCGM,
 * vLLM, HTTP latency) over a fleet written with exact timestamps (three namespaces, Deployments,
 * Services, pods with one or two GPUs and several containers, nodes), every object of every
 * resource and metric asked twice: through the batching provider and through one query per object
 * without a cache, both evaluated at the same instant. The answers must be the same, item for item,
 * or the same error; and asking about every object of a namespace costs one query per rule.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { type CustomMetricRequest, CustomProvider } from "../../src/adapter/customProvider.js";
import { Discovery } from "../../src/adapter/discovery.js";
import { compileRules } from "../../src/adapter/naming/compileRules.js";
import { QueryBatching } from "../../src/adapter/queryBatching.js";
import { QueryCache } from "../../src/adapter/queryCache.js";
import { QueryRunner } from "../../src/adapter/queryRunner.js";
import { parseConfigText } from "../../src/config/load.js";
import { prometheusSchema } from "../../src/config/schema.js";
import type { ResourceInfo } from "../../src/k8s/groupResource.js";
import { parseLabelSelector } from "../../src/k8s/labelSelector.js";
import { StaticResourceCatalog } from "../../src/k8s/resourceCatalog.js";
import { ApiError } from "../../src/k8s/status.js";
import { PrometheusSource } from "../../src/metrics/prometheusSource.js";
import type { MetricsSource, Sample } from "../../src/metrics/source.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { MemoryLister, MemoryListerFactory } from "../doubles/lister.js";
import { startPrometheus, type TestPrometheus } from "../harness/prometheus.js";
import { type RemoteWriteSeries, remoteWrite } from "../harness/remoteWrite.js";

const NAMESPACES = ["ml", "serving", "batch"];
const DEPLOYMENTS = ["chat", "embed", "rank"];
const PODS_PER_DEPLOYMENT = 3;
/** The instant both providers evaluate at: a whole second, a minute in the past. */
const AT = Math.floor(Date.now() / 1000) * 1000 - 60_000;
const STEP = 15_000;
const POINTS = 41;

interface Pod {
  readonly namespace: string;
  readonly deployment: string;
  readonly name: string;
  readonly node: string;
  readonly gpus: number;
}

function fleet(): Pod[] {
  const pods: Pod[] = [];
  let n = 0;
  for (const namespace of NAMESPACES) {
    for (const deployment of DEPLOYMENTS) {
      for (let p = 0; p < PODS_PER_DEPLOYMENT; p++) {
        pods.push({
          namespace,
          deployment,
          name: `${deployment}-${p}`,
          node: `gpu-node-${n % 4}`,
          gpus: n % 3 === 0 ? 2 : 1,
        });
        n++;
      }
    }
  }
  return pods;
}

/** Deterministic values: gauges that wiggle, counters that grow at per-pod rates. */
function data(pods: readonly Pod[]): RemoteWriteSeries[] {
  const times = Array.from({ length: POINTS }, (_, i) => AT - (POINTS - 1 - i) * STEP);
  const out: RemoteWriteSeries[] = [];
  const gauge = (labels: Record<string, string>, base: number) =>
    out.push({ labels, samples: times.map((t, i) => [t, base + ((i * 7) % 5)]) });
  const counter = (labels: Record<string, string>, perStep: number) =>
    out.push({ labels, samples: times.map((t, i) => [t, i * perStep]) });
  pods.forEach((pod, i) => {
    const where = { namespace: pod.namespace, pod: pod.name };
    for (let g = 0; g < pod.gpus; g++) {
      const gpu = {
        ...where,
        gpu: String(g),
        UUID: `GPU-${pod.node}-${i}-${g}`,
        Hostname: pod.node,
        container: "main",
      };
      gauge({ __name__: "DCGM_FI_DEV_GPU_UTIL", ...gpu }, (i * 13) % 90);
      gauge({ __name__: "DCGM_FI_DEV_FB_USED", ...gpu }, 1000 + i * 10);
    }
    gauge({ __name__: "vllm:num_requests_waiting", ...where, model_name: pod.deployment }, i % 6);
    gauge({ __name__: "vllm:num_requests_running", ...where, model_name: pod.deployment }, 1 + (i % 4));
    // Newer vLLM renamed the KV-cache gauge: some pods have the old name, one both.
    if (i % 2 === 0) gauge({ __name__: "vllm:kv_cache_usage_perc", ...where }, 0.3 + (i % 5) / 10);
    if (i % 2 === 1 || i === 4) gauge({ __name__: "vllm:gpu_cache_usage_perc", ...where }, 0.2);
    counter({ __name__: "vllm:generation_tokens_total", ...where }, 50 + i);
    const http = { ...where, service: pod.deployment, deployment: pod.deployment };
    for (const [le, share] of [
      ["0.1", 0.5],
      ["0.5", 0.8],
      ["1", 0.95],
      ["+Inf", 1],
    ] as const) {
      for (const container of ["app", "proxy"]) {
        counter(
          { __name__: "http_request_duration_seconds_bucket", ...http, container, le },
          Math.round((10 + (i % 7)) * share),
        );
      }
    }
    for (const le of ["0.1", "0.5", "1", "+Inf"]) {
      counter({ __name__: "vllm:time_to_first_token_seconds_bucket", ...where, le }, le === "0.1" ? 1 : 4);
    }
  });
  return out;
}

function exampleRules(): unknown[] {
  return ["gpu-dcgm.yaml", "vllm.yaml", "http-latency.yaml"].flatMap(
    (file) =>
      (
        parse(readFileSync(new URL(`../../examples/${file}`, import.meta.url), "utf8")) as {
          rules: unknown[];
        }
      ).rules,
  );
}

function listers(catalog: StaticResourceCatalog, pods: readonly Pod[]): MemoryListerFactory {
  const objects = pods.map((p) => ({
    metadata: { name: p.name, namespace: p.namespace, labels: { app: p.deployment } },
  }));
  return new MemoryListerFactory([[catalog.resolve("pods") as ResourceInfo, new MemoryLister(objects)]]);
}

/** The answer of a request, or its error, for comparison. */
async function outcome(provider: CustomProvider, req: CustomMetricRequest): Promise<unknown> {
  try {
    return await provider.getMetric(req);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return { code: err.code, message: err.message };
  }
}

describe("batching against a real Prometheus", { timeout: 180_000 }, () => {
  const pods = fleet();
  const catalog = new StaticResourceCatalog();
  let prom: TestPrometheus;
  let backend: PrometheusSource;
  /** Instant queries the batching provider sent. */
  const asked: string[] = [];
  /** The backend, every instant query evaluated at AT and recorded in `log`. */
  const pinned = (log: string[]): MetricsSource => ({
    instant: (query, _at, options) => {
      log.push(query);
      return backend.instant(query, new Date(AT), options);
    },
    range: (...args) => backend.range(...args),
    series: (...args) => backend.series(...args),
  });
  let batched: CustomProvider;
  let perObject: CustomProvider;
  let discovery: Discovery;

  before(async () => {
    prom = await startPrometheus({ scrapeTargets: [], extraArgs: ["--web.enable-remote-write-receiver"] });
    const series = data(pods);
    await remoteWrite(prom, series);
    await prom.waitForSeries('{__name__=~".+",namespace!=""}', series.length, 30_000);
    backend = new PrometheusSource({ config: prometheusSchema.parse({ url: prom.url, timeout: "10s" }) });
    const source = pinned([]);
    const config = parseConfigText(stringify({ rules: exampleRules() }), "examples.yaml");
    const { rules, errors } = compileRules(config, catalog);
    assert.deepEqual(errors, []);
    const clock = { now: () => AT };
    discovery = new Discovery({
      rules,
      source,
      clock,
      logger: silentLogger(),
      relistIntervalMs: 60_000,
      maxAgeMs: 600_000,
      rediscoveryIntervalMs: 60_000,
    });
    await discovery.relist();
    const runner = (ttlMs: number, log: string[]) =>
      new QueryRunner({
        source: pinned(log),
        cache: new QueryCache<readonly Sample[]>({ ttlMs, now: clock.now }),
        logger: silentLogger(),
      });
    batched = new CustomProvider({
      discovery,
      runner: runner(60_000, asked),
      listers: listers(catalog, pods),
      batching: new QueryBatching({ maxObjects: 1000, now: clock.now, logger: silentLogger() }),
    });
    perObject = new CustomProvider({ discovery, runner: runner(0, []), listers: listers(catalog, pods) });
  });

  after(async () => {
    backend?.close();
    await prom?.close();
  });

  /** Every object of `resource` the fleet has, and one it does not. */
  const objectsOf = (resource: ResourceInfo): { namespace?: string; name: string }[] => {
    const unique = <T>(list: T[]) => [...new Map(list.map((x) => [JSON.stringify(x), x])).values()];
    switch (resource.resource) {
      case "pods":
        return [
          ...pods.map((p) => ({ namespace: p.namespace, name: p.name })),
          { namespace: "ml", name: "gone" },
        ];
      case "deployments":
      case "services":
        return [
          ...unique(pods.map((p) => ({ namespace: p.namespace, name: p.deployment }))),
          { namespace: "ml", name: "gone" },
        ];
      case "nodes":
        return [...unique(pods.map((p) => ({ name: p.node }))), { name: "gone" }];
      case "namespaces":
        return [...NAMESPACES.map((name) => ({ name })), { name: "gone" }];
      default:
        throw new Error(`no objects for ${resource.resource}`);
    }
  };

  const requests = (): CustomMetricRequest[] =>
    discovery.registry.customMetrics().flatMap(({ resource, metricName }) =>
      objectsOf(resource).map((o) => ({
        resource,
        ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
        name: o.name,
        metricName,
        labelSelector: parseLabelSelector(""),
        metricSelector: parseLabelSelector(""),
      })),
    );

  it("answers every object of every metric as one query per object does", async () => {
    const all = requests();
    const metrics = new Set(
      discovery.registry.customMetrics().map((m) => `${m.resource.resource}/${m.metricName}`),
    );
    for (const expected of [
      "pods/gpu_utilization",
      "pods/vllm_kv_cache_usage_perc",
      "pods/http_request_duration_seconds_p95",
      "deployments/http_request_duration_seconds_p95",
      "services/http_request_duration_seconds_p95",
      "nodes/gpu_utilization_node",
      "namespaces/gpu_utilization",
    ]) {
      assert.ok(metrics.has(expected), `${expected} discovered (have ${[...metrics].join(", ")})`);
    }
    let served = 0;
    for (const req of all) {
      const [mine, theirs] = [await outcome(batched, req), await outcome(perObject, req)];
      assert.deepEqual(mine, theirs, `${req.resource.resource}/${req.name}/${req.metricName}`);
      if (Array.isArray(mine)) served++;
    }
    // Most objects have data (the "gone" ones and idle vLLM histograms do not).
    assert.ok(served > all.length * 0.7, `${served} of ${all.length} served`);
    // Every rule is asked once per namespace (or once, for nodes and namespaces), not per object.
    assert.ok(asked.length < all.length / 5, `${asked.length} queries for ${all.length} requests`);
    // Wildcards with selectors, as Pods metrics ask.
    for (const namespace of NAMESPACES) {
      for (const app of DEPLOYMENTS) {
        const req: CustomMetricRequest = {
          resource: catalog.resolve("pods") as ResourceInfo,
          namespace,
          name: "*",
          metricName: "gpu_utilization",
          labelSelector: parseLabelSelector(`app=${app}`),
          metricSelector: parseLabelSelector(""),
        };
        assert.deepEqual(await outcome(batched, req), await outcome(perObject, req));
      }
    }
  });

  it("asks one query per rule and namespace for every object of a namespace", async () => {
    const deployments = catalog.resolve("deployments.apps") as ResourceInfo;
    const podsResource = catalog.resolve("pods") as ResourceInfo;
    // A fresh provider: an empty cache.
    const provider = new CustomProvider({
      discovery,
      runner: new QueryRunner({
        source: pinned(asked),
        cache: new QueryCache<readonly Sample[]>({ ttlMs: 60_000, now: () => AT }),
        logger: silentLogger(),
      }),
      batching: new QueryBatching({ maxObjects: 1000, now: () => AT, logger: silentLogger() }),
    });
    asked.length = 0;
    const inMl = pods.filter((p) => p.namespace === "ml");
    await Promise.all([
      ...inMl.map((p) =>
        provider.getMetric({
          resource: podsResource,
          namespace: "ml",
          name: p.name,
          metricName: "vllm_num_requests_waiting",
          labelSelector: parseLabelSelector(""),
          metricSelector: parseLabelSelector(""),
        }),
      ),
      ...DEPLOYMENTS.map((d) =>
        provider.getMetric({
          resource: deployments,
          namespace: "ml",
          name: d,
          metricName: "http_request_duration_seconds_p95",
          labelSelector: parseLabelSelector(""),
          metricSelector: parseLabelSelector(""),
        }),
      ),
    ]);
    assert.deepEqual([...asked].sort(), [
      'histogram_quantile(0.95, sum by (le, deployment) (rate(http_request_duration_seconds_bucket{namespace="ml",deployment!=""}[2m])))',
      'sum by (pod) (vllm:num_requests_waiting{namespace="ml",pod!=""})',
    ]);
  });
});
