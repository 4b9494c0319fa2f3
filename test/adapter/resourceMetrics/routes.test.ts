/**
 * Routing of metrics.k8s.io: the paths metrics-server serves (and only when `resourceRules` are
 * configured), their selectors, their authorization attributes as kube-apiserver reads them from
 * the path, and the group's discovery documents.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { requestAttributes } from "../../../src/adapter/auth/requestAttributes.js";
import { canonicalAttributes } from "../../../src/adapter/auth/routeAttributes.js";
import { apiGroupListDoc, resourceMetricsResourceListDoc } from "../../../src/adapter/discoveryDocs.js";
import type { Route, ServedApis } from "../../../src/adapter/metricsRoute.js";
import { routeRequest } from "../../../src/adapter/routes.js";
import { catalog } from "./fixtures.js";

const M = "/apis/metrics.k8s.io/v1beta1";
const WITH_NODES: ServedApis = { resourceMetrics: { nodes: true } };

function routed(path: string, served: ServedApis = WITH_NODES): Route {
  const [pathname, search = ""] = path.split("?") as [string, string?];
  const result = routeRequest(pathname, new URLSearchParams(search), catalog, served);
  if (!result.ok) assert.fail(`${path}: ${result.error.code} ${result.error.message}`);
  return result.route;
}

function refused(path: string, served: ServedApis = WITH_NODES): number {
  const [pathname, search = ""] = path.split("?") as [string, string?];
  const result = routeRequest(pathname, new URLSearchParams(search), catalog, served);
  assert.equal(result.ok, false, `${path} was routed`);
  return result.ok ? 0 : result.error.code;
}

describe("metrics.k8s.io routes", () => {
  it("routes the paths kubectl top and the HPA controller ask for", () => {
    const list = routed(`${M}/namespaces/ml/pods?labelSelector=app%3Dweb`);
    assert.equal(list.type, "resource");
    if (list.type !== "resource") return;
    assert.deepEqual([list.resource, list.namespace, list.name], ["pods", "ml", undefined]);
    assert.equal(list.labelSelector.matches({ app: "web" }), true);
    assert.equal(list.labelSelector.matches({ app: "db" }), false);
    const get = routed(`${M}/namespaces/ml/pods/web-0`);
    assert.deepEqual(get.type === "resource" && [get.resource, get.namespace, get.name], [
      "pods",
      "ml",
      "web-0",
    ]);
    const all = routed(`${M}/pods`);
    assert.deepEqual(all.type === "resource" && [all.resource, all.namespace], ["pods", undefined]);
    const node = routed(`${M}/nodes/n1`);
    assert.deepEqual(node.type === "resource" && [node.resource, node.name], ["nodes", "n1"]);
    assert.equal(routed(M).type, "resourceList");
    assert.equal(routed("/apis/metrics.k8s.io").type, "group");
  });

  it("is a 404 when resourceRules are not configured, and nodes without a nodeQuery", () => {
    assert.equal(refused(`${M}/namespaces/ml/pods`, {}), 404);
    assert.equal(refused(M, {}), 404);
    assert.equal(refused(`${M}/nodes`, { resourceMetrics: { nodes: false } }), 404);
    assert.equal(routed(`${M}/pods`, { resourceMetrics: { nodes: false } }).type, "resource");
  });

  it("refuses other paths (404), bad selectors (400) and watches (405)", () => {
    assert.equal(refused(`${M}/namespaces/ml/pods/web-0/containers`), 404);
    assert.equal(refused(`${M}/namespaces/ml/nodes`), 404);
    assert.equal(refused(`${M}/services`), 404);
    assert.equal(refused(`${M}/pods?labelSelector=app%3D%3D%3Dweb`), 400);
    assert.equal(refused(`${M}/pods?fieldSelector=spec.nodeName%3Dn1`), 400);
    assert.equal(refused(`${M}/nodes?fieldSelector=metadata.namespace%3Dx`), 400);
    assert.equal(refused(`${M}/pods?watch=true`), 405);
  });

  it("authorizes each route as kube-apiserver reads its path (get, list, list by field name)", () => {
    for (const path of [
      `${M}/namespaces/ml/pods`,
      `${M}/namespaces/ml/pods/web-0`,
      `${M}/pods`,
      `${M}/nodes`,
      `${M}/nodes/n1`,
      `${M}/namespaces/ml/pods?fieldSelector=metadata.name%3Dweb-0`,
    ]) {
      const route = routed(path);
      const [pathname, search = ""] = path.split("?") as [string, string?];
      const asked = requestAttributes("GET", pathname, new URLSearchParams(search));
      assert.equal(asked.kind, "resource");
      assert.deepEqual(
        canonicalAttributes(route),
        asked.kind === "resource" ? asked.attributes : undefined,
        path,
      );
    }
    const get = canonicalAttributes(routed(`${M}/namespaces/ml/pods/web-0`));
    assert.deepEqual(get, {
      verb: "get",
      group: "metrics.k8s.io",
      version: "v1beta1",
      resource: "pods",
      namespace: "ml",
      name: "web-0",
    });
  });

  it("lists the group and its resources in discovery only when served", () => {
    const groups = (served: ServedApis) =>
      (apiGroupListDoc(served) as { groups: { name: string }[] }).groups.map((g) => g.name);
    assert.equal(groups({}).includes("metrics.k8s.io"), false);
    assert.equal(groups(WITH_NODES).includes("metrics.k8s.io"), true);
    const resources = (nodes: boolean) =>
      (
        resourceMetricsResourceListDoc(nodes) as {
          resources: { name: string; kind: string; namespaced: boolean }[];
        }
      ).resources;
    assert.deepEqual(
      resources(true).map((r) => [r.name, r.kind, r.namespaced]),
      [
        ["nodes", "NodeMetrics", false],
        ["pods", "PodMetrics", true],
      ],
    );
    assert.deepEqual(
      resources(false).map((r) => r.name),
      ["pods"],
    );
  });
});
