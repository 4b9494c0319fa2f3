/**
 * Pure mappings between the stored Kubernetes objects and the HPA emulation's types: an
 * autoscaling/v2 HorizontalPodAutoscaler to an `HpaSpec` plus what to fetch for each metric, a Pod to
 * a `SimPod` (its containers and init containers with their requests, so the emulation counts the
 * sidecars as the controller does), and a sync's result back to the HPA's `status` (currentMetrics,
 * conditions with their lastTransitionTime kept while the status does not change, as apimachinery's
 * SetCondition does).
 * Quantities become milli-units with `milliValue`, as the controller's MilliValue().
 */
import { formatDecimalSI, milliValue } from "../../k8s/quantity.js";
import type {
  HpaBehavior,
  HpaCondition,
  HpaScalingRules,
  HpaSpec,
  MetricProposal,
  MetricSpec,
  MetricTarget,
  SimContainer,
  SimPod,
} from "../../replay/hpa/types.js";
import type { StoredObject } from "../kube/objects.js";
import { isPlainObject } from "../kube/objects.js";
import { labelSelectorString } from "../kube/typeHelpers.js";

/** An HPA object the emulation cannot read; the message names the field. */
export class HpaObjectError extends Error {
  override readonly name = "HpaObjectError";
}

/** A metric's identity: its name, its selector as a string ("" for all) and as written in the HPA. */
interface MetricId {
  readonly metricName: string;
  readonly metricSelector: string;
  readonly selectorJson?: Record<string, unknown>;
}

/** What to ask the metrics APIs for one entry of spec.metrics. */
export type MetricSource =
  | { readonly type: "Resource"; readonly resource: string }
  | { readonly type: "ContainerResource"; readonly resource: string; readonly container: string }
  | ({ readonly type: "Pods" } & MetricId)
  | ({
      readonly type: "Object";
      readonly describedObject: { apiVersion: string; kind: string; name: string };
    } & MetricId)
  | ({ readonly type: "External" } & MetricId);

export interface HpaView {
  readonly spec: HpaSpec;
  /** One per spec.metrics entry, same order. */
  readonly sources: readonly MetricSource[];
  readonly target: { apiVersion: string; kind: string; name: string };
}

type Json = Record<string, unknown>;

function rec(value: unknown): Json {
  return isPlainObject(value) ? value : {};
}

function str(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") throw new HpaObjectError(`${field} is required`);
  return value;
}

