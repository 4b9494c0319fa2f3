/**
 * Every call of the actuator's Kubernetes port bounded in time: a request the API server never
 * answers fails with a TimeoutError (which `retryKube` retries) instead of stalling the reconcile
 * and, with it, the scaler. The late answer, if any, is ignored; every write is computed from a
 * fresh read, so a retried write that had in fact landed changes nothing.
 */
import type { ActuatorCluster } from "../actuator/cluster.js";

export class KubeTimeoutError extends Error {
  override readonly name = "TimeoutError";
}

export function withTimeout(inner: ActuatorCluster, timeoutMs: number): ActuatorCluster {
  const bound =
    <A extends unknown[], R>(what: string, fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      new Promise<R>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new KubeTimeoutError(`Kubernetes API: ${what} got no answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
        fn(...args).then(
          (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          (err: unknown) => {
            clearTimeout(timer);
            reject(err);
          },
        );
      });
  return {
    get: bound("get", (ref) => inner.get(ref)),
    list: bound("list", (apiVersion, kind, namespace, labelSelector) =>
      inner.list(apiVersion, kind, namespace, labelSelector),
    ),
    create: bound("create", (object) => inner.create(object)),
    patch: bound("patch", (ref, patch) => inner.patch(ref, patch)),
    patchStatus: bound("patch status", (ref, patch) => inner.patchStatus(ref, patch)),
    delete: bound("delete", (ref) => inner.delete(ref)),
    getScale: bound("get scale", (ref) => inner.getScale(ref)),
    setScale: bound("set scale", (ref, replicas, resourceVersion) =>
      inner.setScale(ref, replicas, resourceVersion),
    ),
  };
}
