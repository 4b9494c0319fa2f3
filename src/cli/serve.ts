/**
 * `foresight serve`: builds the adapter from its parts and starts its two listeners: the aggregated
 * API (HTTPS, --secure-port) and the plain-HTTP side port for /metrics and health probes.
 * This is the composition root: every port is chosen here and passed down.
 */
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import express from "express";
import { CustomProvider } from "../adapter/customProvider.js";
import { Discovery } from "../adapter/discovery.js";
import { type BuiltinExternalMetric, ExternalProvider } from "../adapter/externalProvider.js";
import { createMetricsApi } from "../adapter/metricsApi.js";
import type { CompiledRule, ResourceCatalog } from "../adapter/naming/types.js";
import { QueryCache } from "../adapter/queryCache.js";
import { QueryRunner } from "../adapter/queryRunner.js";
import { loadServingCert } from "../adapter/servingCert.js";
import { type Clock, systemClock } from "../clock.js";
import type { Config, ForecastConfig } from "../config/schema.js";
import { FORECAST_METRIC, forecastMetricValues } from "../forecast/forecastMetric.js";
import { HistoryCache } from "../forecast/history.js";
import { type ForecastTarget, runTarget } from "../forecast/runner.js";
import { ForecastScheduler, systemTimers, TimeoutError } from "../forecast/scheduler.js";
import { registerForecastMetrics } from "../forecast/selfMetrics.js";
import { ForecastStore } from "../forecast/store.js";
import { InformerFactory } from "../kube/informers.js";
import type { KubeConfigChoice } from "../kube/kubeconfig.js";
import { PrometheusSource } from "../metrics/prometheusSource.js";
import type { MetricsSource, Sample } from "../metrics/source.js";
import type { Logger } from "../telemetry/logger.js";
import { createSelfMetrics, type SelfMetrics } from "../telemetry/selfMetrics.js";

export interface ServeOptions {
  readonly config: Config;
  readonly rules: readonly CompiledRule[];
  readonly catalog: ResourceCatalog;
  readonly logger: Logger;
  readonly version: string;
  readonly securePort: number;
  readonly httpPort: number;
  readonly bindAddress: string;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  /** The Kubernetes connection, or undefined to run without one. */
  readonly kube: KubeConfigChoice | undefined;
}

