/**
 * `foresight_forecast{target, quantile, horizon}` for the config file's forecast targets, read from
 * the ForecastStore the forecaster fills: for each target and each of its quantiles, the max of that
 * quantile's path over [now, now + horizon], so a plain HPA scales for the peak it expects within the
 * horizon. Targets are cluster-wide: the namespace of the request path is accepted and ignored.
 *
 * A target that is not ready, failed before its first forecast, or whose forecast no longer covers
 * [now, now + horizon] answers 503 with the reason; the adapter never makes a value up.
 */
import type { Clock } from "../../clock.js";
import { formatDurationMs } from "../../config/duration.js";
import { type ForecastStore, quantileKey, type StoredForecast } from "../../forecast/store.js";
import type { Selector } from "../../k8s/labelSelector.js";
import { formatQuantity } from "../../k8s/quantity.js";
import { type ApiError, notFound, serviceUnavailable } from "../../k8s/status.js";
import type { BuiltinExternalMetric } from "../externalProvider.js";
import type { ExternalMetricValue } from "../metricValues.js";
import { FORECAST_METRIC } from "./name.js";

/** A config-file forecast target as the metric serves it. */
export interface ServedTarget {
  readonly name: string;
  readonly horizonMs: number;
  readonly quantiles: readonly number[];
}

/** The config-file targets and the store their forecasts are in. */
export interface TargetForecasts {
  readonly targets: readonly ServedTarget[];
  readonly store: ForecastStore;
}

export interface TargetMetricOptions extends TargetForecasts {
  readonly clock: Clock;
}

/** The labels of one served item. */
export function forecastLabels(target: ServedTarget, quantile: number): Record<string, string> {
  return {
    target: target.name,
    quantile: quantileKey(quantile),
    horizon: formatDurationMs(target.horizonMs),
  };
}

/**
 * Max of `path` over the steps overlapping [nowMs, nowMs + horizonMs] (the step holding `now`
 * included), or undefined when the path ends before now + horizon (stale) or holds no finite value.
 */
export function windowMax(
  forecast: StoredForecast,
  path: readonly number[],
  nowMs: number,
  horizonMs: number,
): number | undefined {
  const stepMs = forecast.stepSeconds * 1000;
  const endMs = forecast.startMs + path.length * stepMs;
  if (nowMs + horizonMs > endMs) return undefined;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < path.length; i++) {
    const t = forecast.startMs + i * stepMs;
    if (t + stepMs <= nowMs) continue;
    if (t > nowMs + horizonMs) break;
    const v = path[i] as number;
    if (Number.isFinite(v) && v > max) max = v;
  }
  return Number.isFinite(max) ? max : undefined;
}

/** Answer one `foresight_forecast` request: one item per matching (target, quantile, horizon). */
export function targetMetricValues(options: TargetMetricOptions, selector: Selector): ExternalMetricValue[] {
  const now = options.clock.now();
  const matched: { target: ServedTarget; quantile: number; labels: Record<string, string> }[] = [];
  for (const target of options.targets) {
    for (const quantile of target.quantiles) {
      const labels = forecastLabels(target, quantile);
      if (selector.matches(labels)) matched.push({ target, quantile, labels });
    }
  }
  if (matched.length === 0) {
    const served = options.targets
      .flatMap((t) => t.quantiles.map((q) => labelText(forecastLabels(t, q))))
      .join("; ");
    throw notFound(
      `the server could not find the external metric ${FORECAST_METRIC} with selector ${selector.toString() || "<everything>"}: served are ${served || "none (no forecast targets configured)"}`,
    );
  }
  const items: ExternalMetricValue[] = [];
  const problems: string[] = [];
  for (const { target, quantile, labels } of matched) {
    const state = options.store.get(target.name);
    const forecast = state?.forecast;
    if (!state) {
      problems.push(`target ${target.name}: no forecast yet (the first run has not finished)`);
      continue;
    }
    if (!state.readiness.ready) {
      problems.push(`target ${target.name}: ${state.readiness.reason}`);
      continue;
    }
    if (!forecast) {
      problems.push(
        `target ${target.name}: no forecast yet${state.lastError ? `: last run failed: ${state.lastError.message}` : ""}`,
      );
      continue;
    }
    const path = forecast.quantiles[quantileKey(quantile)];
    const value = path ? windowMax(forecast, path, now, target.horizonMs) : undefined;
    if (value === undefined) {
      const why = state.lastError ? `; last run failed: ${state.lastError.message}` : "";
      problems.push(
        `target ${target.name}: forecast is stale (computed ${Math.round((now - forecast.computedAtMs) / 1000)} s ago, does not cover the next ${formatDurationMs(target.horizonMs)}${why})`,
      );
      continue;
    }
    items.push({
      metricName: FORECAST_METRIC,
      metricLabels: labels,
      timestamp: forecast.computedAtMs,
      value: formatQuantity(value),
    });
  }
  // All or nothing: the HPA sums the items, so a partial answer would understate demand.
  if (problems.length > 0) throw unavailable(problems);
  return items;
}

function unavailable(problems: readonly string[]): ApiError {
  return serviceUnavailable(`${FORECAST_METRIC} is not available: ${problems.join("; ")}`);
}

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

/** The target half of `foresight_forecast` as a built-in external metric. */
export function targetMetric(options: TargetMetricOptions): BuiltinExternalMetric {
  return {
    name: FORECAST_METRIC,
    listed: () => true,
    getMetric: (req) => targetMetricValues(options, req.labelSelector),
  };
}
