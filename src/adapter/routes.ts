/**
 * Pure routing of metrics-API paths (custom-metrics-apiserver's installer): a URL path and query
 * become a typed request or an ApiError. No I/O; the server calls a provider with the result.
 */
import type { CustomMetricRequest } from "./customProvider.js";
import type { ExternalMetricRequest } from "./externalProvider.js";
import type { ResourceCatalog } from "./naming/types.js";
import { parseLabelSelector, type Selector, SelectorParseError } from "./selectors.js";
import { type ApiError, badRequest, notFound } from "./status.js";

export const CUSTOM_GROUP = "custom.metrics.k8s.io";
export const EXTERNAL_GROUP = "external.metrics.k8s.io";
export const CUSTOM_VERSIONS = ["v1beta2", "v1beta1"] as const;
export const EXTERNAL_VERSIONS = ["v1beta1"] as const;

export type Route =
  | { readonly type: "groupList" }
  | { readonly type: "group"; readonly group: string }
  | { readonly type: "resourceList"; readonly group: string; readonly version: string }
  | ({ readonly type: "custom"; readonly version: "v1beta1" | "v1beta2" } & CustomMetricRequest)
  | ({ readonly type: "external" } & ExternalMetricRequest);

export type RouteResult =
  | { readonly ok: true; readonly route: Route }
  | { readonly ok: false; readonly error: ApiError };

/** Route `path` (already without the query string) with its query parameters. */
export function routeRequest(path: string, query: URLSearchParams, catalog: ResourceCatalog): RouteResult {
  try {
    return { ok: true, route: route(path, query, catalog) };
  } catch (err) {
    if (isApiError(err)) return { ok: false, error: err };
    throw err;
  }
}

function isApiError(err: unknown): err is ApiError {
  return err instanceof Error && typeof (err as ApiError).code === "number" && "reason" in err;
}

function route(path: string, query: URLSearchParams, catalog: ResourceCatalog): Route {
  const parts = splitPath(path);
  if (parts[0] !== "apis") throw notFound(`the server could not find the requested resource (path ${path})`);
  if (parts.length === 1) return { type: "groupList" };
  const group = parts[1] as string;
  const versions: readonly string[] | undefined =
    group === CUSTOM_GROUP ? CUSTOM_VERSIONS : group === EXTERNAL_GROUP ? EXTERNAL_VERSIONS : undefined;
  if (!versions)
    throw notFound(`the server could not find the requested resource: group ${group} is not served here`);
  if (parts.length === 2) return { type: "group", group };
  const version = parts[2] as string;
  if (!versions.includes(version)) {
    throw notFound(
      `the server could not find the requested resource: ${group}/${version} is not served here`,
    );
  }
  if (parts.length === 3) return { type: "resourceList", group, version };
  const rest = parts.slice(3);
  return group === CUSTOM_GROUP
    ? customRoute(version as "v1beta1" | "v1beta2", rest, query, catalog)
    : externalRoute(rest, query);
}

function customRoute(
  version: "v1beta1" | "v1beta2",
  rest: string[],
  query: URLSearchParams,
  catalog: ResourceCatalog,
): Route {
  let namespace: string | undefined;
  let resourceName: string;
  let name: string;
  let metricName: string;
  if (rest.length === 4 && rest[0] === "namespaces" && rest[2] === "metrics") {
    // /namespaces/{ns}/metrics/{metric}: a metric about the namespace object itself.
    resourceName = "namespaces";
    name = rest[1] as string;
    metricName = rest[3] as string;
  } else if (rest.length === 5 && rest[0] === "namespaces") {
    [, namespace, resourceName, name, metricName] = rest as [string, string, string, string, string];
  } else if (rest.length === 3) {
    [resourceName, name, metricName] = rest as [string, string, string];
  } else {
    throw badRequest(
      `invalid request path: expected [namespaces/{namespace}/]{resource}/{name|*}/{metric} or namespaces/{namespace}/metrics/{metric}`,
    );
  }
  const resource = catalog.resolve(resourceName);
  if (!resource)
    throw notFound(`the server could not find the requested resource: unknown resource "${resourceName}"`);
  if (namespace !== undefined && !resource.namespaced) {
    throw badRequest(
      `${resourceName} is not namespaced: use /${resourceName}/{name}/{metric} without a namespace`,
    );
  }
  if (namespace === undefined && resource.namespaced) {
    throw badRequest(
      `${resourceName} is namespaced: use /namespaces/{namespace}/${resourceName}/{name}/{metric}`,
    );
  }
  checkFieldSelector(query, name);
  return {
    type: "custom",
    version,
    resource,
    ...(namespace !== undefined ? { namespace } : {}),
    name,
    metricName,
    labelSelector: selectorParam(query, "labelSelector"),
    metricSelector: selectorParam(query, "metricLabelSelector"),
  };
}

function externalRoute(rest: string[], query: URLSearchParams): Route {
  if (rest.length !== 3 || rest[0] !== "namespaces") {
    throw badRequest("invalid request path: expected namespaces/{namespace}/{metric}");
  }
  return {
    type: "external",
    namespace: rest[1] as string,
    metricName: rest[2] as string,
    labelSelector: selectorParam(query, "labelSelector"),
  };
}

/** `fieldSelector=metadata.name=X` is allowed when it names the object in the path. */
function checkFieldSelector(query: URLSearchParams, name: string): void {
  const fieldSelector = query.get("fieldSelector");
  if (!fieldSelector) return;
  const m = /^metadata\.name(?:==?)(.*)$/.exec(fieldSelector.trim());
  if (!m)
    throw badRequest(`unsupported fieldSelector "${fieldSelector}": only metadata.name=<name> is accepted`);
  if (name !== "*" && m[1] !== name)
    throw badRequest("fieldSelector metadata.name doesn't match requested name");
}

function selectorParam(query: URLSearchParams, key: string): Selector {
  const text = query.get(key);
  try {
    return parseLabelSelector(text);
  } catch (err) {
    if (err instanceof SelectorParseError) throw badRequest(`invalid ${key} "${text}": ${err.message}`);
    throw err;
  }
}

/** Non-empty, percent-decoded segments; `%2A` becomes `*`. */
function splitPath(path: string): string[] {
  const out: string[] = [];
  for (const raw of path.split("/")) {
    if (raw === "") continue;
    try {
      out.push(decodeURIComponent(raw));
    } catch {
      throw badRequest(`invalid request path: bad percent-encoding in "${raw}"`);
    }
  }
  return out;
}
