/**
 * The PredictiveScalers in mode Metric as the adapter serves them (`foresight_forecast{scaler}`,
 * src/adapter/forecastMetric/scalers.ts): read off the objects as an informer holds them, which may
 * not be valid yet. A status is served for three history steps of its scaler: after that the
 * controller is down or its forecast stuck, and the HPA should hold rather than scale on it.
 */
import type { MetricScaler } from "../adapter/forecastMetric/scalers.js";
import { isRecord } from "./cluster.js";
import { historyStepMs } from "./spec.js";
import type { PredictiveScaler } from "./types.js";

/** Stale after this many history steps without a status update. */
export const STALE_STEPS = 3;

/** The scalers in mode Metric among `objects`; anything that is not a scaler object is skipped. */
export function metricScalers(objects: readonly unknown[]): MetricScaler[] {
  const scalers: MetricScaler[] = [];
  for (const object of objects) {
    if (!isRecord(object) || !isRecord(object.metadata) || !isRecord(object.spec)) continue;
    const psc = object as unknown as PredictiveScaler;
    if (psc.spec.mode !== "Metric") continue;
    const metric = psc.status?.metric;
    scalers.push({
      namespace: psc.metadata.namespace,
      name: psc.metadata.name,
      ...(metric ? { metric: { value: metric.value, updateTime: metric.updateTime } } : {}),
      maxAgeMs: STALE_STEPS * historyStepMs(psc.spec),
    });
  }
  return scalers;
}
