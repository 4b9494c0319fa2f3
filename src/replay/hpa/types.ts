/**
 * Types of the HPA emulation: an autoscaling/v2-shaped spec subset, the controller's per-HPA memory,
 * and the inputs/outputs of one sync. All metric values are integer milli-units (Quantity.MilliValue);
 * times are epoch milliseconds supplied by the caller.
 */

export type ScalingPolicyType = "Pods" | "Percent";
export type SelectPolicy = "Max" | "Min" | "Disabled";

export interface HpaScalingPolicy {
  type: ScalingPolicyType;
  value: number;
  periodSeconds: number;
}

export interface HpaScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: SelectPolicy;
  policies?: HpaScalingPolicy[];
  /** Fraction (0.1 = 10 %); the HPAConfigurableTolerance field. Defaults to the controller tolerance. */
  tolerance?: number;
}

export interface HpaBehavior {
  scaleUp?: HpaScalingRules;
  scaleDown?: HpaScalingRules;
}

/** Target of a metric. `averageUtilization` is a percentage; values are milli-units. */
export type MetricTarget =
  | { type: "Utilization"; averageUtilization: number }
  | { type: "AverageValue"; averageValue: number }
  | { type: "Value"; value: number };

export type MetricSpec =
  | { type: "Resource"; resource: { name: string; target: MetricTarget } }
  | {
      type: "ContainerResource";
      containerResource: { name: string; container: string; target: MetricTarget };
    }
  | { type: "Pods"; pods: { metricName: string; target: MetricTarget } }
  | { type: "Object"; object: { metricName: string; target: MetricTarget } }
  | { type: "External"; external: { metricName: string; target: MetricTarget } };

export interface HpaSpec {
  minReplicas?: number;
  maxReplicas: number;
  /** Empty or absent means CPU Utilization 80 (API default). */
  metrics?: MetricSpec[];
  behavior?: HpaBehavior;
}

/** Behavior with every default filled in (§4.1). */
export interface ResolvedScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: SelectPolicy;
  policies: HpaScalingPolicy[];
  tolerance: number;
}

export interface ResolvedBehavior {
  scaleUp: ResolvedScalingRules;
  scaleDown: ResolvedScalingRules;
}

/** kube-controller-manager flags that shape the algorithm (§4.1). */
export interface HpaControllerConfig {
  tolerance: number;
  downscaleStabilizationSeconds: number;
  cpuInitializationPeriodSeconds: number;
  initialReadinessDelaySeconds: number;
}

export const DEFAULT_HPA_CONTROLLER_CONFIG: HpaControllerConfig = Object.freeze({
  tolerance: 0.1,
  downscaleStabilizationSeconds: 300,
  cpuInitializationPeriodSeconds: 300,
  initialReadinessDelaySeconds: 30,
});

export interface TimestampedRecommendation {
  replicas: number;
  timeMs: number;
}

export interface TimestampedScaleEvent {
  replicaChange: number;
  timeMs: number;
  outdated: boolean;
}

export type HpaConditionType = "AbleToScale" | "ScalingActive" | "ScalingLimited";

export interface HpaCondition {
  type: HpaConditionType;
  status: "True" | "False";
  reason: string;
  message: string;
}

/** What the controller remembers about one HPA between syncs (in memory and in status). */
export interface HpaState {
  /** Undefined until the first sync records (current, now). */
  recommendations?: readonly TimestampedRecommendation[];
  scaleUpEvents: readonly TimestampedScaleEvent[];
  scaleDownEvents: readonly TimestampedScaleEvent[];
  lastScaleTimeMs?: number;
  /** status.desiredReplicas; held on metric errors. */
  desiredReplicas?: number;
  conditions: readonly HpaCondition[];
}

export function initialHpaState(): HpaState {
  return { scaleUpEvents: [], scaleDownEvents: [], conditions: [] };
}

export interface ScaleSubresource {
  specReplicas: number;
  statusReplicas: number;
  /** scale.status.selector; empty or unparsable means ScalingActive False, reason InvalidSelector. */
  selector: string;
}

/** The phases the HPA tells apart (a pod in phase Unknown is read as Running before it gets here). */
export type SimPodPhase = "Pending" | "Running" | "Succeeded" | "Failed";

/**
 * A container of a pod's spec as the replica calculator reads it: its name and requests (milli-units).
 * Init containers count toward the pod's requests only when restartable (`restartPolicy: Always`,
 * the sidecars), as the controller's calculatePodRequestsFromContainers counts them.
 */
export interface SimContainer {
  name: string;
  requests?: Record<string, number>;
  /** Listed under spec.initContainers. */
  init?: boolean;
  /** The container's own restartPolicy; "Always" makes an init container a sidecar. */
  restartPolicy?: string;
}

export interface SimPod {
  name: string;
  phase: SimPodPhase;
  deleted?: boolean;
  /** Ready condition status; undefined means the pod has no Ready condition. */
  ready?: boolean;
  startTimeMs?: number;
  readyTransitionTimeMs?: number;
  /**
   * The pod's containers (spec.containers, then spec.initContainers). When present, requests are
   * computed from them; ContainerResource metrics need them.
   */
  containers?: readonly SimContainer[];
  /** Summed requests per resource (milli-units), e.g. { cpu: 500 }, for a pod given without `containers`. */
  requests?: Record<string, number>;
}

export type MetricError = { error: string };

/**
 * Per-pod values (milli) of a Pods, Resource or ContainerResource metric, as the metrics API returned
 * them (for ContainerResource, the named container's usage in each pod).
 */
export interface PodMetricsReading {
  values: Record<string, number>;
  /** Sample timestamp and window (used only for CPU readiness); window defaults to 60 s. */
  timestampMs?: number;
  windowMs?: number;
}

/** Object metric: one value. External metric: the item values (summed, §4.4). */
export type MetricReading = PodMetricsReading | { value: number } | { items: number[] } | MetricError;

export interface SyncInput {
  nowMs: number;
  spec: HpaSpec;
  state: HpaState;
  scale: ScaleSubresource;
  /** Pods matching the scale selector. */
  pods: readonly SimPod[];
  /** One reading per entry of spec.metrics (same order). */
  readings: readonly MetricReading[];
  config?: Partial<HpaControllerConfig>;
}

export interface MetricProposal {
  metric: string;
  replicas?: number;
  /** Current value reported in status (utilization % or milli value); absent on error. */
  current?: number;
  error?: string;
}

export interface HpaEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

export interface SyncResult {
  /** status.desiredReplicas after this sync. */
  desiredReplicas: number;
  /** True when /scale was updated to desiredReplicas. */
  rescale: boolean;
  proposals: MetricProposal[];
  /** Conditions after this sync (merged with the previous ones by type). */
  conditions: HpaCondition[];
  events: HpaEvent[];
  state: HpaState;
}