export interface RunningServer {
  readonly securePort: number;
  readonly httpPort: number;
  close(): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<RunningServer> {
  const { config, logger } = options;
  const metrics = createSelfMetrics();
  const source = new PrometheusSource({
    config: config.prometheus,
    logger,
    metrics: {
      onQuery: (e) => {
        metrics.queryDuration.observe({ endpoint: e.endpoint, outcome: e.outcome }, e.durationMs / 1000);
        if (e.outcome !== "ok") metrics.queryErrors.inc({ endpoint: e.endpoint, kind: e.outcome });
      },
    },
  });
  const kube = options.kube;
  const informers = kube
    ? new InformerFactory({
        kubeConfig: kube.kubeConfig,
        resolve: (gr) => options.catalog.resolve(gr.resource, gr.group),
        logger,
      })
    : undefined;
  if (kube) logger.info({ kubeconfig: kube.source }, "using Kubernetes API");
  else
    logger.warn(
      "no kubeconfig found: wildcard (labelSelector) requests will fail with 503 until one is given",
    );

  const discovery = new Discovery({
    rules: options.rules,
    source,
    clock: systemClock,
    logger,
    metrics,
    relistIntervalMs: config.adapter.relistInterval,
    maxAgeMs: config.adapter.maxAge ?? config.adapter.relistInterval,
    rediscoveryIntervalMs: config.adapter.rediscoveryInterval,
    // Start watching every namespaced resource a metric exists for, before the first request needs it.
    onRegistry: (registry) => {
      for (const { resource } of registry.customMetrics()) informers?.listerFor(resource);
    },
  });
  const cache = new QueryCache<readonly Sample[]>({
    ttlMs: config.adapter.cacheTTL,
    now: systemClock.now,
    onLookup: (result) => metrics.cacheLookups.inc({ result }),
  });
  const runner = new QueryRunner({ source, cache, logger, metrics });
  const forecasting =
    config.forecast.targets.length > 0
      ? await startForecasting({ config: config.forecast, source, logger, metrics, clock: systemClock })
      : undefined;
  const external = new ExternalProvider({
    discovery,
    runner,
    ...(forecasting ? { builtins: [forecasting.metric] } : {}),
  });
  const app = createMetricsApi({
    custom: new CustomProvider({ discovery, runner, ...(informers ? { listers: informers } : {}) }),
    external,
    discovery,
    catalog: options.catalog,
    logger,
    metrics,
    version: options.version,
    ...(config.adapter.cacheTTL > 0
      ? {
          answers: new QueryCache<string>({
            ttlMs: config.adapter.cacheTTL,
            maxEntries: 5_000,
            now: systemClock.now,
          }),
        }
      : {}),
  });

  const servingCert = await loadServingCert(options.tlsCertFile, options.tlsKeyFile);
  if (servingCert.selfSigned)
    logger.info("no --tls-cert-file given: serving with a generated self-signed certificate");
  const secure = createHttpsServer(
    { cert: servingCert.cert, key: servingCert.key, minVersion: "TLSv1.2" },
    app,
  );
  secure.keepAliveTimeout = 65_000;

  const health = express();
  health.disable("x-powered-by");
  health.get(["/healthz", "/livez"], (_req, res) => {
    res.type("text/plain").send("ok");
  });
  health.get("/readyz", (_req, res) => {
    const ready = !informers || informers.allSynced();
    res
      .status(ready ? 200 : 503)
      .type("text/plain")
      .send(ready ? "ok" : "informers not synced");
  });
  health.get("/metrics", async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const plain = createHttpServer(health);

  discovery.start();
  forecasting?.start();
  if (informers) void informers.warm([{ group: "", resource: "pods" }], 10_000);

  const securePort = await listen(secure, options.securePort, options.bindAddress);
  const httpPort = await listen(plain, options.httpPort, options.bindAddress);
  logger.info({ securePort, httpPort, rules: options.rules.length }, "foresight adapter serving");

  return {
    securePort,
    httpPort,
    async close() {
      discovery.stop();
      await forecasting?.stop();
      await Promise.all([closeServer(secure), closeServer(plain)]);
      await informers?.stop();
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stop accepting, let in-flight requests finish, then drop idle keep-alive connections. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

interface Forecasting {
  readonly metric: BuiltinExternalMetric;
  /** Start the schedules and the first runs (a full run for targets without a usable snapshot). */
  start(): void;
  /** Stop the schedules, wait for runs in flight and the last snapshot write. */
  stop(): Promise<void>;
}

/**
 * The forecaster: store (warm from its snapshot), history cache, engine, scheduler, self-metrics
 * and the `foresight_forecast` metric. The engine and its models (TensorFlow.js among them) are
 * loaded only when targets are configured.
 */
async function startForecasting(deps: {
  config: ForecastConfig;
  source: MetricsSource;
  logger: Logger;
  metrics: SelfMetrics;
  clock: Clock;
}): Promise<Forecasting> {
  const { config, source, logger, clock } = deps;
  const log = logger.child({ component: "forecast" });
  const [{ forecastSeries }, { defaultModels }, { prepareSeries }] = await Promise.all([
    import("../forecast/engine.js"),
    import("../forecast/models/registry.js"),
    import("../forecast/prepare.js"),
  ]);
  const store = new ForecastStore({
    ...(config.storePath ? { path: config.storePath } : {}),
    clock,
    onPersistError: (err) => log.warn({ err: err.message }, "cannot write the forecast snapshot"),
  });
  try {
    const loaded = await store.load();
    if (loaded > 0) log.info({ targets: loaded, path: config.storePath }, "forecast snapshot loaded");
  } catch (err) {
    log.warn({ err: (err as Error).message }, "forecast snapshot ignored: starting cold");
  }
  const targets = new Map<string, ForecastTarget & { updateEveryMs: number; schedule: string }>(
    config.targets.map((t) => [
      t.name,
      {
        name: t.name,
        query: t.query,
        stepSeconds: t.step / 1000,
        historyMs: t.history,
        horizonMs: t.horizon,
        quantiles: t.quantiles,
        ...(t.minHistory !== undefined ? { minHistoryMs: t.minHistory } : {}),
        ...(t.models ? { models: t.models } : {}),
        updateEveryMs: t.updateEvery,
        schedule: t.schedule,
      },
    ]),
  );
  store.retain(new Set(targets.keys()));
  const history = new HistoryCache({ source, clock });
  // TensorFlow.js only when some target may use the neural model.
  const wantsNeural = config.targets.some((t) => !t.models || t.models.includes("neural"));
  const tensorflow = wantsNeural
    ? await import("../forecast/tf/backend.js")
        .then(({ loadTensorflow }) => loadTensorflow({ logger: log }))
        .catch((err: unknown) => {
          log.warn(
            { err: (err as Error).message },
            "tensorflow.js unavailable: forecasting without the neural model",
          );
          return undefined;
        })
    : undefined;
  const models = defaultModels(tensorflow ? { tensorflow } : {});
  const selfMetrics = registerForecastMetrics(deps.metrics.registry, { store, clock });
  const scheduler = new ForecastScheduler({
    targets: [...targets.values()],
    timers: systemTimers,
    clock,
    timeoutMs: config.maxTrainSeconds * 1000,
    jitterMs: config.jitter,
    run: (name, kind, signal) => {
      const target = targets.get(name) as ForecastTarget & { updateEveryMs: number };
      // Forecast past the horizon so [now, now + horizon] stays covered until two updates are missed.
      const marginMs = Math.max(2 * target.updateEveryMs, 15 * 60_000);
      const extraSteps = Math.ceil(marginMs / (target.stepSeconds * 1000)) + 1;
      return runTarget(
        target,
        {
          fetchHistory: (t, s) => history.fetch(t, s),
          prepare: prepareSeries,
          forecast: forecastSeries,
          models: () => models,
          store,
          clock,
        },
        { kind, extraSteps, signal },
      );
    },
    onOutcome: (o) => {
      selfMetrics.runFinished(o.target, o.kind, o.status);
      if (o.error instanceof TimeoutError) store.recordError(o.target, o.error.message, clock.now());
      if (o.status === "error")
        log.warn({ target: o.target, kind: o.kind, err: o.error?.message }, "forecast run failed");
      else if (o.status === "ok") {
        const state = store.get(o.target);
        log.info(
          {
            target: o.target,
            kind: o.kind,
            ms: o.durationMs,
            model: state?.forecast?.model,
            ready: state?.readiness.ready,
            ...(state?.readiness.ready === false ? { reason: state.readiness.reason } : {}),
          },
          "forecast run finished",
        );
      }
    },
  });
  const served = [...targets.values()];
  return {
    metric: {
      name: FORECAST_METRIC,
      listed: () => true,
      getMetric: (req) => forecastMetricValues({ targets: served, store, clock }, req.labelSelector),
    },
    start() {
      scheduler.start();
      // A snapshot forecast that still covers the horizon only needs an update; the rest train now.
      const warm = (name: string) => {
        const f = store.get(name)?.forecast;
        const t = targets.get(name);
        return !!f && !!t && f.startMs + f.mean.length * f.stepSeconds * 1000 >= clock.now() + t.horizonMs;
      };
      void scheduler.runAll("full", (name) => !warm(name)).then(() => scheduler.runAll("update", warm));
    },
    async stop() {
      await scheduler.stop();
      await store.flush();
    },
  };
}
