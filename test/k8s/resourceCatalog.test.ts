import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { groupResourceString, type ResourceInfo } from "../../src/k8s/groupResource.js";
import { BUILTIN_RESOURCES, StaticResourceCatalog } from "../../src/k8s/resourceCatalog.js";

const catalog = new StaticResourceCatalog();
const gr = (info: ResourceInfo | undefined) => (info === undefined ? undefined : groupResourceString(info));

describe("StaticResourceCatalog.resolve", () => {
  const cases: Array<[string, string | undefined, string | undefined]> = [
    ["pods", undefined, "pods"],
    ["pod", undefined, "pods"],
    ["Pod", undefined, "pods"],
    ["PODS", undefined, "pods"],
    ["namespace", undefined, "namespaces"],
    ["deployments", undefined, "deployments.apps"],
    ["deployment", undefined, "deployments.apps"],
    ["Deployment", undefined, "deployments.apps"],
    ["deployments.apps", undefined, "deployments.apps"],
    ["deployment.apps", undefined, "deployments.apps"],
    ["deployments.batch", undefined, undefined],
    ["deployment", "apps", "deployments.apps"],
    ["deployment", "", "deployments.apps"],
    ["deployments.apps", "", "deployments.apps"],
    ["deployment", "batch", undefined],
    ["ingresses.networking.k8s.io", undefined, "ingresses.networking.k8s.io"],
    ["ingress", "networking.k8s.io", "ingresses.networking.k8s.io"],
    ["HorizontalPodAutoscaler", undefined, "horizontalpodautoscalers.autoscaling"],
    ["lease.coordination.k8s.io", undefined, "leases.coordination.k8s.io"],
    ["cronjob", undefined, "cronjobs.batch"],
    ["endpoints", undefined, "endpoints"],
    ["widgets", undefined, undefined],
    ["", undefined, undefined],
  ];
  for (const [name, group, want] of cases) {
    it(`${name}${group === undefined ? "" : ` (group ${JSON.stringify(group)})`} → ${want}`, () => {
      assert.equal(gr(catalog.resolve(name, group)), want);
    });
  }

  it("knows which built-ins are cluster-scoped", () => {
    const clusterScoped = BUILTIN_RESOURCES.filter((r) => !r.namespaced).map((r) => r.resource);
    assert.deepEqual(clusterScoped.sort(), ["namespaces", "nodes", "persistentvolumes"]);
  });

  it("covers the resources HPAs and rules commonly name", () => {
    for (const name of [
      "pods",
      "services",
      "namespaces",
      "nodes",
      "persistentvolumes",
      "persistentvolumeclaims",
      "endpoints",
      "configmaps",
      "deployments.apps",
      "statefulsets.apps",
      "replicasets.apps",
      "daemonsets.apps",
      "jobs.batch",
      "cronjobs.batch",
      "ingresses.networking.k8s.io",
      "horizontalpodautoscalers.autoscaling",
      "leases.coordination.k8s.io",
    ]) {
      assert.equal(gr(catalog.resolve(name)), name);
    }
  });
});

describe("StaticResourceCatalog.withResources", () => {
  const ray: ResourceInfo = {
    group: "ray.io",
    version: "v1",
    resource: "rayclusters",
    singular: "",
    kind: "RayCluster",
    namespaced: true,
  };
  const pods = catalog.resolve("pods") as ResourceInfo;
  const extended = catalog.withResources([ray, { ...pods, version: "v2" }]);

  it("adds resources and leaves the original catalog unchanged", () => {
    assert.equal(gr(extended.resolve("rayclusters.ray.io")), "rayclusters.ray.io");
    assert.equal(catalog.resolve("raycluster"), undefined);
  });

  it("falls back to the lowercase kind when discovery gives no singular", () => {
    assert.equal(extended.resolve("raycluster")?.singular, "raycluster");
  });

  it("replaces an entry of the same group-resource in place", () => {
    assert.equal(extended.resolve("pods")?.version, "v2");
    assert.equal(extended.list().filter((r) => r.resource === "pods").length, 1);
    assert.equal(extended.list().length, BUILTIN_RESOURCES.length + 1);
  });

  it("prefers the core group when a bare name is ambiguous", () => {
    const withEvents = catalog.withResources([
      {
        group: "events.k8s.io",
        version: "v1",
        resource: "events",
        singular: "event",
        kind: "Event",
        namespaced: true,
      },
      { group: "", version: "v1", resource: "events", singular: "event", kind: "Event", namespaced: true },
    ]);
    assert.equal(withEvents.resolve("events")?.group, "");
    assert.equal(withEvents.resolve("events.events.k8s.io")?.group, "events.k8s.io");
  });
});
