/**
 * `oracle`: knows the whole demand series and sizes replicas at saturation (100 % utilization: the
 * fewest that serve the demand). A replica needed at step t must exist from t − L on (L steps of
 * lead time) and until t, so the fewest replicas at step s are the most needed anywhere in
 * [s, s + L]; deleting the newest pods first (as the ReplicaSet does) keeps the ones that are ready.
 * Its replica-hours are the floor no policy beats without overload. With a node lead time
 * the lead includes it plus one step for the cluster-autoscaler scan; then it is no longer a strict
 * floor (a node can be left over from a recent scale-down).
 */
import type { Policy, PolicyContext } from "./types.js";

export const ORACLE = "oracle";

/** Replicas that keep `demand ≤ replicas · capacity` at every step. */
export function neededReplicas(demand: ArrayLike<number>, capacityPerReplica: number): Int32Array {
  const out = new Int32Array(demand.length);
  for (let i = 0; i < demand.length; i++) {
    // Tiny slack so that demand exactly at capacity does not round up on float noise.
    out[i] = Math.max(0, Math.ceil((demand[i] as number) / capacityPerReplica - 1e-9));
  }
  return out;
}

/** The oracle's plan: at step s, the max of `needed` over [s, s + leadSteps] (sliding max, O(n)). */
export function oraclePlan(needed: Int32Array, leadSteps: number): Int32Array {
  const n = needed.length;
  const out = new Int32Array(n);
  const deque = new Int32Array(n);
  let head = 0;
  let tail = 0;
  let next = 0;
  for (let s = 0; s < n; s++) {
    const last = Math.min(n - 1, s + leadSteps);
    for (; next <= last; next++) {
      while (tail > head && (needed[deque[tail - 1] as number] as number) <= (needed[next] as number)) tail--;
      deque[tail++] = next;
    }
    while ((deque[head] as number) < s) head++;
    out[s] = needed[deque[head] as number] as number;
  }
  return out;
}

/** Steps from a replica request to its readiness, as the replay's cluster realises it. */
export function oracleLeadSteps(context: PolicyContext): number {
  const node = context.nodeLeadTimeMs > 0 ? Math.ceil(context.nodeLeadTimeMs / context.stepMs) + 1 : 0;
  return Math.ceil(context.leadTimeMs / context.stepMs) + node;
}

export function oraclePolicy(context: PolicyContext): Policy {
  const needed = neededReplicas(context.futureDemand, context.saturationPerReplica);
  const plan = oraclePlan(needed, oracleLeadSteps(context));
  return {
    name: ORACLE,
    decide: (view) => ({ replicas: Math.max(context.minReplicas, plan[view.step] ?? 0) }),
  };
}
