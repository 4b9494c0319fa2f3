/**
 * Carries one decision out through the executors (executors/registry.ts): each one the spec asks for
 * applies it, each other one releases what it may still hold from an earlier mode or leader, and is
 * then not asked again until it applies something. A pending decision (no forecast yet) touches
 * nothing, except a release that does not wait for one. Every call goes through `retry` with its
 * own `attempts`, so a change whose answer was lost is still reported; a call that fails for good
 * becomes a failure ("floor: …") and leaves in place what was there before.
 */
import { errorText } from "./apiErrors.js";
import type { ConditionInput } from "./conditions.js";
import type { Decision } from "./decide.js";
import type { ExecutedAction } from "./executors/executedAction.js";
import { pendingWrites } from "./executors/pendingWrite.js";
import type { ApplyContext, ExecResult, Executor, StatusMetric } from "./executors/types.js";

/** Runs a Kubernetes call again on conflicts, 5xx and timeouts (src/kube/retry.ts). */
export type Retry = <T>(fn: (attempt: number) => Promise<T>) => Promise<T>;

export interface CarryOutInput {
  readonly executors: readonly Executor[];
  readonly retry: Retry;
  readonly context: Omit<ApplyContext, "attempts">;
  readonly decision: Decision;
  /** Names of the executors that may hold something for this scaler; kept across reconciles. */
  readonly mayHold: Set<string>;
}

export interface CarriedOut {
  /** What is in place now; after a failure, what was before (status.appliedReplicas). */
  readonly applied: number | undefined;
  readonly refused: ConditionInput | undefined;
  readonly actions: readonly ExecutedAction[];
  readonly metric: StatusMetric | undefined;
  /** "floor: <error>" for each call that failed for good. */
  readonly failures: readonly string[];
}

export async function carryOut(input: CarryOutInput): Promise<CarriedOut> {
  const { executors, retry, context, decision, mayHold } = input;
  const results: ExecResult[] = [];
  const failures: string[] = [];
  const run = async (executor: Executor, call: (context: ApplyContext) => Promise<ExecResult>) => {
    // Shared by the retries of this call: a change whose answer was lost is still reported.
    const attempts = { ...context, attempts: pendingWrites() };
    try {
      results.push(await retry(() => call(attempts)));
      return true;
    } catch (err) {
      failures.push(`${executor.name}: ${errorText(err)}`);
      return false;
    }
  };
  for (const executor of executors) {
    if (executor.handles(context.spec)) {
      if (decision.pending) {
        // Touch nothing: what is in place stays until the first decision.
        if (executor.whilePending)
          results.push(executor.whilePending({ ...context, attempts: pendingWrites() }));
        continue;
      }
      mayHold.add(executor.name);
      await run(executor, (c) => executor.apply(c, decision));
    } else if (mayHold.has(executor.name) && (!decision.pending || executor.releaseWhilePending)) {
      if (await run(executor, (c) => executor.release(c))) mayHold.delete(executor.name);
    }
  }
  return {
    applied:
      results.find((r) => r.applied !== undefined)?.applied ??
      (failures.length > 0 ? (context.previous.appliedReplicas ?? undefined) : undefined),
    refused: results.find((r) => r.refused)?.refused,
    actions: results.flatMap((r) => r.actions),
    metric: results.find((r) => r.metric)?.metric,
    failures,
  };
}
