/**
 * Pure routing of the simulated API's URL paths (apiserver `RequestInfoFactory`, reduced): a path
 * becomes a discovery document request or a resource request naming type, namespace, name and
 * subresource. Verbs and query parameters are the handler's business.
 */

import type { ResourceType } from "./resourceTypeShape.js";
import type { ResourceRegistry } from "./resourceTypes.js";

export type ApiServerRoute =
  | { readonly to: "apiVersions" }
  | { readonly to: "groupList" }
  | { readonly to: "group"; readonly group: string }
  | { readonly to: "resourceList"; readonly group: string; readonly version: string }
  | { readonly to: "version" }
  | { readonly to: "health"; readonly check: string }
  | { readonly to: "openApiV3Root" }
  | { readonly to: "openApiV3"; readonly path: string }
  | {
      readonly to: "resource";
      readonly type: ResourceType;
      readonly namespace?: string;
      readonly name?: string;
      readonly subresource?: string;
      /** The deprecated `/watch/` path prefix was used. */
      readonly watchPrefix: boolean;
    }
  | { readonly to: "notFound" };

/** Subresources of a namespace object, which must not be read as `namespaces/{ns}/{resource}`. */
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

const HEALTH = /^\/(healthz|readyz|livez)(\/.*)?$/;

export function route(registry: ResourceRegistry, pathname: string): ApiServerRoute {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  if (path === "/version") return { to: "version" };
  const health = HEALTH.exec(path);
  if (health) return { to: "health", check: health[1] as string };
  if (path === "/openapi/v3") return { to: "openApiV3Root" };
  if (path.startsWith("/openapi/v3/")) return { to: "openApiV3", path: path.slice("/openapi/v3/".length) };

  let parts: string[];
  try {
    parts = path
      .split("/")
      .filter((p) => p !== "")
      .map(decodeURIComponent);
  } catch {
    return { to: "notFound" }; // malformed percent-encoding names nothing we serve
  }
  let group: string;
  let version: string | undefined;
  let rest: string[];
  if (parts[0] === "api") {
    if (parts.length === 1) return { to: "apiVersions" };
    group = "";
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === "apis") {
    if (parts.length === 1) return { to: "groupList" };
    group = parts[1] as string;
    if (parts.length === 2) return { to: "group", group };
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return { to: "notFound" };
  }
  if (version === undefined) return { to: "notFound" };
  if (rest.length === 0) return { to: "resourceList", group, version };

  const watchPrefix = rest[0] === "watch";
  if (watchPrefix) rest = rest.slice(1);

  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2] as string)) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  if (resource === undefined || extra.length > 0) return { to: "notFound" };
  const type = registry.lookup(group, version, resource);
  if (!type) return { to: "notFound" };
  // A namespaced type is reached across all namespaces only by its bare list path.
  if (!type.namespaced && namespace !== undefined) return { to: "notFound" };
  if (type.namespaced && namespace === undefined && name !== undefined) return { to: "notFound" };
  if (subresource !== undefined && !type.subresources.includes(subresource)) return { to: "notFound" };
  return {
    to: "resource",
    type,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
    watchPrefix,
  };
}
