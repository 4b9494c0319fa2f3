/**
 * Deletion of a PredictiveScaler, guarded by its finalizer (added to every valid scaler before it
 * acts): every executor releases what it holds
 * (the user's HPA floor restored, reserved node capacity removed), the saved forecast is deleted,
 * each change is told as an Event on the target and a decision-log entry, and the finalizer is
 * removed so the scaler can go. The spec is read as it is (it may no longer be valid). A failure
 * throws: the finalizer stays and the next reconcile tries again.
 */
import type { Clock } from "../clock.js";
import type { Retry } from "./carryOut.js";
import type { ActuatorCluster, ClusterObject, ObjectRef } from "./cluster.js";
import type { DecisionLog } from "./decisionLog.js";
import { pendingWrites } from "./executors/pendingWrite.js";
import type { ExecResult, Executor } from "./executors/types.js";
import { snapshotName } from "./forecastSnapshots.js";
import type { EventsPort } from "./report.js";
import type { ScalerKey } from "./scalerKey.js";
import type { PredictiveScaler } from "./types.js";

export const FINALIZER = "foresight.dev/cleanup";

export interface FinalizeDeps {
  readonly cluster: ActuatorCluster;
  readonly retry: Retry;
  readonly clock: Clock;
  readonly events: EventsPort;
  readonly decisions: DecisionLog;
  readonly executors: readonly Executor[];
}

/** Releases, reports and removes the finalizer; false when the object carries no finalizer of ours. */
export async function finalize(
  deps: FinalizeDeps,
  object: ClusterObject,
  key: ScalerKey,
  id: string,
  ref: ObjectRef,
): Promise<boolean> {
  const { cluster, retry } = deps;
  if (!(object.metadata.finalizers ?? []).includes(FINALIZER)) return false;
  const { namespace } = key;
  const spec = (object.spec ?? {}) as Partial<PredictiveScaler["spec"]>;
  const target = spec.targetRef?.kind && spec.targetRef.name ? spec.targetRef : undefined;
  const results: ExecResult[] = [];
  for (const executor of deps.executors) {
    // Shared by the retries of this release, as in a reconcile.
    const context = { cluster, key, id, targetRef: target, attempts: pendingWrites() };
    results.push(await retry(() => executor.release(context)));
  }
  await retry(() =>
    cluster.delete({ apiVersion: "v1", kind: "ConfigMap", namespace, name: snapshotName(key.name) }),
  );
  for (const a of results.flatMap((r) => r.actions)) {
    deps.decisions.append({
      atMs: deps.clock.now(),
      scaler: id,
      mode: String(spec.mode ?? "ForecastOnly"),
      action: a.type,
      applied: true,
      ...(a.from !== undefined ? { from: a.from } : {}),
      ...(a.to !== undefined ? { to: a.to } : {}),
      reason: `${a.message}: the PredictiveScaler is being deleted`,
    });
    if (target)
      await deps.events.record({
        regarding: {
          apiVersion: target.apiVersion ?? "apps/v1",
          kind: target.kind,
          name: target.name,
          namespace,
        },
        type: "Normal",
        reason: a.type,
        message: `PredictiveScaler ${key.name} ${a.message}: the scaler is being deleted`,
        action: a.type,
      });
  }
  await retry(async () => {
    const fresh = await cluster.get(ref);
    if (!fresh) return;
    const finalizers = (fresh.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
    await cluster.patch(ref, { metadata: { resourceVersion: fresh.metadata.resourceVersion, finalizers } });
  });
  return true;
}

/** Adds the finalizer, read fresh (a retry reads again), unless the scaler is already being deleted. */
export async function addFinalizer(
  deps: { readonly cluster: ActuatorCluster; readonly retry: Retry },
  object: ClusterObject,
  ref: ObjectRef,
): Promise<void> {
  const { cluster, retry } = deps;
  if ((object.metadata.finalizers ?? []).includes(FINALIZER)) return;
  await retry(async () => {
    const fresh = await cluster.get(ref);
    if (!fresh || fresh.metadata.deletionTimestamp) return;
    const finalizers = fresh.metadata.finalizers ?? [];
    if (finalizers.includes(FINALIZER)) return;
    await cluster.patch(ref, {
      metadata: { resourceVersion: fresh.metadata.resourceVersion, finalizers: [...finalizers, FINALIZER] },
    });
  });
}
