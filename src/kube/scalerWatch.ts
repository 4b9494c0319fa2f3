/**
 * PredictiveScalers watched through a @kubernetes/client-node informer (list + watch, restarted
 * with backoff after errors), for the controller and for serving foresight_forecast from status.
 */
import {
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  makeInformer,
} from "@kubernetes/client-node";
import type { KubeObject } from "../actuator/cluster.js";
import type { ScalerWatch } from "../actuator/controller.js";
import {
  PREDICTIVE_SCALER_API_VERSION,
  PREDICTIVE_SCALER_KIND,
  PREDICTIVE_SCALER_RESOURCE,
} from "../actuator/types.js";
import type { Logger } from "../telemetry/logger.js";

export function predictiveScalerWatch(kubeConfig: KubeConfig, logger: Logger): ScalerWatch {
  const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
  const informer = makeInformer<KubernetesObject>(
    kubeConfig,
    `/apis/${PREDICTIVE_SCALER_API_VERSION}/${PREDICTIVE_SCALER_RESOURCE}`,
    () => objects.list<KubernetesObject>(PREDICTIVE_SCALER_API_VERSION, PREDICTIVE_SCALER_KIND),
  );
  const listeners: ((o: KubeObject, t: "add" | "update" | "delete") => void)[] = [];
  const typed = (o: KubernetesObject) =>
    ({
      ...o,
      apiVersion: PREDICTIVE_SCALER_API_VERSION,
      kind: PREDICTIVE_SCALER_KIND,
    }) as unknown as KubeObject;
  for (const type of ["add", "update", "delete"] as const) {
    informer.on(type, (o: KubernetesObject) => {
      for (const l of listeners) l(typed(o), type);
    });
  }
  let synced = false;
  let stopped = false;
  let backoffMs = 1_000;
  let retry: NodeJS.Timeout | undefined;
  const begin = (): Promise<void> =>
    informer.start().then(
      () => {
        synced = true;
        backoffMs = 1_000;
      },
      (err: unknown) => restart(err),
    );
  const restart = (err: unknown) => {
    if (stopped) return;
    logger.warn(
      { err: (err as Error)?.message ?? String(err), retryInMs: backoffMs },
      "PredictiveScaler watch failed; restarting",
    );
    clearTimeout(retry);
    retry = setTimeout(() => void begin(), backoffMs);
    retry.unref();
    backoffMs = Math.min(backoffMs * 2, 30_000);
  };
  informer.on("error", restart);
  return {
    list: () => informer.list().map(typed),
    onChange: (listener) => {
      listeners.push(listener);
    },
    start: () => begin(),
    async stop() {
      stopped = true;
      clearTimeout(retry);
      await informer.stop();
    },
    hasSynced: () => synced,
  };
}
