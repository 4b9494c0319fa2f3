/**
 * `foresight_forecast{scaler="<name>"}` for PredictiveScalers in mode Metric: every adapter replica
 * serves it from the scaler's status (`status.metric`, written by the leading controller), so an HPA
 * keeps its forecast metric while leadership moves. The value is the replicas the forecast plans for
 * × capacityPerReplica: with `AverageValue: capacityPerReplica` in the HPA, the metric asks exactly
 * for those replicas. A status older than three history steps (controller down, forecast stuck) is
 * not served: 503, so the HPA holds instead of scaling on an old number.
 */
import type { BuiltinExternalMetric } from "../adapter/externalProvider.js";
import type { ExternalMetricValue } from "../adapter/metricValues.js";
import type { Clock } from "../clock.js";
import type { Selector } from "../k8s/labelSelector.js";
import { ApiError, notFound, serviceUnavailable } from "../k8s/status.js";
import { isRecord } from "./cluster.js";
import { historyStepMs } from "./spec.js";
import type { PredictiveScaler } from "./types.js";

export const SCALER_LABEL = "scaler";
/** Stale after this many history steps without a status update. */
export const STALE_STEPS = 3;

export interface ScalerMetricAnswer {
  /** Scalers the selector matched. */
  readonly matched: number;
  readonly items: ExternalMetricValue[];
  /** Why matched scalers could not be served. */
  readonly problems: string[];
}

/** The items for `namespace` and `selector` from the scalers known (e.g. an informer's cache). */
export function scalerMetricValues(
  scalers: readonly unknown[],
  metricName: string,
  namespace: string,
  selector: Selector,
  nowMs: number,
): ScalerMetricAnswer {
  const items: ExternalMetricValue[] = [];
  const problems: string[] = [];
  let matched = 0;
  for (const object of scalers) {
    if (!isRecord(object) || !isRecord(object.metadata) || !isRecord(object.spec)) continue;
    const psc = object as unknown as PredictiveScaler;
    if (psc.metadata.namespace !== namespace || psc.spec.mode !== "Metric") continue;
    const labels = { [SCALER_LABEL]: psc.metadata.name };
    if (!selector.matches(labels)) continue;
    matched++;
    const metric = psc.status?.metric;
    if (!metric) {
      problems.push(`scaler ${psc.metadata.name}: the controller has not computed the forecast metric yet`);
      continue;
    }
    const updatedMs = Date.parse(metric.updateTime);
    const stepMs = historyStepMs(psc.spec);
    const ageMs = nowMs - updatedMs;
    if (!Number.isFinite(updatedMs) || ageMs > STALE_STEPS * stepMs) {
      problems.push(
        `scaler ${psc.metadata.name}: forecast metric is stale (last updated ${Number.isFinite(ageMs) ? `${Math.round(ageMs / 1000)} s ago` : "never"}; is the foresight controller running?)`,
      );
      continue;
    }
    items.push({ metricName, metricLabels: labels, timestamp: updatedMs, value: metric.value });
  }
  return { matched, items, problems };
}

/**
 * One `foresight_forecast` built-in for both kinds of forecast: scalers in mode Metric (label
 * `scaler`, from their status) and config-file forecast targets (labels target, quantile, horizon).
 * A selector naming a scaler matches no target, and the other way round.
 */
export function forecastBuiltin(options: {
  readonly name: string;
  readonly targets?: BuiltinExternalMetric;
  readonly scalers?: () => readonly unknown[];
  readonly clock: Clock;
}): BuiltinExternalMetric {
  const { name, targets, scalers, clock } = options;
  return {
    name,
    listed: () => targets !== undefined || scalers !== undefined,
    async getMetric(req) {
      const fromScalers = scalers
        ? scalerMetricValues(scalers(), name, req.namespace, req.labelSelector, clock.now())
        : { matched: 0, items: [], problems: [] };
      if (fromScalers.problems.length > 0)
        throw serviceUnavailable(`${name} is not available: ${fromScalers.problems.join("; ")}`);
      let fromTargets: ExternalMetricValue[] = [];
      if (targets) {
        try {
          fromTargets = await targets.getMetric(req);
        } catch (err) {
          if (!(fromScalers.matched > 0 && err instanceof ApiError && err.code === 404)) throw err;
        }
      } else if (fromScalers.matched === 0) {
        throw notFound(
          `the server could not find the external metric ${name} in namespace ${req.namespace} with selector ${req.labelSelector.toString() || "<everything>"}: no PredictiveScaler in mode Metric matches`,
        );
      }
      return [...fromScalers.items, ...fromTargets];
    },
  };
}
