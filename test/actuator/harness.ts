/**
 * End-to-end rig for the controller: the simulated cluster's Kubernetes API (a simulator, not a real
 * kube-apiserver) with the PredictiveScaler CRD installed, a Deployment and optionally its HPA, a
 * demand signal with a daily cycle read through the MetricsSource port on a simulated clock, and a
 * controller built from the production parts (client-node cluster port, informer, forecaster with
 * cheap models, decision log, event recorder).
 */
import { readFileSync } from "node:fs";
import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { parse as parseYaml } from "yaml";
import type { ClusterObject } from "../../src/actuator/cluster.js";
import { Controller, type ControllerOptions } from "../../src/actuator/controller.js";
import { MemoryDecisionLog } from "../../src/actuator/decisionLog.js";
import { configMapSnapshots } from "../../src/actuator/forecastSnapshots.js";
import { Reconciler } from "../../src/actuator/reconciler.js";
import { ScalerForecaster } from "../../src/actuator/scalerForecaster.js";
import { actingFor, actingScaler, shardOf } from "../../src/actuator/shards.js";
import { systemClock } from "../../src/clock.js";
import { forecastSeries } from "../../src/forecast/engine.js";
import { HoltWintersModel } from "../../src/forecast/models/holtWinters.js";
import { SeasonalNaiveModel } from "../../src/forecast/models/seasonalNaive.js";
import { prepareSeries } from "../../src/forecast/prepare.js";
import type { ForecastFn } from "../../src/forecast/runner.js";
import { ForecastStore } from "../../src/forecast/store.js";
import type { Model } from "../../src/forecast/types.js";
import { ClientNodeActuatorCluster } from "../../src/kube/actuatorClient.js";
import { clientNodeEventSink, EventRecorder, fencedEventSink } from "../../src/kube/events.js";
import { clientNodeLeaseStore, LeaderElector } from "../../src/kube/leaderElection.js";
import type { LeaderTerm } from "../../src/kube/leaderTerm.js";
import { retryKube } from "../../src/kube/retry.js";
import { predictiveScalerWatch } from "../../src/kube/scalerWatch.js";
import { ShardElection } from "../../src/kube/shardElection.js";
import { withTimeout } from "../../src/kube/timeoutCluster.js";
import type {
  CallOptions,
  InstantResult,
  Labels,
  MetricsSource,
  RangeSeries,
} from "../../src/metrics/source.js";
import { MetricsSourceError } from "../../src/metrics/source.js";
import { ClockTimers } from "../../src/replay/clockTimers.js";
import { SimClock } from "../../src/replay/cluster/simClock.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { eventually as poll } from "../harness/eventually.js";
import { type KubeFacade, startKubeFacade } from "../harness/kubeFacade.js";

export const NS = "shop";
export const DAY = 86_400_000;
export const START = Date.UTC(2026, 10, 2, 0, 0, 0);
export const QUERY = 'sum(rate(http_requests_total{app="web"}[2m]))';

const CRD = parseYaml(
  readFileSync(new URL("../../deploy/crd/predictivescalers.foresight.dev.yaml", import.meta.url), "utf8"),
);

/** Requests/s with a daily peak of 600 at 12:00 and a trough of 100 at 00:00. */
export function dailyDemand(t: number): number {
  const phase = ((t % DAY) / DAY) * 2 * Math.PI;
  return 350 - 250 * Math.cos(phase);
}

/** Demand as Prometheus would answer the range query, up to the clock's now; `outage` makes it fail. */
export class DemandSource implements MetricsSource {
  outage = false;
  /** Demand stops arriving after this time (stale data), when set. */
  silentAfterMs: number | undefined;
  constructor(
    private readonly clock: SimClock,
    private readonly demand: (t: number) => number,
  ) {}
  async instant(): Promise<InstantResult> {
    throw new MetricsSourceError("unavailable", "instant queries are not used here");
  }
  async range(
    query: string,
    start: Date,
    end: Date,
    stepSeconds: number,
    _o?: CallOptions,
  ): Promise<RangeSeries[]> {
    if (this.outage) throw new MetricsSourceError("unavailable", "connect ECONNREFUSED 127.0.0.1:9090");
    if (query !== QUERY) throw new MetricsSourceError("query", `unexpected query ${query}`);
    const points: [number, number][] = [];
    const stepMs = stepSeconds * 1000;
    const last = Math.min(end.getTime(), this.clock.now(), this.silentAfterMs ?? Number.POSITIVE_INFINITY);
    for (let t = Math.ceil(start.getTime() / stepMs) * stepMs; t <= last; t += stepMs)
      points.push([t, this.demand(t)]);
    return points.length === 0 ? [] : [{ labels: {}, points }];
  }
  async series(): Promise<Labels[]> {
    return [];
  }
}

