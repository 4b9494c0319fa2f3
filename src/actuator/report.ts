/**
 * How a reconcile is told: every change the scaler made becomes an Event on its target (what, why,
 * by how much, with the forecast and model) and a decision-log entry; a move of Ready to False
 * (fallback, refusal, API error) a Warning Event on the scaler and an entry; in ForecastOnly each new
 * recommendation an entry (not applied).
 */
import type { Clock } from "../clock.js";
import type { ActuatorCluster, ClusterObject } from "./cluster.js";
import type { Decision } from "./decide.js";
import type { DecisionLog } from "./decisionLog.js";
import type { ExecutedAction } from "./executors/executedAction.js";
import type { Condition, PredictiveScaler, PredictiveScalerStatus } from "./types.js";
import { PREDICTIVE_SCALER_API_VERSION, PREDICTIVE_SCALER_KIND } from "./types.js";

/** The Event port (src/kube/events.ts EventRecorder): best effort, never throws. */
export interface EventsPort {
  record(input: {
    regarding: { apiVersion: string; kind: string; name: string; namespace: string; uid?: string };
    type: "Normal" | "Warning";
    reason: string;
    message: string;
    action?: string;
  }): Promise<void>;
}

export interface ReportDeps {
  readonly events: EventsPort;
  readonly decisions: DecisionLog;
  readonly cluster: ActuatorCluster;
  readonly clock: Clock;
}

export async function reportDecision(
  deps: ReportDeps,
  scaler: PredictiveScaler,
  object: ClusterObject,
  id: string,
  decision: Decision,
  actions: readonly ExecutedAction[],
  conditions: readonly Condition[],
  previous: PredictiveScalerStatus,
  failures: readonly string[],
): Promise<void> {
  const { events, decisions, clock } = deps;
  const spec = scaler.spec;
  const now = clock.now();
  const regarding: Parameters<EventsPort["record"]>[0]["regarding"] = {
    apiVersion: spec.targetRef.apiVersion ?? "apps/v1",
    kind: spec.targetRef.kind,
    name: spec.targetRef.name,
    namespace: scaler.metadata.namespace ?? "default",
  };
  if (actions.length > 0) {
    // kubectl describe finds a workload's events by its uid.
    const uid = await deps.cluster
      .get(regarding)
      .then((o) => o?.metadata.uid)
      .catch(() => undefined);
    if (uid !== undefined) regarding.uid = uid;
  }
  const forecast = Number.isFinite(decision.peak)
    ? {
        value: decision.peak,
        quantile: spec.quantile,
        horizon: spec.leadTime,
        ...(decision.model !== undefined ? { model: decision.model } : {}),
      }
    : undefined;
  const why = `${decision.reason}${decision.model !== undefined ? ` (model ${decision.model})` : ""}`;
  for (const action of actions) {
    decisions.append({
      atMs: now,
      scaler: id,
      mode: spec.mode,
      action: action.type,
      applied: true,
      ...(action.from !== undefined ? { from: action.from } : {}),
      ...(action.to !== undefined ? { to: action.to } : {}),
      reason: `${action.message}: ${why}`,
      ...(forecast ? { forecast } : {}),
    });
    await events.record({
      regarding,
      type: "Normal",
      reason: action.type,
      message: `PredictiveScaler ${scaler.metadata.name} ${action.message}: ${why}`,
      action: action.type,
    });
  }
  const ready = conditions.find((c) => c.type === "Ready");
  const wasReady = previous.conditions?.find((c) => c.type === "Ready");
  if (ready && (ready.reason !== wasReady?.reason || ready.status !== wasReady?.status)) {
    if (ready.status === "False" && ready.reason !== "Pending") {
      decisions.append({
        atMs: now,
        scaler: id,
        mode: spec.mode,
        action: ready.reason === "Fallback" ? "Fallback" : ready.reason === "ApiError" ? "Error" : "Refused",
        applied: false,
        reason: ready.message,
        ...(failures.length > 0 ? { error: failures.join("; ") } : {}),
      });
      await events.record({
        regarding: {
          apiVersion: PREDICTIVE_SCALER_API_VERSION,
          kind: PREDICTIVE_SCALER_KIND,
          name: scaler.metadata.name,
          namespace: regarding.namespace,
          ...(object.metadata.uid !== undefined ? { uid: object.metadata.uid } : {}),
        },
        type: "Warning",
        reason: ready.reason,
        message: ready.message,
      });
    }
  }
  if (
    spec.mode === "ForecastOnly" &&
    decision.forecastReplicas !== (previous.recommendedReplicas ?? undefined)
  ) {
    decisions.append({
      atMs: now,
      scaler: id,
      mode: spec.mode,
      action: "Recommend",
      applied: false,
      ...(previous.recommendedReplicas !== undefined && previous.recommendedReplicas !== null
        ? { from: previous.recommendedReplicas }
        : {}),
      ...(decision.forecastReplicas !== undefined ? { to: decision.forecastReplicas } : {}),
      reason: why,
      ...(forecast ? { forecast } : {}),
    });
  }
}
