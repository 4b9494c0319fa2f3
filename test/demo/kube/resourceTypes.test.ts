import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ResourceType } from "../../../src/demo/kube/resourceTypeShape.js";
import {
  BUILTIN_RESOURCE_TYPES,
  CORE_RESOURCE_TYPES,
  ResourceRegistry,
} from "../../../src/demo/kube/resourceTypes.js";

describe("ResourceRegistry", () => {
  const registry = new ResourceRegistry();

  const resolves: [string | { group: string; resource: string }, string][] = [
    ["pods", "/pods"],
    ["pod", "/pods"],
    ["po", "/pods"],
    ["Pod", "/pods"],
    ["deployments.apps", "apps/deployments"],
    ["deploy", "apps/deployments"],
    ["ns", "/namespaces"],
    [{ group: "", resource: "nodes" }, "/nodes"],
  ];
  for (const [ref, expect] of resolves) {
    it(`resolves ${JSON.stringify(ref)}`, () => {
      const t = registry.resolve(ref);
      assert.equal(`${t.group}/${t.resource}`, expect);
    });
  }

  it("names the known resources when a reference is unknown", () => {
    assert.throws(() => registry.resolve("widgets"), /"widgets" is not registered; known: namespaces, pods/);
    assert.throws(() => registry.resolve("pods.apps"), /not registered/);
  });

  it("refuses to register a group/resource or kind twice", () => {
    const again = new ResourceRegistry([]);
    const pods = BUILTIN_RESOURCE_TYPES.find((t) => t.resource === "pods") as ResourceType;
    again.register(pods);
    assert.throws(() => again.register(pods), /already registered/);
    assert.throws(() => again.register({ ...pods, resource: "pods2" }), /kind Pod is already served/);
  });

  it("adds a type at run time (the CRD path) and serves it in its group", () => {
    const extended = new ResourceRegistry(CORE_RESOURCE_TYPES);
    extended.register({
      group: "autoscaling.foresight.dev",
      version: "v1alpha1",
      resource: "predictivescalers",
      kind: "PredictiveScaler",
      namespaced: true,
      singular: "predictivescaler",
      shortNames: ["ps"],
      categories: [],
      verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
      subresources: ["status"],
      deleteReturnsObject: false,
      nameFormat: "subdomain",
      generationFrom: ["spec"],
      fieldLabels: {},
    });
    assert.deepEqual(
      extended.groups().map((g) => `${g.name}/${g.versions.join(",")}`),
      ["apps/v1", "autoscaling.foresight.dev/v1alpha1"],
    );
    assert.equal(extended.resolve("ps").kind, "PredictiveScaler");
    assert.equal(extended.lookup("autoscaling.foresight.dev", "v1", "predictivescalers"), undefined);
  });
});
