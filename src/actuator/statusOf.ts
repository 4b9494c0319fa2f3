/**
 * A PredictiveScaler's status from one reconcile: conditions (the decision's, then what carrying it
 * out said: a refusal, an API error, or recommending only), the chosen model, history against the
 * readiness minimum, recent accuracy, the next peak, recommended and applied replicas, the last
 * recommendation of a usable forecast (kept through a fallback, so that `kubectl get` still shows
 * what the forecast last asked for while Ready is False), the last action and the served metric.
 * Removed fields are written as null (a merge patch removes them).
 */
import { formatDurationMs } from "../config/duration.js";
import type { AccuracySummary } from "./accuracy.js";
import type { CarriedOut } from "./carryOut.js";
import { type ConditionInput, isoSeconds } from "./conditions.js";
import type { Decision } from "./decide.js";
import type { ExecutedAction } from "./executors/executedAction.js";
import type { ScalerSpec } from "./spec.js";
import type { Condition, PredictiveScalerStatus } from "./types.js";

export interface StatusInput {
  readonly generation: number | undefined;
  readonly conditions: Condition[];
  readonly decision: Decision;
  readonly spec: ScalerSpec;
  /** Points of history the forecast was trained on. */
  readonly historyPoints: number;
  readonly accuracy?: AccuracySummary;
  /** What is in place now (undefined: nothing, or ForecastOnly). */
  readonly applied: number | undefined;
  readonly lastAction: ExecutedAction | undefined;
  readonly previous: PredictiveScalerStatus;
  readonly metric: PredictiveScalerStatus["metric"] | undefined;
  readonly nowMs: number;
}

export type StatusDocument = PredictiveScalerStatus & Record<string, unknown>;

/** The decision's conditions, Ready first, with Ready replaced by what carrying it out said. */
export function outcomeConditions(
  spec: ScalerSpec,
  decision: Decision,
  carried: Pick<CarriedOut, "refused" | "failures">,
): ConditionInput[] {
  const conditions = [...decision.conditions];
  if (carried.refused) conditions[0] = carried.refused;
  else if (carried.failures.length > 0)
    conditions[0] = {
      type: "Ready",
      status: "False",
      reason: "ApiError",
      message: carried.failures.join("; "),
    };
  else if (decision.usable && spec.mode === "ForecastOnly")
    conditions[0] = {
      type: "Ready",
      status: "True",
      reason: "ForecastOnly",
      message: `recommending only (mode ForecastOnly): ${decision.reason}`,
    };
  return conditions;
}

/** status.appliedReplicas: none in ForecastOnly; while the decision is pending, what the status said. */
export function appliedReplicas(
  spec: ScalerSpec,
  decision: Decision,
  carried: Pick<CarriedOut, "applied">,
  previous: PredictiveScalerStatus,
): number | undefined {
  if (spec.mode === "ForecastOnly") return undefined;
  return decision.pending ? (previous.appliedReplicas ?? undefined) : carried.applied;
}

export function buildStatus(input: StatusInput): StatusDocument {
  const { decision, spec, accuracy: summary, lastAction, previous, nowMs } = input;
  return {
    observedGeneration: input.generation,
    conditions: input.conditions,
    ...(decision.model !== undefined ? { model: decision.model } : {}),
    history: {
      available: formatDurationMs(input.historyPoints * spec.history.stepMs),
      required: spec.written.history.minimum,
    },
    ...(summary
      ? {
          accuracy: {
            steps: summary.steps,
            pinball: round(summary.pinball),
            coverage: round(summary.coverage),
            underPredictionRate: round(summary.underPredictionRate),
          },
        }
      : {}),
    nextPeak: decision.nextPeak
      ? {
          value: round(decision.nextPeak.value),
          replicas: decision.nextPeak.replicas,
          at: isoSeconds(decision.nextPeak.atMs),
        }
      : null,
    recommendedReplicas: decision.forecastReplicas ?? null,
    lastRecommendation: lastRecommendation(decision, previous, nowMs),
    appliedReplicas: input.applied ?? null,
    lastAction: lastAction
      ? {
          type: lastAction.type,
          time: isoSeconds(nowMs),
          ...(lastAction.from !== undefined ? { from: lastAction.from } : {}),
          ...(lastAction.to !== undefined ? { to: lastAction.to } : {}),
          message: lastAction.message,
        }
      : (previous.lastAction ?? null),
    metric: input.metric ?? null,
  } as StatusDocument;
}

/** What a usable forecast asks for now; otherwise (fallback, pending) the one before, as it was. */
export function lastRecommendation(
  decision: Pick<Decision, "usable" | "forecastReplicas">,
  previous: PredictiveScalerStatus,
  nowMs: number,
): PredictiveScalerStatus["lastRecommendation"] | null {
  if (decision.usable && decision.forecastReplicas !== undefined) {
    return { replicas: decision.forecastReplicas, time: isoSeconds(nowMs) };
  }
  return previous.lastRecommendation ?? null;
}

function round(x: number): number {
  return Number(x.toPrecision(6));
}

/** Equal once nulls (removals) and absent fields are treated alike. */
export function sameStatus(before: Record<string, unknown>, next: Record<string, unknown>): boolean {
  const clean = (o: Record<string, unknown>) =>
    JSON.stringify(
      Object.fromEntries(
        Object.entries(o)
          .filter(([, v]) => v !== null && v !== undefined)
          .sort(([a], [b]) => a.localeCompare(b)),
      ),
    );
  return clean(before) === clean(next);
}
