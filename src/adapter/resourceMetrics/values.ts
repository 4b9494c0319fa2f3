/**
 * The values of metrics.k8s.io/v1beta1 (k8s.io/metrics pkg/apis/metrics/v1beta1: PodMetrics with
 * ContainerMetrics, NodeMetrics, and their lists) and their JSON: `metadata` (name, namespace,
 * labels, creationTimestamp the time of the answer, as metrics-server and prometheus-adapter set
 * it), `timestamp`, `window` (a Go duration string) and `usage` (cpu and memory Quantities).
 * List items carry no kind or apiVersion, as a Go typed list encodes them.
 */
import { formatTimestamp } from "../metricValues.js";
import { goDuration } from "./quantities.js";

export const METRICS_GROUP = "metrics.k8s.io";
export const METRICS_VERSION = "v1beta1";
const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

/** Usage as Quantity strings, by resource name (`cpu`, `memory`). */
export type Usage = Readonly<Record<string, string>>;

export interface ContainerMetricsValue {
  readonly name: string;
  readonly usage: Usage;
}

export interface PodMetricsValue {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Unix ms: the earliest sample of the pod's containers. */
  readonly timestamp: number;
  readonly windowMs: number;
  readonly containers: readonly ContainerMetricsValue[];
}

export interface NodeMetricsValue {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly timestamp: number;
  readonly windowMs: number;
  readonly usage: Usage;
}

function metadata(
  value: { name: string; namespace?: string; labels: Readonly<Record<string, string>> },
  now: number,
): object {
  return {
    name: value.name,
    ...(value.namespace !== undefined ? { namespace: value.namespace } : {}),
    creationTimestamp: formatTimestamp(now),
    ...(Object.keys(value.labels).length > 0 ? { labels: value.labels } : {}),
  };
}

function podJson(pod: PodMetricsValue, now: number): object {
  return {
    metadata: metadata(pod, now),
    timestamp: formatTimestamp(pod.timestamp),
    window: goDuration(pod.windowMs),
    containers: pod.containers.map((c) => ({ name: c.name, usage: c.usage })),
  };
}

function nodeJson(node: NodeMetricsValue, now: number): object {
  return {
    metadata: metadata(node, now),
    timestamp: formatTimestamp(node.timestamp),
    window: goDuration(node.windowMs),
    usage: node.usage,
  };
}

export function podMetricsJson(pod: PodMetricsValue, now: number): object {
  return { kind: "PodMetrics", apiVersion: API_VERSION, ...podJson(pod, now) };
}

export function podMetricsListJson(pods: readonly PodMetricsValue[], now: number): object {
  return {
    kind: "PodMetricsList",
    apiVersion: API_VERSION,
    metadata: {},
    items: pods.map((p) => podJson(p, now)),
  };
}

export function nodeMetricsJson(node: NodeMetricsValue, now: number): object {
  return { kind: "NodeMetrics", apiVersion: API_VERSION, ...nodeJson(node, now) };
}

export function nodeMetricsListJson(nodes: readonly NodeMetricsValue[], now: number): object {
  return {
    kind: "NodeMetricsList",
    apiVersion: API_VERSION,
    metadata: {},
    items: nodes.map((n) => nodeJson(n, now)),
  };
}
