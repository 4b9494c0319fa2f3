import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ResourceRegistry } from "../../../src/demo/kube/resourceTypes.js";
import { route } from "../../../src/demo/kube/routes.js";

const registry = new ResourceRegistry();

/** A route as a short string, so the table reads at a glance. */
function summary(path: string): string {
  const r = route(registry, path);
  if (r.to !== "resource") {
    const extra = "group" in r ? ` ${r.group}` : "";
    return `${r.to}${extra}${"version" in r ? `/${r.version}` : ""}`;
  }
  const parts = [`${r.type.group || "core"}/${r.type.resource}`];
  if (r.namespace !== undefined) parts.push(`ns=${r.namespace}`);
  if (r.name !== undefined) parts.push(`name=${r.name}`);
  if (r.subresource !== undefined) parts.push(`sub=${r.subresource}`);
  if (r.watchPrefix) parts.push("watch");
  return parts.join(" ");
}

describe("route", () => {
  const table: [string, string][] = [
    ["/api", "apiVersions"],
    ["/api/v1", "resourceList /v1"],
    ["/apis", "groupList"],
    ["/apis/apps", "group apps"],
    ["/apis/apps/v1/", "resourceList apps/v1"],
    ["/version", "version"],
    ["/readyz/ping", "health"],
    ["/openapi/v3", "openApiV3Root"],
    ["/api/v1/pods", "core/pods"],
    ["/api/v1/namespaces/demo/pods", "core/pods ns=demo"],
    ["/api/v1/namespaces/demo/pods/web-1", "core/pods ns=demo name=web-1"],
    ["/api/v1/namespaces/demo/pods/web-1/status", "core/pods ns=demo name=web-1 sub=status"],
    ["/api/v1/namespaces", "core/namespaces"],
    ["/api/v1/namespaces/demo", "core/namespaces name=demo"],
    ["/api/v1/namespaces/demo/status", "core/namespaces name=demo sub=status"],
    ["/api/v1/nodes/n1", "core/nodes name=n1"],
    ["/api/v1/watch/namespaces/demo/pods", "core/pods ns=demo watch"],
    ["/apis/apps/v1/namespaces/demo/deployments/web", "apps/deployments ns=demo name=web"],
    ["/apis/apps/v1/deployments", "apps/deployments"],
    ["/api/v1/namespaces/demo/pods/web-1/log", "notFound"],
    ["/api/v1/pods/web-1", "notFound"],
    ["/api/v1/namespaces/demo/nodes", "notFound"],
    ["/apis/apps/v2/deployments", "notFound"],
    ["/api/v1/deployments", "notFound"],
    ["/api/v1/namespaces/%E0%A4%A/pods", "notFound"],
    ["/metrics", "notFound"],
  ];
  for (const [path, expect] of table) {
    it(`${path} → ${expect}`, () => assert.equal(summary(path), expect));
  }
});
