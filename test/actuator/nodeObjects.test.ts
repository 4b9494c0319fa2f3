import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { KubeConfig, type KubernetesObject, KubernetesObjectApi } from "@kubernetes/client-node";
import {
  bufferReplicas,
  capacityBufferObject,
  type Manifest,
  PLACEHOLDER_LABEL,
  PLACEHOLDER_PRIORITY_CLASS,
  placeholderDeploymentObject,
  placeholderName,
  placeholderPriorityClassObject,
  podTemplateObject,
  provisioningRequestObject,
  scalerLabelValue,
} from "../../src/actuator/nodeObjects.js";
import type { ReservedPodShape } from "../../src/actuator/podShape.js";
import { type KubeFacade, startKubeFacade } from "../../src/demo/kube/server.js";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const SHAPE: ReservedPodShape = {
  requests: { cpu: "4", memory: "16Gi", "nvidia.com/gpu": "1" },
  nodeSelector: { "nvidia.com/gpu.product": "NVIDIA-L4" },
  tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
  affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
};

const REF = { namespace: "ml", scaler: "llm", uid: "0b4c1e2a-1111-2222-3333-444455556666" };

type Spec = Record<string, unknown>;

function podSpecOf(template: unknown): Spec {
  return (template as { spec: Spec }).spec;
}

describe("placeholderName", () => {
  it("is foresight-placeholder-<scaler> when that fits", () => {
    assert.equal(placeholderName("llm"), "foresight-placeholder-llm");
  });

  it("stays a stable DNS label of at most 63 characters, distinct per scaler", () => {
    const long = "a".repeat(80);
    const longer = `${"a".repeat(80)}b`;
    const dotted = "web.v2";
    const names = [long, longer, dotted, "web-v2", "x".repeat(41), "x".repeat(42)].map(placeholderName);
    for (const name of names) {
      assert.ok(name.length <= 63, `${name} is ${name.length} long`);
      assert.match(name, DNS_LABEL);
    }
    assert.equal(placeholderName(long), names[0]);
    assert.equal(new Set(names).size, names.length);
    // 22 + 41 = 63 fits as is; one more character needs the hash.
    assert.equal(names[4], `foresight-placeholder-${"x".repeat(41)}`);
    assert.match(names[5] ?? "", /^foresight-placeholder-x+-[0-9a-f]{8}$/);
  });

  it("keeps label values valid for long scaler names", () => {
    const value = scalerLabelValue(`${"b".repeat(100)}.example`);
    assert.ok(value.length <= 63);
    assert.match(value, LABEL_VALUE);
    assert.equal(scalerLabelValue("llm.v2"), "llm.v2");
  });
});

