/**
 * Errors at the HTTP edge, as Kubernetes `metav1.Status` objects (apimachinery api/errors,
 * custom-metrics-apiserver pkg/provider/errors.go). Anything thrown below the edge becomes an
 * ApiError here; the body carries a message, never a stack or a backend's raw answer.
 */
import type { Selector } from "./labelSelector.js";

/** apimachinery's StatusReasons used here (the adapter's edge and the simulated API server). */
export type StatusReason =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Invalid"
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "MethodNotAllowed"
  | "NotAcceptable"
  | "UnsupportedMediaType"
  | "RequestEntityTooLarge"
  | "Expired"
  | "InternalError"
  | "ServiceUnavailable"
  | "Timeout";

export interface StatusCause {
  readonly reason?: string;
  readonly message?: string;
  readonly field?: string;
}

/** metav1.StatusDetails; every field is omitted when empty, as in Go. */
export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
  readonly retryAfterSeconds?: number;
}

/** The JSON of a failed request, keys in Go's field order. */
export interface StatusBody {
  readonly kind: "Status";
  readonly apiVersion: "v1";
  readonly metadata: Record<string, never>;
  readonly status: "Failure";
  readonly message?: string;
  readonly reason: StatusReason;
  readonly details?: StatusDetails;
  readonly code: number;
}

export interface ApiErrorOptions {
  /** The underlying error, for logs only; never serialized. */
  readonly cause?: unknown;
  readonly details?: StatusDetails;
}

export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly details: StatusDetails | undefined;

  constructor(
    /** HTTP status code. */
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    options?: ApiErrorOptions,
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.details = options?.details;
  }
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, "BadRequest", message);
}

/** Go's NewUnauthorized defaults the message to "not authorized". */
export function unauthorized(message = "not authorized"): ApiError {
  return new ApiError(401, "Unauthorized", message);
}

export function forbidden(message: string): ApiError {
  return new ApiError(403, "Forbidden", message);
}

export function notFound(message: string): ApiError {
  return new ApiError(404, "NotFound", message);
}

export function methodNotAllowed(message: string): ApiError {
  return new ApiError(405, "MethodNotAllowed", message);
}

export function notAcceptable(message: string): ApiError {
  return new ApiError(406, "NotAcceptable", message);
}

/**
 * apimachinery's NewInternalError: 500, message `Internal error occurred: <message>`, and the
 * message again as the one cause. `cause` is kept for logs and is not serialized.
 */
export function internalError(message: string, cause?: unknown): ApiError {
  return new ApiError(500, "InternalError", `Internal error occurred: ${message}`, {
    cause,
    details: { causes: [{ message }] },
  });
}

/** 503: a dependency (Prometheus, the API server) is unreachable; the client should retry. */
export function serviceUnavailable(message: string, cause?: unknown): ApiError {
  return new ApiError(503, "ServiceUnavailable", message, { cause });
}

/** apimachinery's NewTimeoutError: 504, message `Timeout: <message>`, optional retry hint. */
export function timeout(message: string, retryAfterSeconds?: number, cause?: unknown): ApiError {
  const details =
    retryAfterSeconds !== undefined && retryAfterSeconds > 0 ? { retryAfterSeconds } : undefined;
  return new ApiError(504, "Timeout", `Timeout: ${message}`, { cause, details });
}

/**
 * custom-metrics-apiserver's metric-not-found errors (404):
 * `the server could not find the metric <m> for <resource>[ <name>][ with selector <sel>]`.
 * `resource` is the group-resource string (`pods`, `deployments.apps`); an empty selector is left out.
 */
export function metricNotFoundFor(
  metric: string,
  resource: string,
  name?: string,
  selector?: string | Selector,
): ApiError {
  let message = `the server could not find the metric ${metric} for ${resource}`;
  if (name !== undefined && name !== "") message += ` ${name}`;
  const selectorText = selector === undefined ? "" : String(selector);
  if (selectorText !== "") message += ` with selector ${selectorText}`;
  return notFound(message);
}

/**
 * Any thrown value as an ApiError. ApiErrors pass through; anything else is a 500 InternalError
 * whose text is `publicMessage` when given, else the error's own message (for non-Errors, a
 * generic one). The original goes into `cause` for logging; stacks never reach the body.
 */
export function toApiError(err: unknown, publicMessage?: string): ApiError {
  if (err instanceof ApiError) return err;
  const own = err instanceof Error && err.message !== "" ? err.message : "unexpected error";
  return internalError(publicMessage ?? own, err);
}

/** The metav1.Status body for `err`; `message` is omitted when empty, as Go's omitempty does. */
export function statusBody(err: ApiError): StatusBody {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    ...(err.message === "" ? {} : { message: err.message }),
    reason: err.reason,
    ...(err.details === undefined ? {} : { details: err.details }),
    code: err.code,
  };
}
