/**
 * Pure routing of metrics-API paths (custom-metrics-apiserver's installer): a URL path and query
 * become a typed request or an ApiError. No I/O; the server calls a provider with the result.
 *
 * Only canonical paths are served: the ones whose authorization attributes, as kube-apiserver reads
 * them (auth/requestAttributes.ts), are those of the data served (auth/routeAttributes.ts). Other
 * spellings of the same data (`namespaces/{ns}/{metric}` for `namespaces/{ns}/metrics/{metric}`,
 * `pod` or `Deployment.apps` for `pods` or `deployments.apps`, empty or `%2F` segments, an
 * external metric named `status`) are a 404 Status, so no one reads data under attributes that
 * were never granted for it.
 */

import { groupResourceString, type ResourceCatalog } from "../k8s/groupResource.js";
import { parseLabelSelector, type Selector, SelectorParseError } from "../k8s/labelSelector.js";
import { type ApiError, badRequest, methodNotAllowed, notFound } from "../k8s/status.js";
import { type ResourceAttributes, requestAttributes } from "./auth/requestAttributes.js";
import { canonicalAttributes, sameAttributes } from "./auth/routeAttributes.js";
import type { Route, ServedApis } from "./metricsRoute.js";
import { parseFieldSelector } from "./resourceMetrics/fieldSelector.js";
import { nodesNotServed } from "./resourceMetrics/provider.js";
import { METRICS_GROUP, METRICS_VERSION } from "./resourceMetrics/values.js";

export const CUSTOM_GROUP = "custom.metrics.k8s.io";
export const EXTERNAL_GROUP = "external.metrics.k8s.io";
export const CUSTOM_VERSIONS = ["v1beta2", "v1beta1"] as const;
export const EXTERNAL_VERSIONS = ["v1beta1"] as const;
export const RESOURCE_METRICS_GROUP = METRICS_GROUP;
export const RESOURCE_METRICS_VERSIONS = [METRICS_VERSION] as const;

export type RouteResult =
  | { readonly ok: true; readonly route: Route }
  | { readonly ok: false; readonly error: ApiError };

/**
 * Route `path` (already without the query string) with its query parameters. metrics.k8s.io is
 * routed only when `served` says this server has it (from `resourceRules`); otherwise it is a 404
 * like any group not served here.
 */
export function routeRequest(
  path: string,
  query: URLSearchParams,
  catalog: ResourceCatalog,
  served: ServedApis = {},
): RouteResult {
  try {
    const routed = route(path, query, catalog, served);
    checkCanonical(path, query, routed);
    return { ok: true, route: routed };
  } catch (err) {
    if (isApiError(err)) return { ok: false, error: err };
    throw err;
  }
}

/**
 * The backstop of the rule above, whatever the parse accepted: a metric route is served only when
 * the path's attributes are the canonical ones of its data.
 */
function checkCanonical(path: string, query: URLSearchParams, routed: Route): void {
  const want = canonicalAttributes(routed);
  if (want === undefined) return;
  const asked = requestAttributes("GET", path, query);
  if (sameAttributes(asked, want)) return;
  const read = asked.kind === "resource" ? describe(asked.attributes) : `path ${asked.attributes.path}`;
  throw notFound(
    `the server could not find the requested resource: ${path} is not a canonical metrics path (it would be authorized as ${read}, not as ${describe(want)})`,
  );
}

function describe(a: ResourceAttributes): string {
  const resource = a.subresource !== undefined ? `${a.resource}/${a.subresource}` : a.resource;
  const name = a.name !== undefined ? ` ${a.name}` : "";
  const where = a.namespace !== undefined ? ` in namespace ${a.namespace}` : "";
  return `${a.verb} ${resource}${name}${where}`;
}

function isApiError(err: unknown): err is ApiError {
  return err instanceof Error && typeof (err as ApiError).code === "number" && "reason" in err;
}

