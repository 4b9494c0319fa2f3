/**
 * Mode `Metric`: nothing in the cluster is written but the scaler's own status. The value every
 * adapter replica then serves as foresight_forecast{scaler} (src/adapter/forecastMetric/scalers.ts) is the
 * replicas the forecast plans for × capacityPerReplica, so the user's HPA with
 * `AverageValue: capacityPerReplica` asks for exactly those replicas and takes the larger of that and
 * its reactive metric. In fallback with Release the value is 0: the reactive metric alone decides.
 * The status is refreshed at least every step (at most every minute) even when the value holds, so
 * the adapter can tell a live value from a stale one; while the decision is pending it keeps the
 * value in place. Leaving mode Metric drops status.metric: there is nothing else to give back.
 */
import { formatQuantity } from "../../k8s/quantity.js";
import { isoSeconds } from "../conditions.js";
import { type ExecResult, type Executor, NOTHING, type StatusMetric } from "./types.js";

interface ServedMetric {
  readonly value: string;
  readonly replicas: number;
}

/** The longest a served value goes without a fresh updateTime (shorter when the step is). */
const HEARTBEAT_MS = 60_000;

function servedMetric(replicas: number | undefined, capacityPerReplica: number): ServedMetric {
  const r = replicas ?? 0;
  return { value: formatQuantity(r * capacityPerReplica), replicas: r };
}

function serveMetric(previous: number | undefined, next: ServedMetric): ExecResult {
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

export function metricExecutor(): Executor {
  return {
    name: "metric",
    handles: (spec) => spec.mode === "Metric",
    async apply({ spec, previous, nowMs }, decision) {
      const served = servedMetric(decision.forecastReplicas, spec.capacityPerReplica);
      // The status written last holds null for removed fields.
      const last = previous.metric ?? undefined;
      const heartbeatDue =
        last === undefined ||
        last.replicas !== served.replicas ||
        nowMs - Date.parse(last.updateTime) >= Math.min(spec.history.stepMs, HEARTBEAT_MS);
      const metric: StatusMetric = {
        ...served,
        updateTime: heartbeatDue ? isoSeconds(nowMs) : (last?.updateTime ?? isoSeconds(nowMs)),
      };
      return { ...serveMetric(last?.replicas, served), metric };
    },
    whilePending: ({ previous }) => (previous.metric ? { actions: [], metric: previous.metric } : NOTHING),
    releaseWhilePending: false,
    release: async () => NOTHING,
  };
}
