/**
 * The horizontal-pod-autoscaler part of kube-controller-manager, live over the simulated cluster's
 * object store: each `sync()` is one resync pass (the controller's 15 s period, driven by the caller,
 * e.g. from LiveSimulation's steps) over every HorizontalPodAutoscaler. Per HPA it reads the target's
 * /scale view and the pods its selector matches, asks the metrics APIs for each metric through an
 * `HpaMetricsClient` (in the demo over HTTP(S) against Foresight's own adapter, as the real
 * controller does through the aggregated API), runs the pure emulation `syncHpa`, and writes the
 * result back: the target's desired replicas (as a /scale update would) and the HPA's status, plus
 * core Events. So a PredictiveScaler in mode Floor (raising minReplicas) or Metric (serving the metric
 * an HPA targets) visibly drives scaling. Hand-written: no library runs the HPA controller outside Go.
 *
 * Like Kubernetes: the recommendations and scale events (stabilization, policies) live in memory,
 * seeded from status after a restart; a metric that cannot be fetched makes the HPA hold its replicas
 * with ScalingActive False; metrics are not fetched when the replicas are outside [min, max] (the
 * early exits), nor, and no pods listed, when the scale's selector is empty or does not parse
 * (InvalidSelector). Resource and ContainerResource metrics (metrics.k8s.io) are read through a
 * `resourceMetrics` port when one is given; without it such a metric is a metric error saying so.
 */
import type { Clock } from "../../clock.js";
import { mergeHpaConditions, syncHpa } from "../../replay/hpa/controller.js";
import { checkScaleSelector } from "../../replay/hpa/selector.js";
import {
  type HpaCondition,
  type HpaConditionType,
  type HpaControllerConfig,
  type HpaEvent,
  type HpaState,
  initialHpaState,
  type MetricError,
  type MetricReading,
  type PodMetricsReading,
  type ScaleSubresource,
  type SimPod,
} from "../../replay/hpa/types.js";
import type { StoredObject } from "../kube/objects.js";
import { isPlainObject } from "../kube/objects.js";
import { JSON_PATCH } from "../kube/patch.js";
import type { ResourceType } from "../kube/resourceTypeShape.js";
import { scaleOf } from "../kube/scale.js";
import { KubeApiError } from "../kube/status.js";
import type { ObjectStore } from "../kube/store.js";
import { setValueAt } from "../kube/typeHelpers.js";
import { recordHpaEvent } from "./hpaEvents.js";
import type { HpaMetricsClient } from "./hpaMetricsClient.js";
import {
  conditionsJson,
  HpaObjectError,
  type HpaView,
  hpaViewOf,
  kubeTime,
  type MetricSource,
  metricStatusOf,
  simPodOf,
} from "./hpaObjects.js";

const HPAS = "horizontalpodautoscalers.autoscaling";

/**
 * metrics.k8s.io for one resource: per-pod usage (milli) of the pods matching `podSelector`; with
 * `container` (a ContainerResource metric) the usage of that container in each pod, a pod whose
 * metrics lack it failing the reading, as the controller's metrics client does.
 */
export type ResourceMetricsPort = (
  namespace: string,
  resource: string,
  podSelector: string,
  container?: string,
) => Promise<PodMetricsReading | MetricError>;

export interface LiveHpaControllerOptions {
  readonly store: ObjectStore;
  /** Only HPAs in this namespace; all namespaces when omitted. */
  readonly namespace?: string;
  readonly metrics: HpaMetricsClient;
  /** Time of the syncs (stabilization windows, lastScaleTime); the simulation's clock. */
  readonly clock: Clock;
  /** kube-controller-manager flags (tolerance, downscale stabilization, CPU initialization). */
  readonly config?: Partial<HpaControllerConfig>;
  /** Resource metrics; without it a Resource metric reports "resource metrics are not simulated". */
  readonly resourceMetrics?: ResourceMetricsPort;
  /** Write core/v1 Events for the HPAs (default true). */
  readonly events?: boolean;
}

/** What one HPA's sync did. */
export interface HpaSyncReport {
  readonly namespace: string;
  readonly name: string;
  /** The target's desired replicas before the sync; undefined when its scale could not be read. */
  readonly currentReplicas?: number;
  /** status.desiredReplicas written. */
  readonly desiredReplicas?: number;
  /** True when the target's replicas were changed. */
  readonly rescaled: boolean;
  /** The first warning of this sync (metric, scale or object error). */
  readonly error?: string;
}

