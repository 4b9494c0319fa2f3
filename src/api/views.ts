/**
 * Pure builders of the review API's views (src/api/types.ts) from what the ReviewSource holds: a
 * PredictiveScaler and its status, a config target, a stored forecast with every candidate's
 * backtest scores, and decision log entries. No I/O; the router fetches and these shape.
 */
import type { DecisionEntry } from "../actuator/decisionLog.js";
import { formatScalerKey, scalerKeyOf } from "../actuator/scalerKey.js";
import { historyStepMs, quantityValue } from "../actuator/spec.js";
import type { PredictiveScaler } from "../actuator/types.js";
import { parseDurationMs } from "../config/duration.js";
import type { ModelScore, TargetState } from "../forecast/store.js";
import type { ConfigTargetView, DemandPoint, ShardOwnershipStatus } from "./reviewSource.js";
import type {
  AccuracyView,
  ConditionView,
  ControllerView,
  DecisionView,
  ModelsView,
  ScalerSummary,
  SeriesView,
  ShardView,
} from "./types.js";

/** Actions that set the workload's replicas (or the metric an HPA scales on), with `to` in replicas. */
export const REPLICA_ACTIONS: ReadonlySet<string> = new Set([
  "SetFloor",
  "RestoreFloor",
  "Scale",
  "ServeMetric",
]);

const DEFAULT_QUANTILE = 0.9;

export function scalerId(scaler: PredictiveScaler): string {
  return formatScalerKey(scalerKeyOf(scaler.metadata));
}

