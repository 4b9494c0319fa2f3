/**
 * The one `foresight_forecast` built-in, for both kinds of forecast: config-file forecast targets
 * (labels target, quantile, horizon; from the ForecastStore, targets.ts) and PredictiveScalers in
 * mode Metric (label `scaler`; from their status, scalers.ts). A selector naming a scaler matches no
 * target, and the other way round.
 */
import type { Clock } from "../../clock.js";
import { ApiError, notFound, serviceUnavailable } from "../../k8s/status.js";
import type { BuiltinExternalMetric } from "../externalProvider.js";
import type { ExternalMetricValue } from "../metricValues.js";
import { FORECAST_METRIC } from "./name.js";
import { type MetricScalers, scalerMetricValues } from "./scalers.js";
import { type TargetForecasts, targetMetric } from "./targets.js";

export interface ForecastMetricOptions {
  /** The config file's forecast targets and their store, when any are configured. */
  readonly forecasts?: TargetForecasts;
  /** The PredictiveScalers in mode Metric, when the controller runs. */
  readonly scalers?: MetricScalers;
  /** Time of the forecasts (the demo's simulated clock). */
  readonly clock: Clock;
}

/** `foresight_forecast` from the forecast store and the scalers' status. */
export function forecastMetric(options: ForecastMetricOptions): BuiltinExternalMetric {
  const { forecasts, scalers, clock } = options;
  return forecastBuiltin({
    ...(forecasts
      ? { targets: targetMetric({ targets: forecasts.targets, store: forecasts.store, clock }) }
      : {}),
    ...(scalers ? { scalers } : {}),
    clock,
  });
}

/**
 * How the two halves combine: any matched scaler that cannot be served makes the answer a 503
 * (before the targets are asked); the targets' 404 is swallowed only when a scaler matched.
 */
export function forecastBuiltin(halves: {
  readonly targets?: BuiltinExternalMetric;
  readonly scalers?: MetricScalers;
  readonly clock: Clock;
}): BuiltinExternalMetric {
  const { targets, scalers, clock } = halves;
  const name = FORECAST_METRIC;
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
