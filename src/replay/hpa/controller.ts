/**
 * One HPA sync (reconcileAutoscaler), emulated as a pure function of (time, spec, remembered state,
 * /scale, pods, metric readings), following metrics-api-and-hpa.md §4 and kube-controller-manager's
 * pkg/controller/podautoscaler. Hand-written: no library emulates the HPA controller.
 *
 * Emulated: min/max early exits (§4.2); the scale selector check (empty or unparsable: InvalidSelector);
 * several metrics combined by max with invalid-metric handling and holding desiredReplicas on error
 * (§4.3); Resource and ContainerResource (Utilization, AverageValue), Pods (AverageValue), Object and
 * External (Value, AverageValue) formulas, requests from containers and sidecars, pod grouping with
 * missing and unready pods and the CPU readiness rules (§4.4); legacy normalization (§4.5) and behavior
 * normalization with stabilization windows, policies, selectPolicy and scale-event memory (§4.6);
 * per-direction tolerances (HPAConfigurableTolerance); conditions and events with Kubernetes' reasons.
 *
 * Not emulated: AmbiguousSelector (pods claimed by two HPAs; the caller passes the pods the selector
 * matches), metric label selectors, pod-level requests, failures of the /scale GET/update
 * (FailedGetScale, FailedUpdateScale), scale-to-zero (HPAScaleToZero gate) beyond what the formulas
 * give, and the HPA status write-back itself. The caller fetches readings (metrics API errors arrive
 * as `{ error }`) and applies the returned scale.
 */
import {
  normalizeLegacy,
  normalizeWithBehavior,
  recordScaleEvent,
  resolveBehavior,
  type ScaleEvents,
} from "./normalize.js";
import {
  averageValueReplicas,
  type CpuSampleTiming,
  type Proposal,
  plainMetricReplicas,
  ReplicaCalcError,
  type Tolerances,
  utilizationReplicas,
  valueReplicas,
} from "./replicaCalculator.js";
import { checkScaleSelector } from "./selector.js";
import {
  DEFAULT_HPA_CONTROLLER_CONFIG,
  type HpaCondition,
  type HpaControllerConfig,
  type HpaEvent,
  type HpaState,
  type MetricProposal,
  type MetricReading,
  type MetricSpec,
  type PodMetricsReading,
  type SyncInput,
  type SyncResult,
} from "./types.js";

const DEFAULT_METRICS: MetricSpec[] = [
  { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } },
];
const DEFAULT_METRIC_WINDOW_MS = 60_000;

function metricName(spec: MetricSpec): string {
  switch (spec.type) {
    case "Resource":
      return `${spec.resource.name} resource${spec.resource.target.type === "Utilization" ? " utilization (percentage of request)" : ""}`;
    case "ContainerResource":
      return spec.containerResource.target.type === "Utilization"
        ? `${spec.containerResource.name} container resource utilization (percentage of request)`
        : `${spec.containerResource.name} resource`;
    case "Pods":
      return `pods metric ${spec.pods.metricName}`;
    case "Object":
      return `object metric ${spec.object.metricName}`;
    case "External":
      return `external metric ${spec.external.metricName}`;
  }
}

const FAILURE_REASON: Record<MetricSpec["type"], string> = {
  Resource: "FailedGetResourceMetric",
  ContainerResource: "FailedGetContainerResourceMetric",
  Pods: "FailedGetPodsMetric",
  Object: "FailedGetObjectMetric",
  External: "FailedGetExternalMetric",
};

function podValues(
  reading: MetricReading,
  what: string,
): { values: Map<string, number>; r: PodMetricsReading } {
  if ("error" in reading) throw new ReplicaCalcError(reading.error);
  if (!("values" in reading)) throw new ReplicaCalcError(`${what} needs per-pod values, got a single value`);
  return { values: new Map(Object.entries(reading.values)), r: reading };
}

function singleValue(reading: MetricReading, what: string): number {
  if ("error" in reading) throw new ReplicaCalcError(reading.error);
  if ("value" in reading) return reading.value;
  if ("items" in reading) {
    if (reading.items.length === 0)
      throw new ReplicaCalcError("no metrics returned from external metrics API");
    return reading.items.reduce((a, b) => a + b, 0);
  }
  throw new ReplicaCalcError(`${what} needs a single value, got per-pod values`);
}

