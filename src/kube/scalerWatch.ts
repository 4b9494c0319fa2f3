/**
 * PredictiveScalers watched through a Reflector (list + watch, retried with backoff, bad events
 * refused), for the controller and for serving foresight_forecast from status.
 */
import { type KubeConfig, type KubernetesObject, KubernetesObjectApi } from "@kubernetes/client-node";
import type { ClusterObject } from "../actuator/cluster.js";
import type { ScalerWatch } from "../actuator/controller.js";
import {
  PREDICTIVE_SCALER_API_VERSION,
  PREDICTIVE_SCALER_KIND,
  PREDICTIVE_SCALER_RESOURCE,
} from "../actuator/types.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../telemetry/logger.js";
import { type InformerFailure, type InformerHealth, Reflector } from "./reflector.js";
import { RequestSignals } from "./requestSignals.js";

export interface PredictiveScalerWatch extends ScalerWatch {
  health(): InformerHealth;
}

export function predictiveScalerWatch(
  kubeConfig: KubeConfig,
  logger: Logger,
  clock: Clock,
  onFailure?: (kind: InformerFailure) => void,
): PredictiveScalerWatch {
  const signals = new RequestSignals();
  const objects = signals.makeApiClient(kubeConfig, KubernetesObjectApi);
  const reflector = new Reflector({
    resource: `${PREDICTIVE_SCALER_RESOURCE}.${PREDICTIVE_SCALER_API_VERSION.split("/")[0]}`,
    path: `/apis/${PREDICTIVE_SCALER_API_VERSION}/${PREDICTIVE_SCALER_RESOURCE}`,
    kubeConfig,
    list: (signal) =>
      signals.run(signal, () =>
        objects.list<KubernetesObject>(PREDICTIVE_SCALER_API_VERSION, PREDICTIVE_SCALER_KIND),
      ),
    logger,
    clock,
    ...(onFailure ? { onFailure } : {}),
  });
  const typed = (o: object) =>
    ({
      ...o,
      apiVersion: PREDICTIVE_SCALER_API_VERSION,
      kind: PREDICTIVE_SCALER_KIND,
    }) as unknown as ClusterObject;
  return {
    list: () => reflector.list().map(typed),
    onChange: (listener) => reflector.onChange((o, type) => listener(typed(o), type)),
    // The controller starts (and its replica runs for the Lease) only after the first LIST; serve
    // does not wait for it, so the metrics APIs and the health port never do.
    start: async () => {
      reflector.start();
      await reflector.waitForSync(Number.POSITIVE_INFINITY);
    },
    stop: () => reflector.stop(),
    hasSynced: () => reflector.hasSynced(),
    health: () => reflector.health(),
  };
}
