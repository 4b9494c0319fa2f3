/**
 * The one shape every executor has. An executor carries a decision out in the cluster for the part
 * of a scaler it owns (the HPA floor, the workload's /scale, the served metric, node reservations):
 * `apply` puts the decision in place while the spec asks for it (`handles`), `release` gives back
 * what it may still hold once the spec no longer does (a mode change) or the scaler is deleted.
 * Both are idempotent, computed again from what is read, and retried by the reconciler with the
 * same `attempts` (pendingWrite.ts), so a change whose answer was lost is reported once.
 */
import type { ActuatorCluster } from "../cluster.js";
import type { ConditionInput } from "../conditions.js";
import type { Decision } from "../decide.js";
import type { ScalerKey } from "../scalerKey.js";
import type { ScalerSpec } from "../spec.js";
import type { PredictiveScalerStatus, TargetRef } from "../types.js";
import type { ExecutedAction } from "./executedAction.js";
import type { PendingWrites } from "./pendingWrite.js";

/** status.metric: what the adapter serves as foresight_forecast{scaler} (mode Metric). */
export type StatusMetric = NonNullable<PredictiveScalerStatus["metric"]>;

export interface ExecResult {
  /** What is in place now (the floor, the scale, the served replicas); undefined when nothing is. */
  readonly applied?: number;
  readonly actions: readonly ExecutedAction[];
  /** Set when the mode cannot act on this target: becomes Ready=False with this reason. */
  readonly refused?: ConditionInput;
  /** The served metric the status carries (mode Metric). */
  readonly metric?: StatusMetric;
}

export const NOTHING: ExecResult = { actions: [] };

/** What a release needs: known even for a spec no longer valid (a scaler being deleted). */
export interface ReleaseContext {
  readonly cluster: ActuatorCluster;
  readonly key: ScalerKey;
  /** formatScalerKey(key). */
  readonly id: string;
  /** The workload scaled; undefined when the spec names none (only a deleted, invalid scaler). */
  readonly targetRef: TargetRef | undefined;
  /** Carried across the retries of one call. */
  readonly attempts: PendingWrites;
}

export interface ApplyContext extends ReleaseContext {
  readonly targetRef: TargetRef;
  readonly spec: ScalerSpec;
  /** The PredictiveScaler's uid (owner of the objects made for it). */
  readonly uid: string | undefined;
  /** The status as last written. */
  readonly previous: PredictiveScalerStatus;
  readonly nowMs: number;
  /** The newest demand sample when fresh (mode Direct acts only on one). */
  readonly demandNow: number | undefined;
}

export interface Executor {
  /** Names it in failures ("floor: …") and in the reconciler's memory of what may be held. */
  readonly name: string;
  /** Whether the spec asks this executor to act. */
  handles(spec: ScalerSpec): boolean;
  apply(context: ApplyContext, decision: Decision): Promise<ExecResult>;
  release(context: ReleaseContext): Promise<ExecResult>;
  /**
   * Whether what it holds is given back even before the first decision (a decision is pending):
   * otherwise it stays in place until there is one.
   */
  readonly releaseWhilePending: boolean;
  /** What the status keeps saying while the decision is pending and nothing is touched. */
  whilePending?(context: ApplyContext): ExecResult;
}