function computeMetric(
  spec: MetricSpec,
  reading: MetricReading,
  input: SyncInput,
  tol: Tolerances,
  config: HpaControllerConfig,
): Proposal {
  const current = input.scale.specReplicas;
  const what = metricName(spec);
  switch (spec.type) {
    case "Resource":
    case "ContainerResource": {
      const { name, target, container } =
        spec.type === "Resource" ? { ...spec.resource, container: "" } : spec.containerResource;
      const { values, r } = podValues(reading, what);
      const cpu: CpuSampleTiming | undefined =
        name === "cpu"
          ? {
              nowMs: input.nowMs,
              timestampMs: r.timestampMs ?? input.nowMs,
              windowMs: r.windowMs ?? DEFAULT_METRIC_WINDOW_MS,
            }
          : undefined;
      if (target.type === "Utilization") {
        const args = [values, input.pods, current, target.averageUtilization, tol, cpu, config] as const;
        return utilizationReplicas(name, ...args, container);
      }
      if (target.type === "AverageValue") {
        return plainMetricReplicas(values, input.pods, current, target.averageValue, tol, cpu, config);
      }
      throw new ReplicaCalcError(
        "invalid resource metric source: neither an average utilization target nor an average value (usage) target was set",
      );
    }
    case "Pods": {
      const target = spec.pods.target;
      if (target.type !== "AverageValue")
        throw new ReplicaCalcError(`${what}: only an AverageValue target is valid`);
      const { values } = podValues(reading, what);
      return plainMetricReplicas(values, input.pods, current, target.averageValue, tol, undefined, config);
    }
    case "Object":
    case "External": {
      const target = spec.type === "Object" ? spec.object.target : spec.external.target;
      const value = singleValue(reading, what);
      if (target.type === "Value") return valueReplicas(value, target.value, current, input.pods, tol);
      if (target.type === "AverageValue") {
        const saturate = spec.type === "External";
        return averageValueReplicas(value, target.averageValue, input.scale.statusReplicas, tol, saturate);
      }
      throw new ReplicaCalcError(
        `invalid ${spec.type.toLowerCase()} metric source: neither a value target nor an average value target was set`,
      );
    }
  }
}

/** Merges conditions by type, newest wins (setCondition). */
export function mergeHpaConditions(
  previous: readonly HpaCondition[],
  updates: readonly HpaCondition[],
): HpaCondition[] {
  const byType = new Map(previous.map((c) => [c.type, c]));
  for (const c of updates) byType.set(c.type, c);
  return [...byType.values()];
}

/** Runs one HPA sync at `input.nowMs`. Returns the decision and the next state; never mutates input. */
export function syncHpa(input: SyncInput): SyncResult {
  const config: HpaControllerConfig = { ...DEFAULT_HPA_CONTROLLER_CONFIG, ...input.config };
  const { spec, scale, nowMs } = input;
  const current = scale.specReplicas;
  const minReplicas = spec.minReplicas ?? 1;
  const behavior = spec.behavior ? resolveBehavior(spec.behavior, config) : undefined;
  const conditions: HpaCondition[] = [
    {
      type: "AbleToScale",
      status: "True",
      reason: "SucceededGetScale",
      message: "the HPA controller was able to get the target's current scale",
    },
  ];
  const events: HpaEvent[] = [];
  const proposals: MetricProposal[] = [];
  let recommendations = input.state.recommendations ?? [{ replicas: current, timeMs: nowMs }];
  let scaleEvents: ScaleEvents = { up: input.state.scaleUpEvents, down: input.state.scaleDownEvents };

  const finish = (desired: number, rescale: boolean, extra: Partial<HpaState> = {}): SyncResult => {
    const merged = mergeHpaConditions(input.state.conditions, conditions);
    return {
      desiredReplicas: desired,
      rescale,
      proposals,
      conditions: merged,
      events,
      state: {
        ...input.state,
        recommendations,
        scaleUpEvents: scaleEvents.up,
        scaleDownEvents: scaleEvents.down,
        desiredReplicas: desired,
        conditions: merged,
        ...extra,
      },
    };
  };

  let desired = 0;
  let rescaleReason = "";
  if (current === 0 && minReplicas !== 0) {
    conditions.push({
      type: "ScalingActive",
      status: "False",
      reason: "ScalingDisabled",
      message: "scaling is disabled since the replica count of the target is zero",
    });
    return finish(current, false);
  }
  if (current > spec.maxReplicas) {
    rescaleReason = "Current number of replicas above Spec.MaxReplicas";
    desired = spec.maxReplicas;
  } else if (current < minReplicas) {
    rescaleReason = "Current number of replicas below Spec.MinReplicas";
    desired = minReplicas;
  } else {
    const fromMetrics = computeReplicasForMetrics(
      input,
      config,
      behavior ? tolerancesOf(behavior) : symmetric(config),
    );
    proposals.push(...fromMetrics.proposals);
    conditions.push(...fromMetrics.conditions);
    events.push(...fromMetrics.events);
    if (fromMetrics.replicas === -1) {
      events.push({
        type: "Warning",
        reason: "FailedComputeMetricsReplicas",
        message: fromMetrics.error ?? "",
      });
      // desiredReplicas keeps its previous status value; nothing else is remembered this sync.
      return finish(input.state.desiredReplicas ?? current, false);
    }
    desired = fromMetrics.replicas;
    if (desired > current) rescaleReason = `${fromMetrics.metric} above target`;
    if (desired < current) rescaleReason = "All metrics below target";
    const normalized = behavior
      ? normalizeWithBehavior(
          nowMs,
          recommendations,
          scaleEvents,
          current,
          desired,
          minReplicas,
          spec.maxReplicas,
          behavior,
        )
      : normalizeLegacy(nowMs, recommendations, current, desired, minReplicas, spec.maxReplicas, config);
    recommendations = normalized.recommendations;
    conditions.push(...normalized.conditions);
    desired = normalized.desired;
  }

  if (desired === current) return finish(current, false);
  conditions.push({
    type: "AbleToScale",
    status: "True",
    reason: "SucceededRescale",
    message: `the HPA controller was able to update the target scale to ${desired}`,
  });
  events.push({
    type: "Normal",
    reason: "SuccessfulRescale",
    message: `New size: ${desired}; reason: ${rescaleReason}`,
  });
  if (behavior) scaleEvents = recordScaleEvent(nowMs, scaleEvents, behavior, current, desired);
  return finish(desired, true, { lastScaleTimeMs: nowMs });
}

