/**
 * The authorization attributes of a request, as the generic API server's RequestInfoFactory
 * derives them (reference metrics-api-and-hpa.md §1.3 and §3.2), for the SubjectAccessReview:
 *
 * - `/apis/{group}/{version}/namespaces/{ns}/pods/{name}/{metric}` → resource `pods`, name, subresource
 *   = the metric; `*` as the name stays `*` (the HPA's selector requests).
 * - `/apis/custom.metrics.k8s.io/{v}/namespaces/{ns}/metrics/{metric}` → resource `metrics`, name = metric.
 * - `/apis/external.metrics.k8s.io/v1beta1/namespaces/{ns}/{metric}` → resource = metric, verb `list`.
 * - Anything shorter than `/apis/{group}/{version}/{resource}` (discovery) and every other path
 *   (/openapi/v2) → non-resource attributes {path, verb}.
 *
 * GET is `get`, or `list` when the request names no object; other methods map as in Go.
 */

export interface ResourceAttributes {
  readonly verb: string;
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

export interface NonResourceAttributes {
  readonly path: string;
  readonly verb: string;
}

export type RequestAttributes =
  | { readonly kind: "resource"; readonly attributes: ResourceAttributes }
  | { readonly kind: "nonResource"; readonly attributes: NonResourceAttributes };

/** Subresources of a namespace object, which must not be read as `namespaces/{ns}/{resource}`. */
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

function methodVerb(method: string): string {
  switch (method.toUpperCase()) {
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return "delete";
    default:
      return "get";
  }
}

/** The attributes of `method` on `pathname` (not yet percent-decoded). */
export function requestAttributes(method: string, pathname: string): RequestAttributes {
  const nonResource: RequestAttributes = {
    kind: "nonResource",
    attributes: { path: pathname, verb: method.toLowerCase() === "head" ? "get" : method.toLowerCase() },
  };
  let parts: string[];
  try {
    parts = pathname
      .split("/")
      .filter((p) => p !== "")
      .map(decodeURIComponent);
  } catch {
    return nonResource;
  }
  // Only the /apis prefix is served here; /api (the core group) is not an aggregated group.
  if (parts[0] !== "apis" || parts.length < 4) return nonResource;
  const [, group, version, ...rest] = parts as [string, string, string, ...string[]];
  let verb = methodVerb(method);
  let namespace: string | undefined;
  let current = rest;
  if (current[0] === "namespaces" && current.length > 1) {
    namespace = current[1];
    if (current.length > 2 && !NAMESPACE_SUBRESOURCES.has(current[2] as string)) current = current.slice(2);
  }
  const resource = current[0] as string;
  const name = current.length >= 2 ? current[1] : undefined;
  const subresource = current.length >= 3 ? current[2] : undefined;
  if (name === undefined && verb === "get") verb = "list";
  if (name === undefined && verb === "delete") verb = "deletecollection";
  return {
    kind: "resource",
    attributes: {
      verb,
      group,
      version,
      resource,
      ...(subresource !== undefined ? { subresource } : {}),
      ...(namespace !== undefined ? { namespace } : {}),
      ...(name !== undefined ? { name } : {}),
    },
  };
}