export interface Rig {
  readonly facade: KubeFacade;
  readonly kc: KubeConfig;
  readonly clock: SimClock;
  readonly timers: ClockTimers;
  readonly source: DemandSource;
  readonly decisions: MemoryDecisionLog;
  readonly forecaster: ScalerForecaster;
  readonly controller: Controller;
  /** Move simulated time, let forecast updates finish, reconcile every scaler. */
  advance(ms: number, stepMs?: number): Promise<void>;
  /** Reconcile every scaler after pending forecast runs. */
  settle(): Promise<void>;
  /** After a DELETE: reconcile until the finalizer has run and the scaler is gone from the store. */
  gone(name: string): Promise<void>;
  /** Wait until the controller's informer sees the scaler in this state. */
  seen(name: string, check?: (o: ClusterObject) => boolean): Promise<ClusterObject>;
  close(): Promise<void>;
}

/** Install the PredictiveScaler CRD into a simulated API's store. */
export function installCrd(store: KubeFacade["store"]): void {
  store.create("customresourcedefinitions.apiextensions.k8s.io", structuredClone(CRD));
}

export async function startFacade(): Promise<KubeFacade> {
  const facade = await startKubeFacade();
  facade.store.addNamespace(NS);
  installCrd(facade.store);
  facade.store.addDeployment({ namespace: NS, name: "web", replicas: 2, selector: { app: "web" } });
  return facade;
}

export function addHpa(facade: KubeFacade, minReplicas = 2, maxReplicas = 20): void {
  facade.store.create("horizontalpodautoscalers.autoscaling", {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web", namespace: NS, annotations: { "team.example/owner": "shop" } },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
      minReplicas,
      maxReplicas,
      metrics: [
        {
          type: "Pods",
          pods: {
            metric: { name: "http_requests_per_second" },
            target: { type: "AverageValue", averageValue: "50" },
          },
        },
      ],
    },
  });
}

export function scaler(mode: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "foresight.dev/v1alpha1",
    kind: "PredictiveScaler",
    metadata: { name: "web", namespace: NS },
    spec: {
      targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
      demand: { query: QUERY },
      capacityPerReplica: 50,
      leadTime: "10m",
      horizon: "1h",
      history: { length: "4d", step: "5m", minimum: "2d" },
      mode,
      minReplicas: 1,
      maxReplicas: 20,
      scaleDown: { delay: "10m", maxPercentPerMinute: 50 },
      ...extra,
    },
  };
}

export interface RigOptions {
  readonly facade?: KubeFacade;
  readonly clock?: SimClock;
  readonly source?: DemandSource;
  /** Read demand through this instead of `source` (which then stays the daily signal, unused). */
  readonly metrics?: MetricsSource;
  /** Candidate models (default seasonal naive and Holt-Winters). */
  readonly models?: () => Model[];
  readonly isLeader?: () => boolean;
  readonly identity?: string;
  readonly store?: ForecastStore;
  /** The forecasting function; default the engine's. */
  readonly forecast?: ForecastFn;
  /**
   * Bound every call of the controller's cluster port to this many ms, as production does
   * (`withTimeout`, src/cli/actuation.ts); default unbounded.
   */
  readonly apiTimeoutMs?: number;
  /** Fence every write (cluster port and Events) by this leader term, as production does. */
  readonly term?: LeaderTerm;
  /** The kubeconfig's bearer token, so fault rules can tell this rig's requests apart. */
  readonly token?: string;
  /** The controller's periodic reconcile in real time; default 0 (tests drive it). */
  readonly tickMs?: number;
  /** Scalers split into shards (the controller acts for those of the shards held). */
  readonly shards?: ControllerOptions["shards"];
}

