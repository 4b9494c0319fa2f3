/**
 * Composition of the PredictiveScaler controller for `foresight serve`: the scaler informer (every
 * replica runs it, so every replica serves scalers' forecast metric), leader election on Leases
 * (the scalers split into shards, each led through its own Lease: a replica trains and acts only for
 * the shards it holds; one shard is a single leader), the scalers' forecaster on the production engine and models,
 * the client-node cluster port with retries, Events and the decision log, and the controller's
 * self-metrics on the server's registry.
 */
import { hostname } from "node:os";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Registry } from "prom-client";
import type { ClusterObject } from "../actuator/cluster.js";
import { Controller } from "../actuator/controller.js";
import { type DecisionLog, FileDecisionLog, MemoryDecisionLog } from "../actuator/decisionLog.js";
import { demandQuery, type ExternalSources } from "../actuator/demand.js";
import { configMapSnapshots } from "../actuator/forecastSnapshots.js";
import { metricScalers } from "../actuator/metricScalers.js";
import { Reconciler } from "../actuator/reconciler.js";
import { ScalerForecaster } from "../actuator/scalerForecaster.js";
import { parseScalerKey } from "../actuator/scalerKey.js";
import { registerScalerMetrics } from "../actuator/selfMetrics.js";
import { actingFor, actingScaler, shardOf } from "../actuator/shards.js";
import type { MetricScalers } from "../adapter/forecastMetric/scalers.js";
import { type Clock, systemClock } from "../clock.js";
import type { ActuatorConfig } from "../config/schema.js";
import { systemTimers, type Timers } from "../forecast/scheduler.js";
import { ForecastStore } from "../forecast/store.js";
import type { Series } from "../forecast/types.js";
import { ClientNodeActuatorCluster } from "../kube/actuatorClient.js";
import { clientNodeEventSink, EventRecorder, fencedEventSink } from "../kube/events.js";
import { clientNodeLeaseStore, LeaderElector } from "../kube/leaderElection.js";
import type { LeaderTerm } from "../kube/leaderTerm.js";
import type { InformerFailure, InformerHealth } from "../kube/reflector.js";
import { retryKube } from "../kube/retry.js";
import { predictiveScalerWatch } from "../kube/scalerWatch.js";
import {
  ShardElection,
  type ShardOwnership,
  type ShardStatus,
  singleLeaderOwnership,
} from "../kube/shardElection.js";
import { withTimeout } from "../kube/timeoutCluster.js";
import type { MetricsSource } from "../metrics/source.js";
import type { Logger } from "../telemetry/logger.js";
import { loadModelSet } from "./models.js";

/** How long a Kubernetes request of the controller may take before it is cancelled and retried. */
const API_TIMEOUT_MS = 10_000;

