import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NamingError } from "../../../src/adapter/naming/errors.js";
import { ResourceConverter } from "../../../src/adapter/naming/resourceConverter.js";
import { groupResourceString, type ResourceInfo } from "../../../src/k8s/groupResource.js";
import { StaticResourceCatalog } from "../../../src/k8s/resourceCatalog.js";
import { withinDeadline } from "../../harness/deadline.js";

const catalog = new StaticResourceCatalog();
const ref = { id: "rules[0]", seriesQuery: "DCGM_FI_DEV_GPU_UTIL" };
const res = (name: string) => catalog.resolve(name) as ResourceInfo;
const gr = (info: ResourceInfo | undefined) => (info === undefined ? undefined : groupResourceString(info));

function converter(overrides: Record<string, { group?: string; resource: string }>, template?: string) {
  const normalized = Object.fromEntries(
    Object.entries(overrides).map(([label, o]) => [label, { group: o.group ?? "", resource: o.resource }]),
  );
  return ResourceConverter.compile({ overrides: normalized, template }, catalog, ref);
}

describe("ResourceConverter overrides", () => {
  // DCGM scraped with honorLabels: false: the workload's labels are exported_*, the exporter's are plain.
  const { converter: dcgm, unknownOverrides } = converter({
    exported_namespace: { resource: "namespace" },
    exported_pod: { resource: "pod" },
  });

  it("resolves singular override resources through the catalog", () => {
    assert.deepEqual(unknownOverrides, []);
    assert.equal(gr(dcgm.resourceFor("exported_pod")), "pods");
    assert.equal(gr(dcgm.resourceFor("exported_namespace")), "namespaces");
  });

  it("maps resources back to the override labels", () => {
    assert.equal(dcgm.labelFor(res("pods")), "exported_pod");
    assert.equal(dcgm.labelFor(res("namespaces")), "exported_namespace");
    assert.equal(dcgm.labelFor(res("nodes")), undefined);
  });

  it("does not treat the exporter's own namespace/pod labels as resources", () => {
    assert.equal(dcgm.resourceFor("pod"), undefined);
    const found = dcgm.resourcesFor([
      "__name__",
      "namespace",
      "pod",
      "exported_namespace",
      "exported_pod",
      "gpu",
      "UUID",
    ]);
    assert.deepEqual(found.map(gr), ["namespaces", "pods"]);
  });

  it("accepts plural, group-qualified and grouped overrides", () => {
    const { converter: c } = converter({
      deploy: { group: "apps", resource: "deployment" },
      sts: { resource: "statefulsets.apps" },
      ns: { resource: "namespaces" },
    });
    assert.equal(gr(c.resourceFor("deploy")), "deployments.apps");
    assert.equal(gr(c.resourceFor("sts")), "statefulsets.apps");
    assert.equal(c.labelFor(res("namespaces")), "ns");
  });

  it("reports unknown override resources instead of failing", () => {
    const { converter: c, unknownOverrides: unknown } = converter({
      cluster: { group: "ray.io", resource: "raycluster" },
      pod: { resource: "pod" },
    });
    assert.deepEqual(unknown, [{ label: "cluster", resource: "raycluster.ray.io" }]);
    assert.equal(c.resourceFor("cluster"), undefined);
    assert.equal(c.labelFor(res("pods")), "pod");
  });

  it("uses the first override in config order when two labels map to one resource", () => {
    const { converter: c } = converter({ exported_pod: { resource: "pod" }, pod: { resource: "pod" } });
    assert.equal(c.labelFor(res("pods")), "exported_pod");
    assert.deepEqual(c.resourcesFor(["pod", "exported_pod"]).map(gr), ["pods"]);
  });
});

