/**
 * The PredictiveScaler resource (foresight.dev/v1alpha1) as the controller sees it after defaulting.
 * The CRD is deploy/crd/predictivescalers.foresight.dev.yaml; src/actuator/spec.ts validates and defaults
 * objects to these types. Durations stay strings as written (e.g. "5m", "14d"); parse them with
 * parseDurationMs from src/config/duration.ts.
 */

export const PREDICTIVE_SCALER_GROUP = "foresight.dev";
export const PREDICTIVE_SCALER_VERSION = "v1alpha1";
export const PREDICTIVE_SCALER_API_VERSION = `${PREDICTIVE_SCALER_GROUP}/${PREDICTIVE_SCALER_VERSION}`;
export const PREDICTIVE_SCALER_KIND = "PredictiveScaler";
export const PREDICTIVE_SCALER_RESOURCE = "predictivescalers";

export const SCALER_MODES = ["ForecastOnly", "Metric", "Floor", "Direct"] as const;
export type ScalerMode = (typeof SCALER_MODES)[number];

export const NODE_MODES = ["None", "CapacityBuffer", "Placeholder", "ProvisioningRequest"] as const;
export type NodeMode = (typeof NODE_MODES)[number];

export const CAPACITY_BREACH_POLICIES = ["Honor", "Increase"] as const;
export type CapacityBreachPolicy = (typeof CAPACITY_BREACH_POLICIES)[number];

export const FALLBACK_BEHAVIORS = ["Release", "Hold"] as const;
export type FallbackBehavior = (typeof FALLBACK_BEHAVIORS)[number];

/** A duration string: one or more `<number><unit>` parts, units ms s m h d w y, or "0". */
export type DurationString = string;

export interface TargetRef {
  apiVersion?: string;
  kind: string;
  name: string;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** Exactly one of `query` and `metric`. */
export type DemandSource =
  | { query: string; metric?: undefined }
  | { query?: undefined; metric: { name: string; selector?: LabelSelector } };

export interface HistorySpec {
  length: DurationString;
  step: DurationString;
  /** History needed before the forecast is ready. */
  minimum: DurationString;
}

/** Bounds on forecast-driven decreases (named apart from the planner's ScaleDownSpec, which holds milliseconds). */
export interface ScaleDownSettings {
  delay: DurationString;
  maxPercentPerMinute: number;
  /** Also at most this many replicas fewer per minute, when set. */
  maxReplicasPerMinute?: number;
}

export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  tolerationSeconds?: number;
}

/** Overrides of the reserved pod shape; what is unset comes from the target's pod template. */
export interface PodShape {
  cpu?: string | number;
  memory?: string | number;
  "nvidia.com/gpu"?: string | number;
  /**
   * Any resource by name, e.g. { "amd.com/gpu": 1, "nvidia.com/mig-1g.10gb": 2 }; extended
   * resources (`vendor/name`) must be whole numbers. A name may not also be set as a key above.
   */
  resources?: Record<string, string | number>;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
}

export interface NodesSpec {
  mode: NodeMode;
  leadTime: DurationString;
  podShape?: PodShape;
  priorityClassName?: string;
}

export interface FallbackSpec {
  behavior: FallbackBehavior;
  /**
   * Share of recent steps with demand above the forecast that counts as degraded; unset: three
   * times what the quantile allows, 3 × (1 − quantile) (0.3 for 0.9), see guardrails.ts.
   */
  underPredictionRate?: number;
  /** Consecutive steps without demand data or a forecast before the fallback applies. */
  failureThreshold: number;
}

export interface PredictiveScalerSpec {
  targetRef: TargetRef;
  demand: DemandSource;
  /** Demand one ready replica serves at target: a number or a quantity string ("2.5", "500m"). */
  capacityPerReplica: string | number;
  leadTime: DurationString;
  quantile: number;
  horizon: DurationString;
  history: HistorySpec;
  schedule: string;
  mode: ScalerMode;
  minReplicas: number;
  maxReplicas: number;
  maxCapacityBreach: CapacityBreachPolicy;
  /**
   * Under maxCapacityBreach Increase (required there, not allowed under Honor): how far past
   * maxReplicas the forecast may go, in percent of maxReplicas, 0–100.
   */
  maxCapacityBuffer?: number;
  scaleDown: ScaleDownSettings;
  nodes: NodesSpec;
  fallback: FallbackSpec;
}

export const CONDITION_TYPES = ["Ready", "ForecastReady", "ForecastDegraded"] as const;
export type ScalerConditionType = (typeof CONDITION_TYPES)[number];

/** metav1.Condition. */
export interface Condition {
  type: ScalerConditionType | (string & {});
  status: "True" | "False" | "Unknown";
  observedGeneration?: number;
  lastTransitionTime: string;
  /** e.g. InsufficientHistory on ForecastReady, InvalidSpec on Ready. */
  reason: string;
  message: string;
}

export interface PredictiveScalerStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  model?: string;
  history?: { available?: DurationString; required?: DurationString };
  accuracy?: { steps?: number; pinball?: number; coverage?: number; underPredictionRate?: number };
  nextPeak?: { value: number; replicas?: number; at: string };
  /** What the forecast asks for now; none during a Release fallback. */
  recommendedReplicas?: number;
  /** The last recommendation of a usable forecast and when it was made; kept through a fallback. */
  lastRecommendation?: { replicas: number; time: string };
  appliedReplicas?: number;
  /** Mode Metric: what the adapter serves as foresight_forecast for this scaler. */
  metric?: { value: string; replicas: number; updateTime: string };
  lastAction?: { type: string; time: string; from?: number; to?: number; message?: string };
}

export interface PredictiveScaler {
  apiVersion: typeof PREDICTIVE_SCALER_API_VERSION;
  kind: typeof PREDICTIVE_SCALER_KIND;
  metadata: { name: string; namespace?: string; generation?: number; [key: string]: unknown };
  spec: PredictiveScalerSpec;
  status?: PredictiveScalerStatus;
}