const NOT_SIMULATED: MetricError = {
  error: "resource metrics are not simulated (no metrics.k8s.io); use a Pods, Object or External metric",
};

function condition(type: HpaConditionType, reason: string, message: string): HpaCondition {
  return { type, status: "False", reason, message };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Conditions a status already carries, as the emulation's state remembers them. */
function conditionsFromStatus(status: Record<string, unknown>): HpaCondition[] {
  if (!Array.isArray(status.conditions)) return [];
  return status.conditions.filter(isPlainObject).flatMap((c) =>
    (c.type === "AbleToScale" || c.type === "ScalingActive" || c.type === "ScalingLimited") &&
    (c.status === "True" || c.status === "False")
      ? [
          {
            type: c.type,
            status: c.status,
            reason: String(c.reason ?? ""),
            message: String(c.message ?? ""),
          },
        ]
      : [],
  );
}

/** The memory a restarted controller rebuilds from status: desiredReplicas, lastScaleTime, conditions. */
function stateFromStatus(hpa: StoredObject): HpaState {
  const status = isPlainObject(hpa.status) ? hpa.status : {};
  const last = typeof status.lastScaleTime === "string" ? Date.parse(status.lastScaleTime) : Number.NaN;
  return {
    ...initialHpaState(),
    ...(typeof status.desiredReplicas === "number" ? { desiredReplicas: status.desiredReplicas } : {}),
    ...(Number.isFinite(last) ? { lastScaleTimeMs: last } : {}),
    conditions: conditionsFromStatus(status),
  };
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash === -1 ? "" : apiVersion.slice(0, slash);
}

export class LiveHpaController {
  readonly #store: ObjectStore;
  readonly #namespace: string | undefined;
  readonly #metrics: HpaMetricsClient;
  readonly #clock: Clock;
  readonly #config: Partial<HpaControllerConfig>;
  readonly #resourceMetrics: ResourceMetricsPort | undefined;
  readonly #events: boolean;
  /** Per HPA (by uid, so a re-created HPA starts afresh). */
  readonly #states = new Map<string, HpaState>();
  #running: Promise<HpaSyncReport[]> | undefined;

  constructor(options: LiveHpaControllerOptions) {
    this.#store = options.store;
    this.#namespace = options.namespace;
    this.#metrics = options.metrics;
    this.#clock = options.clock;
    this.#config = options.config ?? {};
    this.#resourceMetrics = options.resourceMetrics;
    this.#events = options.events ?? true;
  }

  /**
   * One pass over every HPA, in namespace/name order. A call while a pass runs returns that pass
   * (passes never overlap). Problems of one HPA are reported in its status and Events, not thrown.
   */
  sync(): Promise<HpaSyncReport[]> {
    if (this.#running) return this.#running;
    const pass = this.#syncAll().finally(() => {
      this.#running = undefined;
    });
    this.#running = pass;
    return pass;
  }

  /** The in-memory state of an HPA (by uid), for inspection. */
  stateOf(uid: string): HpaState | undefined {
    return this.#states.get(uid);
  }

  async #syncAll(): Promise<HpaSyncReport[]> {
    const hpas = this.#store.list(
      HPAS,
      this.#namespace !== undefined ? { namespace: this.#namespace } : {},
    ).items;
    const reports: HpaSyncReport[] = [];
    for (const hpa of hpas) reports.push(await this.#syncOne(hpa));
    const present = new Set(hpas.map((h) => h.metadata.uid));
    for (const uid of this.#states.keys()) if (!present.has(uid)) this.#states.delete(uid);
    return reports;
  }

  async #syncOne(hpa: StoredObject): Promise<HpaSyncReport> {
    const nowMs = this.#clock.now();
    const namespace = hpa.metadata.namespace ?? "";
    const name = hpa.metadata.name;
    const state = this.#states.get(hpa.metadata.uid) ?? stateFromStatus(hpa);

    let view: HpaView;
    try {
      view = hpaViewOf(hpa);
    } catch (error) {
      if (!(error instanceof HpaObjectError)) throw error;
      const message = `the HPA was unable to compute the replica count: ${error.message}`;
      return this.#fail(hpa, state, nowMs, [condition("ScalingActive", "InvalidMetricSourceType", message)], {
        type: "Warning",
        reason: "InvalidMetricSourceType",
        message: error.message,
      });
    }

    let type: ResourceType;
    let target: StoredObject;
    let scale: ScaleSubresource;
    try {
      ({ type, target, scale } = this.#scaleOf(namespace, view.target));
    } catch (error) {
      const message = errorText(error);
      return this.#fail(
        hpa,
        state,
        nowMs,
        [
          condition(
            "AbleToScale",
            "FailedGetScale",
            `the HPA controller was unable to get the target's current scale: ${message}`,
          ),
        ],
        { type: "Warning", reason: "FailedGetScale", message },
      );
    }

    const validSelector = checkScaleSelector(scale.selector).ok;
    const pods = validSelector ? this.#podsOf(namespace, scale.selector) : [];
    const current = scale.specReplicas;
    const min = view.spec.minReplicas ?? 1;
    const early = (current === 0 && min !== 0) || current > view.spec.maxReplicas || current < min;
    const readings: MetricReading[] =
      early || !validSelector
        ? []
        : await Promise.all(view.sources.map((s) => this.#read(namespace, s, scale.selector)));

    const result = syncHpa({
      nowMs,
      spec: view.spec,
      state,
      scale,
      pods,
      readings,
      config: this.#config,
    });
    let next = result.state;
    let events = result.events;
    let conditions = result.conditions;
    let rescaled = false;
    if (result.rescale) {
      try {
        const patch: Record<string, unknown> = {};
        setValueAt(
          patch,
          (type.scale as NonNullable<ResourceType["scale"]>).specReplicasPath,
          result.desiredReplicas,
        );
        this.#store.patch(type, target.metadata.name, namespace, patch);
        rescaled = true;
      } catch (error) {
        if (!(error instanceof KubeApiError)) throw error;
        // Scale events and lastScaleTime are only recorded once the update went through.
        const failed = condition(
          "AbleToScale",
          "FailedUpdateScale",
          `the HPA controller was unable to update the target scale: ${error.message}`,
        );
        conditions = mergeHpaConditions(conditions, [failed]);
        const { lastScaleTimeMs: _notScaled, ...kept } = next;
        next = {
          ...kept,
          scaleUpEvents: state.scaleUpEvents,
          scaleDownEvents: state.scaleDownEvents,
          conditions,
          ...(state.lastScaleTimeMs !== undefined ? { lastScaleTimeMs: state.lastScaleTimeMs } : {}),
        };
        events = [
          ...events.filter((e) => e.reason !== "SuccessfulRescale"),
          { type: "Warning", reason: "FailedUpdateScale", message: error.message },
        ];
      }
    }
    this.#states.set(hpa.metadata.uid, next);

    const currentMetrics =
      result.proposals.length > 0
        ? (view.spec.metrics ?? []).map((spec, i) =>
            metricStatusOf(spec, view.sources[i] as MetricSource, result.proposals[i]),
          )
        : undefined;
    this.#writeStatus(hpa, nowMs, {
      currentReplicas: current,
      desiredReplicas: result.desiredReplicas,
      lastScaleTimeMs: next.lastScaleTimeMs,
      currentMetrics,
      conditions,
    });
    for (const e of events) this.#event(hpa, e, nowMs);
    const warning = events.find((e) => e.type === "Warning");
    return {
      namespace,
      name,
      currentReplicas: current,
      desiredReplicas: result.desiredReplicas,
      rescaled,
      ...(warning ? { error: warning.message } : {}),
    };
  }

  /** Status and event for a sync that stopped before the algorithm ran. */
  #fail(
    hpa: StoredObject,
    state: HpaState,
    nowMs: number,
    updates: HpaCondition[],
    event: HpaEvent,
  ): HpaSyncReport {
    const conditions = mergeHpaConditions(state.conditions, updates);
    this.#states.set(hpa.metadata.uid, { ...state, conditions });
    const status = isPlainObject(hpa.status) ? hpa.status : {};
    this.#writeStatus(hpa, nowMs, {
      currentReplicas: typeof status.currentReplicas === "number" ? status.currentReplicas : 0,
      desiredReplicas: state.desiredReplicas ?? 0,
      lastScaleTimeMs: state.lastScaleTimeMs,
      currentMetrics: undefined,
      conditions,
    });
    this.#event(hpa, event, nowMs);
    return {
      namespace: hpa.metadata.namespace ?? "",
      name: hpa.metadata.name,
      rescaled: false,
      error: event.message,
    };
  }

  #scaleOf(
    namespace: string,
    ref: HpaView["target"],
  ): { type: ResourceType; target: StoredObject; scale: ScaleSubresource } {
    const group = groupOf(ref.apiVersion);
    const type = this.#store.registry.resolve(group ? `${ref.kind.toLowerCase()}.${group}` : ref.kind);
    if (!type.scale) {
      throw new Error(`${type.resource}${group ? `.${group}` : ""} "${ref.name}" has no scale subresource`);
    }
    const target = this.#store.get(type, ref.name, namespace);
    const s = scaleOf(type, target);
    const spec = s.spec as { replicas: number };
    const status = s.status as { replicas: number; selector: string };
    return {
      type,
      target,
      scale: { specReplicas: spec.replicas, statusReplicas: status.replicas, selector: status.selector },
    };
  }

  #podsOf(namespace: string, selector: string): SimPod[] {
    return this.#store.list("pods", { namespace, labelSelector: selector }).items.map(simPodOf);
  }

  async #read(namespace: string, source: MetricSource, podSelector: string): Promise<MetricReading> {
    try {
      switch (source.type) {
        case "Resource":
          return this.#resourceMetrics
            ? await this.#resourceMetrics(namespace, source.resource, podSelector)
            : NOT_SIMULATED;
        case "ContainerResource":
          return this.#resourceMetrics
            ? await this.#resourceMetrics(namespace, source.resource, podSelector, source.container)
            : NOT_SIMULATED;
        case "Pods":
          return await this.#metrics.podsMetric(
            namespace,
            source.metricName,
            podSelector,
            ...(source.metricSelector ? [source.metricSelector] : []),
          );
        case "Object": {
          const d = source.describedObject;
          const group = groupOf(d.apiVersion);
          let resource: string;
          try {
            const t = this.#store.registry.resolve(group ? `${d.kind.toLowerCase()}.${group}` : d.kind);
            resource = t.group ? `${t.resource}.${t.group}` : t.resource;
          } catch (error) {
            return { error: `unable to get metric ${source.metricName}: ${errorText(error)}` };
          }
          return await this.#metrics.objectMetric(
            namespace,
            { resource, name: d.name },
            source.metricName,
            ...(source.metricSelector ? [source.metricSelector] : []),
          );
        }
        case "External":
          return await this.#metrics.externalMetric(namespace, source.metricName, source.metricSelector);
      }
    } catch (error) {
      // The port promises MetricError values; a throwing client still must not stop the controller.
      return { error: errorText(error) };
    }
  }

  #writeStatus(
    hpa: StoredObject,
    nowMs: number,
    s: {
      currentReplicas: number;
      desiredReplicas: number;
      lastScaleTimeMs: number | undefined;
      currentMetrics: Record<string, unknown>[] | undefined;
      conditions: readonly HpaCondition[];
    },
  ): void {
    const previous = isPlainObject(hpa.status) ? hpa.status : {};
    const status = {
      ...(hpa.metadata.generation !== undefined ? { observedGeneration: hpa.metadata.generation } : {}),
      ...(s.lastScaleTimeMs !== undefined ? { lastScaleTime: kubeTime(s.lastScaleTimeMs) } : {}),
      currentReplicas: s.currentReplicas,
      desiredReplicas: s.desiredReplicas,
      ...(s.currentMetrics ? { currentMetrics: s.currentMetrics } : {}),
      conditions: conditionsJson(s.conditions, previous.conditions, nowMs),
    };
    try {
      this.#store.patch(
        HPAS,
        hpa.metadata.name,
        hpa.metadata.namespace,
        [{ op: "add", path: "/status", value: status }],
        {
          type: JSON_PATCH,
        },
      );
    } catch (error) {
      // Deleted while we synced: nothing to report on.
      if (!(error instanceof KubeApiError && error.code === 404)) throw error;
    }
  }

  #event(hpa: StoredObject, event: HpaEvent, nowMs: number): void {
    if (this.#events) recordHpaEvent(this.#store, hpa, event, nowMs);
  }
}