describe("ResourceConverter templates", () => {
  const forward: Array<[string, string, string | undefined]> = [
    ["<<.Resource>>", "pods", "pod"],
    ["<<.Resource>>", "deployments.apps", "deployment"],
    ["kube_<<.Group>>_<<.Resource>>", "deployments.apps", "kube_apps_deployment"],
    ["kube_<<.Group>>_<<.Resource>>", "ingresses.networking.k8s.io", "kube_networking_k8s_io_ingress"],
    ["kube_<<.Group>>_<<.Resource>>", "pods", "kube__pod"],
    ["k8s.<<.Resource>>", "nodes", "k8s.node"],
    ["<<if .Group>><<.Group>>_<<end>><<.Resource>>", "pods", "pod"],
  ];
  for (const [template, resource, want] of forward) {
    it(`${template}: ${resource} → ${want}`, () => {
      assert.equal(converter({}, template).converter.labelFor(res(resource)), want);
    });
  }

  const reverse: Array<[string, string, string | undefined]> = [
    ["<<.Resource>>", "pod", "pods"],
    ["<<.Resource>>", "pods", "pods"],
    ["<<.Resource>>", "namespace", "namespaces"],
    ["<<.Resource>>", "deployment", "deployments.apps"],
    ["<<.Resource>>", "instance", undefined],
    ["<<.Resource>>", "__name__", undefined],
    ["kube_<<.Group>>_<<.Resource>>", "kube_apps_deployment", "deployments.apps"],
    ["kube_<<.Group>>_<<.Resource>>", "kube_networking_k8s_io_ingress", "ingresses.networking.k8s.io"],
    ["kube_<<.Group>>_<<.Resource>>", "kube__pod", "pods"],
    ["kube_<<.Group>>_<<.Resource>>", "kube_batch_deployment", undefined],
    ["kube_<<.Group>>_<<.Resource>>", "pod", undefined],
    // Literal template text is matched literally: the `.` is not "any character".
    ["k8s.<<.Resource>>", "k8s.node", "nodes"],
    ["k8s.<<.Resource>>", "k8sXnode", undefined],
  ];
  for (const [template, label, want] of reverse) {
    it(`${template}: label ${label} → ${want}`, () => {
      assert.equal(gr(converter({}, template).converter.resourceFor(label)), want);
    });
  }

  it("round-trips every built-in resource through kube_<<.Group>>_<<.Resource>>", () => {
    const { converter: c } = converter({}, "kube_<<.Group>>_<<.Resource>>");
    for (const info of catalog.list()) {
      assert.equal(gr(c.resourceFor(c.labelFor(info) as string)), gr(info));
    }
  });

  it("prefers overrides over the template, both ways", () => {
    const { converter: c } = converter({ exported_pod: { resource: "pod" } }, "<<.Resource>>");
    assert.equal(c.labelFor(res("pods")), "exported_pod");
    assert.equal(c.labelFor(res("nodes")), "node");
    assert.deepEqual(c.resourcesFor(["exported_pod", "pod", "node", "job", "instance"]).map(gr), [
      "pods",
      "nodes",
      "jobs.batch",
    ]);
  });

  it("requires a placeholder used twice to name the same thing twice", () => {
    const { converter: c } = converter({}, "<<.Resource>>_<<.Resource>>");
    assert.equal(c.labelFor(res("pods")), "pod_pod");
    assert.equal(gr(c.resourceFor("pod_pod")), "pods");
    assert.equal(c.resourceFor("pod_node"), undefined);
    const { converter: g } = converter({}, "<<.Group>>_<<.Resource>>_<<.Group>>");
    assert.equal(gr(g.resourceFor("apps_deployment_apps")), "deployments.apps");
    assert.equal(g.resourceFor("apps_deployment_batch"), undefined);
  });

  // Label names come from whatever Prometheus scraped; a backtracking engine takes O(n³) steps here.
  it("maps long labels in linear time", { timeout: 10_000 }, () => {
    const { converter: c } = converter({}, "<<.Group>><<.Resource>><<.Group>><<.Resource>>x");
    const { converter: k } = converter({}, "kube_<<.Group>>_<<.Resource>>");
    withinDeadline(5_000, () => {
      assert.equal(c.resourceFor("a".repeat(10_000)), undefined);
      assert.equal(k.resourceFor(`kube_${"_".repeat(10_000)}`), undefined);
      assert.equal(gr(k.resourceFor("kube_apps_deployment")), "deployments.apps");
    });
  });

  const bad: Array<[string, RegExp]> = [
    ["<<.Resource", /not a valid template/],
    ["<<.Group>>_only", /must contain <<\.Resource>>/],
    ["<<.Kind>>", /can't evaluate field Kind/],
  ];
  for (const [template, message] of bad) {
    it(`rejects template ${template}`, () => {
      assert.throws(
        () => converter({}, template),
        (err: unknown) =>
          err instanceof NamingError &&
          err.code === "template" &&
          err.path === "rules[0].resources.template" &&
          message.test(err.message) &&
          err.message.startsWith('rules[0] (seriesQuery "DCGM_FI_DEV_GPU_UTIL")'),
      );
    });
  }
});
