/**
 * Server-side printing columns (what `kubectl get` shows when the server answers with a
 * meta.k8s.io Table), following kubernetes `pkg/printers/internalversion` for the built-in types.
 * Types without columns get the apiserver's default: Name and Created At.
 */
import type { StoredObject } from "./objects.js";
import { isPlainObject } from "./objects.js";

export interface PrintColumn {
  readonly name: string;
  readonly type: "string" | "integer" | "number" | "boolean" | "date";
  readonly format: string;
  readonly description: string;
  /** 0 always shown; 1 only with `-o wide`. */
  readonly priority: 0 | 1;
  readonly cell: (obj: StoredObject, now: Date) => string | number | boolean;
}

/** apimachinery `duration.HumanDuration`, which kubectl's AGE column uses. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

/** The value at a dotted path; numeric parts index arrays ("spec.podSets.0.count"). */
export function at(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.split(".")) {
    if (Array.isArray(cur)) cur = cur[Number(part)];
    else if (isPlainObject(cur)) cur = cur[part];
    else return undefined;
  }
  return cur;
}

export function text(obj: unknown, path: string, fallback = "<none>"): string {
  const v = at(obj, path);
  return typeof v === "string" && v !== "" ? v : fallback;
}

export function num(obj: unknown, path: string): number {
  const v = at(obj, path);
  return typeof v === "number" ? v : 0;
}

export function list(obj: unknown, path: string): Record<string, unknown>[] {
  const v = at(obj, path);
  return Array.isArray(v) ? v.filter(isPlainObject) : [];
}

function conditionStatus(obj: unknown, path: string, type: string): string | undefined {
  const found = list(obj, path).find((c) => c.type === type);
  return typeof found?.status === "string" ? found.status : undefined;
}

function selectorText(selector: unknown): string {
  if (!isPlainObject(selector)) return "<none>";
  const entries = Object.entries(selector).map(([k, v]) => `${k}=${String(v)}`);
  return entries.length > 0 ? entries.join(",") : "<none>";
}

export const NAME: PrintColumn = {
  name: "Name",
  type: "string",
  format: "name",
  description: "Name must be unique within a namespace.",
  priority: 0,
  cell: (obj) => obj.metadata.name,
};

export const AGE: PrintColumn = {
  name: "Age",
  type: "string",
  format: "",
  description: "CreationTimestamp is a timestamp representing the server time when this object was created.",
  priority: 0,
  cell: (obj, now) => humanDuration(now.getTime() - Date.parse(obj.metadata.creationTimestamp)),
};

export function column(
  name: string,
  cell: PrintColumn["cell"],
  options: { type?: PrintColumn["type"]; priority?: 0 | 1; description?: string } = {},
): PrintColumn {
  return {
    name,
    type: options.type ?? "string",
    format: "",
    description: options.description ?? name,
    priority: options.priority ?? 0,
    cell,
  };
}

export const DEFAULT_COLUMNS: readonly PrintColumn[] = [
  NAME,
  {
    name: "Created At",
    type: "date",
    format: "",
    description:
      "CreationTimestamp is a timestamp representing the server time when this object was created.",
    priority: 0,
    cell: (obj) => obj.metadata.creationTimestamp,
  },
];

export const NAMESPACE_COLUMNS: readonly PrintColumn[] = [
  NAME,
  column("Status", (obj) => text(obj, "status.phase", "")),
  AGE,
];

function podStatus(obj: StoredObject): string {
  if (obj.metadata.deletionTimestamp) return "Terminating";
  for (const cs of list(obj, "status.containerStatuses")) {
    const waiting = at(cs, "state.waiting.reason");
    if (typeof waiting === "string") return waiting;
    const terminated = at(cs, "state.terminated.reason");
    if (typeof terminated === "string") return terminated;
  }
  return text(obj, "status.reason", text(obj, "status.phase", "Unknown"));
}

export const POD_COLUMNS: readonly PrintColumn[] = [
  NAME,
  column("Ready", (obj) => {
    const total = list(obj, "spec.containers").length;
    const ready = list(obj, "status.containerStatuses").filter((c) => c.ready === true).length;
    return `${ready}/${total}`;
  }),
  column("Status", podStatus),
  column(
    "Restarts",
    (obj) =>
      String(list(obj, "status.containerStatuses").reduce((sum, c) => sum + num(c, "restartCount"), 0)),
    { type: "string" },
  ),
  AGE,
  column("IP", (obj) => text(obj, "status.podIP"), { priority: 1 }),
  column("Node", (obj) => text(obj, "spec.nodeName"), { priority: 1 }),
  column("Nominated Node", (obj) => text(obj, "status.nominatedNodeName"), { priority: 1 }),
  column("Readiness Gates", () => "<none>", { priority: 1 }),
];

export const NODE_COLUMNS: readonly PrintColumn[] = [
  NAME,
  column("Status", (obj) => {
    const ready = conditionStatus(obj, "status.conditions", "Ready");
    const base = ready === "True" ? "Ready" : ready === "False" ? "NotReady" : "Unknown";
    return at(obj, "spec.unschedulable") === true ? `${base},SchedulingDisabled` : base;
  }),
  column("Roles", (obj) => {
    const roles = Object.keys(obj.metadata.labels ?? {})
      .filter((k) => k.startsWith("node-role.kubernetes.io/"))
      .map((k) => k.slice("node-role.kubernetes.io/".length));
    return roles.length > 0 ? roles.sort().join(",") : "<none>";
  }),
  AGE,
  column("Version", (obj) => text(obj, "status.nodeInfo.kubeletVersion", "")),
  column(
    "Internal-IP",
    (obj) => {
      const found = list(obj, "status.addresses").find((a) => a.type === "InternalIP");
      return typeof found?.address === "string" ? found.address : "<none>";
    },
    { priority: 1 },
  ),
];

export const SERVICE_COLUMNS: readonly PrintColumn[] = [
  NAME,
  column("Type", (obj) => text(obj, "spec.type", "ClusterIP")),
  column("Cluster-IP", (obj) => text(obj, "spec.clusterIP")),
  column("External-IP", (obj) => {
    const ingress = list(obj, "status.loadBalancer.ingress").map((i) => i.ip ?? i.hostname);
    return ingress.length > 0 ? ingress.join(",") : "<none>";
  }),
  column("Port(s)", (obj) => {
    const ports = list(obj, "spec.ports").map((p) => `${num(p, "port")}/${text(p, "protocol", "TCP")}`);
    return ports.length > 0 ? ports.join(",") : "<none>";
  }),
  AGE,
  column("Selector", (obj) => selectorText(at(obj, "spec.selector")), { priority: 1 }),
];

export const DEPLOYMENT_COLUMNS: readonly PrintColumn[] = [
  NAME,
  column("Ready", (obj) => `${num(obj, "status.readyReplicas")}/${num(obj, "spec.replicas")}`),
  column("Up-to-date", (obj) => num(obj, "status.updatedReplicas"), { type: "integer" }),
  column("Available", (obj) => num(obj, "status.availableReplicas"), { type: "integer" }),
  AGE,
  column(
    "Containers",
    (obj) =>
      list(obj, "spec.template.spec.containers")
        .map((c) => c.name)
        .join(","),
    { priority: 1 },
  ),
  column(
    "Images",
    (obj) =>
      list(obj, "spec.template.spec.containers")
        .map((c) => c.image)
        .join(","),
    { priority: 1 },
  ),
  column("Selector", (obj) => selectorText(at(obj, "spec.selector.matchLabels")), { priority: 1 }),
];
