/**
 * Scores of one policy over the evaluation window (issue 4 §3): how often and how much demand went
 * unmet, and what it cost. `c` is the demand one replica serves at the target utilization; at
 * saturation a replica serves c / targetUtilization.
 */

export interface PolicyScores {
  /** Share of steps where demand exceeds ready replicas × c. */
  readonly underProvisionedFraction: number;
  /** Demand above ready replicas × c / target (what saturated pods cannot serve) ÷ total demand. */
  readonly unservedFraction: number;
  /** Hours of allocated pods, starting ones included. */
  readonly replicaHours: number;
  readonly nodeHours: number;
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

export class ScoreAccumulator {
  private steps = 0;
  private underSteps = 0;
  private demand = 0;
  private unserved = 0;

  constructor(
    private readonly capacityPerReplica: number,
    private readonly targetUtilization: number,
  ) {}

  /** One step of the evaluation window. */
  observe(demand: number, ready: number): void {
    this.steps++;
    this.demand += demand;
    const atTarget = ready * this.capacityPerReplica;
    // Relative slack so that demand exactly at capacity is not counted on float noise.
    if (demand > atTarget * (1 + 1e-9)) this.underSteps++;
    this.unserved += Math.max(0, demand - atTarget / this.targetUtilization);
  }

  get observedSteps(): number {
    return this.steps;
  }

  finish(start: CostCounters, end: CostCounters): RawScores {
    return {
      underProvisionedFraction: this.steps === 0 ? 0 : this.underSteps / this.steps,
      unservedFraction: this.demand === 0 ? 0 : this.unserved / this.demand,
      replicaHours: (end.podSeconds - start.podSeconds) / 3600,
      nodeHours: (end.nodeSeconds - start.nodeSeconds) / 3600,
      scaleEvents: end.scaleEvents - start.scaleEvents,
    };
  }
}

export function withCostVsOracle(raw: RawScores, oracleReplicaHours: number | undefined): PolicyScores {
  const costVsOracle =
    oracleReplicaHours !== undefined && oracleReplicaHours > 0 ? raw.replicaHours / oracleReplicaHours : null;
  return { ...raw, costVsOracle };
}

/** The q-quantile of `values` (linear interpolation between order statistics; NaN skipped). */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).filter((v) => Number.isFinite(v));
  if (sorted.length === 0) throw new RangeError("quantile: no finite values");
  sorted.sort();
  const x = q * (sorted.length - 1);
  const i = Math.floor(x);
  const j = Math.min(sorted.length - 1, i + 1);
  return (sorted[i] as number) + ((sorted[j] as number) - (sorted[i] as number)) * (x - i);
}

/** c = p99 of demand ÷ the replicas that should carry it. */
export function capacityPerReplica(demand: ArrayLike<number>, peakReplicas: number): number {
  if (!(Number.isInteger(peakReplicas) && peakReplicas >= 1))
    throw new RangeError(`peak replicas ${peakReplicas} must be an integer ≥ 1`);
  const p99 = quantile(demand, 0.99);
  if (!(p99 > 0)) throw new RangeError("the trace's p99 demand is not positive; nothing to size replicas by");
  return p99 / peakReplicas;
}