describe("builders", () => {
  it("label every object and make the scaler its controller when the uid is known", () => {
    const objects = [
      podTemplateObject({ ...REF, shape: SHAPE }),
      capacityBufferObject({ ...REF, podTemplateName: "t", replicas: 2 }),
      placeholderDeploymentObject({ ...REF, shape: SHAPE, replicas: 1, priorityClassName: "p" }),
      provisioningRequestObject({ ...REF, podTemplateName: "t", count: 1, sequence: 3 }),
    ];
    for (const obj of objects) {
      assert.equal(obj.metadata.namespace, "ml");
      assert.deepEqual(obj.metadata.labels, {
        "app.kubernetes.io/managed-by": "foresight",
        "foresight.dev/scaler": "llm",
      });
      assert.deepEqual(obj.metadata.ownerReferences, [
        {
          apiVersion: "foresight.dev/v1alpha1",
          kind: "PredictiveScaler",
          name: "llm",
          uid: REF.uid,
          controller: true,
          blockOwnerDeletion: false,
        },
      ]);
    }
    const unowned = capacityBufferObject({
      namespace: "ml",
      scaler: "llm",
      podTemplateName: "t",
      replicas: 0,
    });
    assert.equal("ownerReferences" in unowned.metadata, false);
  });

  it("build a pause pod with limits equal to requests, the placement and no grace period", () => {
    const pt = podTemplateObject({ ...REF, shape: SHAPE, priorityClassName: "low" });
    assert.equal(pt.metadata.name, "foresight-placeholder-llm");
    const spec = podSpecOf(pt.template);
    const [pause] = spec.containers as Array<{ image: string; resources: Spec }>;
    assert.equal(pause?.image, "registry.k8s.io/pause:3.10");
    assert.deepEqual(pause?.resources, { requests: SHAPE.requests, limits: SHAPE.requests });
    assert.deepEqual(spec.nodeSelector, SHAPE.nodeSelector);
    assert.deepEqual(spec.tolerations, SHAPE.tolerations);
    assert.deepEqual(spec.affinity, SHAPE.affinity);
    assert.equal(spec.terminationGracePeriodSeconds, 0);
    assert.equal(spec.priorityClassName, "low");
    const plain = podSpecOf(podTemplateObject({ ...REF, shape: { requests: { cpu: "1" } } }).template);
    assert.equal("priorityClassName" in plain, false);
    assert.equal("nodeSelector" in plain, false);
  });

  it("select placeholder pods by their label and set the priority class", () => {
    const d = placeholderDeploymentObject({
      ...REF,
      shape: SHAPE,
      replicas: 3,
      priorityClassName: PLACEHOLDER_PRIORITY_CLASS,
    });
    const spec = d.spec as { replicas: number; selector: Spec; template: { metadata: { labels: Spec } } };
    assert.equal(spec.replicas, 3);
    assert.deepEqual(spec.selector, { matchLabels: { [PLACEHOLDER_LABEL]: "llm" } });
    assert.equal(spec.template.metadata.labels[PLACEHOLDER_LABEL], "llm");
    assert.equal(podSpecOf(spec.template).priorityClassName, "foresight-placeholder");
    assert.equal(podSpecOf(spec.template).terminationGracePeriodSeconds, 0);
  });

  it("name ProvisioningRequests by sequence and reject bad counts", () => {
    const pr = provisioningRequestObject({ ...REF, podTemplateName: "t", count: 4, sequence: 7 });
    assert.equal(pr.metadata.name, "foresight-placeholder-llm-7");
    assert.deepEqual(pr.spec, {
      provisioningClassName: "best-effort-atomic-scale-up.autoscaling.x-k8s.io",
      podSets: [{ podTemplateRef: { name: "t" }, count: 4 }],
    });
    assert.throws(() => provisioningRequestObject({ ...REF, podTemplateName: "t", count: 0, sequence: 1 }), {
      message: "count: 0 must be an integer of at least 1",
    });
    assert.throws(() => capacityBufferObject({ ...REF, podTemplateName: "t", replicas: 1.5 }), {
      message: "replicas: 1.5 must be a non-negative integer",
    });
  });
});

describe("bufferReplicas", () => {
  it("is the forecast pods not yet running, never negative", () => {
    assert.equal(bufferReplicas({ forecastPods: 10, currentPods: 4 }), 6);
    assert.equal(bufferReplicas({ forecastPods: 3, currentPods: 5 }), 0);
    assert.equal(bufferReplicas({ forecastPods: 4.2, currentPods: 4 }), 1);
    assert.equal(bufferReplicas({ forecastPods: 0, currentPods: 0 }), 0);
  });

  it("rejects nonsense input", () => {
    assert.throws(() => bufferReplicas({ forecastPods: Number.NaN, currentPods: 1 }), /forecastPods/);
    assert.throws(() => bufferReplicas({ forecastPods: 1, currentPods: -1 }), /currentPods/);
  });
});

