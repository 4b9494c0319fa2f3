/**
 * Mode `Direct`: set the workload's replicas through its /scale subresource, for workloads no HPA
 * scales. When an HPA targets the workload it refuses (two controllers writing replicas fight).
 * Without fresh demand data it holds: nothing is written (never scale on a made-up value). Leaving
 * mode Direct leaves the replicas as they are: there is nothing to give back.
 * A /scale write whose answer was lost (a timeout) may have landed: the retry, passed the same
 * `attempts`, then finds the replicas in place and reports the change as its own (pendingWrite.ts).
 */
import type { ActuatorCluster } from "../cluster.js";
import type { TargetRef } from "../types.js";
import type { ExecutedAction } from "./executedAction.js";
import { hpaNames, hpasFor } from "./hpas.js";
import { landed, type PendingWrite, write } from "./pendingWrite.js";
import { type ExecResult, type Executor, NOTHING } from "./types.js";

export function directExecutor(): Executor {
  return {
    name: "scale",
    handles: (spec) => spec.mode === "Direct",
    apply: ({ cluster, key, targetRef, demandNow, attempts }, decision) =>
      applyDirect(
        cluster,
        key.namespace,
        targetRef,
        demandNow === undefined ? undefined : decision.desiredReplicas,
        attempts,
      ),
    releaseWhilePending: false,
    release: async () => NOTHING,
  };
}

/** `replicas` undefined means hold. */
async function applyDirect(
  cluster: ActuatorCluster,
  namespace: string,
  target: TargetRef,
  replicas: number | undefined,
  attempts: PendingWrite,
): Promise<ExecResult> {
  const hpas = await hpasFor(cluster, namespace, target);
  if (hpas.length > 0) {
    return {
      actions: [],
      refused: {
        type: "Ready",
        status: "False",
        reason: "HPAConflict",
        message: `HorizontalPodAutoscaler ${hpaNames(hpas)} scales ${target.kind}/${target.name}; Direct would fight it. Use mode Floor or Metric for workloads with an HPA`,
      },
    };
  }
  const ref = { apiVersion: target.apiVersion ?? "apps/v1", kind: target.kind, name: target.name, namespace };
  const scale = await cluster.getScale(ref);
  if (!scale) {
    return {
      actions: [],
      refused: {
        type: "Ready",
        status: "False",
        reason: "TargetNotFound",
        message: `${target.kind}/${target.name} not found in ${namespace} (or it has no /scale subresource)`,
      },
    };
  }
  if (replicas === undefined || replicas === scale.replicas) {
    return { applied: scale.replicas, actions: landed(attempts, "Scale", scale.replicas) };
  }
  const action: ExecutedAction = {
    type: "Scale",
    from: scale.replicas,
    to: replicas,
    message: `scaled ${target.kind}/${target.name} ${scale.replicas} → ${replicas}`,
  };
  await write(attempts, action, () => cluster.setScale(ref, replicas, scale.resourceVersion));
  return { applied: replicas, actions: [action] };
}
