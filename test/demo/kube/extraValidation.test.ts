import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ObjectInput } from "../../../src/demo/kube/objects.js";
import { KubeApiError } from "../../../src/demo/kube/status.js";
import { ObjectStore } from "../../../src/demo/kube/store.js";

const hpa = (spec: Record<string, unknown>): ObjectInput => ({
  metadata: { name: "web", namespace: "default" },
  spec: {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
    maxReplicas: 5,
    ...spec,
  },
});
const event = (extra: Record<string, unknown> = {}): ObjectInput => ({
  metadata: { name: "e1", namespace: "default" },
  eventTime: "2026-01-01T00:00:00.000000Z",
  reportingController: "foresight.dev/actuator",
  reportingInstance: "actuator-0",
  action: "Scale",
  reason: "PreScaled",
  type: "Normal",
  regarding: { kind: "Deployment", name: "web", namespace: "default" },
  note: "scaled ahead of the forecast peak",
  ...extra,
});
const podTemplate = { template: { spec: { containers: [{ name: "c", image: "pause" }] } } };

/** [what, resource, object, fields expected in the 422 causes ([] = accepted)]. */
const cases: [string, string, ObjectInput, string[]][] = [
  ["HPA with max ≥ min", "hpa", hpa({ minReplicas: 2 }), []],
  ["HPA with maxReplicas < minReplicas", "hpa", hpa({ minReplicas: 6 }), ["spec.maxReplicas"]],
  ["HPA with minReplicas 0", "hpa", hpa({ minReplicas: 0 }), ["spec.minReplicas"]],
  ["HPA without maxReplicas", "hpa", hpa({ maxReplicas: undefined }), ["spec.maxReplicas"]],
  [
    "HPA without a target name",
    "hpa",
    hpa({ scaleTargetRef: { kind: "Deployment" } }),
    ["spec.scaleTargetRef.name"],
  ],
  ["HPA with an unknown metric type", "hpa", hpa({ metrics: [{ type: "Magic" }] }), ["spec.metrics[0].type"]],
  [
    "HPA metric without its source",
    "hpa",
    hpa({ metrics: [{ type: "External" }] }),
    ["spec.metrics[0].external"],
  ],
  [
    "HPA with a bad scale-up policy and window",
    "hpa",
    hpa({
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 4000,
          policies: [{ type: "Pods", value: 0, periodSeconds: 15 }],
        },
      },
    }),
    ["spec.behavior.scaleUp.stabilizationWindowSeconds", "spec.behavior.scaleUp.policies[0].value"],
  ],
  ["Lease without spec", "leases", { metadata: { name: "l", namespace: "default" } }, []],
  [
    "Lease with a zero duration",
    "leases",
    { metadata: { name: "l", namespace: "default" }, spec: { leaseDurationSeconds: 0 } },
    ["spec.leaseDurationSeconds"],
  ],
  ["complete Event", "events.events.k8s.io", event(), []],
  [
    "Event without action and with a bad type",
    "events.events.k8s.io",
    event({ action: undefined, type: "Info" }),
    ["action", "type"],
  ],
  ["ConfigMap", "cm", { metadata: { name: "c", namespace: "default" }, data: { "a.yaml": "x" } }, []],
  [
    "ConfigMap with a bad key",
    "cm",
    { metadata: { name: "c", namespace: "default" }, data: { "a/b": "x" } },
    ["data[a/b]"],
  ],
  ["PodTemplate", "podtemplates", { metadata: { name: "t", namespace: "default" }, ...podTemplate }, []],
  [
    "PodTemplate without containers",
    "podtemplates",
    { metadata: { name: "t", namespace: "default" } },
    ["template.spec.containers"],
  ],
  ["PriorityClass", "pc", { metadata: { name: "overprovisioning" }, value: -10 }, []],
  ["PriorityClass above 1e9", "pc", { metadata: { name: "huge" }, value: 2_000_000_000 }, ["value"]],
  ["PriorityClass without value", "pc", { metadata: { name: "none" } }, ["value"]],
  ["system- PriorityClass", "pc", { metadata: { name: "system-mine" }, value: 1 }, ["metadata.name"]],
  [
    "CapacityBuffer on a deployment",
    "cb",
    {
      metadata: { name: "b", namespace: "default" },
      spec: { scalableRef: { apiGroup: "apps", kind: "Deployment", name: "web" }, percentage: 20 },
    },
    [],
  ],
  [
    "CapacityBuffer with both refs",
    "cb",
    {
      metadata: { name: "b", namespace: "default" },
      spec: { podTemplateRef: { name: "t" }, scalableRef: { kind: "Deployment", name: "web" } },
    },
    ["spec"],
  ],
  [
    "CapacityBuffer with neither ref",
    "cb",
    { metadata: { name: "b", namespace: "default" }, spec: { replicas: 2 } },
    ["spec"],
  ],
  [
    "ProvisioningRequest",
    "provreq",
    {
      metadata: { name: "p", namespace: "default" },
      spec: {
        provisioningClassName: "check-capacity.autoscaling.x-k8s.io",
        podSets: [{ podTemplateRef: { name: "t" }, count: 4 }],
      },
    },
    [],
  ],
  [
    "ProvisioningRequest with count 0 and no class",
    "provreq",
    {
      metadata: { name: "p", namespace: "default" },
      spec: { podSets: [{ podTemplateRef: { name: "t" }, count: 0 }] },
    },
    ["spec.provisioningClassName", "spec.podSets[0].count"],
  ],
  [
    "ProvisioningRequest without pod sets",
    "provreq",
    { metadata: { name: "p", namespace: "default" }, spec: { provisioningClassName: "x", podSets: [] } },
    ["spec.podSets"],
  ],
  [
    "Deployment with negative replicas",
    "deploy",
    { metadata: { name: "d", namespace: "default" }, spec: { replicas: -2 } },
    ["spec.replicas"],
  ],
];

