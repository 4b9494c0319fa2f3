/**
 * One change an executor made in the cluster: what the reconciler reports as an Event and a
 * decision-log entry. Its own file because both the executors' shape (types.ts) and the pending
 * writes they carry across retries (pendingWrite.ts) hold it.
 */
export interface ExecutedAction {
  /** e.g. SetFloor, RestoreFloor, Scale, ServeMetric, SetCapacityBuffer, RemoveCapacityBuffer. */
  readonly type: string;
  readonly from?: number;
  readonly to?: number;
  /** What changed, for the Event and the decision log ("HPA web minReplicas 2 → 6"). */
  readonly message: string;
}
