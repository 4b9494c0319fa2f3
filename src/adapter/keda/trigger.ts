/**
 * A KEDA trigger's `scalerMetadata` read into the external-metrics request it stands for. KEDA
 * passes the trigger's whole metadata map (its own keys such as `scalerAddress` included), so keys
 * not listed here are ignored; a key of ours with a bad value is refused with a message naming it.
 *
 *  - `scaler: <name>`: `foresight_forecast{scaler=<name>}` of that PredictiveScaler in mode Metric,
 *    in the ScaledObject's namespace;
 *  - `target: <name>` (+ optional `quantile`, `horizon`): `foresight_forecast` of a forecast target
 *    of the config file;
 *  - `metricName: <name>` (+ optional `labelSelector`): an external metric of the adapter's rules,
 *    in the ScaledObject's namespace.
 * Common: `targetValue` (the HPA's target, required by GetMetricSpec), `activationValue` (default
 * 0), `pushInterval` (StreamIsActive's interval, a duration such as `15s`).
 */
import { formatDurationMs, parseDurationMs } from "../../config/duration.js";
import { quantileKey } from "../../forecast/store.js";
import { parseLabelSelector, type Selector } from "../../k8s/labelSelector.js";
import type { ExternalMetricRequest } from "../externalProvider.js";
import { FORECAST_METRIC } from "../forecastMetric/name.js";
import { SCALER_METRIC_LABEL } from "../forecastMetric/scalers.js";

/** What KEDA sends as ScaledObjectRef. */
export interface ScaledObjectRef {
  readonly name: string;
  readonly namespace: string;
  readonly scalerMetadata: Readonly<Record<string, string>>;
}

/** A trigger as Foresight serves it. */
export interface Trigger {
  readonly request: ExternalMetricRequest;
  /** `foresight_forecast` answers one item; several mean the metadata names no single forecast. */
  readonly single: boolean;
  readonly targetValue: number | undefined;
  readonly activationValue: number;
  readonly pushIntervalMs: number | undefined;
}

/** Metadata that does not describe a metric Foresight can serve: INVALID_ARGUMENT. */
export class TriggerError extends Error {
  override readonly name = "TriggerError";
}

/** Where a problem is: the ScaledObject's name, for the message KEDA logs. */
function where(ref: ScaledObjectRef): string {
  return `ScaledObject ${ref.namespace || "<no namespace>"}/${ref.name || "<no name>"}`;
}

export function parseTrigger(ref: ScaledObjectRef): Trigger {
  const meta = ref.scalerMetadata;
  const fail = (message: string): never => {
    throw new TriggerError(`${where(ref)}: ${message}`);
  };
  const text = (key: string): string | undefined => {
    const value = meta[key];
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    if (trimmed === "") fail(`metadata ${key} is empty`);
    return trimmed;
  };
  const number = (key: string): number | undefined => {
    const value = text(key);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n)) fail(`metadata ${key} must be a number, got ${JSON.stringify(value)}`);
    return n;
  };
  const selector = (labels: Readonly<Record<string, string>>, extra?: string): Selector => {
    const parts = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
    if (extra) parts.push(extra);
    try {
      return parseLabelSelector(parts.join(","));
    } catch (err) {
      return fail(`the metadata gives no valid label selector: ${(err as Error).message}`);
    }
  };

  const scaler = text("scaler");
  const target = text("target");
  const metricName = text("metricName");
  const quantile = text("quantile");
  const horizon = text("horizon");
  const labelSelector = text("labelSelector");
  if (scaler !== undefined && target !== undefined)
    fail("metadata scaler and target are exclusive: give one");
  if (
    (scaler !== undefined || target !== undefined) &&
    metricName !== undefined &&
    metricName !== FORECAST_METRIC
  )
    fail(
      `metadata ${scaler !== undefined ? "scaler" : "target"} selects ${FORECAST_METRIC}; drop metricName`,
    );
  if (scaler !== undefined && (quantile !== undefined || horizon !== undefined))
    fail("metadata quantile and horizon go with target, not scaler (the scaler's spec sets them)");
  if (scaler === undefined && target === undefined && (quantile !== undefined || horizon !== undefined))
    fail("metadata quantile and horizon need target");
  if ((scaler !== undefined || target !== undefined) && labelSelector !== undefined)
    fail("metadata labelSelector goes with metricName, not scaler or target");

  let request: ExternalMetricRequest;
  let single = false;
  if (scaler !== undefined) {
    request = {
      namespace: ref.namespace,
      metricName: FORECAST_METRIC,
      labelSelector: selector({ [SCALER_METRIC_LABEL]: scaler }),
    };
    single = true;
  } else if (target !== undefined) {
    const labels: Record<string, string> = { target };
    if (quantile !== undefined) {
      const q = Number(quantile);
      if (!Number.isFinite(q) || q <= 0 || q >= 1)
        fail(`metadata quantile must be a number between 0 and 1, got ${JSON.stringify(quantile)}`);
      labels.quantile = quantileKey(q);
    }
    if (horizon !== undefined) {
      const ms = parseDurationMs(horizon);
      if (ms === undefined || ms <= 0)
        fail(`metadata horizon must be a duration such as 30m, got ${JSON.stringify(horizon)}`);
      labels.horizon = formatDurationMs(ms as number);
    }
    request = { namespace: ref.namespace, metricName: FORECAST_METRIC, labelSelector: selector(labels) };
    single = true;
  } else if (metricName !== undefined) {
    request = { namespace: ref.namespace, metricName, labelSelector: selector({}, labelSelector) };
    single = metricName === FORECAST_METRIC;
  } else {
    return fail(
      "metadata needs one of scaler (a PredictiveScaler in mode Metric), target (a forecast target) or metricName (an external metric)",
    );
  }

  const targetValue = number("targetValue");
  if (targetValue !== undefined && targetValue <= 0)
    fail(`metadata targetValue must be greater than 0, got ${targetValue}`);
  const activationValue = number("activationValue") ?? 0;
  const interval = text("pushInterval");
  let pushIntervalMs: number | undefined;
  if (interval !== undefined) {
    pushIntervalMs = parseDurationMs(interval);
    if (pushIntervalMs === undefined || pushIntervalMs < 1000)
      fail(`metadata pushInterval must be a duration of at least 1s, got ${JSON.stringify(interval)}`);
  }
  return { request, single, targetValue, activationValue, pushIntervalMs };
}