export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const facade = options.facade ?? (await startFacade());
  const kc = new KubeConfig();
  kc.loadFromString(facade.kubeconfig(undefined, options.token ? { token: options.token } : {}));
  const clock = options.clock ?? new SimClock(START);
  const timers = new ClockTimers(clock);
  const source = options.source ?? new DemandSource(clock, dailyDemand);
  const logger = createLogger({ level: (process.env.RIG_LOG as "silent") ?? "silent" });
  const cluster =
    options.apiTimeoutMs !== undefined || options.term
      ? withTimeout(new ClientNodeActuatorCluster(kc), options.apiTimeoutMs ?? 10_000, options.term)
      : new ClientNodeActuatorCluster(kc);
  const eventSink = options.term
    ? fencedEventSink(clientNodeEventSink(kc), options.term, options.apiTimeoutMs ?? 10_000)
    : clientNodeEventSink(kc);
  const snapshots = configMapSnapshots(cluster);
  const forecaster = new ScalerForecaster({
    source: options.metrics ?? source,
    store: options.store ?? new ForecastStore({ clock }),
    clock,
    timers,
    forecast: options.forecast ?? forecastSeries,
    onForecast: (id, forecast) => {
      const [namespace = NS, name = id] = id.split("/");
      // In the scaler's scope, as production saves it: fenced by the scaler's shard.
      void actingFor(id, () => snapshots.save({ namespace, name }, forecast)).catch(() => {});
    },
    prepare: prepareSeries,
    models: options.models ?? (() => [new SeasonalNaiveModel(), new HoltWintersModel()]),
    timeoutMs: 120_000,
  });
  const decisions = new MemoryDecisionLog();
  const reconciler = new Reconciler({
    cluster,
    snapshots,
    forecaster,
    clock,
    events: new EventRecorder({ sink: eventSink, component: "foresight", clock, logger }),
    decisions,
    logger,
    demandQuery: (psc) => psc.spec.demand.query ?? "",
    retry: (fn) => retryKube(fn, { baseDelayMs: 5, maxDelayMs: 50 }),
  });
  const scalers = predictiveScalerWatch(kc, logger, systemClock);
  const controller = new Controller({
    scalers,
    reconciler,
    forecaster,
    logger,
    isLeader: options.isLeader ?? (() => true),
    ...(options.shards ? { shards: options.shards } : {}),
    tickMs: options.tickMs ?? 0,
  });
  await controller.start();
  // Until a reconcile starts no forecast run (a new scaler's first run, a changed spec's retrain).
  const settle = async () => {
    do {
      await forecaster.idle();
      await controller.idle();
      await controller.reconcileAll();
      await controller.idle();
    } while (forecaster.busy());
  };
  return {
    facade,
    kc,
    clock,
    timers,
    source,
    decisions,
    forecaster,
    controller,
    settle,
    gone: async (name) => {
      await eventually(async () => {
        await settle();
        return facade.store.find("predictivescalers.foresight.dev", name, NS) ? undefined : true;
      });
    },
    seen: (name, check) =>
      eventually(() => scalers.list().find((o) => o.metadata.name === name && (check ? check(o) : true))),
    async advance(ms, stepMs = 300_000) {
      for (let done = 0; done < ms; done += stepMs) {
        clock.advance(Math.min(stepMs, ms - done));
        timers.tick();
        await settle();
      }
    },
    async close() {
      await controller.stop();
      if (!options.facade) await facade.close();
    },
  };
}

