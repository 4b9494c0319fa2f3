/**
 * Server-side printing columns for the autoscaling-related types (kubernetes
 * `pkg/printers/internalversion`: HPAs, Events, Leases, ConfigMaps, PodTemplates, PriorityClasses).
 * Quantities are stored as their wire strings, so they print as sent.
 */
import type { StoredObject } from "./objects.js";
import { isPlainObject } from "./objects.js";
import { AGE, at, column, humanDuration, list, NAME, num, type PrintColumn, text } from "./printColumns.js";

function quantity(obj: unknown, path: string): string | undefined {
  const v = at(obj, path);
  return typeof v === "string" || typeof v === "number" ? String(v) : undefined;
}

/** One metric of the TARGETS column, as kubectl's `formatHPAMetrics` writes it. */
function hpaMetric(spec: Record<string, unknown>, status: unknown): string {
  const unknown = "<unknown>";
  switch (spec.type) {
    case "External":
    case "Object": {
      const key = spec.type === "External" ? "external" : "object";
      const avg = quantity(spec, `${key}.target.averageValue`);
      if (avg !== undefined)
        return `${quantity(status, `${key}.current.averageValue`) ?? unknown}/${avg} (avg)`;
      return `${quantity(status, `${key}.current.value`) ?? unknown}/${quantity(spec, `${key}.target.value`) ?? unknown}`;
    }
    case "Pods":
      return `${quantity(status, "pods.current.averageValue") ?? unknown}/${quantity(spec, "pods.target.averageValue") ?? unknown}`;
    case "Resource":
    case "ContainerResource": {
      const key = spec.type === "Resource" ? "resource" : "containerResource";
      const name = text(spec, `${key}.name`, "");
      const avg = quantity(spec, `${key}.target.averageValue`);
      if (avg !== undefined)
        return `${name}: ${quantity(status, `${key}.current.averageValue`) ?? unknown}/${avg}`;
      const current = at(status, `${key}.current.averageUtilization`);
      const target = at(spec, `${key}.target.averageUtilization`);
      return `${name}: ${typeof current === "number" ? `${current}%` : unknown}/${typeof target === "number" ? `${target}%` : "<auto>"}`;
    }
    default:
      return unknown;
  }
}

/** kubectl shows two metrics and counts the rest. */
export function hpaTargets(obj: StoredObject): string {
  const specs = list(obj, "spec.metrics");
  if (specs.length === 0) return "<none>";
  const statuses = list(obj, "status.currentMetrics");
  const shown = specs.slice(0, 2).map((spec, i) => hpaMetric(spec, statuses[i]));
  const more = specs.length - shown.length;
  return more > 0 ? `${shown.join(", ")} + ${more} more...` : shown.join(", ");
}

export const HPA_COLUMNS: readonly PrintColumn[] = [
  NAME,
  column(
    "Reference",
    (obj) => `${text(obj, "spec.scaleTargetRef.kind", "")}/${text(obj, "spec.scaleTargetRef.name", "")}`,
  ),
  column("Targets", hpaTargets),
  column("MinPods", (obj) => {
    const min = at(obj, "spec.minReplicas");
    return typeof min === "number" ? String(min) : "<unset>";
  }),
  column("MaxPods", (obj) => num(obj, "spec.maxReplicas"), { type: "integer" }),
  column("Replicas", (obj) => num(obj, "status.currentReplicas"), { type: "integer" }),
  AGE,
];

function since(obj: StoredObject, paths: readonly string[], now: Date): string {
  for (const path of paths) {
    const v = at(obj, path);
    if (typeof v === "string" && v !== "") return humanDuration(now.getTime() - Date.parse(v));
  }
  return "<unknown>";
}

/** core/v1 Events as kubectl prints them. */
export const CORE_EVENT_COLUMNS: readonly PrintColumn[] = [
  column("Last Seen", (obj, now) =>
    since(obj, ["lastTimestamp", "eventTime", "firstTimestamp", "metadata.creationTimestamp"], now),
  ),
  column("Type", (obj) => text(obj, "type", "")),
  column("Reason", (obj) => text(obj, "reason", "")),
  column(
    "Object",
    (obj) => `${text(obj, "involvedObject.kind", "").toLowerCase()}/${text(obj, "involvedObject.name", "")}`,
  ),
  column("Message", (obj) => text(obj, "message", "").trim()),
  column("Source", (obj) => text(obj, "source.component", ""), { priority: 1 }),
  column("Count", (obj) => num(obj, "count") || 1, { type: "integer", priority: 1 }),
  { ...NAME, priority: 1 },
];

/** events.k8s.io/v1 Events printed as kubectl prints them (the core Event printer). */
export const EVENT_COLUMNS: readonly PrintColumn[] = [
  column("Last Seen", (obj, now) =>
    since(
      obj,
      ["series.lastObservedTime", "deprecatedLastTimestamp", "eventTime", "metadata.creationTimestamp"],
      now,
    ),
  ),
  column("Type", (obj) => text(obj, "type", "")),
  column("Reason", (obj) => text(obj, "reason", "")),
  column(
    "Object",
    (obj) => `${text(obj, "regarding.kind", "").toLowerCase()}/${text(obj, "regarding.name", "")}`,
  ),
  column("Message", (obj) => text(obj, "note", "").trim()),
  column("Source", (obj) => text(obj, "reportingController", ""), { priority: 1 }),
  column("Count", (obj) => num(obj, "series.count") || num(obj, "deprecatedCount") || 1, {
    type: "integer",
    priority: 1,
  }),
  { ...NAME, priority: 1 },
];

export const LEASE_COLUMNS: readonly PrintColumn[] = [
  NAME,
  column("Holder", (obj) => text(obj, "spec.holderIdentity", "")),
  AGE,
];

export const CONFIGMAP_COLUMNS: readonly PrintColumn[] = [
  NAME,
  column(
    "Data",
    (obj) => {
      const count = (v: unknown) => (isPlainObject(v) ? Object.keys(v).length : 0);
      return count(obj.data) + count(obj.binaryData);
    },
    { type: "integer" },
  ),
  AGE,
];

export const PODTEMPLATE_COLUMNS: readonly PrintColumn[] = [
  NAME,
  column("Containers", (obj) =>
    list(obj, "template.spec.containers")
      .map((c) => c.name)
      .join(","),
  ),
  column("Images", (obj) =>
    list(obj, "template.spec.containers")
      .map((c) => c.image)
      .join(","),
  ),
  column("Pod Labels", (obj) => {
    const labels = at(obj, "template.metadata.labels");
    const entries = isPlainObject(labels) ? Object.entries(labels).map(([k, v]) => `${k}=${String(v)}`) : [];
    return entries.length > 0 ? entries.sort().join(",") : "<none>";
  }),
];

export const PRIORITYCLASS_COLUMNS: readonly PrintColumn[] = [
  NAME,
  column("Value", (obj) => num(obj, "value"), { type: "integer" }),
  column("Global-Default", (obj) => at(obj, "globalDefault") === true, { type: "boolean" }),
  AGE,
  column("PreemptionPolicy", (obj) => text(obj, "preemptionPolicy", "")),
];
