/**
 * Reads ConfigMap kube-system/extension-apiserver-authentication (the delegated-authentication
 * settings the metrics APIs' authenticator trusts, src/adapter/auth/delegatedConfig.ts) through
 * client-node, for `serve`.
 */
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import {
  AUTH_CONFIGMAP_NAME,
  AUTH_CONFIGMAP_NAMESPACE,
  type ReadAuthConfigMap,
} from "../adapter/auth/delegatedConfig.js";
import { RequestSignals } from "./requestSignals.js";
import { kubeStatusCode } from "./retry.js";

/**
 * The ConfigMap's data; undefined when it does not exist. A read the API server does not answer
 * within `timeoutMs` is cancelled and fails (the watch logs it and keeps the previous settings), so
 * a silent API server cannot hold `serve`'s start-up.
 */
export function clientNodeConfigMapReader(kc: KubeConfig, timeoutMs = 10_000): ReadAuthConfigMap {
  const signals = new RequestSignals();
  const core = signals.makeApiClient(kc, CoreV1Api);
  return async () => {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const cm = await signals.run(signal, () =>
        core.readNamespacedConfigMap({ namespace: AUTH_CONFIGMAP_NAMESPACE, name: AUTH_CONFIGMAP_NAME }),
      );
      return cm.data ?? {};
    } catch (err) {
      if (kubeStatusCode(err) === 404) return undefined;
      if (signal.aborted) throw new Error(`no answer from the API server within ${timeoutMs} ms`);
      throw err;
    }
  };
}
