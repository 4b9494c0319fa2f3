/**
 * `foresight demo` (`npm start`): the whole product in one process, with no cluster and
 * no Prometheus. A simulated cluster runs an LLM-serving Deployment on GPU nodes whose demand replays
 * a real trace, accelerated; its metrics go into the embedded store with a week of history
 * backfilled; the adapter serves both metrics APIs from it; an HPA controller (the simulated
 * kube-controller-manager's) scales the Deployment through them; a PredictiveScaler in mode Floor
 * with a CapacityBuffer raises its floor ahead of demand; the review API and page show it all.
 *
 * The simulated clock starts at the real now and runs `speed` times faster, so charts show real
 * dates; the trace is aligned so that its time of day matches the clock's.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import express from "express";
import { parse as parseYaml } from "yaml";
import { startKubeFacade } from "../demo/kube/server.js";
import { LiveHpaController } from "../demo/live/hpaController.js";
import { httpMetricsClient, httpResourceMetrics } from "../demo/live/hpaMetricsClient.js";
import { LiveSimulation } from "../demo/live/liveSimulation.js";
import { LatestValues, MetricsFeed } from "../demo/live/metricsFeed.js";
import { readTrace } from "../forecast/traces.js";
import { loadKubeConfig } from "../kube/kubeconfig.js";
import { EmbeddedSource } from "../metrics/embedded/embeddedSource.js";
import { EmbeddedTSDB } from "../metrics/embedded/tsdb.js";
import { ClockTimers } from "../replay/clockTimers.js";
import { TraceDemand } from "../replay/cluster/demand.js";
import { type NodeGroupSpec, SimClock, SimCluster } from "../replay/cluster/index.js";
import type { Logger } from "../telemetry/logger.js";
import { resourceCatalog } from "./catalog.js";
import { loadAndCompile } from "./loadRules.js";
import { type RunningServer, serve } from "./serve.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const DEFAULT_TRACE = join(ROOT, "data/traces/servegen_m_small_rate.csv");
export const DEMO_CONFIG = join(ROOT, "examples/demo.yaml");
const CRD_FILE = join(ROOT, "deploy/crd/predictivescalers.foresight.dev.yaml");

const MINUTE = 60_000;
const DAY = 86_400_000;
const STEP_MS = 15_000;
const GIB = 2 ** 30;
export const NAMESPACE = "demo";
export const DEPLOYMENT = "llm";
/** Pods the trace's busiest minutes need (capacity per pod = p99 of demand ÷ this). */
const PEAK_PODS = 16;
const HISTORY_MS = 7 * DAY;

export interface DemoOptions {
  readonly tracePath?: string;
  /** Simulated time per real time; default 60 (a minute per second). */
  readonly speed?: number;
  /**
   * Read metrics from this Prometheus instead of the embedded store; it must scrape the demo's
   * workload at `<page>/demo/metrics` (no history is backfilled there). Real time only (speed 1):
   * Prometheus stamps what it scrapes with its own clock, so the workload's counters and history
   * must move at the pace of that clock, or rate() and the ranges the forecaster asks for are wrong.
   */
  readonly prometheusUrl?: string;
  readonly securePort: number;
  readonly httpPort: number;
  readonly logger: Logger;
  readonly version: string;
  /** Where simulated time starts (default the real now; tests pin it). */
  readonly startMs?: number;
}

export interface RunningDemo {
  readonly metricsUrl: string;
  readonly pageUrl: string;
  readonly kubeconfigPath: string;
  readonly clock: SimClock;
  readonly server: RunningServer;
  /** The workload's demand (requests/s at the gateway) at a simulated time. */
  demandAt(ms: number): number;
  close(): Promise<void>;
}

function p99(values: readonly number[]): number {
  const sorted = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 1;
}

