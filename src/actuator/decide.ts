/**
 * One scaler's decision at one moment, pure: from the forecast in the store, recent demand and the
 * accuracy seen so far, apply the guardrails (readiness, stale data, stale forecast, accuracy), run
 * the planner, and say what the forecast asks for the workload and its nodes, with the conditions
 * that explain it. The executors then carry it out in the scaler's mode.
 */
import { formatDurationMs } from "../config/duration.js";
import { quantileKey, type TargetState } from "../forecast/store.js";
import type { AccuracySummary } from "./accuracy.js";
import type { ConditionInput } from "./conditions.js";
import {
  accuracyGate,
  combineVerdicts,
  defaultUnderPredictionRate,
  fallbackReplicas,
  readinessGate,
  staleDataGate,
  type Verdict,
} from "./guardrails.js";
import { type ForecastPath, forecastPeak, type PlannerState, plan } from "./planner.js";
import type { ScalerSpec } from "./spec.js";

export interface DecideInput {
  readonly spec: ScalerSpec;
  readonly nowMs: number;
  readonly forecast: TargetState | undefined;
  /** Time of the newest demand sample, if any. */
  readonly lastDataMs: number | undefined;
  /** Recent actual vs served, for the accuracy gate: one pair per (forecast, step) compared. */
  readonly compared: { readonly actuals: readonly number[]; readonly served: readonly number[] };
  /** Finished steps those pairs cover (default: as many as pairs). */
  readonly comparedSteps?: number;
  /** What the reactive path asks now (0 where the HPA applies it itself). */
  readonly reactiveReplicas: number;
  /**
   * Mode Direct, where no HPA scales down gently: the demand now, planned for as a lower bound of the
   * forecast over the lead time, so the reactive side's decreases also go through scaleDown.
   */
  readonly demandNow?: number;
  readonly plannerState: PlannerState;
  /** What the scaler last put in place (for `Hold`). */
  readonly lastForecastReplicas: number | undefined;
  readonly lastNodePods: number | undefined;
  readonly accuracy?: AccuracySummary;
}

export interface Decision {
  readonly usable: boolean;
  /**
   * No forecast run has finished yet (a new scaler, or a new leader): nothing is known, so whatever
   * is in place stays as it is (no restore, no change) until the first run lands.
   */
  readonly pending: boolean;
  /** What the forecast asks now (after clamps and scale-down); undefined: it asks nothing (released). */
  readonly forecastReplicas: number | undefined;
  /** max(reactive, forecast). */
  readonly desiredReplicas: number;
  /** Pods the forecast wants ready at nodes.leadTime; undefined: release node capacity. */
  readonly nodePods: number | undefined;
  /** The forecast quantile's peak over the lead time (NaN when unusable). */
  readonly peak: number;
  readonly reason: string;
  readonly conditions: readonly ConditionInput[];
  readonly plannerState: PlannerState;
  readonly nextPeak?: { readonly value: number; readonly replicas: number; readonly atMs: number };
  readonly model?: string;
}

/** The chosen quantile's path, or undefined when the store has none. */
export function quantilePath(state: TargetState | undefined, quantile: number): ForecastPath | undefined {
  const f = state?.forecast;
  const values = f?.quantiles[quantileKey(quantile)];
  if (!f || !values || values.length === 0) return undefined;
  return { startMs: f.startMs, stepSeconds: f.stepSeconds, values };
}

/** Replicas for a demand, clamped as the spec says (at maxReplicas, or its Increase bound). */
function replicasFor(spec: ScalerSpec, demand: number): number {
  const raw = Math.max(spec.minReplicas, Math.ceil(demand / spec.capacityPerReplica - 1e-9));
  return Math.min(spec.replicaCeiling, raw);
}

function nextPeakOf(path: ForecastPath, nowMs: number, horizonMs: number) {
  const stepMs = path.stepSeconds * 1000;
  let best: { value: number; atMs: number } | undefined;
  for (let i = 0; i < path.values.length; i++) {
    const t = path.startMs + i * stepMs;
    if (t + stepMs <= nowMs) continue;
    if (t > nowMs + horizonMs) break;
    const v = path.values[i] as number;
    if (Number.isFinite(v) && (!best || v > best.value)) best = { value: v, atMs: Math.max(t, nowMs) };
  }
  return best;
}

/** The path with every step covering [now, now + lead] raised to at least `demand`. */
function withDemandFloor(path: ForecastPath, nowMs: number, leadMs: number, demand: number): ForecastPath {
  const stepMs = path.stepSeconds * 1000;
  const values = Float64Array.from(path.values as ArrayLike<number>);
  const a = Math.max(0, Math.floor((nowMs - path.startMs) / stepMs));
  const b = Math.min(values.length - 1, Math.floor((nowMs + leadMs - path.startMs) / stepMs));
  for (let i = a; i <= b; i++) values[i] = Math.max(values[i] as number, demand);
  return { ...path, values };
}

