/**
 * The decision half of reconciling one PredictiveScaler, kept apart from Kubernetes I/O so that the
 * controller (reconciler.ts) and `foresight backtest` (src/replay/policies/predictive.ts) decide through
 * the very same code: from the forecast in the store and the demand history, track live accuracy,
 * judge freshness, work out the reactive side of mode Direct, and call `decide` (guardrails and
 * planner) with the planner's memory, remembering what was put in place for `Hold`.
 * One instance per scaler; it lives as long as the leader's memory of that scaler.
 */
import type { History, Point } from "../forecast/history.js";
import type { TargetState } from "../forecast/store.js";
import { type AccuracySummary, AccuracyTracker } from "./accuracy.js";
import { type Decision, decide, quantilePath } from "./decide.js";
import { initialPlannerState, type PlannerState } from "./planner.js";
import type { ScalerSpec } from "./spec.js";

/** Finished steps of accuracy kept by default: two hours at the default 5-minute step. */
export const ACCURACY_WINDOW_STEPS = 24;

export interface DecideStepInput {
  /** Parsed (the controller), or as written (the backtest): parsed once per spec object then. */
  readonly spec: ScalerSpec;
  readonly nowMs: number;
  /** The scaler's forecast state in the store (undefined before the first run finished). */
  readonly forecast: TargetState | undefined;
  /** Demand history as just read; undefined when the read failed (`demandError`). */
  readonly history: History | undefined;
  readonly demandError?: string;
}

export interface StepDecision {
  readonly decision: Decision;
  readonly accuracy: AccuracySummary | undefined;
  /** The newest demand sample when it is fresh (mode Direct needs one to act). */
  readonly demandNow: number | undefined;
}

/** Steps of the forecast the planner looks at: the one holding now, and the lead time after it. */
export function planningSteps(spec: ScalerSpec): number {
  const stepMs = spec.history.stepMs;
  return stepMs > 0 ? Math.ceil(spec.leadTimeMs / stepMs) + 1 : 1;
}

export class ScalerDecider {
  readonly accuracy: AccuracyTracker;
  #planner: PlannerState = initialPlannerState();
  #lastForecastReplicas: number | undefined;
  #lastNodePods: number | undefined;
  /** Newest demand sample seen, kept across failed reads (a blip must not look like no data at all). */
  #lastDataMs: number | undefined;

  constructor(accuracyWindow = ACCURACY_WINDOW_STEPS) {
    this.accuracy = new AccuracyTracker(accuracyWindow);
  }

  /** A new spec starts the planner afresh; accuracy and what is in place are kept. */
  specChanged(): void {
    this.#planner = initialPlannerState();
  }

  decide(input: DecideStepInput): StepDecision {
    const { nowMs, spec } = input;
    const stepMs = spec.history.stepMs;
    const capacity = spec.capacityPerReplica;
    const steps: readonly Point[] = input.history?.steps ?? [];
    this.accuracy.observe(steps);
    this.accuracy.expire(nowMs - 4 * spec.fallback.failureThreshold * stepMs);
    const state = input.forecast;
    const path = quantilePath(state, spec.quantile);
    if (path && state?.readiness.ready)
      this.accuracy.record(path, nowMs, spec.leadTimeMs, planningSteps(spec));

    const sample = input.history?.lastSample;
    const lastDataMs = Math.max(
      sample?.[0] ?? Number.NEGATIVE_INFINITY,
      this.#lastDataMs ?? Number.NEGATIVE_INFINITY,
    );
    this.#lastDataMs = Number.isFinite(lastDataMs) ? lastDataMs : undefined;
    const fresh =
      input.demandError === undefined &&
      sample !== undefined &&
      nowMs - sample[0] < spec.fallback.failureThreshold * stepMs;
    const demandNow = fresh ? sample[1] : undefined;
    const clamp = (r: number) => {
      const lower = Math.max(spec.minReplicas, r);
      return Math.min(spec.replicaCeiling, lower);
    };
    // Direct has no HPA: its reactive path is the current demand ÷ capacity, as an AverageValue HPA would ask.
    const direct = spec.mode === "Direct" && demandNow !== undefined;
    const reactive = direct ? clamp(Math.ceil(demandNow / capacity - 1e-9)) : 0;
    const accuracy = this.accuracy.summary(spec.quantile);
    const decision = decide({
      spec,
      nowMs,
      forecast: state,
      lastDataMs: this.#lastDataMs,
      compared: this.accuracy.compared(),
      comparedSteps: this.accuracy.comparedSteps(),
      reactiveReplicas: reactive,
      ...(direct ? { demandNow } : {}),
      plannerState: this.#planner,
      lastForecastReplicas: this.#lastForecastReplicas,
      lastNodePods: this.#lastNodePods,
      ...(accuracy ? { accuracy } : {}),
    });
    this.#planner = decision.plannerState;
    if (decision.forecastReplicas !== undefined || !decision.usable)
      this.#lastForecastReplicas = decision.forecastReplicas;
    if (decision.nodePods !== undefined || !decision.usable) this.#lastNodePods = decision.nodePods;
    return { decision, accuracy, demandNow };
  }
}
