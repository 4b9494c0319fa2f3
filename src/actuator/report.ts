/**
 * How a reconcile is told: every change the scaler made becomes an Event on its target (what, why,
 * by how much, with the forecast and model) and a decision-log entry; a move of Ready to False
 * (fallback, refusal, API error) a Warning Event on the scaler and an entry; in ForecastOnly each new
 * recommendation an entry (not applied). Each entry is counted in the self-metrics by action. The log
 * gets one line per change (info), per move into fallback or another Ready=False (warn) and per way
 * out of fallback (info); a reconcile that changes nothing writes none.
 */
import type { Clock } from "../clock.js";
import type { Logger } from "../telemetry/logger.js";
import type { ActuatorCluster, ClusterObject } from "./cluster.js";
import type { Decision } from "./decide.js";
import type { DecisionEntry, DecisionLog } from "./decisionLog.js";
import type { ExecutedAction } from "./executors/executedAction.js";
import { type ReconcileRecord, scalerStateOf } from "./selfMetrics.js";
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
  readonly logger?: Logger;
  /** Counts each decision-log entry (self-metrics). */
  readonly record?: Pick<ReconcileRecord, "decision">;
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
  const { events, clock, logger } = deps;
  const append = (entry: DecisionEntry) => {
    deps.decisions.append(entry);
    deps.record?.decision(entry.action);
  };
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
    logger?.info(
      {
        scaler: id,
        mode: spec.mode,
        action: action.type,
        ...(action.from !== undefined ? { from: action.from } : {}),
        ...(action.to !== undefined ? { to: action.to } : {}),
        reason: why,
      },
      `${action.type}: ${action.message}`,
    );
    append({
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
    if (wasReady?.reason === "Fallback" && ready.reason !== "Fallback")
      logger?.info(
        { scaler: id, mode: spec.mode, reason: ready.reason, message: ready.message },
        `PredictiveScaler left Fallback: Ready=${ready.status} (${ready.reason})`,
      );
    if (ready.status === "False" && ready.reason !== "Pending") {
      const fallback = ready.reason === "Fallback";
      const cause = fallback ? (scalerStateOf(conditions).fallbackReason ?? ready.reason) : ready.reason;
      logger?.warn(
        {
          scaler: id,
          mode: spec.mode,
          reason: cause,
          message: ready.message,
          ...(failures.length > 0 && failures.join("; ") !== ready.message
            ? { err: failures.join("; ") }
            : {}),
        },
        fallback ? `PredictiveScaler entered Fallback (${cause})` : `PredictiveScaler not ready (${cause})`,
      );
      append({
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
    logger?.info(
      {
        scaler: id,
        mode: spec.mode,
        action: "Recommend",
        ...(previous.recommendedReplicas !== undefined && previous.recommendedReplicas !== null
          ? { from: previous.recommendedReplicas }
          : {}),
        ...(decision.forecastReplicas !== undefined ? { to: decision.forecastReplicas } : {}),
        reason: why,
      },
      decision.forecastReplicas !== undefined
        ? `Recommend: ${decision.forecastReplicas} replicas (not applied, mode ForecastOnly)`
        : "Recommend: nothing (not applied, mode ForecastOnly)",
    );
    append({
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