export function decide(input: DecideInput): Decision {
  const { spec, nowMs } = input;
  const leadMs = spec.leadTimeMs;
  const stepMs = spec.history.stepMs;
  const state = input.forecast;

  // Before the first forecast run has finished there is nothing to judge yet: Pending, not a warning.
  const readiness: Verdict =
    state === undefined
      ? {
          action: "fallback",
          condition: {
            type: "ForecastReady",
            status: "Unknown",
            reason: "Pending",
            message: "the first forecast run has not finished",
          },
        }
      : readinessGate(
          state.readiness.ready
            ? { ready: true }
            : {
                ready: false,
                reason: state.readiness.reason,
                needMoreSeconds: state.readiness.needMoreSeconds,
              },
        );
  const stale = staleDataGate({
    nowMs,
    lastDataMs: input.lastDataMs,
    stepMs,
    maxMissingSteps: spec.fallback.failureThreshold,
  });
  const accuracy = accuracyGate({
    actuals: input.compared.actuals,
    served: input.compared.served,
    threshold: spec.fallback.underPredictionRate ?? defaultUnderPredictionRate(spec.quantile),
    quantile: spec.quantile,
    ...(input.comparedSteps !== undefined ? { comparedSteps: input.comparedSteps } : {}),
  });
  const path = quantilePath(state, spec.quantile);
  const peak = path ? forecastPeak(path, nowMs, nowMs + leadMs) : Number.NaN;
  const pathEnd = path ? path.startMs + path.values.length * path.stepSeconds * 1000 : 0;
  const forecastStale: Verdict =
    readiness.action === "use" && (!path || Number.isNaN(peak) || pathEnd < nowMs + leadMs)
      ? {
          action: "fallback",
          condition: {
            type: "ForecastDegraded",
            status: "True",
            reason: "StaleForecast",
            message: `the forecast does not cover the next ${formatDurationMs(leadMs)}${state?.lastError ? `; last run failed: ${state.lastError.message}` : ""}`,
          },
        }
      : { action: "use" };

  const verdict = combineVerdicts([readiness, stale, forecastStale, accuracy]);
  const degraded =
    (stale.action === "fallback" ? stale.condition : undefined) ??
    (forecastStale.action === "fallback" ? forecastStale.condition : undefined) ??
    accuracy.condition;
  const conditions: ConditionInput[] = [];
  if (readiness.condition) conditions.push(readiness.condition);
  if (degraded) conditions.push(degraded);

  const model = state?.forecast?.model;
  const np = path ? nextPeakOf(path, nowMs, spec.horizonMs) : undefined;
  const nextPeak =
    np && readiness.action === "use"
      ? { value: np.value, replicas: replicasFor(spec, np.value), atMs: np.atMs }
      : undefined;
  const common = { ...(nextPeak ? { nextPeak } : {}), ...(model !== undefined ? { model } : {}) };

  if (state === undefined) {
    conditions.unshift({
      type: "Ready",
      status: "False",
      reason: "Pending",
      message: "waiting for the first forecast run; what is in place is left as it is",
    });
    return {
      usable: false,
      pending: true,
      forecastReplicas: input.lastForecastReplicas,
      // What is in place stays: as Hold would keep it.
      desiredReplicas: fallbackReplicas("Hold", input.reactiveReplicas, input.lastForecastReplicas),
      nodePods: input.lastNodePods,
      peak: Number.NaN,
      reason: "waiting for the first forecast run",
      conditions,
      plannerState: input.plannerState,
      ...common,
    };
  }
  if (verdict.action === "fallback" || !path) {
    const why = verdict.condition?.message ?? "no forecast";
    const hold = spec.fallback.behavior === "Hold";
    const held = hold ? input.lastForecastReplicas : undefined;
    conditions.unshift({
      type: "Ready",
      status: "False",
      reason: "Fallback",
      message: `${hold ? "holding the last applied value" : "reactive scaling only"}: ${why}`,
    });
    return {
      usable: false,
      pending: false,
      forecastReplicas: held,
      desiredReplicas: fallbackReplicas(
        spec.fallback.behavior,
        input.reactiveReplicas,
        input.lastForecastReplicas,
      ),
      nodePods: hold ? input.lastNodePods : undefined,
      peak: Number.NaN,
      reason: `fallback (${spec.fallback.behavior}): ${why}`,
      conditions,
      plannerState: input.plannerState,
      ...common,
    };
  }

  const result = plan({
    forecast: input.demandNow === undefined ? path : withDemandFloor(path, nowMs, leadMs, input.demandNow),
    nowMs,
    capacityPerReplica: spec.capacityPerReplica,
    leadTimeMs: leadMs,
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas,
    maxCapacityBreach: spec.maxCapacityBreach,
    maxCapacityBuffer: spec.maxCapacityBuffer,
    scaleDown: {
      delayMs: spec.scaleDown.delayMs,
      maxPercentPerMinute: spec.scaleDown.maxPercentPerMinute,
      ...(spec.scaleDown.maxReplicasPerMinute !== undefined
        ? { maxPodsPerMinute: spec.scaleDown.maxReplicasPerMinute }
        : {}),
    },
    reactiveReplicas: input.reactiveReplicas,
    state: input.plannerState,
    quantile: spec.quantile,
  });
  let nodePods: number | undefined;
  if (spec.nodes.mode !== "None") {
    const nodePeak = forecastPeak(path, nowMs, nowMs + spec.nodes.leadTimeMs);
    nodePods = Number.isNaN(nodePeak) ? undefined : replicasFor(spec, nodePeak);
  }
  conditions.unshift({ type: "Ready", status: "True", reason: "ForecastInUse", message: result.reason });
  return {
    usable: true,
    pending: false,
    forecastReplicas: result.forecastReplicas,
    desiredReplicas: result.desiredReplicas,
    nodePods,
    peak: result.peak,
    reason: result.reason,
    conditions,
    plannerState: result.state,
    ...common,
  };
}
