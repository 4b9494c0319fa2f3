/**
 * A metrics-API request once routed (routes.ts): discovery documents, or a custom or external
 * metric request for a provider. Its own file because both the router and the authorization
 * attributes of a route (auth/routeAttributes.ts), which the router checks, read it.
 */
import type { CustomMetricRequest } from "./customProvider.js";
import type { ExternalMetricRequest } from "./externalProvider.js";

export type Route =
  | { readonly type: "groupList" }
  | { readonly type: "group"; readonly group: string }
  | { readonly type: "resourceList"; readonly group: string; readonly version: string }
  | ({ readonly type: "custom"; readonly version: "v1beta1" | "v1beta2" } & CustomMetricRequest)
  | ({ readonly type: "external" } & ExternalMetricRequest);
