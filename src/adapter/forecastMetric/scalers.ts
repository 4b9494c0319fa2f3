/**
 * `foresight_forecast{scaler="<name>"}` for PredictiveScalers in mode Metric: every adapter replica
 * serves it from the scaler's status (`status.metric`, written by the leading controller), so an HPA
 * keeps its forecast metric while leadership moves. The value is the replicas the forecast plans for
 * × capacityPerReplica: with `AverageValue: capacityPerReplica` in the HPA, the metric asks exactly
 * for those replicas. A status older than its scaler's `maxAgeMs` (controller down, forecast stuck)
 * is not served: 503, so the HPA holds instead of scaling on an old number.
 *
 * The adapter reads scalers through `MetricScaler`, plain values the actuator takes off the
 * PredictiveScaler objects (src/actuator/metricScalers.ts), so serving needs nothing of the
 * controller but what its status says.
 */
import type { Selector } from "../../k8s/labelSelector.js";
import type { ExternalMetricValue } from "../metricValues.js";

/** The metric label naming the scaler. */
export const SCALER_METRIC_LABEL = "scaler";

/** One PredictiveScaler in mode Metric, as the adapter serves it. */
export interface MetricScaler {
  readonly namespace: string | undefined;
  readonly name: string;
  /** `status.metric` as the leading controller wrote it; absent before its first forecast. */
  readonly metric?: { readonly value: string; readonly updateTime: string };
  /** How old `metric.updateTime` may be and still be served. */
  readonly maxAgeMs: number;
}

/** The scalers in mode Metric as known now (e.g. from an informer's cache). */
export type MetricScalers = () => readonly MetricScaler[];

export interface ScalerMetricAnswer {
  /** Scalers the selector matched. */
  readonly matched: number;
  readonly items: ExternalMetricValue[];
  /** Why matched scalers could not be served. */
  readonly problems: string[];
}

/** The items for `namespace` and `selector` from the scalers known. */
export function scalerMetricValues(
  scalers: readonly MetricScaler[],
  metricName: string,
  namespace: string,
  selector: Selector,
  nowMs: number,
): ScalerMetricAnswer {
  const items: ExternalMetricValue[] = [];
  const problems: string[] = [];
  let matched = 0;
  for (const scaler of scalers) {
    if (scaler.namespace !== namespace) continue;
    const labels = { [SCALER_METRIC_LABEL]: scaler.name };
    if (!selector.matches(labels)) continue;
    matched++;
    const metric = scaler.metric;
    if (!metric) {
      problems.push(`scaler ${scaler.name}: the controller has not computed the forecast metric yet`);
      continue;
    }
    const updatedMs = Date.parse(metric.updateTime);
    const ageMs = nowMs - updatedMs;
    if (!Number.isFinite(updatedMs) || ageMs > scaler.maxAgeMs) {
      problems.push(
        `scaler ${scaler.name}: forecast metric is stale (last updated ${Number.isFinite(ageMs) ? `${Math.round(ageMs / 1000)} s ago` : "never"}; is the foresight controller running?)`,
      );
      continue;
    }
    items.push({ metricName, metricLabels: labels, timestamp: updatedMs, value: metric.value });
  }
  return { matched, items, problems };
}
