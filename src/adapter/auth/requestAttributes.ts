/**
 * The authorization attributes of a request, as the generic API server's RequestInfoFactory
 * (k8s.io/apiserver endpoints/request/requestinfo.go) derives them — kube-apiserver authorizes an
 * aggregated request with these before proxying it, and the SubjectAccessReview here asks the same
 * (reference metrics-api-and-hpa.md §1.3 and §3.2):
 *
 * - `/apis/{group}/{version}/namespaces/{ns}/pods/{name}/{metric}` → resource `pods`, name, subresource
 *   = the metric; `*` as the name stays `*` (the HPA's selector requests).
 * - `/apis/custom.metrics.k8s.io/{v}/namespaces/{ns}/metrics/{metric}` → resource `metrics`, name = metric.
 * - `/apis/external.metrics.k8s.io/v1beta1/namespaces/{ns}/{metric}` → resource = metric, verb `list`
 *   (`watch` with `?watch=true`; a `fieldSelector=metadata.name=x` names the object, as in Go).
 * - Anything shorter than `/apis/{group}/{version}/{resource}` (discovery) and every other path
 *   (/openapi/v2) → non-resource attributes {path, verb}.
 *
 * As in Go: the path is percent-decoded before it is split (`%2F` separates), only leading and
 * trailing slashes are trimmed (an empty segment inside stays one), `namespaces/{ns}/status` and
 * `/finalize` are the namespace's subresources, and `/watch/` and `/proxy/` after the version are verbs.
 * GET is `get`, or `list` when the request names no object; other methods map as in Go.
 */
import type { AccessAttributes } from "../../k8s/accessReview.js";

export type { NonResourceAttributes, ResourceAttributes } from "../../k8s/accessReview.js";

/** What the SubjectAccessReview of a request asks about (requestAttributes reads it from the request). */
export type RequestAttributes = AccessAttributes;

/** Subresources of a namespace object, which must not be read as `namespaces/{ns}/{resource}`. */
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);
/** Verbs given as the first segment after the version (`/apis/g/v/watch/...`). */
const SPECIAL_VERBS = new Set(["proxy", "watch"]);

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

/** Go's Convert_Slice_string_To_bool: present and not "0"/"false" is true. */
function queryFlag(query: URLSearchParams, key: string): boolean {
  const value = query.get(key);
  return value !== null && value !== "0" && value.toLowerCase() !== "false";
}

/** The `metadata.name` a field selector requires exactly (`metadata.name=x` or `==x`), if any. */
function fieldSelectorName(query: URLSearchParams): string | undefined {
  const text = query.get("fieldSelector");
  if (!text) return undefined;
  for (const term of text.split(",")) {
    const m = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(term);
    if (m) return m[1];
  }
  return undefined;
}

/** Go's path.IsValidPathSegmentName: not `.`/`..`, no `/` or `%`. */
function validPathSegmentName(name: string): boolean {
  return name !== "." && name !== ".." && !name.includes("/") && !name.includes("%");
}

/** The attributes of `method` on `pathname` (not yet percent-decoded) with its query. */
export function requestAttributes(
  method: string,
  pathname: string,
  query: URLSearchParams = new URLSearchParams(),
): RequestAttributes {
  let path: string;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    path = pathname;
  }
  const nonResource: RequestAttributes = {
    kind: "nonResource",
    attributes: { path, verb: method.toLowerCase() === "head" ? "get" : method.toLowerCase() },
  };
  const trimmed = path.replace(/^\/+|\/+$/g, "");
  const parts = trimmed === "" ? [] : trimmed.split("/");
  // Only the /apis prefix is served here; /api (the core group) is not an aggregated group.
  if (parts[0] !== "apis" || parts.length < 4) return nonResource;
  const [, group, version, ...rest] = parts as [string, string, string, ...string[]];
  let verb = methodVerb(method);
  let current = rest;
  if (SPECIAL_VERBS.has(current[0] as string)) {
    // Go refuses `/apis/g/v/watch` alone; no object is named, so it is no resource request here.
    if (current.length < 2) return nonResource;
    verb = current[0] as string;
    current = current.slice(1);
  }
  let namespace: string | undefined;
  if (current[0] === "namespaces" && current.length > 1) {
    namespace = current[1];
    if (current.length > 2 && !NAMESPACE_SUBRESOURCES.has(current[2] as string)) current = current.slice(2);
  }
  const resource = current[0] as string;
  let name = current.length >= 2 ? current[1] : undefined;
  const subresource = current.length >= 3 && verb !== "proxy" ? current[2] : undefined;
  if (name === "") name = undefined;
  if (name === undefined && verb === "get") {
    verb = queryFlag(query, "watch") ? "watch" : "list";
    const selected = fieldSelectorName(query);
    if (selected !== undefined && selected !== "" && validPathSegmentName(selected)) name = selected;
  }
  if (name === undefined && verb === "delete") verb = "deletecollection";
  return {
    kind: "resource",
    attributes: {
      verb,
      group,
      version,
      resource,
      ...(subresource !== undefined && subresource !== "" ? { subresource } : {}),
      ...(namespace !== undefined && namespace !== "" ? { namespace } : {}),
      ...(name !== undefined ? { name } : {}),
    },
  };
}
