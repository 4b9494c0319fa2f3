/**
 * The contract between the replay loop and a scaling policy. A policy sees, at each 15 s step, only
 * the past: demand up to now, the lagged metric the HPA would read, and the cluster's readouts; it
 * answers the replicas it wants (and optionally CapacityBuffer replicas). Only the oracle is handed
 * the future, through its factory.
 */
import type { SimPod } from "../hpa/types.js";

export interface StepView {
  readonly nowMs: number;
  /** Index of this step in the demand series. */
  readonly step: number;
  readonly stepMs: number;
  /** Demand from the first step to this one, inclusive (never the future). */
  readonly history: Float64Array;
  /** Average utilization (% of request) the metrics pipeline reports now: scraped and rate-windowed, so lagged. */
  readonly utilization: number;
  /** Time the reported utilization describes (its newest sample). */
  readonly metricTimestampMs: number;
  /** Rate window behind `utilization`. */
  readonly metricWindowMs: number;
  /** The pods matching the deployment's selector, as the HPA lists them (built on demand). */
  pods(): readonly SimPod[];
  /** Replicas on /scale now. */
  readonly desired: number;
  readonly ready: number;
  /** Bound pods, ready or starting. */
  readonly allocated: number;
}

export interface PolicyDecision {
  readonly replicas: number;
  /** CapacityBuffer replicas (pods' shape) to keep warm on nodes; undefined leaves the buffer as is. */
  readonly bufferReplicas?: number;
}

export interface Policy {
  readonly name: string;
  /** May return a promise only on steps where a forecaster refits; the loop awaits only then. */
  decide(view: StepView): PolicyDecision | Promise<PolicyDecision>;
  /** Wall-clock milliseconds spent fitting and forecasting (reported apart from simulation time). */
  readonly forecastMs?: number;
}

export interface PolicyContext {
  readonly stepMs: number;
  readonly startMs: number;
  /** Demand one replica serves at the target utilization (saturation × target). */
  readonly capacityPerReplica: number;
  /** Demand one replica serves at 100 % utilization. */
  readonly saturationPerReplica: number;
  /** HPA utilization target as a fraction of saturation (0.7). */
  readonly targetUtilization: number;
  /** Pod start-up plus warm-up: a replica requested now is ready this much later. */
  readonly leadTimeMs: number;
  /** Node provisioning delay on top of the lead time (0: nodes always available). */
  readonly nodeLeadTimeMs: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** The whole demand series, future included. Only the oracle may read it. */
  readonly futureDemand: Float64Array;
}

export type PolicyFactory = (context: PolicyContext) => Policy;