describe("built objects against the simulated API", () => {
  let facade: KubeFacade;
  let api: KubernetesObjectApi;
  before(async () => {
    facade = await startKubeFacade();
    facade.store.addNamespace("ml");
    const kc = new KubeConfig();
    kc.loadFromString(facade.kubeconfig());
    api = KubernetesObjectApi.makeApiClient(kc);
  });
  after(() => facade.close());

  /** Creates `obj`, reads it back, and checks that what we sent came back. */
  async function roundTrip(obj: Manifest): Promise<KubernetesObject & Record<string, unknown>> {
    await api.create(obj as KubernetesObject);
    const typed = await api.read({
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      metadata: {
        name: obj.metadata.name,
        ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
      },
    });
    // client-node returns model classes for built-in kinds; compare their JSON.
    const read = JSON.parse(JSON.stringify(typed)) as KubernetesObject & Record<string, unknown>;
    assert.equal(read.kind, obj.kind);
    assert.equal(read.metadata?.name, obj.metadata.name);
    assert.deepEqual(read.metadata?.labels, obj.metadata.labels);
    assert.deepEqual(read.metadata?.ownerReferences, obj.metadata.ownerReferences);
    return read;
  }

  it("accepts the PodTemplate, CapacityBuffer, Deployment, PriorityClass and ProvisioningRequest", async () => {
    const pt = podTemplateObject({ ...REF, shape: SHAPE });
    const readPt = await roundTrip(pt);
    assert.deepEqual(readPt.template, pt.template);

    const cb = capacityBufferObject({ ...REF, podTemplateName: pt.metadata.name, replicas: 3 });
    const readCb = await roundTrip(cb);
    assert.deepEqual(readCb.spec, cb.spec);

    const pc = await roundTrip(placeholderPriorityClassObject());
    assert.equal(pc.value, -10);
    assert.equal(pc.preemptionPolicy, "Never");
    assert.equal(pc.globalDefault, false);

    const d = placeholderDeploymentObject({
      ...REF,
      shape: SHAPE,
      replicas: 2,
      priorityClassName: PLACEHOLDER_PRIORITY_CLASS,
    });
    const readD = await roundTrip(d);
    assert.equal((readD.spec as Spec).replicas, 2);
    assert.deepEqual((readD.spec as Spec).selector, (d.spec as Spec).selector);

    const pr = provisioningRequestObject({
      ...REF,
      podTemplateName: pt.metadata.name,
      count: 2,
      sequence: 1,
    });
    const readPr = await roundTrip(pr);
    assert.deepEqual(readPr.spec, pr.spec);
  });

  it("accepts reserved pods of MIG and AMD shapes, limits equal to requests", async () => {
    for (const [scaler, requests] of [
      ["mig", { cpu: "2", memory: "8Gi", "nvidia.com/mig-1g.10gb": "2" }],
      ["amd", { cpu: "8", "amd.com/gpu": "1", "hugepages-2Mi": "64Mi" }],
    ] as const) {
      const shape: ReservedPodShape = { requests: { ...requests } };
      const ref = { namespace: "ml", scaler };
      const pt = podTemplateObject({ ...ref, shape });
      const readPt = await roundTrip(pt);
      const [pause] = podSpecOf(readPt.template).containers as Array<{ resources: Spec }>;
      assert.deepEqual(pause?.resources, { requests, limits: requests });
      const cb = capacityBufferObject({ ...ref, podTemplateName: pt.metadata.name, replicas: 2 });
      assert.deepEqual((await roundTrip(cb)).spec, cb.spec);
      const d = placeholderDeploymentObject({
        ...ref,
        shape,
        replicas: 1,
        priorityClassName: PLACEHOLDER_PRIORITY_CLASS,
      });
      const readD = await roundTrip(d);
      const [held] = podSpecOf((readD.spec as { template: unknown }).template).containers as Array<{
        resources: Spec;
      }>;
      assert.deepEqual(held?.resources, { requests, limits: requests });
      const pr = provisioningRequestObject({
        ...ref,
        podTemplateName: pt.metadata.name,
        count: 3,
        sequence: 1,
      });
      assert.deepEqual((await roundTrip(pr)).spec, pr.spec);
    }
  });

  it("accepts objects of a scaler whose name needs shortening", async () => {
    const ref = { namespace: "ml", scaler: `${"long".repeat(20)}.v2` };
    const pt = podTemplateObject({ ...ref, shape: { requests: { cpu: "1" } } });
    await roundTrip(pt);
    await roundTrip(
      provisioningRequestObject({ ...ref, podTemplateName: pt.metadata.name, count: 1, sequence: 0 }),
    );
    await roundTrip(
      placeholderDeploymentObject({
        ...ref,
        shape: { requests: { cpu: "1" } },
        replicas: 0,
        priorityClassName: PLACEHOLDER_PRIORITY_CLASS,
      }),
    );
  });

  it("is refused by the simulated API when the spec is invalid (the round trip can fail)", async () => {
    const bad = capacityBufferObject({ ...REF, scaler: "other", podTemplateName: "t", replicas: 1 });
    (bad.spec as Spec).scalableRef = { kind: "Deployment", name: "web" };
    await assert.rejects(() => api.create(bad as KubernetesObject), /422|exactly one of podTemplateRef/);
  });
});
