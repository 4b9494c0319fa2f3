/**
 * Kubernetes `Status` failures as the simulated API server returns them. Messages, reasons and
 * `details` follow apimachinery's `k8s.io/apimachinery/pkg/api/errors` constructors, because clients
 * (kubectl, client-go, @kubernetes/client-node) print and branch on them.
 */

export type StatusReason =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Invalid"
  | "BadRequest"
  | "MethodNotAllowed"
  | "NotAcceptable"
  | "UnsupportedMediaType"
  | "RequestEntityTooLarge"
  | "Expired"
  | "InternalError";

export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field: string;
}

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
}

/** metav1.Status for a failure. */
export interface Status {
  readonly kind: "Status";
  readonly apiVersion: "v1";
  readonly metadata: Record<string, never>;
  readonly status: "Failure" | "Success";
  readonly message?: string;
  readonly reason?: StatusReason;
  readonly details?: StatusDetails;
  readonly code: number;
}

/** A failure that the HTTP edge turns into a Status response; the store throws it too. */
export class KubeApiError extends Error {
  readonly status: Status;
  constructor(status: Status) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = "KubeApiError";
    this.status = status;
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): StatusReason | undefined {
    return this.status.reason;
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
  return new KubeApiError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  });
}

function resourceDetails(gr: QualifiedResource, name: string): StatusDetails {
  // apimachinery puts the plural resource (not the Kind) into details.kind for these errors.
  return { name, ...(gr.group ? { group: gr.group } : {}), kind: gr.resource };
}

export function notFound(gr: QualifiedResource, name: string): KubeApiError {
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
  causes: readonly StatusCause[],
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

export function badRequest(message: string): KubeApiError {
  return failure(400, "BadRequest", message);
}

export function methodNotAllowed(): KubeApiError {
  return failure(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}

export function notAcceptable(): KubeApiError {
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

export function internalError(cause: unknown): KubeApiError {
  const text = cause instanceof Error ? cause.message : String(cause);
  return failure(500, "InternalError", `Internal error occurred: ${text}`);
}
