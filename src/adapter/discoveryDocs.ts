/**
 * Discovery documents of the metrics APIs (APIGroupList, APIGroup, APIResourceList), built from
 * the current series registry, and, when `resourceRules` are served, of metrics.k8s.io (`nodes`
 * and `pods`, get and list, as metrics-server lists them; `nodes` only with a nodeQuery). Served as
 * plain JSON: the aggregator then uses legacy discovery (`/apis/<group>/<version>`), which is all
 * it needs.
 */
import { groupResourceString } from "../k8s/groupResource.js";
import type { ServedApis } from "./metricsRoute.js";
import {
  CUSTOM_GROUP,
  CUSTOM_VERSIONS,
  EXTERNAL_GROUP,
  EXTERNAL_VERSIONS,
  RESOURCE_METRICS_GROUP,
  RESOURCE_METRICS_VERSIONS,
} from "./routes.js";
import type { SeriesRegistry } from "./seriesRegistry.js";

interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

function apiGroup(name: string, versions: readonly string[]) {
  const list: GroupVersionForDiscovery[] = versions.map((v) => ({
    groupVersion: `${name}/${v}`,
    version: v,
  }));
  return { name, versions: list, preferredVersion: list[0] as GroupVersionForDiscovery };
}

export function apiGroupListDoc(served: ServedApis = {}): object {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: [
      apiGroup(CUSTOM_GROUP, CUSTOM_VERSIONS),
      apiGroup(EXTERNAL_GROUP, EXTERNAL_VERSIONS),
      ...(served.resourceMetrics ? [apiGroup(RESOURCE_METRICS_GROUP, RESOURCE_METRICS_VERSIONS)] : []),
    ],
  };
}

export function apiGroupDoc(group: string): object {
  const versions =
    group === CUSTOM_GROUP
      ? CUSTOM_VERSIONS
      : group === RESOURCE_METRICS_GROUP
        ? RESOURCE_METRICS_VERSIONS
        : EXTERNAL_VERSIONS;
  return { kind: "APIGroup", apiVersion: "v1", ...apiGroup(group, versions) };
}

/** metrics.k8s.io/v1beta1's resources, as metrics-server lists them. */
export function resourceMetricsResourceListDoc(nodes: boolean): object {
  const resource = (name: string, kind: string, namespaced: boolean) => ({
    name,
    singularName: "",
    namespaced,
    kind,
    verbs: ["get", "list"],
  });
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: `${RESOURCE_METRICS_GROUP}/${RESOURCE_METRICS_VERSIONS[0]}`,
    resources: [
      ...(nodes ? [resource("nodes", "NodeMetrics", false)] : []),
      resource("pods", "PodMetrics", true),
    ],
  };
}

/**
 * `builtinExternal`: external metrics Foresight computes itself (`foresight_forecast`), listed
 * beside the discovered ones.
 */
export function apiResourceListDoc(
  group: string,
  version: string,
  registry: SeriesRegistry,
  builtinExternal: readonly string[] = [],
): object {
  const resources =
    group === CUSTOM_GROUP
      ? registry.customMetrics().map((m) => ({
          name: `${groupResourceString(m.resource)}/${m.metricName}`,
          singularName: "",
          namespaced: m.resource.namespaced,
          kind: "MetricValueList",
          verbs: ["get"],
        }))
      : [...new Set([...registry.externalMetrics(), ...builtinExternal])].map((metricName) => ({
          name: metricName,
          singularName: "",
          namespaced: true,
          kind: "ExternalMetricValueList",
          verbs: ["get"],
        }));
  resources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: `${group}/${version}`, resources };
}