function causesOf(store: ObjectStore, resource: string, obj: ObjectInput): string[] {
  try {
    store.create(resource, obj);
    return [];
  } catch (error) {
    if (!(error instanceof KubeApiError)) throw error;
    assert.equal(error.status.code, 422, error.status.message);
    return (error.status.details?.causes ?? []).map((c) => c.field ?? "");
  }
}

describe("validation of the autoscaling-related types (422 Invalid)", () => {
  for (const [what, resource, obj, fields] of cases) {
    it(`${what}: ${fields.length === 0 ? "accepted" : fields.join(", ")}`, () => {
      assert.deepEqual(causesOf(new ObjectStore(), resource, obj), fields);
    });
  }

  it("a ProvisioningRequest's spec is immutable, its status is not", () => {
    const store = new ObjectStore();
    store.create("provreq", cases.find(([w]) => w === "ProvisioningRequest")?.[2] as ObjectInput);
    assert.throws(
      () =>
        store.patch("provreq", "p", "default", {
          spec: { podSets: [{ podTemplateRef: { name: "t" }, count: 5 }] },
        }),
      (e: KubeApiError) => e.status.code === 422 && /immutable/.test(e.status.message ?? ""),
    );
    const updated = store.patch("provreq", "p", "default", {
      status: { conditions: [{ type: "Provisioned", status: "True", reason: "CapacityIsFound" }] },
    });
    assert.equal((updated.status as { conditions: unknown[] }).conditions.length, 1);
  });

  it("a PriorityClass's value is immutable", () => {
    const store = new ObjectStore();
    store.create("pc", { metadata: { name: "low" }, value: -10 });
    assert.throws(
      () => store.patch("pc", "low", undefined, { value: 5 }),
      (e: KubeApiError) => e.status.code === 422,
    );
    assert.equal(
      store.patch("pc", "low", undefined, { description: "placeholders" }).description,
      "placeholders",
    );
  });
});

describe("defaults of the autoscaling-related types", () => {
  it("an HPA gets minReplicas 1 and CPU at 80%, and behavior gets the default rules", () => {
    const store = new ObjectStore();
    const created = store.create("hpa", hpa({ behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } }));
    const spec = created.spec as Record<string, unknown>;
    assert.equal(spec.minReplicas, 1);
    assert.deepEqual(spec.metrics, [
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
      },
    ]);
    assert.deepEqual(spec.behavior, {
      scaleDown: {
        stabilizationWindowSeconds: 60,
        selectPolicy: "Max",
        policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
      },
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: "Max",
        policies: [
          { type: "Pods", value: 4, periodSeconds: 15 },
          { type: "Percent", value: 100, periodSeconds: 15 },
        ],
      },
    });
    assert.equal(created.metadata.generation, 1);
  });

  it("PriorityClasses are cluster-scoped with PreemptLowerPriority; CapacityBuffers get active-capacity", () => {
    const store = new ObjectStore();
    const pc = store.create("priorityclasses.scheduling.k8s.io", {
      metadata: { name: "overprovisioning", namespace: "ignored" },
      value: -10,
    });
    assert.equal(pc.metadata.namespace, undefined);
    assert.equal(pc.preemptionPolicy, "PreemptLowerPriority");
    assert.equal(pc.globalDefault, false);
    assert.equal(store.get("pc", "overprovisioning").apiVersion, "scheduling.k8s.io/v1");
    const cb = store.create("capacitybuffers", {
      metadata: { name: "b", namespace: "default" },
      spec: { podTemplateRef: { name: "t" }, replicas: 2 },
    });
    assert.equal(cb.apiVersion, "autoscaling.x-k8s.io/v1beta1");
    assert.equal(
      (cb.spec as Record<string, unknown>).provisioningStrategy,
      "buffer.x-k8s.io/active-capacity",
    );
  });

  it("a stale resourceVersion on a Lease update is 409 Conflict", () => {
    const store = new ObjectStore();
    const lease = store.create("leases", {
      metadata: { name: "leader", namespace: "default" },
      spec: { holderIdentity: "a", leaseDurationSeconds: 15 },
    });
    store.update("leases", { ...lease, spec: { holderIdentity: "b", leaseDurationSeconds: 15 } });
    assert.throws(
      () => store.update("leases", { ...lease, spec: { holderIdentity: "c" } }),
      (e: KubeApiError) => e.status.code === 409 && e.status.reason === "Conflict",
    );
    assert.equal(
      (store.get("leases", "leader", "default").spec as { holderIdentity: string }).holderIdentity,
      "b",
    );
  });
});
