/**
 * The authorization attributes a served metrics route must carry: those of the canonical path of
 * its data, the path kube-controller-manager's metrics client builds (k8s.io/metrics
 * custom_metrics and external_metrics clients) and custom-metrics-apiserver registers:
 *
 * - an object's metric `[namespaces/{ns}/]{group-resource}/{name|*}/{metric}` → get
 *   `{group-resource}/{metric}` named `{name}` (in `{ns}`);
 * - a namespace's metric `namespaces/{ns}/metrics/{metric}` → get `metrics` named `{metric}` in `{ns}`;
 * - an external metric `namespaces/{ns}/{metric}` → list `{metric}` in `{ns}`;
 * - resource metrics (metrics.k8s.io, as metrics-server serves them): `nodes/{name}` → get `nodes`
 *   named `{name}`, `nodes` → list `nodes`, `[namespaces/{ns}/]pods[/{name}]` → get or list `pods`
 *   (in `{ns}`); a list's `fieldSelector=metadata.name=x` names `x`, as kube-apiserver reads it.
 *
 * The router (routes.ts) serves a path only when requestAttributes.ts reads these from it, so one
 * piece of data is authorized under one set of attributes whichever spelling asks for it.
 */
import { groupResourceString } from "../../k8s/groupResource.js";
import type { Route } from "../metricsRoute.js";
import type { RequestAttributes, ResourceAttributes } from "./requestAttributes.js";

const CUSTOM_GROUP = "custom.metrics.k8s.io";
const EXTERNAL_GROUP = "external.metrics.k8s.io";
const RESOURCE_METRICS_GROUP = "metrics.k8s.io";

/** The name a list's field selector gives its authorization (kube-apiserver: a valid path segment). */
function listedName(name: string | undefined): string | undefined {
  if (name === undefined || name === "" || name === "." || name === "..") return undefined;
  return name.includes("/") || name.includes("%") ? undefined : name;
}

/** The canonical attributes of a metric route; undefined for discovery routes (non-resource). */
export function canonicalAttributes(route: Route): ResourceAttributes | undefined {
  switch (route.type) {
    case "external":
      return {
        verb: "list",
        group: EXTERNAL_GROUP,
        version: "v1beta1",
        resource: route.metricName,
        namespace: route.namespace,
      };
    case "custom":
      if (route.resource.group === "" && route.resource.resource === "namespaces") {
        return {
          verb: "get",
          group: CUSTOM_GROUP,
          version: route.version,
          resource: "metrics",
          namespace: route.name,
          name: route.metricName,
        };
      }
      return {
        verb: "get",
        group: CUSTOM_GROUP,
        version: route.version,
        resource: groupResourceString(route.resource),
        subresource: route.metricName,
        ...(route.namespace !== undefined ? { namespace: route.namespace } : {}),
        name: route.name,
      };
    case "resource": {
      const name = route.name ?? listedName(route.fieldSelector.name);
      return {
        verb: route.name !== undefined ? "get" : "list",
        group: RESOURCE_METRICS_GROUP,
        version: "v1beta1",
        resource: route.resource,
        ...(route.namespace !== undefined ? { namespace: route.namespace } : {}),
        ...(name !== undefined ? { name } : {}),
      };
    }
    default:
      return undefined;
  }
}

/** Whether `asked` (read from the request) is exactly `canonical`. */
export function sameAttributes(asked: RequestAttributes, canonical: ResourceAttributes): boolean {
  if (asked.kind !== "resource") return false;
  const a = asked.attributes;
  const keys: (keyof ResourceAttributes)[] = [
    "verb",
    "group",
    "version",
    "resource",
    "subresource",
    "namespace",
    "name",
  ];
  return keys.every((k) => a[k] === canonical[k]);
}
