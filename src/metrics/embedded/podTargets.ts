/**
 * Scrape targets from Kubernetes pods annotated the way the prometheus-community Helm chart's
 * `kubernetes-pods` job reads them: `prometheus.io/scrape: "true"` opts a pod in;
 * `prometheus.io/port`, `prometheus.io/path` (default /metrics) and `prometheus.io/scheme`
 * (default http) say where. Pods that are Pending, Succeeded or Failed, or have no IP yet, are
 * skipped. Target labels are that job's: `job`, `instance`, `namespace`, `pod`, `node`, and the
 * pod's own labels with their names sanitized (`app.kubernetes.io/name` → `app_kubernetes_io_name`).
 * Pods come through the PodLister port (the Kubernetes API in production, a fake in tests).
 */
import type { Labels } from "../source.js";
import { DEFAULT_SCRAPE_INTERVAL_MS, DEFAULT_SCRAPE_TIMEOUT_MS, type ScrapeTarget } from "./targets.js";

export const SCRAPE_ANNOTATION = "prometheus.io/scrape";
export const PORT_ANNOTATION = "prometheus.io/port";
export const PATH_ANNOTATION = "prometheus.io/path";
export const SCHEME_ANNOTATION = "prometheus.io/scheme";
export const DEFAULT_POD_JOB = "kubernetes-pods";

/** What discovery needs to know about a pod. */
export interface DiscoveredPod {
  readonly namespace: string;
  readonly name: string;
  /** status.podIP; pods without one are not scraped yet. */
  readonly ip?: string;
  /** status.phase */
  readonly phase?: string;
  readonly nodeName?: string;
  readonly labels?: Labels;
  readonly annotations?: Labels;
  /** Declared container ports, in order; the first is used when no port annotation is given. */
  readonly containerPorts?: readonly number[];
}

/** The port through which the scraper lists pods. */
export interface PodLister {
  listPods(signal?: AbortSignal): Promise<readonly DiscoveredPod[]>;
}

export interface PodTargetOptions {
  /** Default "kubernetes-pods". */
  readonly job?: string;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  /** Copy the pod's labels onto its series (default true, as the Helm chart's labelmap does). */
  readonly podLabels?: boolean;
  /** Default false. */
  readonly honorLabels?: boolean;
}

/** The targets of the annotated, running pods among `pods`, sorted by namespace and name. */
export function podScrapeTargets(
  pods: readonly DiscoveredPod[],
  options: PodTargetOptions = {},
): ScrapeTarget[] {
  const intervalMs = options.intervalMs ?? DEFAULT_SCRAPE_INTERVAL_MS;
  const timeoutMs = Math.min(options.timeoutMs ?? DEFAULT_SCRAPE_TIMEOUT_MS, intervalMs);
  const out: ScrapeTarget[] = [];
  const sorted = [...pods].sort((a, b) =>
    a.namespace === b.namespace ? compare(a.name, b.name) : compare(a.namespace, b.namespace),
  );
  for (const pod of sorted) {
    const annotations = pod.annotations ?? {};
    if (annotations[SCRAPE_ANNOTATION] !== "true") continue;
    if (pod.phase === "Pending" || pod.phase === "Succeeded" || pod.phase === "Failed") continue;
    if (!pod.ip) continue;
    const port = portOf(pod);
    const host = pod.ip.includes(":") ? `[${pod.ip}]` : pod.ip;
    const address = port === undefined ? host : `${host}:${port}`;
    const scheme = annotations[SCHEME_ANNOTATION] === "https" ? "https" : "http";
    const rawPath = annotations[PATH_ANNOTATION] || "/metrics";
    const path = rawPath.startsWith("/") ? rawPath : `/${rawPath}`;
    const labels: Record<string, string> = {};
    if (options.podLabels ?? true) {
      for (const [k, v] of Object.entries(pod.labels ?? {})) if (v !== "") labels[sanitizeLabelName(k)] = v;
    }
    labels.job = options.job ?? DEFAULT_POD_JOB;
    labels.instance = address;
    labels.namespace = pod.namespace;
    labels.pod = pod.name;
    if (pod.nodeName) labels.node = pod.nodeName;
    out.push({
      url: `${scheme}://${address}${path}`,
      labels,
      intervalMs,
      timeoutMs,
      honorLabels: options.honorLabels ?? false,
    });
  }
  return out;
}

/** Prometheus' label name sanitizing: every character outside [a-zA-Z0-9_] becomes `_`. */
export function sanitizeLabelName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_]/g, "_");
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

function portOf(pod: DiscoveredPod): number | undefined {
  const annotated = pod.annotations?.[PORT_ANNOTATION];
  if (annotated !== undefined && /^\d+$/.test(annotated)) {
    const port = Number(annotated);
    if (port >= 1 && port <= 65535) return port;
  }
  return pod.containerPorts?.[0];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