const gpuNodes: NodeGroupSpec = {
  name: "gpu-l4",
  allocatable: { cpuMilli: 8000, memoryBytes: 32 * GIB, gpu: 1 },
  labels: { "nvidia.com/gpu.product": "NVIDIA-L4" },
  minNodes: 2,
  maxNodes: 40,
  provisioningDelayMs: 4 * MINUTE,
};

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const { logger } = options;
  const speed = options.speed ?? (options.prometheusUrl !== undefined ? 1 : 60);
  if (!(speed > 0 && Number.isFinite(speed)))
    throw new RangeError(`--speed ${speed}: must be a positive number`);
  if (options.prometheusUrl !== undefined && speed !== 1)
    throw new RangeError(
      `--speed ${speed} with --prometheus-url: an external Prometheus stamps its scrapes with its own clock, so the demo runs in real time there (--speed 1, the default with --prometheus-url)`,
    );
  const tracePath = options.tracePath ?? DEFAULT_TRACE;
  const trace = readTrace(tracePath);
  const demandTrace = TraceDemand.fromTrace(trace);
  const capacity = Math.max(1e-9, p99(trace.points.map((p) => p[1])) / PEAK_PODS);

  // The clock starts at the real now; the trace is shifted so that a week of it lies behind.
  const startMs = Math.floor((options.startMs ?? Date.now()) / STEP_MS) * STEP_MS;
  const traceNow = demandTrace.startMs + HISTORY_MS + (startMs % DAY);
  const offsetMs = startMs - traceNow;
  const demandAt = (t: number) => Math.max(0, demandTrace.at(t - offsetMs));
  const warmupMs = 5 * MINUTE;
  const clock = new SimClock(startMs - warmupMs);

  const tsdb = new EmbeddedTSDB({ retentionMs: HISTORY_MS + DAY });
  const latest = new LatestValues();
  const external = options.prometheusUrl !== undefined;
  const feed = new MetricsFeed({
    namespace: NAMESPACE,
    deployment: DEPLOYMENT,
    capacityPerPod: capacity,
    ingest: (labels, t, v) => {
      if (!external) tsdb.ingest(labels, t, v);
      latest.ingest(labels, t, v);
    },
  });
  feed.backfill(startMs - HISTORY_MS, clock.now() - STEP_MS, MINUTE, demandAt);

  const cluster = new SimCluster({ startMs: clock.now(), nodeGroups: [gpuNodes] });
  cluster.addDeployment({
    name: DEPLOYMENT,
    requests: { cpuMilli: 4000, memoryBytes: 16 * GIB, gpu: 1 },
    replicas: Math.max(2, Math.ceil(demandAt(clock.now()) / capacity)),
    startupMs: 3 * MINUTE,
  });
  const facade = await startKubeFacade();
  const store = facade.store;
  store.create("customresourcedefinitions.apiextensions.k8s.io", parseYaml(readFileSync(CRD_FILE, "utf8")));
  const live = new LiveSimulation({
    cluster,
    store,
    namespace: NAMESPACE,
    deployments: [DEPLOYMENT],
    clock,
    nodeGroups: [gpuNodes],
  });
  const observe = () => {
    latest.clear();
    const t = clock.now();
    feed.observe(t, demandAt(t), cluster.pods(DEPLOYMENT));
  };
  // The pods of the start are up and their metrics flowing before anything reads them.
  while (clock.now() < startMs) {
    live.step();
    observe();
  }
  store.create("horizontalpodautoscalers.autoscaling", {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: DEPLOYMENT, namespace: NAMESPACE },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: DEPLOYMENT },
      minReplicas: 2,
      maxReplicas: 40,
      metrics: [
        {
          type: "Pods",
          pods: {
            metric: { name: "vllm_num_requests_running" },
            target: { type: "AverageValue", averageValue: `${String(Math.round(capacity * 0.8 * 1000))}m` },
          },
        },
      ],
    },
  });
  store.create("predictivescalers.foresight.dev", {
    apiVersion: "foresight.dev/v1alpha1",
    kind: "PredictiveScaler",
    metadata: { name: DEPLOYMENT, namespace: NAMESPACE },
    spec: {
      targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: DEPLOYMENT },
      demand: { query: `sum(rate(llm_gateway_requests_total{namespace="${NAMESPACE}"}[2m]))` },
      capacityPerReplica: String(Math.round(capacity * 1000) / 1000),
      leadTime: "5m",
      horizon: "2h",
      history: { length: "7d", step: "5m", minimum: "1d" },
      mode: "Floor",
      minReplicas: 2,
      maxReplicas: 40,
      nodes: { mode: "CapacityBuffer", leadTime: "10m" },
    },
  });

  const dir = mkdtempSync(join(tmpdir(), "foresight-demo-"));
  const kubeconfigPath = join(dir, "kubeconfig");
  facade.kubeconfig(kubeconfigPath);
  const kube = loadKubeConfig(kubeconfigPath);
  const catalog = await resourceCatalog(kube, logger);
  const loaded = await loadAndCompile(DEMO_CONFIG, catalog);
  const timers = new ClockTimers(clock);
  // The workload's metrics as an exporter shows them, for an external Prometheus to scrape.
  const exporter = express.Router();
  exporter.get("/demo/metrics", (_req, res) => {
    res.type("text/plain; version=0.0.4").send(latest.render());
  });
  // The controller's resync is in real time: one simulated minute at this speed (never under 100 ms).
  const actuator = { ...loaded.config.actuator, resyncInterval: Math.max(100, Math.round(MINUTE / speed)) };
  const server = await serve({
    config: external
      ? {
          ...loaded.config,
          actuator,
          prometheus: { ...loaded.config.prometheus, url: options.prometheusUrl },
        }
      : { ...loaded.config, actuator },
    rules: loaded.rules,
    catalog,
    logger,
    version: options.version,
    securePort: options.securePort,
    httpPort: options.httpPort,
    bindAddress: "127.0.0.1",
    kube,
    ...(external ? {} : { source: new EmbeddedSource({ tsdb, clock }) }),
    extraRouters: [exporter],
    dataClock: clock,
    timers,
    inCluster: false,
  });
  const metricsUrl = `https://127.0.0.1:${server.securePort}`;
  const hpa = new LiveHpaController({
    store,
    namespace: NAMESPACE,
    metrics: httpMetricsClient({ baseUrl: metricsUrl, insecure: true }),
    // Resource metrics through metrics.k8s.io when the config has resourceRules, as a real HPA would.
    ...(loaded.config.resourceRules
      ? { resourceMetrics: httpResourceMetrics({ baseUrl: metricsUrl, insecure: true }) }
      : {}),
    clock,
  });

  // One simulated step per tick (every STEP_MS / speed real ms), the HPA synced every 15 s simulated.
  let syncing = false;
  let stopped = false;
  const tickMs = Math.max(10, STEP_MS / speed);
  const timer = setInterval(() => {
    if (stopped || syncing) return;
    live.step();
    observe();
    timers.tick();
    syncing = true;
    hpa
      .sync()
      .catch((err: unknown) => logger.warn({ err: (err as Error).message }, "demo HPA sync failed"))
      .finally(() => {
        syncing = false;
        if (!stopped) live.sync();
      });
  }, tickMs);
  timer.unref();

  return {
    metricsUrl,
    pageUrl: `http://127.0.0.1:${server.httpPort}/`,
    kubeconfigPath,
    clock,
    server,
    demandAt,
    async close() {
      stopped = true;
      clearInterval(timer);
      while (syncing) await new Promise((r) => setTimeout(r, 10));
      await server.close();
      await facade.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The three commands the demo prints. */
export function demoCommands(demo: RunningDemo): string[] {
  const kc = `KUBECONFIG=${demo.kubeconfigPath}`;
  return [
    `${kc} kubectl get --raw "/apis/custom.metrics.k8s.io/v1beta2/namespaces/${NAMESPACE}/pods/*/vllm_num_requests_running" --server ${demo.metricsUrl} --insecure-skip-tls-verify`,
    `curl -s ${demo.pageUrl}api/v1/scalers/${NAMESPACE}/${DEPLOYMENT}`,
    `open ${demo.pageUrl}   # the review page`,
  ];
}
