/**
 * Mode `Metric`: nothing in the cluster is written but the scaler's own status. The value every
 * adapter replica then serves as foresight_forecast{scaler} (src/actuator/scalerMetric.ts) is the
 * replicas the forecast plans for × capacityPerReplica, so the user's HPA with
 * `AverageValue: capacityPerReplica` asks for exactly those replicas and takes the larger of that and
 * its reactive metric. In fallback with Release the value is 0: the reactive metric alone decides.
 */
import { formatQuantity } from "../../adapter/quantity.js";
import type { ExecResult } from "./types.js";

export interface ServedMetric {
  readonly value: string;
  readonly replicas: number;
}

export function servedMetric(replicas: number | undefined, capacityPerReplica: number): ServedMetric {
  const r = replicas ?? 0;
  return { value: formatQuantity(r * capacityPerReplica), replicas: r };
}

export function applyMetric(previous: number | undefined, next: ServedMetric): ExecResult {
  if (previous === next.replicas) return { applied: next.replicas, actions: [] };
  return {
    applied: next.replicas,
    actions: [
      {
        type: "ServeMetric",
        ...(previous !== undefined ? { from: previous } : {}),
        to: next.replicas,
        message: `foresight_forecast now asks for ${next.replicas} replicas (value ${next.value})`,
      },
    ],
  };
}
