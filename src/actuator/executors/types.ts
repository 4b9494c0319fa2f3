/** What an executor did (or refused to do) in one reconcile. */
import type { ConditionInput } from "../conditions.js";

export interface ExecutedAction {
  /** e.g. SetFloor, RestoreFloor, Scale, ServeMetric, SetCapacityBuffer, RemoveCapacityBuffer. */
  readonly type: string;
  readonly from?: number;
  readonly to?: number;
  /** What changed, for the Event and the decision log ("HPA web minReplicas 2 → 6"). */
  readonly message: string;
}

export interface ExecResult {
  /** What is in place now (the floor, the scale, the served replicas); undefined when nothing is. */
  readonly applied?: number;
  readonly actions: readonly ExecutedAction[];
  /** Set when the mode cannot act on this target: becomes Ready=False with this reason. */
  readonly refused?: ConditionInput;
}

export const NOTHING: ExecResult = { actions: [] };
