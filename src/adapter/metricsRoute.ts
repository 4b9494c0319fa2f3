/**
 * A metrics-API request once routed (routes.ts): discovery documents, a custom or external metric
 * request for a provider, or a resource metrics (metrics.k8s.io) request. Its own file because both
 * the router and the authorization attributes of a route (auth/routeAttributes.ts), which the
 * router checks, read it.
 */
import type { CustomMetricRequest } from "./customProvider.js";
import type { ExternalMetricRequest } from "./externalProvider.js";
import type { ResourceMetricsRequest } from "./resourceMetrics/provider.js";

export type Route =
  | { readonly type: "groupList" }
  | { readonly type: "group"; readonly group: string }
  | { readonly type: "resourceList"; readonly group: string; readonly version: string }
  | ({ readonly type: "custom"; readonly version: "v1beta1" | "v1beta2" } & CustomMetricRequest)
  | ({ readonly type: "external" } & ExternalMetricRequest)
  | ({ readonly type: "resource" } & ResourceMetricsRequest);

/** Which optional APIs this server has: metrics.k8s.io from `resourceRules`, with or without nodes. */
export interface ServedApis {
  readonly resourceMetrics?: { readonly nodes: boolean };
}