/** Lease timing of a replica's leader election, in real milliseconds. */
export interface LeaseTiming {
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

/** A controller replica with its own LeaderElector on the Lease `foresight-controller` (real time). */
export interface Replica {
  readonly identity: string;
  readonly rig: Rig;
  readonly elector: LeaderElector;
}

/**
 * A replica on a shared simulated cluster: a rig that acts only while its elector leads. With
 * `fenced`, every write is fenced by the elector's term and the replica's requests carry its
 * identity as token (fault rules can single it out), as production runs.
 */
export async function startReplica(
  identity: string,
  timing: LeaseTiming,
  options: RigOptions & { readonly fenced?: boolean },
): Promise<Replica> {
  const holder: { elector?: LeaderElector } = {};
  const rig = await startRig({
    ...options,
    identity,
    isLeader: () => holder.elector?.isLeader() ?? false,
    ...(options.fenced
      ? { token: identity, term: { writableForMs: () => holder.elector?.writableForMs() ?? 0 } }
      : {}),
  });
  const elector = new LeaderElector({
    store: clientNodeLeaseStore(rig.kc),
    namespace: NS,
    name: "foresight-controller",
    identity,
    clock: systemClock,
    ...timing,
    onStartedLeading: () => rig.controller.startedLeading(),
    onStoppedLeading: () => rig.controller.stoppedLeading(),
  });
  holder.elector = elector;
  return { identity, rig, elector };
}

/** A controller replica with sharded election: it acts for the scalers of the shards it holds. */
export interface ShardedReplica {
  readonly identity: string;
  readonly rig: Rig;
  readonly election: ShardElection;
}

/**
 * A replica on a shared simulated cluster with sharded election over `shards` Leases
 * `foresight-controller-shard-<i>` and production fencing: every write is fenced by the Lease of the
 * shard of the scaler being worked on, and the replica's requests carry its identity as token.
 */
export async function startShardedReplica(
  identity: string,
  timing: LeaseTiming,
  shards: number,
  options: RigOptions,
): Promise<ShardedReplica> {
  const holder: { election?: ShardElection } = {};
  const holds = (shard: number) => holder.election?.holds(shard) ?? false;
  const of = (key: string) => shardOf(key, shards);
  const rig = await startRig({
    ...options,
    identity,
    token: identity,
    apiTimeoutMs: options.apiTimeoutMs ?? 10_000,
    shards: { of, holds },
    term: {
      writableForMs: () => {
        const id = actingScaler();
        return id === undefined ? 0 : (holder.election?.writableForMs(of(id)) ?? 0);
      },
    },
  });
  const election = new ShardElection({
    store: clientNodeLeaseStore(rig.kc),
    namespace: NS,
    name: "foresight-controller",
    identity,
    shards,
    clock: systemClock,
    ...timing,
    onAcquired: (shard) => rig.controller.shardAcquired(shard),
    onLost: (shard) => rig.controller.shardLost(shard),
  });
  holder.election = election;
  return { identity, rig, election };
}

/** Polls until `check` returns a value (not undefined), or fails after `ms` of real time. */
export function eventually<T>(check: () => T | undefined | Promise<T | undefined>, ms = 5000): Promise<T> {
  return poll("the condition", check, { timeoutMs: ms, everyMs: 20 });
}

export const PSC = "predictivescalers.foresight.dev";

export interface Cond {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
}

/** The scaler's status as stored (empty when there is none yet). */
export function scalerStatus(rig: Rig, name = "web"): Record<string, unknown> {
  return (rig.facade.store.find(PSC, name, NS)?.status ?? {}) as Record<string, unknown>;
}

export function scalerCondition(rig: Rig, type: string, name = "web"): Cond | undefined {
  return ((scalerStatus(rig, name).conditions ?? []) as Cond[]).find((c) => c.type === type);
}

/** POST the scaler through client-node, as a user would. */
export async function postScaler(rig: Rig, body: Record<string, unknown>): Promise<void> {
  await rig.kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: "foresight.dev",
    version: "v1alpha1",
    namespace: NS,
    plural: "predictivescalers",
    body,
  });
}

/** Create the scaler, wait for the controller to see it, and reconcile. */
export async function createScaler(rig: Rig, body: Record<string, unknown>): Promise<void> {
  await postScaler(rig, body);
  await rig.seen((body.metadata as { name: string }).name);
  await rig.settle();
}

/** A rig at 06:00 with the user's HPA on `web` (minReplicas 2, maxReplicas 15), before any scaler exists. */
export async function hpaRig(options: RigOptions = {}): Promise<Rig> {
  const rig = await startRig(options);
  addHpa(rig.facade, 2, 15);
  rig.clock.advance(DAY / 4);
  return rig;
}

/** Waits until the controller's informer has the scaler as stored (its last status write included). */
export async function synced(rig: Rig, name = "web"): Promise<void> {
  const rv = rig.facade.store.find(PSC, name, NS)?.metadata.resourceVersion;
  if (rv !== undefined) await rig.seen(name, (o) => o.metadata.resourceVersion === rv);
}

/** Create the scaler, then reconcile once more with the informer caught up before and after. */
export async function createSynced(rig: Rig, body: Record<string, unknown>): Promise<void> {
  await createScaler(rig, body);
  await synced(rig);
  await rig.settle();
  await synced(rig);
}

/** DELETE the scaler and reconcile until its finalizer has run and it is gone. */
export async function deleteScaler(rig: Rig, name = "web"): Promise<void> {
  await rig.kc.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({
    group: "foresight.dev",
    version: "v1alpha1",
    namespace: NS,
    plural: "predictivescalers",
    name,
  });
  await rig.gone(name);
}
