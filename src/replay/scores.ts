/**
 * Scores of one policy over the evaluation window, counted per 15 s step against the replicas ready
 * for it (notes: ../shared/docs/reference/autoscaling-evaluation.md):
 * - overloaded: demand above what the ready pods serve at saturation (100 % utilization);
 * - unserved: the demand above that, as a share of all demand;
 * - SLO violation: the p95 latency of the step (queueing.ts: a queue model, M/M/c by default)
 *   above a multiple of the unloaded p95;
 * - above target: demand above the HPA's target utilization of the ready pods. A reactive HPA holds
 *   utilization around its target by design, so it sits above its target about half the time while
 *   serving everything: this is not overload, and is kept for comparison only;
 * - cost: replica-hours (pods allocated, starting ones included), node-hours and GPU-hours.
 */
import { empiricalQuantile } from "../forecast/stats.js";
import { type QueueModel, violatesSlo } from "./queueing.js";

export interface PolicyScores {
  /** Share of steps where demand exceeds ready replicas × saturation capacity. */
  readonly overloadedFraction: number;
  /** Demand above ready replicas × saturation capacity ÷ total demand. */
  readonly unservedFraction: number;
  /** Share of steps whose p95 latency exceeds the SLO (a multiple of the unloaded p95). */
  readonly sloViolationFraction: number;
  /** Share of steps where demand exceeds ready replicas × the capacity at the HPA's target. */
  readonly aboveTargetFraction: number;
  /** Hours of allocated pods, starting ones included. */
  readonly replicaHours: number;
  readonly nodeHours: number;
  /** Node-hours × the GPUs a node holds (what GPU nodes cost). */
  readonly gpuHours: number;
  /** Changes of the deployment's desired replicas. */
  readonly scaleEvents: number;
  /** replicaHours ÷ the oracle's; null when the oracle has no replica-hours to compare with. */
  readonly costVsOracle: number | null;
}

export type RawScores = Omit<PolicyScores, "costVsOracle">;

/** Cost counters read at the start and end of the evaluation window. */
export interface CostCounters {
  readonly podSeconds: number;
  readonly nodeSeconds: number;
  readonly scaleEvents: number;
}

export interface LatencySlo {
  readonly model: QueueModel;
  /** The p95 allowed, as a multiple of the unloaded p95 (default 2). */
  readonly multiple: number;
}

export const DEFAULT_SLO: LatencySlo = { model: "mmc", multiple: 2 };

export interface ScoreSettings {
  /** Demand one ready replica serves at 100 % utilization. */
  readonly saturationPerReplica: number;
  /** The HPA's target utilization (for aboveTargetFraction only). */
  readonly targetUtilization: number;
  readonly slo?: LatencySlo;
  /** GPUs a node holds, for GPU-hours (default 0: a CPU workload). */
  readonly gpusPerNode?: number;
}

/** Relative slack so that demand exactly at a capacity is not counted on float noise. */
const SLACK = 1 + 1e-9;

export class ScoreAccumulator {
  private steps = 0;
  private overloaded = 0;
  private violating = 0;
  private aboveTarget = 0;
  private demand = 0;
  private unserved = 0;
  readonly #settings: ScoreSettings;
  readonly #slo: LatencySlo;

  constructor(settings: ScoreSettings) {
    if (!(settings.saturationPerReplica > 0))
      throw new RangeError(`saturation capacity ${settings.saturationPerReplica} per replica must be > 0`);
    this.#settings = settings;
    this.#slo = settings.slo ?? DEFAULT_SLO;
  }

  /** One step of the evaluation window. */
  observe(demand: number, ready: number): void {
    const { saturationPerReplica: mu, targetUtilization } = this.#settings;
    this.steps++;
    this.demand += demand;
    const saturated = ready * mu;
    if (demand > saturated * SLACK) this.overloaded++;
    if (demand > saturated * targetUtilization * SLACK) this.aboveTarget++;
    this.unserved += Math.max(0, demand - saturated);
    if (
      violatesSlo(
        this.#slo.model,
        Math.max(0, demand),
        mu,
        Math.max(0, Math.round(ready)),
        this.#slo.multiple,
      )
    )
      this.violating++;
  }

  get observedSteps(): number {
    return this.steps;
  }

  finish(start: CostCounters, end: CostCounters): RawScores {
    const share = (n: number) => (this.steps === 0 ? 0 : n / this.steps);
    const nodeHours = (end.nodeSeconds - start.nodeSeconds) / 3600;
    return {
      overloadedFraction: share(this.overloaded),
      unservedFraction: this.demand === 0 ? 0 : this.unserved / this.demand,
      sloViolationFraction: share(this.violating),
      aboveTargetFraction: share(this.aboveTarget),
      replicaHours: (end.podSeconds - start.podSeconds) / 3600,
      nodeHours,
      gpuHours: nodeHours * (this.#settings.gpusPerNode ?? 0),
      scaleEvents: end.scaleEvents - start.scaleEvents,
    };
  }
}

export function withCostVsOracle(raw: RawScores, oracleReplicaHours: number | undefined): PolicyScores {
  const costVsOracle =
    oracleReplicaHours !== undefined && oracleReplicaHours > 0 ? raw.replicaHours / oracleReplicaHours : null;
  return { ...raw, costVsOracle };
}

/**
 * The q-quantile of the finite values of a sample (forecast/stats.ts: linear interpolation between
 * order statistics). Unlike that kernel it throws on a sample without finite values: a backtest
 * sized from no demand must fail, not size its pods from NaN.
 */
export function sampleQuantile(values: ArrayLike<number>, q: number): number {
  const value = empiricalQuantile(values, q);
  if (Number.isNaN(value)) throw new RangeError("quantile: no finite values");
  return value;
}

/** The HPA target `--peak-replicas` is stated at: that many replicas carry the p99 of demand at 70 %. */
export const REFERENCE_UTILIZATION = 0.7;

/**
 * What one replica serves at saturation, from the replicas that should carry the p99 of demand at
 * the reference utilization (70 %): p99 ÷ (peakReplicas × 0.7). It sizes the pod, whatever target
 * an HPA then runs it at.
 */
export function saturationPerReplica(demand: ArrayLike<number>, peakReplicas: number): number {
  if (!(Number.isInteger(peakReplicas) && peakReplicas >= 1))
    throw new RangeError(`peak replicas ${peakReplicas} must be an integer ≥ 1`);
  const p99 = sampleQuantile(demand, 0.99);
  if (!(p99 > 0)) throw new RangeError("the trace's p99 demand is not positive; nothing to size replicas by");
  return p99 / (peakReplicas * REFERENCE_UTILIZATION);
}