function quantityMilli(value: unknown, field: string): number {
  if (typeof value !== "string" && typeof value !== "number") {
    throw new HpaObjectError(`${field} must be a quantity`);
  }
  try {
    return Number(milliValue(String(value)));
  } catch (e) {
    throw new HpaObjectError(`${field}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function targetOf(value: unknown, field: string): MetricTarget {
  const t = rec(value);
  switch (t.type) {
    case "Utilization":
      if (!Number.isInteger(t.averageUtilization)) {
        throw new HpaObjectError(`${field}.averageUtilization must be an integer percentage`);
      }
      return { type: "Utilization", averageUtilization: t.averageUtilization as number };
    case "AverageValue":
      return { type: "AverageValue", averageValue: quantityMilli(t.averageValue, `${field}.averageValue`) };
    case "Value":
      return { type: "Value", value: quantityMilli(t.value, `${field}.value`) };
    default:
      throw new HpaObjectError(
        `${field}.type ${JSON.stringify(t.type)} is not Utilization, AverageValue or Value`,
      );
  }
}

function metricIdOf(metric: Json, at: string): MetricId {
  return {
    metricName: str(metric.name, `${at}.name`),
    metricSelector: labelSelectorString(metric.selector),
    ...(isPlainObject(metric.selector) ? { selectorJson: metric.selector } : {}),
  };
}

function metricOf(m: Json, at: string): { spec: MetricSpec; source: MetricSource } {
  switch (m.type) {
    case "Resource": {
      const r = rec(m.resource);
      const name = str(r.name, `${at}.resource.name`);
      return {
        spec: { type: "Resource", resource: { name, target: targetOf(r.target, `${at}.resource.target`) } },
        source: { type: "Resource", resource: name },
      };
    }
    case "ContainerResource": {
      const r = rec(m.containerResource);
      const name = str(r.name, `${at}.containerResource.name`);
      const container = str(r.container, `${at}.containerResource.container`);
      const target = targetOf(r.target, `${at}.containerResource.target`);
      return {
        spec: { type: "ContainerResource", containerResource: { name, container, target } },
        source: { type: "ContainerResource", resource: name, container },
      };
    }
    case "Pods":
    case "External": {
      const key = m.type === "Pods" ? "pods" : "external";
      const body = rec(m[key]);
      const id = metricIdOf(rec(body.metric), `${at}.${key}.metric`);
      const target = targetOf(body.target, `${at}.${key}.target`);
      const metricName = id.metricName;
      return m.type === "Pods"
        ? { spec: { type: "Pods", pods: { metricName, target } }, source: { type: "Pods", ...id } }
        : {
            spec: { type: "External", external: { metricName, target } },
            source: { type: "External", ...id },
          };
    }
    case "Object": {
      const body = rec(m.object);
      const id = metricIdOf(rec(body.metric), `${at}.object.metric`);
      const d = rec(body.describedObject);
      const describedObject = {
        apiVersion: typeof d.apiVersion === "string" ? d.apiVersion : "v1",
        kind: str(d.kind, `${at}.object.describedObject.kind`),
        name: str(d.name, `${at}.object.describedObject.name`),
      };
      return {
        spec: {
          type: "Object",
          object: { metricName: id.metricName, target: targetOf(body.target, `${at}.object.target`) },
        },
        source: { type: "Object", ...id, describedObject },
      };
    }
    default:
      throw new HpaObjectError(
        `${at}.type ${JSON.stringify(m.type)} is not supported by the simulated HPA controller (Resource, ContainerResource, Pods, Object, External)`,
      );
  }
}

function rulesOf(value: unknown, at: string): HpaScalingRules | undefined {
  if (!isPlainObject(value)) return undefined;
  const out: HpaScalingRules = {};
  if (typeof value.stabilizationWindowSeconds === "number") {
    out.stabilizationWindowSeconds = value.stabilizationWindowSeconds;
  }
  if (value.selectPolicy === "Max" || value.selectPolicy === "Min" || value.selectPolicy === "Disabled") {
    out.selectPolicy = value.selectPolicy;
  }
  if (Array.isArray(value.policies)) {
    out.policies = value.policies.map((p, i) => {
      const r = rec(p);
      if (r.type !== "Pods" && r.type !== "Percent") {
        throw new HpaObjectError(`${at}.policies[${i}].type must be Pods or Percent`);
      }
      return { type: r.type, value: Number(r.value), periodSeconds: Number(r.periodSeconds) };
    });
  }
  if (value.tolerance !== undefined) out.tolerance = quantityMilli(value.tolerance, `${at}.tolerance`) / 1000;
  return out;
}

/** Reads a stored autoscaling/v2 HPA. Throws HpaObjectError naming the first field it cannot use. */
export function hpaViewOf(obj: StoredObject): HpaView {
  const spec = rec(obj.spec);
  const ref = rec(spec.scaleTargetRef);
  const target = {
    apiVersion: typeof ref.apiVersion === "string" ? ref.apiVersion : "",
    kind: str(ref.kind, "spec.scaleTargetRef.kind"),
    name: str(ref.name, "spec.scaleTargetRef.name"),
  };
  if (!Number.isInteger(spec.maxReplicas)) throw new HpaObjectError("spec.maxReplicas must be an integer");
  const metrics = Array.isArray(spec.metrics) ? spec.metrics : [];
  const converted = metrics.map((m, i) => metricOf(rec(m), `spec.metrics[${i}]`));
  const b = rec(spec.behavior);
  const scaleUp = rulesOf(b.scaleUp, "spec.behavior.scaleUp");
  const scaleDown = rulesOf(b.scaleDown, "spec.behavior.scaleDown");
  const behavior: HpaBehavior | undefined = isPlainObject(spec.behavior)
    ? { ...(scaleUp ? { scaleUp } : {}), ...(scaleDown ? { scaleDown } : {}) }
    : undefined;
  return {
    target,
    sources: converted.map((c) => c.source),
    spec: {
      maxReplicas: spec.maxReplicas as number,
      ...(Number.isInteger(spec.minReplicas) ? { minReplicas: spec.minReplicas as number } : {}),
      ...(converted.length > 0 ? { metrics: converted.map((c) => c.spec) } : {}),
      ...(behavior ? { behavior } : {}),
    },
  };
}

function timeMs(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Requests (milli) of one container; a quantity that does not parse is left out, as if not set. */
function containerRequests(c: Json): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, q] of Object.entries(rec(rec(c.resources).requests))) {
    try {
      out[name] = quantityMilli(q, `container ${String(c.name)} requests.${name}`);
    } catch {
      // an unreadable request counts as missing; the HPA then names the container and the pod
    }
  }
  return out;
}

/** spec.containers, then spec.initContainers (flagged, with their restartPolicy). */
function podContainers(spec: Json): SimContainer[] {
  const list = (value: unknown): Json[] => (Array.isArray(value) ? value.map(rec) : []);
  const containers = list(spec.containers).map((c) => ({
    name: String(c.name ?? ""),
    requests: containerRequests(c),
  }));
  const inits = list(spec.initContainers).map((c) => ({
    name: String(c.name ?? ""),
    requests: containerRequests(c),
    init: true,
    ...(typeof c.restartPolicy === "string" ? { restartPolicy: c.restartPolicy } : {}),
  }));
  return [...containers, ...inits];
}

/** A Pod object as the HPA's pod lister sees it. */
export function simPodOf(pod: StoredObject): SimPod {
  const status = rec(pod.status);
  const phase = status.phase === "Unknown" || status.phase === undefined ? "Running" : status.phase;
  const conditions = Array.isArray(status.conditions) ? status.conditions.map(rec) : [];
  const ready = conditions.find((c) => c.type === "Ready");
  const start = timeMs(status.startTime);
  const transition = ready ? timeMs(ready.lastTransitionTime) : undefined;
  return {
    name: pod.metadata.name,
    phase: phase as SimPod["phase"],
    ...(pod.metadata.deletionTimestamp ? { deleted: true } : {}),
    ...(ready ? { ready: ready.status === "True" } : {}),
    ...(start !== undefined ? { startTimeMs: start } : {}),
    ...(transition !== undefined ? { readyTransitionTimeMs: transition } : {}),
    containers: podContainers(rec(pod.spec)),
  };
}

/** metav1.Time text for epoch ms (whole seconds, UTC). */
export function kubeTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

function quantityText(milli: number): string {
  return formatDecimalSI({ mantissa: BigInt(Math.round(milli)), exponent: -3 });
}

/** One autoscaling/v2 MetricStatus; `{ type: "" }` when the metric failed, as the Go zero value. */
export function metricStatusOf(
  spec: MetricSpec,
  source: MetricSource,
  proposal: MetricProposal | undefined,
): Json {
  const current = proposal?.current;
  if (current === undefined) return { type: "" };
  const value = (target: MetricTarget): Json =>
    target.type === "Value" ? { value: quantityText(current) } : { averageValue: quantityText(current) };
  const selector =
    source.type !== "Resource" && source.type !== "ContainerResource" ? source.selectorJson : undefined;
  const resourceCurrent = (target: MetricTarget): Json =>
    target.type === "Utilization" ? { averageUtilization: current } : { averageValue: quantityText(current) };
  const metric = (name: string): Json => (selector ? { name, selector } : { name });
  switch (spec.type) {
    case "Resource":
      return {
        type: "Resource",
        resource: { name: spec.resource.name, current: resourceCurrent(spec.resource.target) },
      };
    case "ContainerResource":
      return {
        type: "ContainerResource",
        containerResource: {
          name: spec.containerResource.name,
          container: spec.containerResource.container,
          current: resourceCurrent(spec.containerResource.target),
        },
      };
    case "Pods":
      return {
        type: "Pods",
        pods: { metric: metric(spec.pods.metricName), current: { averageValue: quantityText(current) } },
      };
    case "Object":
      return {
        type: "Object",
        object: {
          ...(source.type === "Object" ? { describedObject: source.describedObject } : {}),
          metric: metric(spec.object.metricName),
          current: value(spec.object.target),
        },
      };
    case "External":
      return {
        type: "External",
        external: { metric: metric(spec.external.metricName), current: value(spec.external.target) },
      };
  }
}

/** Conditions with lastTransitionTime: kept from `previous` while a type's status is unchanged. */
export function conditionsJson(
  conditions: readonly HpaCondition[],
  previous: unknown,
  nowMs: number,
): Json[] {
  const before = Array.isArray(previous) ? previous.map(rec) : [];
  return conditions.map((c) => {
    const old = before.find((p) => p.type === c.type);
    const since =
      old && old.status === c.status && typeof old.lastTransitionTime === "string"
        ? old.lastTransitionTime
        : kubeTime(nowMs);
    return {
      type: c.type,
      status: c.status,
      lastTransitionTime: since,
      reason: c.reason,
      message: c.message,
    };
  });
}
