/**
 * KEDA's external scaler calls mapped onto the adapter's external metrics: a trigger's metadata
 * (trigger.ts) becomes the request an HPA would send to external.metrics.k8s.io, answered by the
 * same provider, so values and errors are the adapter's. Errors become gRPC status codes here
 * (an ApiError's HTTP code mapped as grpc-gateway maps them back): a backend outage is UNAVAILABLE,
 * never a made-up zero.
 *
 * KEDA's use of the answers (pkg/scalers/external_scaler.go): GetMetricSpec's `targetSizeFloat` is
 * the HPA's target when > 0 (else the int64 `targetSize`); GetMetrics' `metricValueFloat` is the
 * value when > 0 (else the int64 `metricValue`), so both are filled; IsActive decides between
 * minReplicaCount (or idleReplicaCount, scale to zero) and the HPA's range.
 */
import { status as GrpcStatus } from "@grpc/grpc-js";
import { parseQuantity } from "../../k8s/quantity.js";
import { ApiError } from "../../k8s/status.js";
import type { ExternalMetricRequest } from "../externalProvider.js";
import type { ExternalMetricValue } from "../metricValues.js";
import { parseTrigger, type ScaledObjectRef, type Trigger, TriggerError } from "./trigger.js";

/** The external metrics port: ExternalProvider implements it. */
export interface ExternalMetrics {
  getMetric(req: ExternalMetricRequest): Promise<ExternalMetricValue[]>;
}

export interface MetricSpec {
  readonly metricName: string;
  readonly targetSize: number;
  readonly targetSizeFloat: number;
}

export interface MetricValue {
  readonly metricName: string;
  readonly metricValue: number;
  readonly metricValueFloat: number;
}

/** A failed call, with the gRPC status code to answer it with. */
export class ScalerCallError extends Error {
  override readonly name = "ScalerCallError";
  constructor(
    readonly code: GrpcStatus,
    message: string,
  ) {
    super(message);
  }
}

/** The gRPC code of an error thrown while answering. */
export function toCallError(err: unknown): ScalerCallError {
  if (err instanceof ScalerCallError) return err;
  if (err instanceof TriggerError) return new ScalerCallError(GrpcStatus.INVALID_ARGUMENT, err.message);
  if (err instanceof ApiError) return new ScalerCallError(grpcCodeOf(err.code), err.message);
  return new ScalerCallError(
    GrpcStatus.INTERNAL,
    "unexpected error while answering the external scaler call",
  );
}

function grpcCodeOf(httpCode: number): GrpcStatus {
  switch (httpCode) {
    case 400:
    case 422:
      return GrpcStatus.INVALID_ARGUMENT;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.NOT_FOUND;
    case 429:
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case 503:
      return GrpcStatus.UNAVAILABLE;
    case 504:
      return GrpcStatus.DEADLINE_EXCEEDED;
    default:
      return GrpcStatus.INTERNAL;
  }
}

/** A Quantity string as a double, through its decimal text so "300m" is exactly 0.3. */
export function quantityNumber(quantity: string): number {
  const d = parseQuantity(quantity);
  return Number(`${d.mantissa}e${d.exponent}`);
}

/** int64 fields get the rounded value, kept within what a double holds exactly. */
function int64Of(value: number): number {
  return Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Math.round(value)));
}

export class ScalerService {
  readonly #metrics: ExternalMetrics;

  constructor(metrics: ExternalMetrics) {
    this.#metrics = metrics;
  }

  /** The trigger behind a ScaledObjectRef (INVALID_ARGUMENT when the metadata is unusable). */
  trigger(ref: ScaledObjectRef | null | undefined): Trigger {
    if (!ref) throw new ScalerCallError(GrpcStatus.INVALID_ARGUMENT, "scaledObjectRef is missing");
    return parseTrigger({
      name: ref.name ?? "",
      namespace: ref.namespace ?? "",
      scalerMetadata: ref.scalerMetadata ?? {},
    });
  }

  /** GetMetricSpec: the metric's name and `targetValue`. Asks nothing of the backend. */
  metricSpec(ref: ScaledObjectRef | null | undefined): MetricSpec[] {
    const trigger = this.trigger(ref);
    if (trigger.targetValue === undefined)
      throw new ScalerCallError(
        GrpcStatus.INVALID_ARGUMENT,
        `ScaledObject ${ref?.namespace}/${ref?.name}: metadata targetValue is required (the HPA's target for ${trigger.request.metricName})`,
      );
    return [
      {
        metricName: trigger.request.metricName,
        targetSize: int64Of(trigger.targetValue),
        targetSizeFloat: trigger.targetValue,
      },
    ];
  }

  /** GetMetrics: one value per item the adapter would serve, named as KEDA asked. */
  async metrics(ref: ScaledObjectRef | null | undefined, metricName: string): Promise<MetricValue[]> {
    const trigger = this.trigger(ref);
    const values = await this.#values(trigger);
    const name = metricName || trigger.request.metricName;
    return values.map((v) => ({ metricName: name, metricValue: int64Of(v), metricValueFloat: v }));
  }

  /**
   * IsActive: the metric (summed over its items, as the HPA sums an external metric) above
   * `activationValue`, KEDA's activation threshold: a value equal to it is not active.
   */
  async isActive(ref: ScaledObjectRef | null | undefined): Promise<boolean> {
    const trigger = this.trigger(ref);
    const values = await this.#values(trigger);
    return values.reduce((sum, v) => sum + v, 0) > trigger.activationValue;
  }

  async #values(trigger: Trigger): Promise<number[]> {
    let items: ExternalMetricValue[];
    try {
      items = await this.#metrics.getMetric(trigger.request);
    } catch (err) {
      throw toCallError(err);
    }
    if (trigger.single && items.length > 1) {
      const labels = items.map((i) => JSON.stringify(i.metricLabels)).join(", ");
      throw new ScalerCallError(
        GrpcStatus.INVALID_ARGUMENT,
        `${trigger.request.metricName} with selector ${trigger.request.labelSelector.toString()} matches ${items.length} forecasts (${labels}); add quantile (and horizon) to the metadata to name one`,
      );
    }
    return items.map((i) => quantityNumber(i.value));
  }
}
