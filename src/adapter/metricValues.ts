/**
 * Values the providers produce, independent of API version, and their JSON encodings:
 * custom.metrics.k8s.io v1beta1 and v1beta2 differ only in field names (metricName/selector/window
 * vs metric{name,selector}/windowSeconds); external.metrics.k8s.io v1beta1 has its own list kind.
 */
import type { Selector } from "../k8s/labelSelector.js";

export interface DescribedObject {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly apiVersion: string;
}

export interface CustomMetricValue {
  readonly describedObject: DescribedObject;
  readonly metricName: string;
  readonly metricSelector: Selector;
  /** Unix ms of the sample. */
  readonly timestamp: number;
  readonly windowSeconds?: number;
  /** Canonical Quantity string. */
  readonly value: string;
}

export interface ExternalMetricValue {
  readonly metricName: string;
  readonly metricLabels: Readonly<Record<string, string>>;
  readonly timestamp: number;
  readonly windowSeconds?: number;
  readonly value: string;
}

export type CustomVersion = "v1beta1" | "v1beta2";

/** metav1.Time: RFC3339 in UTC with whole seconds. */
export function formatTimestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

interface LabelSelectorJson {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** metav1.LabelSelector for a parsed selector; null for "everything", as the HPA sends it. */
export function labelSelectorJson(selector: Selector): LabelSelectorJson | null {
  if (selector.isEverything()) return null;
  const out: LabelSelectorJson = {};
  for (const req of selector.requirements) {
    if (req.operator === "equals" && req.values.length === 1) {
      out.matchLabels ??= {};
      out.matchLabels[req.key] = req.values[0] as string;
      continue;
    }
    const operator = { equals: "In", notEquals: "NotIn", in: "In", notIn: "NotIn" }[req.operator as string];
    out.matchExpressions ??= [];
    if (operator) out.matchExpressions.push({ key: req.key, operator, values: [...req.values] });
    else if (req.operator === "exists") out.matchExpressions.push({ key: req.key, operator: "Exists" });
    else if (req.operator === "doesNotExist")
      out.matchExpressions.push({ key: req.key, operator: "DoesNotExist" });
  }
  return out;
}

export function customListJson(version: CustomVersion, items: readonly CustomMetricValue[]): object {
  return {
    kind: "MetricValueList",
    apiVersion: `custom.metrics.k8s.io/${version}`,
    metadata: {},
    items: items.map((item) => customItemJson(version, item)),
  };
}

function customItemJson(version: CustomVersion, item: CustomMetricValue): object {
  const selector = labelSelectorJson(item.metricSelector);
  const timestamp = formatTimestamp(item.timestamp);
  if (version === "v1beta1") {
    return {
      describedObject: item.describedObject,
      metricName: item.metricName,
      timestamp,
      ...(item.windowSeconds ? { window: item.windowSeconds } : {}),
      value: item.value,
      selector,
    };
  }
  return {
    describedObject: item.describedObject,
    metric: { name: item.metricName, selector },
    timestamp,
    ...(item.windowSeconds ? { windowSeconds: item.windowSeconds } : {}),
    value: item.value,
  };
}

export function externalListJson(items: readonly ExternalMetricValue[]): object {
  return {
    kind: "ExternalMetricValueList",
    apiVersion: "external.metrics.k8s.io/v1beta1",
    metadata: {},
    items: items.map((item) => ({
      metricName: item.metricName,
      metricLabels: item.metricLabels,
      timestamp: formatTimestamp(item.timestamp),
      ...(item.windowSeconds ? { window: item.windowSeconds } : {}),
      value: item.value,
    })),
  };
}
