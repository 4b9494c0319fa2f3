/**
 * Guardrails: pure checks deciding whether the forecast may be used now, each with the status
 * condition it implies, and what the replicas are when it may not (the fallback). decide.ts runs
 * them for every scaler at every reconcile (and the backtest through it):
 * - readiness: the forecaster has enough history (else ForecastReady=False, InsufficientHistory);
 * - accuracy: the share of recent steps whose actual exceeded the served quantile stays at or
 *   below a threshold (else ForecastDegraded=True, UnderPredicting);
 * - stale data: demand data arrived within the last `fallback.failureThreshold` steps (else
 *   ForecastDegraded=True, StaleData);
 * - combined: the first gate that trips decides; fallback replicas follow `fallback.behavior`.
 */
import type { FallbackBehavior } from "./types.js";

export type ConditionType = "ForecastReady" | "ForecastDegraded";
export type ConditionStatus = "True" | "False" | "Unknown";

export interface GuardCondition {
  readonly type: ConditionType;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

export interface Verdict {
  readonly action: "use" | "fallback";
  readonly condition?: GuardCondition;
}

function humanSeconds(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.ceil((s % 3600) / 60);
  const parts = [d > 0 ? `${d}d` : "", h > 0 ? `${h}h` : "", m > 0 ? `${m}m` : ""].filter((p) => p !== "");
  return parts.length === 0 ? "0m" : parts.join("");
}

export interface ReadinessInput {
  readonly ready: boolean;
  /** The forecaster's own words when not ready ("needs 2 days of history for a daily pattern"). */
  readonly reason?: string;
  readonly needMoreSeconds?: number;
}

export function readinessGate(input: ReadinessInput): Verdict {
  if (input.ready)
    return {
      action: "use",
      condition: {
        type: "ForecastReady",
        status: "True",
        reason: "Ready",
        message: "enough history to forecast",
      },
    };
  const more = input.needMoreSeconds ?? 0;
  const why = input.reason === undefined ? "" : ` (${input.reason})`;
  return {
    action: "fallback",
    condition: {
      type: "ForecastReady",
      status: "False",
      reason: "InsufficientHistory",
      message: `needs ${humanSeconds(more)} more history${why}; reactive scaling only until then`,
    },
  };
}

/**
 * The under-prediction rate that trips the accuracy gate when the spec sets none: three times the
 * share of steps the quantile lets demand exceed it (0.3 for p90, 0.15 for p95), at most 1. A
 * calibrated forecast's misses come in runs (a ramp earlier than yesterday's), so over two hours a
 * rate of twice the promise happens by chance; three times it is a forecast that no longer fits.
 */
export function defaultUnderPredictionRate(quantile: number): number {
  return Math.min(1, 3 * (1 - quantile));
}

/** Share of finite (actual, served) pairs where actual > served; NaN when there are none. */
export function underPredictionRate(actuals: ArrayLike<number>, served: ArrayLike<number>): number {
  if (actuals.length !== served.length)
    throw new RangeError(
      `actuals (${actuals.length}) and served (${served.length}) must pair up step by step`,
    );
  let n = 0;
  let under = 0;
  for (let i = 0; i < actuals.length; i++) {
    const a = actuals[i] as number;
    const f = served[i] as number;
    if (!(Number.isFinite(a) && Number.isFinite(f))) continue;
    n++;
    if (a > f) under++;
  }
  return n === 0 ? Number.NaN : under / n;
}

export interface AccuracyInput {
  /** Recent actual demand, one value per compared prediction. */
  readonly actuals: ArrayLike<number>;
  /** The served quantile's forecast for those same steps. */
  readonly served: ArrayLike<number>;
  /** Under-prediction rate above which the forecast counts as degraded (e.g. 0.2 for p90). */
  readonly threshold: number;
  readonly quantile: number;
  /** Fewer compared steps than this say nothing yet (default 12). */
  readonly minSteps?: number;
  /**
   * Finished steps the pairs cover, when a step is predicted by several forecasts (each one made
   * before it, within the planning window); default one pair per step.
   */
  readonly comparedSteps?: number;
}

export function accuracyGate(input: AccuracyInput): Verdict {
  if (!(input.threshold >= 0 && input.threshold <= 1))
    throw new RangeError(`under-prediction threshold ${input.threshold} must be within [0, 1]`);
  const rate = underPredictionRate(input.actuals, input.served);
  const p = `p${Math.round(input.quantile * 100)}`;
  const minSteps = input.minSteps ?? 12;
  let pairs = 0;
  for (let i = 0; i < input.actuals.length; i++)
    if (Number.isFinite(input.actuals[i]) && Number.isFinite(input.served[i])) pairs++;
  const steps = input.comparedSteps ?? pairs;
  const over =
    input.comparedSteps === undefined || pairs === steps
      ? `the last ${steps} steps`
      : `${pairs} forecasts of the last ${steps} steps`;
  if (steps < minSteps || pairs === 0)
    return {
      action: "use",
      condition: {
        type: "ForecastDegraded",
        status: "Unknown",
        reason: "TooFewSteps",
        message: `${steps} of ${minSteps} recent steps compared with the ${p} forecast so far`,
      },
    };
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  if (rate > input.threshold)
    return {
      action: "fallback",
      condition: {
        type: "ForecastDegraded",
        status: "True",
        reason: "UnderPredicting",
        message: `actual demand exceeded the ${p} forecast on ${pct(rate)} of ${over} (threshold ${pct(input.threshold)})`,
      },
    };
  return {
    action: "use",
    condition: {
      type: "ForecastDegraded",
      status: "False",
      reason: "Accurate",
      message: `actual demand exceeded the ${p} forecast on ${pct(rate)} of ${over}`,
    },
  };
}

export interface StaleInput {
  readonly nowMs: number;
  /** Time of the newest demand sample; undefined when none has arrived. */
  readonly lastDataMs: number | undefined;
  readonly stepMs: number;
  /** Missing steps that make the data stale (the spec's fallback.failureThreshold). */
  readonly maxMissingSteps: number;
}

export function staleDataGate(input: StaleInput): Verdict {
  const limit = input.maxMissingSteps * input.stepMs;
  const age = input.lastDataMs === undefined ? Number.POSITIVE_INFINITY : input.nowMs - input.lastDataMs;
  if (age < limit) return { action: "use" };
  const since =
    input.lastDataMs === undefined
      ? "no demand data yet"
      : `no demand data for ${humanSeconds(age / 1000)} (${Math.floor(age / input.stepMs)} steps)`;
  return {
    action: "fallback",
    condition: {
      type: "ForecastDegraded",
      status: "True",
      reason: "StaleData",
      message: `${since}; check the demand query and Prometheus`,
    },
  };
}

/** The first fallback among the verdicts, else "use". */
export function combineVerdicts(verdicts: readonly Verdict[]): Verdict {
  return verdicts.find((v) => v.action === "fallback") ?? { action: "use" };
}

/**
 * Replicas while in fallback. `Release`: the forecast adds nothing (desired = reactive). `Hold`
 * keeps the last applied value but still never goes below the reactive path (the forecast never
 * pushes below the HPA's own recommendation).
 */
export function fallbackReplicas(
  behaviour: FallbackBehavior,
  reactiveReplicas: number,
  lastAppliedReplicas: number | undefined,
): number {
  if (behaviour === "Release" || lastAppliedReplicas === undefined) return reactiveReplicas;
  return Math.max(reactiveReplicas, lastAppliedReplicas);
}
