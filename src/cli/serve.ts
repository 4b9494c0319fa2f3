/**
 * `foresight serve`: builds the adapter from its parts and starts its two listeners: the aggregated
 * API (HTTPS, --secure-port), which also serves the review API and page, and the plain-HTTP side
 * port for /metrics, health probes and (outside a cluster, on loopback) the review API and page.
 * This is the composition root: every port is chosen here and passed down.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import express, { type Router } from "express";
import { PREDICTIVE_SCALER_GROUP, PREDICTIVE_SCALER_RESOURCE } from "../actuator/types.js";
import { type DelegatedAuth, startDelegatedAuth } from "../adapter/auth/delegatedAuth.js";
import { AUTH_OFF_WARNING, type AuthenticationSetting, resolveAuthentication } from "../adapter/auth/mode.js";
import { CustomProvider } from "../adapter/customProvider.js";
import { Discovery } from "../adapter/discovery.js";
import { ExternalProvider } from "../adapter/externalProvider.js";
import { forecastMetric } from "../adapter/forecastMetric/builtin.js";
import { type KedaScalerServer, startKedaScalerServer } from "../adapter/keda/server.js";
import { createMetricsApi } from "../adapter/metricsApi.js";
import type { CompiledRule } from "../adapter/naming/types.js";
import { QueryBatching } from "../adapter/queryBatching.js";
import { QueryCache } from "../adapter/queryCache.js";
import { QueryRunner } from "../adapter/queryRunner.js";
import { ResourceMetricsProvider } from "../adapter/resourceMetrics/provider.js";
import { compileResourceRules } from "../adapter/resourceMetrics/resourceRules.js";
import { loadServingCert, type ServingCertWatch, watchServingCert } from "../adapter/servingCert.js";
import { type Clock, systemClock } from "../clock.js";
import type { Config } from "../config/schema.js";
import type { Timers } from "../forecast/scheduler.js";
import type { ResourceCatalog } from "../k8s/groupResource.js";
import { cachedAccessReviewer } from "../kube/accessReviewCache.js";
import { clientNodeAccessReviewer } from "../kube/accessReviewClient.js";
import { clientNodeConfigMapReader } from "../kube/authConfigMapReader.js";
import { InformerFactory, readiness } from "../kube/informers.js";
import type { KubeConfigChoice } from "../kube/kubeconfig.js";
import { decorateSource } from "../metrics/decorate.js";
import { PrometheusSource } from "../metrics/prometheusSource.js";
import type { MetricsSource, Sample } from "../metrics/source.js";
import type { Logger } from "../telemetry/logger.js";
import { createSelfMetrics, type SelfMetrics } from "../telemetry/selfMetrics.js";
import { type Actuation, startActuation } from "./actuation.js";
import { watchConfig } from "./configReload.js";
import { createEmbeddedStore } from "./embeddedStore.js";
import { startForecasting } from "./forecasting.js";
import { startReview } from "./review.js";

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
  /**
   * Authentication and authorization of the metrics APIs (src/adapter/auth): on, off, or auto
   * (default: on when running on the in-cluster service account).
   */
  readonly authentication?: AuthenticationSetting;
  /** The Kubernetes connection, or undefined to run without one. */
  readonly kube: KubeConfigChoice | undefined;
  /** The metrics source; default a PrometheusSource built from `config.prometheus`. */
  readonly source?: MetricsSource;
  /**
   * Time of the metrics and of forecasting and actuation (the demo's accelerated simulated clock);
   * default the system clock. Serving caches always use real time.
   */
  readonly dataClock?: Clock;
  /** Timers of forecast schedules (on `dataClock`); default node-cron and intervals. */
  readonly timers?: Timers;
  /** Serve the review API with cluster access checks; default: when running in a pod. */
  readonly inCluster?: boolean;
  /** The config file, watched for changes (rules are reloaded; a broken file changes nothing). */
  readonly configPath?: string;
  /** More routes on the plain-HTTP port (the demo's exporter endpoint). */
  readonly extraRouters?: readonly Router[];
  /** Port of KEDA's external scaler (gRPC, docs/keda.md); not served when undefined. */
  readonly kedaPort?: number;
  /** Serve the KEDA external scaler over TLS with the serving certificate; default plaintext. */
  readonly kedaTls?: boolean;
}