function route(path: string, query: URLSearchParams, catalog: ResourceCatalog, served: ServedApis): Route {
  const parts = splitPath(path);
  if (parts[0] !== "apis") throw notFound(`the server could not find the requested resource (path ${path})`);
  if (parts.length === 1) return { type: "groupList" };
  const group = parts[1] as string;
  const versions: readonly string[] | undefined =
    group === CUSTOM_GROUP
      ? CUSTOM_VERSIONS
      : group === EXTERNAL_GROUP
        ? EXTERNAL_VERSIONS
        : group === RESOURCE_METRICS_GROUP && served.resourceMetrics
          ? RESOURCE_METRICS_VERSIONS
          : undefined;
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
  // custom-metrics-apiserver has no watch: its list handler answers MethodNotSupported.
  if (queryFlag(query, "watch")) throw methodNotAllowed("watch is not supported by the metrics APIs");
  if (group === RESOURCE_METRICS_GROUP)
    return resourceRoute(rest, query, served.resourceMetrics?.nodes ?? false);
  return group === CUSTOM_GROUP
    ? customRoute(version as "v1beta1" | "v1beta2", rest, query, catalog)
    : externalRoute(rest, query);
}

/**
 * metrics.k8s.io/v1beta1, as metrics-server registers it: `nodes[/{name}]`, `pods` (every
 * namespace), `namespaces/{ns}/pods[/{name}]`; a list takes `labelSelector` and `fieldSelector`.
 */
function resourceRoute(rest: string[], query: URLSearchParams, nodes: boolean): Route {
  const selectors = (fields: readonly string[]) => ({
    labelSelector: selectorParam(query, "labelSelector"),
    fieldSelector: parseFieldSelector(query.get("fieldSelector"), fields),
  });
  const podFields = ["metadata.name", "metadata.namespace"];
  if (rest[0] === "nodes" && rest.length <= 2) {
    if (!nodes) throw nodesNotServed();
    return {
      type: "resource",
      resource: "nodes",
      ...(rest[1] !== undefined ? { name: rest[1] } : {}),
      ...selectors(["metadata.name"]),
    };
  }
  if (rest[0] === "pods" && rest.length === 1)
    return { type: "resource", resource: "pods", ...selectors(podFields) };
  if (rest[0] === "namespaces" && rest[2] === "pods" && (rest.length === 3 || rest.length === 4)) {
    return {
      type: "resource",
      resource: "pods",
      namespace: rest[1] as string,
      ...(rest[3] !== undefined ? { name: rest[3] } : {}),
      ...selectors(podFields),
    };
  }
  throw notFound(
    `the server could not find the requested resource: ${METRICS_GROUP}/${METRICS_VERSION} serves nodes[/{name}], pods and namespaces/{namespace}/pods[/{name}]`,
  );
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
  } else if (rest.length === 3 && rest[0] === "namespaces") {
    // kube-apiserver reads this as `list {metric}` in the namespace, not as the namespace's metric.
    throw notFound(
      "the server could not find the requested resource: a namespace's metric is served at namespaces/{namespace}/metrics/{metric}",
    );
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
  const canonicalName = groupResourceString(resource);
  if (resourceName !== canonicalName) {
    // The SubjectAccessReview asks about the path's spelling: serve only the one RBAC rules name.
    throw notFound(
      `the server could not find the requested resource: resource "${resourceName}" is served as "${canonicalName}"`,
    );
  }
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
  // kube-apiserver would authorize it with the object named there: it selects nothing here.
  if (query.get("fieldSelector"))
    throw badRequest("fieldSelector is not supported by the external metrics API");
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

/** Go's Convert_Slice_string_To_bool: present and not "0"/"false" is true. */
function queryFlag(query: URLSearchParams, key: string): boolean {
  const value = query.get(key);
  return value !== null && value !== "0" && value.toLowerCase() !== "false";
}

/**
 * Percent-decoded segments (`%2A` becomes `*`) between the leading and trailing slashes. An empty
 * segment inside, or a `%2F` inside one, is a 404: kube-apiserver splits the decoded path there
 * and would read other attributes from it.
 */
function splitPath(path: string): string[] {
  const trimmed = path.replace(/^\/+|\/+$/g, "");
  if (trimmed === "") return [];
  return trimmed.split("/").map((raw) => {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      throw badRequest(`invalid request path: bad percent-encoding in "${raw}"`);
    }
    if (segment === "" || segment.includes("/")) {
      throw notFound(
        `the server could not find the requested resource (path ${path}): empty path segments and encoded slashes are not served`,
      );
    }
    return segment;
  });
}
