import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isExtendedResource, reservedPodShape } from "../../src/actuator/podShape.js";

function container(requests?: Record<string, unknown>, limits?: Record<string, unknown>, extra = {}) {
  return {
    name: "c",
    image: "img",
    resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) },
    ...extra,
  };
}

function template(spec: Record<string, unknown>) {
  return { metadata: { labels: { app: "web" } }, spec };
}

describe("reservedPodShape requests", () => {
  it("sums the containers' requests per resource, exactly", () => {
    const shape = reservedPodShape(
      template({
        containers: [
          container({ cpu: "250m", memory: "512Mi" }),
          container({ cpu: "1.5", memory: "1Gi" }),
          container({ cpu: 0.1 }),
        ],
      }),
      undefined,
    );
    assert.deepEqual(shape.requests, { cpu: "1850m", memory: "1536Mi" });
  });

  it("falls back to a container's limit when its request is missing (GPU)", () => {
    const shape = reservedPodShape(
      template({
        containers: [
          container({ cpu: "2" }, { cpu: "4", memory: "8Gi", "nvidia.com/gpu": "1" }),
          container(undefined, { "nvidia.com/gpu": 2, memory: "1G" }),
        ],
      }),
      undefined,
    );
    assert.deepEqual(shape.requests, { cpu: "2", memory: "9589934592", "nvidia.com/gpu": "3" });
  });

  it("takes the largest init container when it beats the containers' sum", () => {
    const shape = reservedPodShape(
      template({
        initContainers: [container({ cpu: "3", memory: "100Mi" }), container({ cpu: "500m", memory: "2Gi" })],
        containers: [container({ cpu: "1", memory: "1Gi" }), container({ cpu: "1", memory: "256Mi" })],
      }),
      undefined,
    );
    // cpu: max(1+1, 3, 0.5) = 3; memory: max(1Gi+256Mi, 100Mi, 2Gi) = 2Gi.
    assert.deepEqual(shape.requests, { cpu: "3", memory: "2Gi" });
  });

  it("adds sidecar (restartable) init containers to the sum and to later init containers", () => {
    const shape = reservedPodShape(
      template({
        initContainers: [
          container({ cpu: "200m" }, undefined, { restartPolicy: "Always" }),
          container({ cpu: "2" }),
        ],
        containers: [container({ cpu: "1" })],
      }),
      undefined,
    );
    // steady: 1 + 0.2 = 1.2; the regular init container runs beside the sidecar: 2 + 0.2 = 2.2.
    assert.deepEqual(shape.requests, { cpu: "2200m" });
  });

  it("adds the pod overhead", () => {
    const shape = reservedPodShape(
      template({
        containers: [container({ cpu: "1", memory: "1Gi" })],
        overhead: { cpu: "250m", memory: "120Mi" },
      }),
      undefined,
    );
    assert.deepEqual(shape.requests, { cpu: "1250m", memory: "1144Mi" });
  });

  it("reports only resources set somewhere, and nothing for a missing template", () => {
    assert.deepEqual(reservedPodShape(template({ containers: [container({ memory: "64Mi" })] }), undefined), {
      requests: { memory: "64Mi" },
    });
    assert.deepEqual(reservedPodShape(undefined, undefined), { requests: {} });
  });

  it("lets each override win per resource", () => {
    const shape = reservedPodShape(
      template({ containers: [container({ cpu: "1", memory: "1Gi" }, { "nvidia.com/gpu": "1" })] }),
      { cpu: 4, "nvidia.com/gpu": "2", memory: "0.5Gi" },
    );
    assert.deepEqual(shape.requests, { cpu: "4", memory: "512Mi", "nvidia.com/gpu": "2" });
    assert.deepEqual(reservedPodShape(undefined, { cpu: "1500m" }).requests, { cpu: "1500m" });
  });

  it("names the malformed field in its error", () => {
    assert.throws(
      () =>
        reservedPodShape(
          template({ containers: [container({ cpu: "1" }), container({ cpu: "abc" })] }),
          undefined,
        ),
      { message: 'spec.template.spec.containers[1].resources.requests.cpu: "abc" is not a quantity' },
    );
    assert.throws(
      () =>
        reservedPodShape(template({ initContainers: [container(undefined, { memory: "1Qi" })] }), undefined),
      { message: 'spec.template.spec.initContainers[0].resources.limits.memory: "1Qi" is not a quantity' },
    );
    assert.throws(() => reservedPodShape(template({ overhead: { cpu: true } }), undefined), {
      message: "spec.template.spec.overhead.cpu: true is not a quantity",
    });
    assert.throws(() => reservedPodShape(undefined, { memory: "lots" }), {
      message: 'spec.nodes.podShape.memory: "lots" is not a quantity',
    });
    assert.throws(() => reservedPodShape(template({ containers: [container({ cpu: "-1" })] }), undefined), {
      message: 'spec.template.spec.containers[0].resources.requests.cpu: "-1" must not be negative',
    });
    assert.throws(() => reservedPodShape(template({ containers: {} }), undefined), {
      message: "spec.template.spec.containers: must be a list",
    });
  });
});

