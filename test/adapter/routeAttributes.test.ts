/**
 * One request, one set of authorization attributes: every metrics path the
 * router serves must carry, as kube-apiserver's RequestInfoFactory reads it
 * (auth/requestAttributes.ts), exactly the attributes of the canonical path of the data it serves,
 * i.e. the path kube-controller-manager's metrics client builds for it:
 *
 * - custom, an object's metric: `[namespaces/{ns}/]{group-resource}/{name|*}/{metric}` → get
 *   `{group-resource}/{metric}` named `{name}` (in `{ns}`);
 * - custom, a namespace's metric: `namespaces/{ns}/metrics/{metric}` → get `metrics` named
 *   `{metric}` in `{ns}`;
 * - external: `namespaces/{ns}/{metric}` → list `{metric}` in `{ns}`.
 *
 * The oracle below is written from that list, independently of the router. The table spans the
 * path shapes of both APIs and every version, with the spellings that once served data under other
 * attributes (`namespaces/{ns}/{metric}`, resource aliases, `status`, empty and encoded segments).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ResourceAttributes } from "../../src/adapter/auth/requestAttributes.js";
import { requestAttributes } from "../../src/adapter/auth/requestAttributes.js";
import type { Route } from "../../src/adapter/metricsRoute.js";
import { routeRequest } from "../../src/adapter/routes.js";
import { groupResourceString } from "../../src/k8s/groupResource.js";
import { StaticResourceCatalog } from "../../src/k8s/resourceCatalog.js";

const catalog = new StaticResourceCatalog();
const CUSTOM = "custom.metrics.k8s.io";
const EXTERNAL = "external.metrics.k8s.io";

/** The canonical path's attributes for the data `route` serves. */
function canonical(route: Route): ResourceAttributes | undefined {
  if (route.type === "external") {
    return {
      verb: "list",
      group: EXTERNAL,
      version: "v1beta1",
      resource: route.metricName,
      namespace: route.namespace,
    };
  }
  if (route.type !== "custom") return undefined;
  if (route.resource.group === "" && route.resource.resource === "namespaces") {
    return {
      verb: "get",
      group: CUSTOM,
      version: route.version,
      resource: "metrics",
      namespace: route.name,
      name: route.metricName,
    };
  }
  return {
    verb: "get",
    group: CUSTOM,
    version: route.version,
    resource: groupResourceString(route.resource),
    subresource: route.metricName,
    ...(route.namespace !== undefined ? { namespace: route.namespace } : {}),
    name: route.name,
  };
}

const metrics = ["gpu", "status", "finalize", "metrics", "namespaces", "pods", "a%2Fb", "%2A"];
const names = ["web-1", "*", "%2A", "status", "metrics", "a%2Fb"];
const resources = [
  "pods",
  "pod",
  "Pod",
  "PODS",
  "deployments.apps",
  "deployment.apps",
  "Deployment.apps",
  "nodes",
  "node",
  "namespaces",
  "namespace",
  "metrics",
  "status",
  "finalize",
];

function customPaths(): string[] {
  const out: string[] = [];
  for (const v of ["v1beta1", "v1beta2"]) {
    const p = `/apis/${CUSTOM}/${v}`;
    for (const m of metrics) {
      out.push(`${p}/namespaces/b/${m}`, `${p}/namespaces/b/metrics/${m}`, `${p}/namespaces/b/metrics/${m}/`);
      out.push(`${p}/namespaces/b//metrics/${m}`, `${p}//namespaces/b/metrics/${m}`);
      out.push(`${p}/namespaces/*/${m}`, `${p}/namespaces/status/metrics/${m}`);
      for (const r of resources) {
        for (const n of names) {
          out.push(`${p}/${r}/${n}/${m}`, `${p}/namespaces/b/${r}/${n}/${m}`);
        }
        out.push(`${p}/namespaces/b/${r}//${m}`, `${p}/namespaces/b/${r}/web-1/${m}/`);
      }
    }
    out.push(`${p}/watch/namespaces/b/pods/web-1/gpu`, `${p}/proxy/nodes/n1/gpu`);
  }
  return out;
}

function externalPaths(): string[] {
  const p = `/apis/${EXTERNAL}/v1beta1`;
  const out: string[] = [];
  for (const m of metrics) {
    out.push(`${p}/namespaces/b/${m}`, `${p}/namespaces/b/${m}/`, `${p}/namespaces/b//${m}`);
    out.push(`${p}/namespaces/*/${m}`, `${p}/watch/namespaces/b/${m}`);
  }
  return out;
}

const queries = ["", "watch=true", "watch=0", "fieldSelector=metadata.name%3Dx", "labelSelector=app%3Dweb"];

describe("served metrics routes and their authorization attributes", () => {
  it("every served route carries exactly the canonical path's attributes", () => {
    let served = 0;
    const mismatches: string[] = [];
    for (const path of [...customPaths(), ...externalPaths()]) {
      for (const query of queries) {
        const routed = routeRequest(path, new URLSearchParams(query), catalog);
        if (!routed.ok) continue;
        const want = canonical(routed.route);
        if (want === undefined) continue;
        served++;
        const got = requestAttributes("GET", path, new URLSearchParams(query));
        try {
          assert.deepEqual(got, { kind: "resource", attributes: want });
        } catch {
          mismatches.push(
            `${path}?${query}: asks ${JSON.stringify(got.attributes)}, serves ${JSON.stringify(want)}`,
          );
        }
      }
    }
    assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} served routes ask other attributes`);
    // Not vacuous: the canonical spellings are served (the exact set is asserted below).
    assert.ok(served > 100, `only ${served} routes served`);
  });

  const canonicalPaths: [string, ResourceAttributes][] = [
    [
      `/apis/${CUSTOM}/v1beta2/namespaces/b/pods/%2A/gpu`,
      {
        verb: "get",
        group: CUSTOM,
        version: "v1beta2",
        resource: "pods",
        subresource: "gpu",
        namespace: "b",
        name: "*",
      },
    ],
    [
      `/apis/${CUSTOM}/v1beta1/namespaces/b/deployments.apps/web/gpu`,
      {
        verb: "get",
        group: CUSTOM,
        version: "v1beta1",
        resource: "deployments.apps",
        subresource: "gpu",
        namespace: "b",
        name: "web",
      },
    ],
    [
      `/apis/${CUSTOM}/v1beta2/nodes/n1/gpu`,
      { verb: "get", group: CUSTOM, version: "v1beta2", resource: "nodes", subresource: "gpu", name: "n1" },
    ],
    [
      `/apis/${CUSTOM}/v1beta2/namespaces/b/metrics/gpu`,
      { verb: "get", group: CUSTOM, version: "v1beta2", resource: "metrics", namespace: "b", name: "gpu" },
    ],
    [
      `/apis/${EXTERNAL}/v1beta1/namespaces/b/queue`,
      { verb: "list", group: EXTERNAL, version: "v1beta1", resource: "queue", namespace: "b" },
    ],
  ];
  for (const [path, attributes] of canonicalPaths) {
    it(`serves the canonical ${path} and asks ${attributes.verb} ${attributes.resource}`, () => {
      const routed = routeRequest(path, new URLSearchParams(), catalog);
      assert.ok(routed.ok, routed.ok ? "" : routed.error.message);
      assert.deepEqual(canonical(routed.route), attributes);
      assert.deepEqual(requestAttributes("GET", path, new URLSearchParams()), {
        kind: "resource",
        attributes,
      });
    });
  }
});