function finite(x: number | undefined): x is number {
  return x !== undefined && Number.isFinite(x);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function conditionView(c: {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}): ConditionView {
  return {
    type: c.type,
    status: c.status,
    reason: c.reason ?? "",
    message: c.message ?? "",
    ...(c.lastTransitionTime !== undefined ? { lastTransitionTime: c.lastTransitionTime } : {}),
  };
}

function accuracyView(a: {
  steps?: number;
  pinball?: number;
  coverage?: number;
  underPredictionRate?: number;
}): AccuracyView {
  return {
    ...(finite(a.steps) ? { steps: a.steps } : {}),
    ...(finite(a.pinball) ? { pinball: a.pinball } : {}),
    ...(finite(a.coverage) ? { coverage: a.coverage } : {}),
    ...(finite(a.underPredictionRate) ? { underPredictionRate: a.underPredictionRate } : {}),
  };
}

/** The scaler's capacity per replica as a number, or undefined when unset or malformed. */
export function capacityOf(scaler: PredictiveScaler): number | undefined {
  const raw = scaler.spec?.capacityPerReplica;
  if (raw === undefined) return undefined;
  try {
    const c = quantityValue(raw);
    return Number.isFinite(c) && c > 0 ? c : undefined;
  } catch {
    return undefined;
  }
}

/** The step of a scaler's demand history in seconds (spec.history.step, default the CRD's). */
export function scalerStepSeconds(scaler: PredictiveScaler): number {
  return historyStepMs(scaler.spec) / 1000;
}

/** A scaler's shard as the controller's shard status shows it (none without leader election). */
export function shardView(index: number, status: ShardOwnershipStatus | undefined): ShardView | undefined {
  if (!status) return undefined;
  const holder = status.holders[index];
  return { index, heldHere: status.held.includes(index), ...(holder !== undefined ? { holder } : {}) };
}

/** `GET /api/v1/controller` from the controller's identity, its shard status and the scalers' ids. */
export function controllerView(
  identity: string,
  status: ShardOwnershipStatus | undefined,
  scalerShards: readonly number[],
): ControllerView {
  const shards = status?.shards ?? 1;
  const counts = new Array<number>(shards).fill(0);
  for (const s of scalerShards) if (s >= 0 && s < shards) counts[s] = (counts[s] ?? 0) + 1;
  return {
    identity,
    leaderElection: status !== undefined,
    shards,
    held: status ? [...status.held] : [0],
    ...(status?.members ? { replicas: [...status.members] } : {}),
    shardHolders: counts.map((scalers, shard) => {
      const holder = status ? status.holders[shard] : identity;
      return {
        shard,
        ...(holder !== undefined ? { holder } : {}),
        heldHere: status ? status.held.includes(shard) : true,
        scalers,
      };
    }),
    ...(status?.blocked !== undefined ? { blocked: status.blocked } : {}),
  };
}

/** One row for a PredictiveScaler: its status as the controller last wrote it. */
export function scalerSummary(
  scaler: PredictiveScaler,
  state: TargetState | undefined,
  shard?: ShardView,
): ScalerSummary {
  const spec = scaler.spec ?? ({} as Partial<PredictiveScaler["spec"]>);
  const status = scaler.status ?? {};
  const conditions = (status.conditions ?? []).map(conditionView);
  const ready = conditions.find((c) => c.type === "Ready") ?? {
    type: "Ready",
    status: "Unknown" as const,
    reason: "NotReconciled",
    message: "the controller has not reported on this scaler yet",
  };
  const model = status.model ?? state?.forecast?.model;
  const capacity = capacityOf(scaler);
  const target = spec.targetRef ? `${spec.targetRef.kind}/${spec.targetRef.name}` : undefined;
  return {
    kind: "PredictiveScaler",
    id: scalerId(scaler),
    namespace: scaler.metadata.namespace ?? "default",
    name: scaler.metadata.name,
    mode: spec.mode ?? "ForecastOnly",
    ...(target !== undefined ? { target } : {}),
    ready,
    conditions,
    ...(model !== undefined && model !== "" ? { model } : {}),
    ...(status.accuracy ? { accuracy: accuracyView(status.accuracy) } : {}),
    ...(status.nextPeak && finite(status.nextPeak.value) ? { nextPeak: status.nextPeak } : {}),
    ...(finite(status.recommendedReplicas) ? { recommendedReplicas: status.recommendedReplicas } : {}),
    ...(finite(status.appliedReplicas) ? { appliedReplicas: status.appliedReplicas } : {}),
    ...(status.lastAction ? { lastAction: status.lastAction } : {}),
    quantile: spec.quantile ?? DEFAULT_QUANTILE,
    ...(capacity !== undefined ? { capacityPerReplica: capacity } : {}),
    ...(shard ? { shard } : {}),
  };
}

/** The forecast's readiness as a condition of the given type. */
function readinessCondition(type: string, state: TargetState | undefined): ConditionView {
  if (state === undefined)
    return { type, status: "Unknown", reason: "Pending", message: "no forecast run has finished yet" };
  if (!state.readiness.ready)
    return { type, status: "False", reason: "InsufficientHistory", message: state.readiness.reason };
  const f = state.forecast;
  return {
    type,
    status: "True",
    reason: "ForecastReady",
    message: f ? `model ${f.model}, computed at ${iso(f.computedAtMs)}` : "ready",
  };
}

/** The highest value of `path` over [nowMs, nowMs + horizonMs], with its time. */
function peakOf(
  path: readonly number[],
  startMs: number,
  stepSeconds: number,
  nowMs: number,
  horizonMs: number,
): { value: number; atMs: number } | undefined {
  const stepMs = stepSeconds * 1000;
  let best: { value: number; atMs: number } | undefined;
  for (let i = 0; i < path.length; i++) {
    const t = startMs + i * stepMs;
    if (t + stepMs <= nowMs || t > nowMs + horizonMs) continue;
    const v = path[i] as number;
    if (Number.isFinite(v) && (best === undefined || v > best.value)) best = { value: v, atMs: t };
  }
  return best;
}

/** One row for a config-file forecast target. */
export function targetSummary(
  target: ConfigTargetView,
  state: TargetState | undefined,
  nowMs: number,
): ScalerSummary {
  const ready = readinessCondition("Ready", state);
  const conditions: ConditionView[] = [readinessCondition("ForecastReady", state)];
  if (state?.lastError)
    conditions.push({
      type: "ForecastDegraded",
      status: "True",
      reason: "RunFailed",
      message: state.lastError.message,
      lastTransitionTime: iso(state.lastError.atMs),
    });
  const quantile = target.quantiles.length > 0 ? Math.max(...target.quantiles) : DEFAULT_QUANTILE;
  const f = state?.forecast;
  const chosen = f ? f.scores[f.model] : undefined;
  const path = f ? (f.quantiles[String(quantile)] ?? f.mean) : undefined;
  const peak = f && path ? peakOf(path, f.startMs, f.stepSeconds, nowMs, target.horizonMs) : undefined;
  // No live tracking for config targets: the backtest's accuracy of the served quantile, as served.
  const accuracy = chosen
    ? accuracyView({
        ...(chosen.pinball !== undefined ? { pinball: chosen.pinball } : {}),
        coverage: chosen.coverage,
      })
    : undefined;
  return {
    kind: "ForecastTarget",
    id: target.name,
    name: target.name,
    mode: "Metric",
    ready,
    conditions,
    ...(f && f.model !== "" ? { model: f.model } : {}),
    ...(accuracy && Object.keys(accuracy).length > 0 ? { accuracy } : {}),
    ...(peak ? { nextPeak: { value: peak.value, at: iso(peak.atMs) } } : {}),
    quantile,
  };
}

export function decisionView(entry: DecisionEntry): DecisionView {
  return {
    atMs: entry.atMs,
    time: iso(entry.atMs),
    action: entry.action,
    applied: entry.applied,
    ...(entry.from !== undefined ? { from: entry.from } : {}),
    ...(entry.to !== undefined ? { to: entry.to } : {}),
    reason: entry.reason,
    ...(entry.forecast ? { forecast: entry.forecast } : {}),
    ...(entry.error !== undefined ? { error: entry.error } : {}),
  };
}

export interface ReplicaBounds {
  readonly capacityPerReplica?: number;
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
}

/** Appends [t, v] unless it repeats the last point exactly (several actions of one decision). */
function pushPoint(out: [number, number][], t: number, v: number): void {
  const last = out[out.length - 1];
  if (last && last[0] === t && last[1] === v) return;
  out.push([t, v]);
}

/**
 * Replicas over time from decisions (any order): applied = what replica-setting actions put in
 * place; recommended = a Recommend's target, else the decision's forecast ÷ capacity per replica
 * (rounded up, within the scaler's bounds).
 */
export function replicasOverTime(
  entries: readonly DecisionEntry[],
  bounds: ReplicaBounds,
): { applied: [number, number][]; recommended: [number, number][] } {
  const sorted = [...entries].sort((a, b) => a.atMs - b.atMs);
  const applied: [number, number][] = [];
  const recommended: [number, number][] = [];
  const c = bounds.capacityPerReplica;
  for (const e of sorted) {
    if (e.applied && e.to !== undefined && REPLICA_ACTIONS.has(e.action)) pushPoint(applied, e.atMs, e.to);
    if (e.action === "Recommend" && e.to !== undefined) pushPoint(recommended, e.atMs, e.to);
    else if (e.forecast && c !== undefined && c > 0 && Number.isFinite(e.forecast.value)) {
      let r = Math.ceil(e.forecast.value / c - 1e-9);
      if (bounds.minReplicas !== undefined) r = Math.max(bounds.minReplicas, r);
      if (bounds.maxReplicas !== undefined) r = Math.min(bounds.maxReplicas, r);
      pushPoint(recommended, e.atMs, r);
    }
  }
  return { applied, recommended };
}

/** What each decision forecast for the time it looked ahead to, ascending by that time. */
export function decidedForecasts(entries: readonly DecisionEntry[]): SeriesView["decidedForecasts"] {
  const out: { madeAtMs: number; forMs: number; value: number; quantile: number }[] = [];
  for (const e of entries) {
    if (!e.forecast || !Number.isFinite(e.forecast.value)) continue;
    const horizonMs = parseDurationMs(e.forecast.horizon);
    if (horizonMs === undefined || !Number.isFinite(horizonMs)) continue;
    out.push({
      madeAtMs: e.atMs,
      forMs: e.atMs + horizonMs,
      value: e.forecast.value,
      quantile: e.forecast.quantile,
    });
  }
  return out.sort((a, b) => a.forMs - b.forMs || a.madeAtMs - b.madeAtMs);
}

export interface SeriesInput {
  readonly id: string;
  readonly stepSeconds: number;
  readonly demand: readonly DemandPoint[];
  readonly state: TargetState | undefined;
  /** The workload's replicas over time (ReviewSource.actualReplicas). */
  readonly actual?: readonly (readonly [number, number])[];
  /** Earlier forecasts (ReviewSource.pastForecasts). */
  readonly pastForecasts?: SeriesView["pastForecasts"];
  readonly decisions: readonly DecisionEntry[];
  readonly bounds: ReplicaBounds;
}

export function seriesView(input: SeriesInput): SeriesView {
  const f = input.state?.forecast;
  const { applied, recommended } = replicasOverTime(input.decisions, input.bounds);
  return {
    id: input.id,
    stepSeconds: input.stepSeconds,
    demand: input.demand.filter((p) => Number.isFinite(p[1])).map(([t, v]) => [t, v] as const),
    ...(f
      ? {
          forecast: {
            startMs: f.startMs,
            stepSeconds: f.stepSeconds,
            computedAtMs: f.computedAtMs,
            model: f.model,
            mean: f.mean,
            quantiles: f.quantiles,
          },
        }
      : {}),
    pastForecasts: (input.pastForecasts ?? []).map((p) => ({
      computedAtMs: p.computedAtMs,
      startMs: p.startMs,
      stepSeconds: p.stepSeconds,
      model: p.model,
      mean: p.mean,
      quantiles: p.quantiles,
    })),
    decidedForecasts: decidedForecasts(input.decisions),
    actual: (input.actual ?? []).map(([t, r]) => [t, r] as const),
    applied,
    recommended,
  };
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  const text = x.toPrecision(3);
  // Only a fraction's trailing zeros go: 1.50 → 1.5, but 120 stays 120.
  return text.includes(".") && !text.includes("e") ? text.replace(/\.?0+$/, "") : text;
}

/** Members of a combination name `ensemble(a,b)`, or undefined for a single model. */
export function ensembleMembers(model: string): string[] | undefined {
  const m = /^ensemble\((.*)\)$/.exec(model);
  return m ? (m[1] as string).split(",").map((s) => s.trim()) : undefined;
}

/** Why the chosen model won, in words, from the stored scores. */
export function explainChoice(state: TargetState | undefined): string {
  const f = state?.forecast;
  if (!f || f.model === "") {
    if (state && !state.readiness.ready) return `no model chosen yet: ${state.readiness.reason}`;
    if (state?.lastError) return `no model chosen yet: the last run failed: ${state.lastError.message}`;
    return "no model chosen yet: no forecast run has finished";
  }
  const entries = Object.entries(f.scores);
  // Single models only: the stored scores also hold the ensembles tried, the served one among them.
  const scored = entries
    .filter(([n, s]) => !ensembleMembers(n) && s.ready && Number.isFinite(s.scaledPinball))
    .sort((a, b) => a[1].scaledPinball - b[1].scaledPinball);
  const notReady = entries.filter(([, s]) => !s.ready);
  const notReadyText =
    notReady.length > 0
      ? `; not ready: ${notReady.map(([n, s]) => `${n} (${(s.reason ?? "").replace(/^not ready: /, "") || "no reason given"})`).join(", ")}`
      : "";
  const members = ensembleMembers(f.model);
  if (members) {
    const best = scored[0];
    const bestText = best
      ? `the best single model, ${best[0]} (${fmt(best[1].scaledPinball)})`
      : "any single model";
    return `an ensemble (inverse-loss weighted average) of ${members.join(" and ")} scored a lower scaled pinball loss than ${bestText} on the same backtest windows, among ${scored.length} scored models${notReadyText}`;
  }
  const own = f.scores[f.model];
  if (!own || !Number.isFinite(own.scaledPinball)) {
    return `${f.model} serves without a backtest score (${own?.reason ?? "too little history to backtest"}); it is the fallback among ${entries.length} candidates${notReadyText}`;
  }
  const rank = scored.findIndex(([n]) => n === f.model);
  const runnerUp = scored.find(([n]) => n !== f.model);
  const runnerText = runnerUp ? `; next best ${runnerUp[0]} (${fmt(runnerUp[1].scaledPinball)})` : "";
  const ensembleText = scored.length >= 2 ? "; an ensemble of the best models was not better" : "";
  const lead =
    rank === 0
      ? `lowest scaled pinball loss (${fmt(own.scaledPinball)}) among ${scored.length} scored models`
      : `scaled pinball loss ${fmt(own.scaledPinball)} (rank ${rank + 1} of ${scored.length}): better-ranked models failed their final fit`;
  return `${lead}${runnerText}${ensembleText}${notReadyText}`;
}

export function modelsView(id: string, state: TargetState | undefined): ModelsView {
  const f = state?.forecast;
  const byScore = (a: [string, ModelScore], b: [string, ModelScore]) => {
    const x = Number.isFinite(a[1].scaledPinball) ? a[1].scaledPinball : Number.POSITIVE_INFINITY;
    const y = Number.isFinite(b[1].scaledPinball) ? b[1].scaledPinball : Number.POSITIVE_INFINITY;
    return x - y || a[0].localeCompare(b[0]);
  };
  const candidates = Object.entries(f?.scores ?? {})
    .sort(byScore)
    .map(([name, s]) => ({
      name,
      ready: s.ready,
      ...(s.reason !== undefined && s.reason !== "" ? { reason: s.reason } : {}),
      scaledPinball: s.scaledPinball,
      coverage: s.coverage,
      mase: s.mase,
      fitSeconds: s.fitSeconds,
    }));
  return {
    id,
    ...(f && f.model !== "" ? { chosen: f.model } : {}),
    why: explainChoice(state),
    ...(f ? { computedAtMs: f.computedAtMs } : {}),
    candidates,
    calibration: f?.calibration ?? {},
  };
}