function symmetric(config: HpaControllerConfig): Tolerances {
  return { up: config.tolerance, down: config.tolerance };
}

function tolerancesOf(behavior: {
  scaleUp: { tolerance: number };
  scaleDown: { tolerance: number };
}): Tolerances {
  return { up: behavior.scaleUp.tolerance, down: behavior.scaleDown.tolerance };
}

interface MetricsOutcome {
  /** -1 means "do not scale" (all invalid, or some invalid and the valid max is below spec.replicas). */
  replicas: number;
  metric: string;
  error?: string;
  proposals: MetricProposal[];
  conditions: HpaCondition[];
  events: HpaEvent[];
}

function computeReplicasForMetrics(
  input: SyncInput,
  config: HpaControllerConfig,
  tol: Tolerances,
): MetricsOutcome {
  const out: MetricsOutcome = { replicas: 0, metric: "", proposals: [], conditions: [], events: [] };
  const selector = checkScaleSelector(input.scale.selector);
  if (!selector.ok) {
    out.events.push(selector.event);
    out.conditions.push(selector.condition);
    return { ...out, replicas: -1, error: selector.error };
  }
  const specs = input.spec.metrics?.length ? input.spec.metrics : DEFAULT_METRICS;
  let invalid = 0;
  let firstInvalid: HpaCondition | undefined;
  specs.forEach((spec, i) => {
    const name = metricName(spec);
    try {
      const reading = input.readings[i];
      if (reading === undefined) throw new ReplicaCalcError(`no reading supplied for metric ${i} (${name})`);
      const p = computeMetric(spec, reading, input, tol, config);
      out.proposals.push({ metric: name, replicas: p.replicas, current: p.current });
      if (out.replicas === 0 || p.replicas > out.replicas) {
        out.replicas = p.replicas;
        out.metric = name;
      }
    } catch (err) {
      if (!(err instanceof ReplicaCalcError)) throw err;
      const reason = FAILURE_REASON[spec.type];
      const message = `failed to get ${name}: ${err.message}`;
      out.proposals.push({ metric: name, error: message });
      out.events.push({ type: "Warning", reason, message });
      if (invalid === 0) {
        firstInvalid = {
          type: "ScalingActive",
          status: "False",
          reason,
          message: `the HPA was unable to compute the replica count: ${message}`,
        };
      }
      invalid++;
    }
  });
  if (invalid > 0) {
    out.error = `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${out.proposals.find((p) => p.error)?.error}`;
  }
  if (invalid >= specs.length || (invalid > 0 && out.replicas < input.scale.specReplicas)) {
    if (firstInvalid) out.conditions.push(firstInvalid);
    return { ...out, replicas: -1 };
  }
  out.conditions.push({
    type: "ScalingActive",
    status: "True",
    reason: "ValidMetricFound",
    message: `the HPA was able to successfully calculate a replica count from ${out.metric}`,
  });
  return out;
}
