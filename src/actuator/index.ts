/** The actuator: the planner and the guardrails the controller and the simulator share. */
export {
  type AccuracyInput,
  accuracyGate,
  type ConditionStatus,
  type ConditionType,
  combineVerdicts,
  fallbackReplicas,
  type GuardCondition,
  type ReadinessInput,
  readinessGate,
  type StaleInput,
  staleDataGate,
  underPredictionRate,
  type Verdict,
} from "./guardrails.js";
export {
  type CapacityBreach,
  type ForecastPath,
  forecastPeak,
  initialPlannerState,
  type PlanFlags,
  type PlanInput,
  type PlannerState,
  type PlanResult,
  plan,
  type ScaleDownSpec,
} from "./planner.js";