describe("reservedPodShape extended resources", () => {
  it("reserves MIG slices exactly as the template asks, summed over containers", () => {
    const shape = reservedPodShape(
      template({
        containers: [
          container(
            { cpu: "2", memory: "8Gi", "nvidia.com/mig-1g.10gb": "1" },
            { "nvidia.com/mig-1g.10gb": "1" },
          ),
          container(undefined, { "nvidia.com/mig-1g.10gb": 1, "nvidia.com/mig-3g.40gb": "1" }),
        ],
      }),
      undefined,
    );
    assert.deepEqual(shape.requests, {
      cpu: "2",
      memory: "8Gi",
      "nvidia.com/mig-1g.10gb": "2",
      "nvidia.com/mig-3g.40gb": "1",
    });
    // cpu and memory lead, the others follow by name.
    assert.deepEqual(Object.keys(shape.requests), [
      "cpu",
      "memory",
      "nvidia.com/mig-1g.10gb",
      "nvidia.com/mig-3g.40gb",
    ]);
  });

  it("reserves AMD, Intel and Habana devices, native resources and the pod overhead of any of them", () => {
    const shape = reservedPodShape(
      template({
        initContainers: [container(undefined, { "amd.com/gpu": "2" })],
        containers: [
          container(
            { cpu: "500m", "ephemeral-storage": "1Gi" },
            { "amd.com/gpu": "1", "hugepages-2Mi": "64Mi" },
          ),
          container(undefined, { "gpu.intel.com/i915": "1", "habana.ai/gaudi": "8" }),
        ],
        overhead: { "example.com/fpga": "1" },
      }),
      undefined,
    );
    // amd.com/gpu: max(containers 1, init 2) = 2.
    assert.deepEqual(shape.requests, {
      cpu: "500m",
      "amd.com/gpu": "2",
      "ephemeral-storage": "1Gi",
      "example.com/fpga": "1",
      "gpu.intel.com/i915": "1",
      "habana.ai/gaudi": "8",
      "hugepages-2Mi": "64Mi",
    });
  });

  it("lets spec.nodes.podShape.resources override any resource, and refuses one set twice", () => {
    const shape = reservedPodShape(template({ containers: [container(undefined, { "amd.com/gpu": "1" })] }), {
      resources: { "amd.com/gpu": 2, "nvidia.com/mig-2g.20gb": "1" },
      cpu: "3",
    });
    assert.deepEqual(shape.requests, { cpu: "3", "amd.com/gpu": "2", "nvidia.com/mig-2g.20gb": "1" });
    assert.throws(() => reservedPodShape(undefined, { cpu: "1", resources: { cpu: "2" } }), {
      message: "spec.nodes.podShape.cpu: also set in spec.nodes.podShape.resources; set one",
    });
  });

  it("refuses what Kubernetes refuses of extended resources, naming the field", () => {
    assert.throws(
      () =>
        reservedPodShape(
          template({ containers: [container({ "amd.com/gpu": "1" }, { "amd.com/gpu": "2" })] }),
          undefined,
        ),
      /^Error: spec\.template\.spec\.containers\[0\]\.resources\.requests\.amd\.com\/gpu: must equal limits\.amd\.com\/gpu/,
    );
    assert.throws(
      () =>
        reservedPodShape(
          template({ containers: [container(undefined, { "nvidia.com/mig-1g.10gb": "500m" })] }),
          undefined,
        ),
      {
        message:
          'spec.template.spec.containers[0].resources.limits.nvidia.com/mig-1g.10gb: "500m" must be a whole number (nvidia.com/mig-1g.10gb is an extended resource)',
      },
    );
    assert.throws(() => reservedPodShape(undefined, { resources: { "habana.ai/gaudi": 1.5 } }), {
      message:
        "spec.nodes.podShape.resources.habana.ai/gaudi: 1.5 must be a whole number (habana.ai/gaudi is an extended resource)",
    });
    // Native resources may be fractional, and an unequal cpu request and limit is fine.
    assert.deepEqual(
      reservedPodShape(
        template({ containers: [container({ cpu: "1" }, { cpu: "2", "example.com/x": "1k" })] }),
        undefined,
      ).requests,
      { cpu: "1", "example.com/x": "1k" },
    );
  });

  it("tells extended resources from native ones", () => {
    assert.equal(isExtendedResource("amd.com/gpu"), true);
    assert.equal(isExtendedResource("nvidia.com/mig-1g.10gb"), true);
    assert.equal(isExtendedResource("cpu"), false);
    assert.equal(isExtendedResource("hugepages-1Gi"), false);
    assert.equal(isExtendedResource("kubernetes.io/something"), false);
    assert.equal(isExtendedResource("requests.kubernetes.io/x"), false);
  });
});

describe("reservedPodShape placement", () => {
  const placed = template({
    containers: [container({ cpu: "1" })],
    nodeSelector: { pool: "gpu" },
    tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } },
  });

  it("copies nodeSelector, tolerations and affinity from the template", () => {
    const shape = reservedPodShape(placed, undefined);
    assert.deepEqual(shape.nodeSelector, { pool: "gpu" });
    assert.deepEqual(shape.tolerations, [
      { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
    ]);
    assert.deepEqual(shape.affinity, placed.spec.affinity);
    // Copies, not aliases of the template.
    assert.notEqual(shape.nodeSelector, placed.spec.nodeSelector);
    assert.notEqual(shape.affinity, placed.spec.affinity);
  });

  it("lets overrides replace nodeSelector and tolerations whole", () => {
    const shape = reservedPodShape(placed, {
      nodeSelector: { "nvidia.com/gpu.product": "NVIDIA-L4" },
      tolerations: [],
    });
    assert.deepEqual(shape.nodeSelector, { "nvidia.com/gpu.product": "NVIDIA-L4" });
    assert.deepEqual(shape.tolerations, []);
    assert.deepEqual(shape.affinity, placed.spec.affinity);
  });

  it("omits placement the template does not set", () => {
    const shape = reservedPodShape(template({ containers: [container({ cpu: "1" })] }), undefined);
    assert.deepEqual(Object.keys(shape), ["requests"]);
  });
});
