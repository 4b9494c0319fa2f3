/**
 * Every call of the actuator's Kubernetes port bounded in time: a request the API server never
 * answers fails with a TimeoutError (which `retryKube` retries) instead of stalling the reconcile
 * and, with it, the scaler. The request is cancelled, so it cannot land after its caller gave up;
 * every write is computed from a fresh read, so a retried write that had in fact landed changes
 * nothing.
 *
 * With a leader term (src/kube/leaderTerm.ts), every write is also fenced: refused when this replica
 * is not the leader, and cancelled when its term ends before the API server served it.
 */
import type { ActuatorCluster, RequestOptions } from "../actuator/cluster.js";
import { bounded, type LeaderTerm } from "./leaderTerm.js";

export class KubeTimeoutError extends Error {
  override readonly name = "TimeoutError";
}

export function withTimeout(inner: ActuatorCluster, timeoutMs: number, term?: LeaderTerm): ActuatorCluster {
  const call = <R>(
    what: string,
    fn: (options: RequestOptions) => Promise<R>,
    fenced: boolean,
    options: RequestOptions | undefined,
  ): Promise<R> =>
    bounded(
      `Kubernetes API: ${what}`,
      timeoutMs,
      () => new KubeTimeoutError(`Kubernetes API: ${what} got no answer within ${timeoutMs} ms`),
      (signal) => fn({ signal: options?.signal ? AbortSignal.any([signal, options.signal]) : signal }),
      fenced ? term : undefined,
    );
  return {
    get: (ref, o) => call("get", (opts) => inner.get(ref, opts), false, o),
    list: (apiVersion, kind, namespace, labelSelector, o) =>
      call("list", (opts) => inner.list(apiVersion, kind, namespace, labelSelector, opts), false, o),
    getScale: (ref, o) => call("get scale", (opts) => inner.getScale(ref, opts), false, o),
    create: (object, o) => call("create", (opts) => inner.create(object, opts), true, o),
    patch: (ref, patch, o) => call("patch", (opts) => inner.patch(ref, patch, opts), true, o),
    patchStatus: (ref, patch, o) =>
      call("patch status", (opts) => inner.patchStatus(ref, patch, opts), true, o),
    delete: (ref, o) => call("delete", (opts) => inner.delete(ref, opts), true, o),
    setScale: (ref, replicas, resourceVersion, o) =>
      call("set scale", (opts) => inner.setScale(ref, replicas, resourceVersion, opts), true, o),
  };
}