export interface Actuation {
  /** The scalers as the informer sees them (for the review API). */
  scalers(): readonly ClusterObject[];
  /** The scalers in mode Metric, from the same informer (for foresight_forecast{scaler}). */
  readonly metricScalers: MetricScalers;
  readonly decisions: DecisionLog;
  /** The scalers' forecasts (keys `namespace/name`). */
  readonly store: ForecastStore;
  readonly identity: string;
  /** Whether this replica acts for some scalers now (it leads, or holds a shard). */
  isLeader(): boolean;
  /** The shards and who holds them; undefined without leader election (this replica acts for all). */
  shards(): ShardStatus | undefined;
  /** The shard of a scaler (`namespace/name`). */
  shardOf(id: string): number;
  /** The PredictiveScaler informer's health, for /readyz. */
  informerHealth(): InformerHealth;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ActuationDeps {
  readonly config: ActuatorConfig;
  readonly kubeConfig: KubeConfig;
  readonly source: MetricsSource;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly externalSources?: ExternalSources;
  /** Timers of forecast schedules; default node-cron and intervals (the demo runs them on simulated time). */
  readonly timers?: Timers;
  /** Counts failures of the PredictiveScaler informer (the self-metric). */
  readonly onInformerFailure?: (kind: InformerFailure) => void;
  /** Where the controller's self-metrics go (src/actuator/selfMetrics.ts); default none. */
  readonly registry?: Registry;
}

/** The replica's identity in the Lease: the pod name (hostname) and a random suffix, as client-go does. */
function defaultIdentity(): string {
  return `${process.env.POD_NAME ?? hostname()}_${Math.random().toString(16).slice(2, 10)}`;
}

export async function startActuation(deps: ActuationDeps): Promise<Actuation> {
  const { config, kubeConfig: kc, logger, clock } = deps;
  const log = logger.child({ component: "actuator" });
  const identity = defaultIdentity();
  const [{ forecastSeries }, { prepareSeries }] = await Promise.all([
    import("../forecast/engine.js"),
    import("../forecast/prepare.js"),
  ]);
  const store = new ForecastStore({
    ...(config.storePath ? { path: config.storePath } : {}),
    clock,
    onPersistError: (err) => log.warn({ err: err.message }, "cannot write the scalers' forecast snapshot"),
  });
  try {
    await store.load();
  } catch (err) {
    log.warn({ err: (err as Error).message }, "scalers' forecast snapshot ignored: starting cold");
  }
  const allModels = await loadModelSet({
    log,
    wantsNeural: !config.models || config.models.includes("neural"),
    wantsGlobal: !config.models || config.models.includes("global"),
    clock,
    storePath: config.storePath,
  });
  // The shared global model learns from the histories of the scalers this replica forecasts.
  const global = allModels.global;
  const models = (target: string) =>
    allModels(target).filter((m) => !config.models || config.models.includes(m.name));
  const le = config.leaderElection;
  const shardCount = le.enabled ? le.shards : 1;
  const shardOfKey = (id: string) => shardOf(id, shardCount);
  /** Without leader election this replica holds everything. */
  let ownership: ShardOwnership | undefined;
  const holds = (shard: number) => (ownership ? ownership.holds(shard) : true);
  const scalerMetrics = deps.registry
    ? registerScalerMetrics(deps.registry, {
        clock,
        forecast: (id) => store.get(id),
        isLeader: () => (ownership ? ownership.status().held.length > 0 : true),
        // Without leader election this replica holds the one shard there is.
        shards: () => ownership?.status() ?? { shards: 1, held: [0] },
        ...(shardCount > 1
          ? { replicas: () => (ownership as ShardOwnership).status().members?.length ?? 1 }
          : {}),
      })
    : undefined;
  // Every write is fenced by the term of the Lease it is made under: a replica that lost (or never
  // had) it cannot write, and a write its term does not cover is cancelled. With one shard that is
  // the leader's Lease; with shards, the Lease of the shard of the scaler being worked on (`actingFor`:
  // a write outside any scaler's work is refused). Without leader election: no fence.
  const term: LeaderTerm = {
    writableForMs: () => {
      if (!ownership) return Number.POSITIVE_INFINITY;
      if (shardCount === 1) return ownership.writableForMs(0);
      const id = actingScaler();
      return id === undefined ? 0 : ownership.writableForMs(shardOfKey(id));
    },
  };
  // A request the API server never answers fails after 10 s (cancelled) and is retried.
  const cluster = withTimeout(new ClientNodeActuatorCluster(kc), API_TIMEOUT_MS, term);
  const snapshots = configMapSnapshots(cluster);
  const forecaster = new ScalerForecaster({
    source: deps.source,
    store,
    clock,
    timers: deps.timers ?? systemTimers,
    forecast: forecastSeries,
    prepare: prepareSeries,
    models,
    timeoutMs: config.maxTrainSeconds * 1000,
    jitterMs: 30_000,
    // Each new forecast is kept in the cluster, so a replica taking over starts warm.
    onForecast: (id, forecast) => {
      const { namespace, name } = parseScalerKey(id);
      const uid = scalers.list().find((o) => o.metadata.namespace === namespace && o.metadata.name === name)
        ?.metadata.uid;
      actingFor(id, () =>
        snapshots.save({ namespace, name, ...(uid !== undefined ? { uid } : {}) }, forecast),
      ).catch((err: unknown) =>
        log.warn(
          { scaler: id, err: err instanceof Error ? err.message : String(err) },
          "cannot save the forecast",
        ),
      );
    },
    ...(global ? { observeFull: (id: string, series: Series) => global.observe(id, series) } : {}),
    onOutcome: (o) => {
      scalerMetrics?.forecastRun(o.target, o.kind, o.status, o.durationMs / 1000);
      if (o.status === "error")
        log.warn({ scaler: o.target, kind: o.kind, err: o.error?.message }, "scaler forecast failed");
      else if (o.status === "ok") {
        log.debug({ scaler: o.target, kind: o.kind, ms: o.durationMs }, "scaler forecast done");
        if (global && o.kind === "full") {
          // Forget scalers this replica no longer forecasts (deleted, or their shard moved), then
          // fine-tune the shared network (at most hourly; in the background).
          global.retain(new Set(forecaster.names()));
          void global.maybeFineTune();
        }
      }
    },
  });
  let decisions: DecisionLog;
  if (config.decisionLogPath) {
    const file = new FileDecisionLog({
      path: config.decisionLogPath,
      onError: (err) =>
        log.warn({ err: err instanceof Error ? err.message : String(err) }, "cannot write the decision log"),
    });
    const loaded = await file.load();
    if (loaded.skipped > 0) log.warn(loaded, "decision log: malformed lines skipped");
    decisions = file;
  } else decisions = new MemoryDecisionLog();

  const reconciler = new Reconciler({
    cluster,
    snapshots,
    forecaster,
    clock,
    events: new EventRecorder({
      sink: fencedEventSink(clientNodeEventSink(kc), term, API_TIMEOUT_MS),
      component: "foresight",
      host: identity,
      clock,
      logger: log,
    }),
    decisions,
    logger: log,
    ...(scalerMetrics ? { metrics: scalerMetrics } : {}),
    demandQuery: (scaler) => demandQuery(scaler, deps.externalSources),
    retry: (fn) =>
      retryKube(fn, {
        onRetry: (err, attempt, delayMs) =>
          log.debug(
            { attempt, delayMs, err: err instanceof Error ? err.message : String(err) },
            "Kubernetes write retried",
          ),
      }),
  });
  const scalers = predictiveScalerWatch(kc, log, systemClock, deps.onInformerFailure);
  const controller = new Controller({
    scalers,
    reconciler,
    forecaster,
    logger: log,
    isLeader: () => holds(0),
    ...(shardCount > 1 ? { shards: { of: shardOfKey, holds } } : {}),
    tickMs: config.resyncInterval,
  });
  let election: { start(): void; stop(options: { release: boolean }): Promise<void> } | undefined;
  if (le.enabled) {
    const namespace =
      le.namespace ??
      process.env.POD_NAMESPACE ??
      kc.getContextObject(kc.getCurrentContext())?.namespace ??
      "default";
    const timing = {
      leaseDurationMs: le.leaseDuration,
      renewDeadlineMs: le.renewDeadline,
      retryPeriodMs: le.retryPeriod,
      // Lease times are wall-clock times, whatever clock the data runs on (the demo's is faster).
      clock: systemClock,
    };
    if (shardCount === 1) {
      const elector = new LeaderElector({
        store: clientNodeLeaseStore(kc),
        namespace,
        name: le.name,
        identity,
        ...timing,
        onStartedLeading: () => controller.startedLeading(),
        onStoppedLeading: () => controller.stoppedLeading(),
        onNewLeader: (holder) => log.info({ leader: holder, self: holder === identity }, "controller leader"),
        logger: log,
      });
      ownership = singleLeaderOwnership(elector, identity);
      election = elector;
    } else {
      const sharded = new ShardElection({
        store: clientNodeLeaseStore(kc),
        namespace,
        name: le.name,
        identity,
        shards: shardCount,
        ...timing,
        onAcquired: (shard) => controller.shardAcquired(shard),
        onLost: (shard) => controller.shardLost(shard),
        logger: log,
      });
      ownership = sharded;
      election = sharded;
    }
  }
  let stopped = false;
  return {
    scalers: () => scalers.list(),
    metricScalers: () => metricScalers(scalers.list()),
    decisions,
    store,
    identity,
    isLeader: () => (ownership ? ownership.status().held.length > 0 : true),
    shards: () => ownership?.status(),
    shardOf: shardOfKey,
    informerHealth: () => scalers.health(),
    async start() {
      await controller.start();
      if (stopped) return;
      if (election) election.start();
      else controller.startedLeading();
      log.info(
        { identity, leaderElection: le.enabled, ...(le.enabled ? { shards: shardCount } : {}) },
        "PredictiveScaler controller started",
      );
    },
    async stop() {
      stopped = true;
      await election?.stop({ release: true });
      await controller.stop();
      await store.flush();
      if (decisions instanceof FileDecisionLog) await decisions.flush();
    },
  };
}
