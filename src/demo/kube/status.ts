/**
 * Kubernetes `Status` failures as the simulated API server returns them. The vocabulary (reasons,
 * details, causes, the Status body and ApiError) is the k8s floor's (src/k8s/status.ts); this file
 * adds what only a full API server answers: failures about stored objects (NotFound of a named
 * object, AlreadyExists, Conflict, Invalid with field causes, Expired) and about requests the
 * adapter never sees. Messages, reasons and `details` follow apimachinery's
 * `k8s.io/apimachinery/pkg/api/errors` constructors, because clients (kubectl, client-go,
 * @kubernetes/client-node) print and branch on them.
 *
 * Builders whose reason the k8s floor also builds for the adapter's edge are named for what the
 * simulator's differ in (a KubeApiError, a fixed message): kubeBadRequest, kubeMethodNotAllowed,
 * kubeNotAcceptable, kubeInternalError, and objectNotFound for a named object.
 */
import {
  ApiError,
  type StatusBody,
  type StatusCause,
  type StatusDetails,
  type StatusReason,
  statusBody,
} from "../../k8s/status.js";

/** A StatusCause that names its field, as the simulator's validators report every problem. */
export type FieldCause = Required<StatusCause>;

/**
 * A failure of the simulated API server: the HTTP edge writes it as its Status body (`status`), a
 * watch stream sends it as an ERROR event, the store throws it too.
 */
export class KubeApiError extends ApiError {
  /** The metav1.Status body, keys in Go's field order. */
  get status(): StatusBody {
    return statusBody(this);
  }
}

/** What names a resource in messages: `pods`, `deployments.apps`. */
export interface QualifiedResource {
  readonly group: string;
  readonly resource: string;
}

function qualified(gr: QualifiedResource): string {
  return gr.group === "" ? gr.resource : `${gr.resource}.${gr.group}`;
}

function failure(code: number, reason: StatusReason, message: string, details?: StatusDetails): KubeApiError {
  return new KubeApiError(code, reason, message, details ? { details } : undefined);
}

function resourceDetails(gr: QualifiedResource, name: string): StatusDetails {
  // apimachinery puts the plural resource (not the Kind) into details.kind for these errors.
  return { name, ...(gr.group ? { group: gr.group } : {}), kind: gr.resource };
}

/** 404 for a named object of a resource. */
export function objectNotFound(gr: QualifiedResource, name: string): KubeApiError {
  return failure(404, "NotFound", `${qualified(gr)} "${name}" not found`, resourceDetails(gr, name));
}

/** 404 for a path no registered resource serves. */
export function unknownPath(): KubeApiError {
  return failure(404, "NotFound", "the server could not find the requested resource", {});
}

export function alreadyExists(gr: QualifiedResource, name: string): KubeApiError {
  return failure(
    409,
    "AlreadyExists",
    `${qualified(gr)} "${name}" already exists`,
    resourceDetails(gr, name),
  );
}

export function conflict(gr: QualifiedResource, name: string, why: string): KubeApiError {
  return failure(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${why}`,
    resourceDetails(gr, name),
  );
}

export const STALE_OBJECT_MESSAGE =
  "the object has been modified; please apply your changes to the latest version and try again";

/** 422 Invalid: apimachinery names the Kind (group-qualified) here, not the resource. */
export function invalid(
  groupKind: { group: string; kind: string },
  name: string,
  causes: readonly FieldCause[],
): KubeApiError {
  const qualifiedKind = groupKind.group ? `${groupKind.kind}.${groupKind.group}` : groupKind.kind;
  const summary = causes.map((c) => `${c.field}: ${c.message}`);
  const joined = summary.length === 1 ? summary[0] : `[${summary.join(", ")}]`;
  return failure(422, "Invalid", `${qualifiedKind} "${name}" is invalid: ${joined}`, {
    name,
    ...(groupKind.group ? { group: groupKind.group } : {}),
    kind: groupKind.kind,
    causes,
  });
}

export function kubeBadRequest(message: string): KubeApiError {
  return failure(400, "BadRequest", message);
}

export function kubeMethodNotAllowed(): KubeApiError {
  return failure(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}

export function kubeNotAcceptable(): KubeApiError {
  return failure(
    406,
    "NotAcceptable",
    "only the following media types are accepted: application/json (this simulator serves no protobuf)",
  );
}

export function unsupportedMediaType(contentType: string, accepted: readonly string[]): KubeApiError {
  return failure(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format (${contentType || "none"}) - accepted media types include: ${accepted.join(", ")}`,
  );
}

export function entityTooLarge(limitBytes: number): KubeApiError {
  return failure(413, "RequestEntityTooLarge", `Request entity too large: limit is ${limitBytes}`);
}

/** 410 Gone for a watch or list from a resourceVersion older than the kept history. */
export function expired(requested: string, oldestKept: string): KubeApiError {
  return failure(410, "Expired", `too old resource version: ${requested} (${oldestKept})`);
}

/** 500 for anything thrown that is not a KubeApiError (no causes in details, unlike the adapter's). */
export function kubeInternalError(cause: unknown): KubeApiError {
  const text = cause instanceof Error ? cause.message : String(cause);
  return failure(500, "InternalError", `Internal error occurred: ${text}`);
}