export interface RunningServer {
  readonly securePort: number;
  readonly httpPort: number;
  /** The KEDA external scaler's port, when served. */
  readonly kedaPort?: number;
  close(): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<RunningServer> {
  const { config, logger } = options;
  const dataClock = options.dataClock ?? systemClock;
  // First, so a refused setting fails before anything starts.
  const authDecision = resolveAuthentication(options.authentication ?? "auto", options.kube);
  const metrics = createSelfMetrics({ version: options.version });
  // The config file was read and compiled before serve was called.
  metrics.configLoaded(true, Date.now());
  // No Prometheus URL and no source given: the embedded store scrapes and answers itself.
  const embedded =
    options.source === undefined && config.prometheus.url === undefined
      ? createEmbeddedStore({ config: config.embedded, kube: options.kube, clock: systemClock, logger })
      : undefined;
  const backend =
    options.source ??
    embedded?.source ??
    new PrometheusSource({
      config: config.prometheus,
      logger,
      metrics: {
        onQuery: (e) => {
          metrics.queryDuration.observe({ endpoint: e.endpoint, outcome: e.outcome }, e.durationMs / 1000);
          if (e.outcome !== "ok") metrics.queryErrors.inc({ endpoint: e.endpoint, kind: e.outcome });
        },
        onBudgetRefused: (endpoint) => metrics.queryBudgetRefusals.inc({ endpoint }),
        onWarnings: (e) =>
          metrics.queryWarnings.inc({ endpoint: e.endpoint, kind: e.partial ? "partial" : "warning" }),
      },
    });
  // Every consumer below reads through this: ranges split to fit, queries scoped to the cluster.
  const source = decorateSource(backend, config.prometheus, {
    onSplit: (reason) => metrics.rangeSplits.inc({ reason }),
  });
  if (config.prometheus.clusterMatchers.length > 0)
    logger.info(
      { clusterMatchers: config.prometheus.clusterMatchers },
      "every query is scoped to this cluster's series (prometheus.clusterMatchers)",
    );
  const kube = options.kube;
  const informers = kube
    ? new InformerFactory({
        kubeConfig: kube.kubeConfig,
        resolve: (gr) => options.catalog.resolve(gr.resource, gr.group),
        logger,
        clock: systemClock,
        onFailure: (resource, kind) => metrics.informerFailures.inc({ resource, kind }),
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
    acceptPartial: config.adapter.partialResponse === "warn",
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
  const runner = new QueryRunner({
    source,
    cache,
    logger,
    metrics,
    partialResponse: config.adapter.partialResponse,
  });
  // metrics.k8s.io from `resourceRules` (a broken section stops the start, with every problem).
  const resourceRules = compileResourceRules(config.resourceRules, options.catalog);
  const resource = resourceRules
    ? new ResourceMetricsProvider({
        rules: resourceRules,
        runner,
        ...(informers ? { listers: informers } : {}),
      })
    : undefined;
  if (resourceRules) {
    // Watch pods (and nodes) from the start, so the first `kubectl top` finds the caches synced.
    informers?.listerFor(resourceRules.pods);
    if (resourceRules.servesNodes) informers?.listerFor(resourceRules.nodes);
    logger.info(
      { nodes: resourceRules.servesNodes },
      resourceRules.servesNodes
        ? "serving metrics.k8s.io (pods and nodes) from resourceRules"
        : "serving metrics.k8s.io pods from resourceRules; node metrics are not served (no nodeQuery)",
    );
  }
  const forecasting =
    config.forecast.targets.length > 0
      ? await startForecasting({
          config: config.forecast,
          source,
          logger,
          metrics,
          clock: dataClock,
          ...(options.timers ? { timers: options.timers } : {}),
        })
      : undefined;
  const actuation = await maybeStartActuation(options, source, discovery, metrics);
  const external = new ExternalProvider({
    discovery,
    runner,
    ...(forecasting || actuation
      ? {
          builtins: [
            forecastMetric({
              ...(forecasting ? { forecasts: forecasting } : {}),
              ...(actuation ? { scalers: actuation.metricScalers } : {}),
              clock: dataClock,
            }),
          ],
        }
      : {}),
  });
  // One TokenReview/SubjectAccessReview client behind one answer cache, for the metrics APIs and the
  // review API alike: a token reviewed for one is not reviewed again for the other within 10 s.
  const reviewer = kube
    ? cachedAccessReviewer(clientNodeAccessReviewer(kube.kubeConfig), { clock: systemClock })
    : undefined;
  let delegatedAuth: DelegatedAuth | undefined;
  if (authDecision.on && kube && reviewer) {
    delegatedAuth = await startDelegatedAuth({
      reviewer,
      readConfigMap: clientNodeConfigMapReader(kube.kubeConfig),
      logger,
      clock: systemClock,
    });
    logger.info({ why: authDecision.why }, "metrics APIs: delegated authentication and authorization on");
  } else {
    logger.warn(
      { why: authDecision.why },
      "!!! metrics APIs: AUTHENTICATION AND AUTHORIZATION ARE OFF: anyone who can reach the secure port can read every metric; for local use only (--authentication=on in a cluster) !!!",
    );
  }
  const app = createMetricsApi({
    custom: new CustomProvider({
      discovery,
      runner,
      ...(informers ? { listers: informers } : {}),
      // Sharing a namespace's query needs the cache: without it every request would ask for all.
      ...(config.adapter.batchMaxObjects > 0 && config.adapter.cacheTTL > 0
        ? {
            batching: new QueryBatching({
              maxObjects: config.adapter.batchMaxObjects,
              now: systemClock.now,
              logger,
            }),
          }
        : {}),
    }),
    external,
    ...(resource ? { resource } : {}),
    discovery,
    catalog: options.catalog,
    logger,
    metrics,
    version: options.version,
    ...(delegatedAuth ? { auth: delegatedAuth.step } : {}),
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

  const review = startReview({
    config,
    source,
    clock: dataClock,
    logger,
    version: options.version,
    bindAddress: options.bindAddress,
    reviewer,
    actuation,
    ...(kube ? { kubeConfig: kube.kubeConfig } : {}),
    forecasting,
    externalSources: (name) => discovery.registry.externalSources(name),
    ...(options.inCluster !== undefined ? { inCluster: options.inCluster } : {}),
  });
  // The secure port: the metrics APIs answer /apis/… and /openapi/… straight (the hot path skips
  // express); the rest goes to the review API and page where mounted, which fall back to the metrics
  // APIs' handler (health paths, 404 Status).
  const reviewApp = review ? express() : undefined;
  if (reviewApp && review) {
    reviewApp.disable("x-powered-by");
    for (const router of review.routers) reviewApp.use(router);
    reviewApp.use((req, res) => app(req, res));
  }
  const secureApp = (req: IncomingMessage, res: ServerResponse) => {
    if (!delegatedAuth) res.setHeader("Warning", AUTH_OFF_WARNING);
    if (reviewApp === undefined || isMetricsApiPath(req.url ?? "/")) app(req, res);
    else reviewApp(req, res);
  };
  const servingCert = await loadServingCert(options.tlsCertFile, options.tlsKeyFile);
  if (servingCert.selfSigned)
    logger.info("no --tls-cert-file given: serving with a generated self-signed certificate");
  // With authentication on, every client may present a certificate; which CA it must verify
  // against depends on the authenticator (front proxy or client CA), so it is checked per request.
  const secure = createHttpsServer(
    {
      cert: servingCert.cert,
      key: servingCert.key,
      minVersion: "TLSv1.2",
      ...(delegatedAuth ? { requestCert: true, rejectUnauthorized: false } : {}),
    },
    secureApp,
  );
  secure.keepAliveTimeout = 65_000;
  let certWatch: ServingCertWatch | undefined;
  if (options.tlsCertFile && options.tlsKeyFile) {
    certWatch = watchServingCert({
      certFile: options.tlsCertFile,
      keyFile: options.tlsKeyFile,
      current: servingCert,
      apply: ({ cert, key }) => secure.setSecureContext({ cert, key, minVersion: "TLSv1.2" }),
      logger,
    });
  }

  const health = express();
  health.disable("x-powered-by");
  health.get(["/healthz", "/livez"], (_req, res) => {
    res.type("text/plain").send("ok");
  });
  health.get("/readyz", (_req, res) => {
    // Informers of the serving path, and the PredictiveScaler informer (every replica serves its
    // forecast metric): synced, and none failing long enough to be stale.
    const { ready, problems } = readiness(
      [...(informers ? informers.healths() : []), ...(actuation ? [actuation.informerHealth()] : [])],
      systemClock.now(),
    );
    res
      .status(ready ? 200 : 503)
      .type("text/plain")
      .send(ready ? "ok" : `not ready:\n${problems.join("\n")}\n`);
  });
  health.get("/metrics", async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  for (const router of options.extraRouters ?? []) health.use(router);
  if (review?.onPlainHttp) for (const router of review.routers) health.use(router);
  const plain = createHttpServer(health);

  embedded?.start();
  discovery.start();
  const reloader = options.configPath
    ? watchConfig({
        path: options.configPath,
        running: config,
        catalog: options.catalog,
        discovery,
        logger,
        reloads: metrics.configReloads,
        loaded: (ok, atMs) => metrics.configLoaded(ok, atMs),
      })
    : undefined;
  forecasting?.start();
  // The controller starts in the background: the metrics APIs and health probes never wait for it
  // (its informer may be slow or failing; /readyz says so).
  actuation
    ?.start()
    .catch((err: unknown) =>
      logger.error(
        { err: err instanceof Error ? err.message : String(err) },
        "PredictiveScaler controller failed to start",
      ),
    );
  if (informers) void informers.warm([{ group: "", resource: "pods" }], 10_000);

  const securePort = await listen(secure, options.securePort, options.bindAddress);
  const httpPort = await listen(plain, options.httpPort, options.bindAddress);
  // KEDA's external scaler answers from the same external provider as external.metrics.k8s.io.
  let keda: KedaScalerServer | undefined;
  if (options.kedaPort !== undefined) {
    keda = await startKedaScalerServer({
      metrics: external,
      logger,
      port: options.kedaPort,
      bindAddress: options.bindAddress,
      ...(options.kedaTls ? { tls: { cert: servingCert.cert, key: servingCert.key } } : {}),
    });
  }
  logger.info({ securePort, httpPort, rules: options.rules.length }, "foresight adapter serving");

  return {
    securePort,
    httpPort,
    ...(keda ? { kedaPort: keda.port } : {}),
    async close() {
      await keda?.close();
      reloader?.stop();
      discovery.stop();
      certWatch?.close();
      delegatedAuth?.stop();
      await embedded?.stop();
      await review?.close();
      await actuation?.stop();
      await forecasting?.stop();
      await Promise.all([closeServer(secure), closeServer(plain)]);
      await informers?.stop();
    },
  };
}

/**
 * The PredictiveScaler controller, when enabled, connected to Kubernetes, and the CRD is served
 * (without it the informer would fail forever).
 */
async function maybeStartActuation(
  options: ServeOptions,
  source: MetricsSource,
  discovery: Discovery,
  metrics: SelfMetrics,
): Promise<Actuation | undefined> {
  const { config, logger, kube } = options;
  if (!config.actuator.enabled) return undefined;
  if (!kube) {
    logger.info("PredictiveScaler controller off: no Kubernetes connection");
    return undefined;
  }
  if (!options.catalog.resolve(PREDICTIVE_SCALER_RESOURCE, PREDICTIVE_SCALER_GROUP)) {
    logger.warn(
      "PredictiveScaler controller off: the CRD is not installed (kubectl apply -f deploy/crd/predictivescalers.foresight.dev.yaml, then restart)",
    );
    return undefined;
  }
  return startActuation({
    config: config.actuator,
    kubeConfig: kube.kubeConfig,
    source,
    logger,
    clock: options.dataClock ?? systemClock,
    ...(options.timers ? { timers: options.timers } : {}),
    externalSources: (name) => discovery.registry.externalSources(name),
    registry: metrics.registry,
    onInformerFailure: (kind) =>
      metrics.informerFailures.inc({
        resource: `${PREDICTIVE_SCALER_RESOURCE}.${PREDICTIVE_SCALER_GROUP}`,
        kind,
      }),
  });
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
    // A kept-alive connection that finishes its request goes idle after close() was called; keep
    // closing idle ones until the last has gone, or close() would wait for the keep-alive timeout.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** The aggregated APIs' own paths: discovery and metrics under /apis, and the OpenAPI documents. */
function isMetricsApiPath(url: string): boolean {
  return (
    url === "/apis" || url.startsWith("/apis/") || url.startsWith("/apis?") || url.startsWith("/openapi/")
  );
}
