import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { syncHpa } from "../../../src/replay/hpa/controller.js";
import { averageValueReplicas, MAX_INT32 } from "../../../src/replay/hpa/replicaCalculator.js";
import {
  initialHpaState,
  type MetricReading,
  type MetricSpec,
  type SimContainer,
  type SimPod,
  type SyncInput,
  type SyncResult,
} from "../../../src/replay/hpa/types.js";

// Cases of kube-controller-manager's own tests (pkg/controller/podautoscaler/replica_calculator_test.go
// and horizontal_test.go), worked by hand through the emulation. Values are milli-units. The
// controller's test pods are "test-pod-<i>" with two containers, container1 and container2, each
// requesting the fixture's CPU; a pod's resource usage is the sum over its containers, and a
// ContainerResource metric reads one container's.
const T0 = 1_000_000_000;
const LONG_AGO = T0 - 3_600_000;
/** math.MaxInt64 as the double a milli-value becomes (2^63). */
const MAX_INT64 = 2 ** 63;

function testPod(i: number, extra: Partial<SimPod> = {}, cpuPerContainer = 1000): SimPod {
  const container = (name: string): SimContainer => ({ name, requests: { cpu: cpuPerContainer } });
  return {
    name: `test-pod-${i}`,
    phase: "Running",
    ready: true,
    startTimeMs: LONG_AGO,
    readyTransitionTimeMs: LONG_AGO,
    containers: [container("container1"), container("container2")],
    ...extra,
  };
}
const testPods = (n: number): SimPod[] => Array.from({ length: n }, (_, i) => testPod(i));

/** Per-pod values for test-pod-0, -1, …; fewer values than pods leaves the rest missing. */
function levels(values: number[], timestampMs = T0): MetricReading {
  return { values: Object.fromEntries(values.map((v, i) => [`test-pod-${i}`, v])), timestampMs };
}

const cpuUtilization = (pct: number): MetricSpec => ({
  type: "Resource",
  resource: { name: "cpu", target: { type: "Utilization", averageUtilization: pct } },
});
const containerCpuUtilization = (pct: number, container = "container2"): MetricSpec => ({
  type: "ContainerResource",
  containerResource: { name: "cpu", container, target: { type: "Utilization", averageUtilization: pct } },
});
const qps = (target: number): MetricSpec => ({
  type: "Pods",
  pods: { metricName: "qps", target: { type: "AverageValue", averageValue: target } },
});

function run(
  metric: MetricSpec,
  reading: MetricReading,
  pods: SimPod[],
  over: Partial<SyncInput> = {},
): SyncResult {
  const current = over.scale?.specReplicas ?? pods.length;
  return syncHpa({
    nowMs: T0,
    spec: { maxReplicas: MAX_INT32, metrics: [metric] },
    state: { ...initialHpaState(), recommendations: [] },
    scale: { specReplicas: current, statusReplicas: current, selector: "name=test-pod" },
    pods,
    readings: [reading],
    // The controller's tests run with a 2-minute CPU initialization period and a 10 s readiness delay.
    config: { cpuInitializationPeriodSeconds: 120, initialReadinessDelaySeconds: 10 },
    ...over,
  });
}

function proposal(r: SyncResult): { replicas?: number; current?: number; error?: string } {
  const p = r.proposals[0];
  assert.ok(p, "one proposal per metric");
  return p;
}

describe("controller cases: missing metrics at a usage ratio of exactly 1", () => {
  // TestReplicaCalcResourceMissingMetrics "no change: metric equal to target": 2 pods each requesting
  // 2 × 1000m = 2000m; only test-pod-0 reports, 1000 + 1000 = 2000. Utilization
  // trunc(2000·100 / 2000) = 100 against a target of 100: ratio exactly 1. The controller fills
  // missing pods only when the ratio is below 1 (at 100 %) or above it (at 0), so test-pod-1 stays out,
  // the ratio stays 1, within tolerance: keep 2. (Counting it as idle gave util 50, ratio 0.5 → 1.)
  it("Resource Utilization keeps the count", () => {
    const r = run(cpuUtilization(100), levels([2000]), testPods(2));
    assert.deepEqual([proposal(r).replicas, proposal(r).current], [2, 100]);
    assert.equal(r.desiredReplicas, 2);
    assert.equal(r.rescale, false);
  });

  // TestReplicaCalcPodMetric "no change: missing metrics": 5 pods, qps of three of them 20000, 19000,
  // 21000 → average trunc(60000 / 3) = 20000 against 20000: ratio exactly 1 with two pods missing →
  // keep 5, usage 20000. (Counting them as idle gave 60000 / 5 = 12000, ratio 0.6 → ceil(3) = 3.)
  it("Pods AverageValue keeps the count", () => {
    const r = run(qps(20000), levels([20000, 19000, 21000]), testPods(5));
    assert.deepEqual([proposal(r).replicas, proposal(r).current], [5, 20000]);
  });

  // "some pods missing metrics scales down": 4 pods requesting 2000m; test-pod-0 uses 2 × 400 = 800
  // and test-pod-1 2 × 95 = 190. Utilization trunc(990·100 / 4000) = 24, ratio 0.24 < 1, so the two
  // missing pods count at max(100, target) = 100 % of 2000m: trunc((990 + 4000)·100 / 8000) = 62,
  // ratio 0.62 → ceil(0.62 · 4) = ceil(2.48) = 3.
  it("below 1 the missing pods still count at their request", () => {
    const r = run(cpuUtilization(100), levels([800, 190]), testPods(4));
    assert.deepEqual([proposal(r).replicas, proposal(r).current], [3, 24]);
  });
});

describe("controller cases: ContainerResource metrics", () => {
  // TestReplicaCalcResourceScale "scale up: container metric": container2 of three pods uses 300, 500,
  // 700 of its 1000m request (container1's 1000 is not read). Utilization trunc(1500·100 / 3000) = 50
  // against 30: ratio 5/3 → ceil(5/3 · 3) = 5.
  it("scale up: the named container's usage over its own request", () => {
    const r = run(containerCpuUtilization(30), levels([300, 500, 700]), testPods(3));
    assert.deepEqual([proposal(r).replicas, proposal(r).current], [5, 50]);
    assert.equal(
      r.conditions.find((c) => c.type === "ScalingActive")?.message,
      "the HPA was able to successfully calculate a replica count from cpu container resource utilization (percentage of request)",
    );
  });

  // "scale down: container metric": container2 uses 100, 300, 500, 250, 250 of 1000m each:
  // trunc(1400·100 / 5000) = 28 against 50: ratio 0.56 → ceil(0.56 · 5) = ceil(2.8) = 3.
  it("scale down", () => {
    const r = run(containerCpuUtilization(50), levels([100, 300, 500, 250, 250]), testPods(5));
    assert.deepEqual([proposal(r).replicas, proposal(r).current], [3, 28]);
  });

  // "scale up: hot-CPU container scales less": test-pod-0 started now and became ready now, so its
  // sample (taken now, 60 s window) does not cover a full window since: unready for CPU. Ready pods:
  // trunc((500 + 700)·100 / 2000) = 60 against 30, ratio 2 > 1 with an unready pod, which then counts
  // as 0: trunc(1200·100 / 3000) = 40, ratio 4/3 → ceil(4/3 · 3) = 4.
  it("the CPU readiness rules apply to a container's CPU", () => {
    const pods = testPods(3);
    pods[0] = testPod(0, { startTimeMs: T0, readyTransitionTimeMs: T0 });
    const r = run(containerCpuUtilization(30), levels([300, 500, 700]), pods);
    assert.deepEqual([proposal(r).replicas, proposal(r).current], [4, 60]);
  });

  // TestCalculatePodRequestsFromContainers_NonExistentContainer.
  it("a container the pod does not have is a metric error", () => {
    const r = run(containerCpuUtilization(50, "non-existent-container"), levels([100]), [testPod(0)]);
    assert.match(proposal(r).error ?? "", /container non-existent-container not found in Pod test-pod-0$/);
    const active = r.conditions.find((c) => c.type === "ScalingActive");
    assert.equal(active?.reason, "FailedGetContainerResourceMetric");
    assert.equal(r.rescale, false);
  });
});

describe("controller cases: requests from containers and sidecars", () => {
  // TestCalculateRequests "pod with restartable init containers": container1 100m, init-container1
  // 20m (runs to completion, not counted), restartable-container1 50m with restartPolicy Always (a
  // sidecar, counted): 150m per pod. Four pods using 180m each: trunc(720·100 / 600) = 120 against
  // 100, ratio 1.2 → ceil(4.8) = 5. (With the plain init container counted, 170m: 105 %, within
  // tolerance, 4; without the sidecar, 100m: 180 %, 8.)
  it("restartable init containers count, plain init containers do not", () => {
    const pod = (i: number): SimPod =>
      testPod(i, {
        containers: [
          { name: "container1", requests: { cpu: 100 } },
          { name: "init-container1", requests: { cpu: 20 }, init: true },
          { name: "restartable-container1", requests: { cpu: 50 }, init: true, restartPolicy: "Always" },
        ],
      });
    const r = run(cpuUtilization(100), levels([180, 180, 180, 180]), [0, 1, 2, 3].map(pod));
    assert.deepEqual([proposal(r).replicas, proposal(r).current], [5, 120]);
  });

  // "Fail if at least one of the containers is missing requests": container1 without a CPU request.
  it("a counted container without the request is a metric error naming it", () => {
    const pod = testPod(0, {
      containers: [{ name: "container1" }, { name: "container2", requests: { cpu: 50 } }],
    });
    const r = run(cpuUtilization(100), levels([100]), [pod]);
    assert.match(
      proposal(r).error ?? "",
      /missing request for cpu in container container1 of Pod test-pod-0$/,
    );
    assert.equal(r.conditions.find((c) => c.type === "ScalingActive")?.reason, "FailedGetResourceMetric");
  });

  // A ContainerResource metric reads only its container's request: container1 100m, container2 50m;
  // container1 uses 150 → trunc(150·100 / 100) = 150 against 100 → ratio 1.5 → ceil(1.5) = 2.
  it("a ContainerResource metric divides by that container's request only", () => {
    const pod = testPod(0, {
      containers: [
        { name: "container1", requests: { cpu: 100 } },
        { name: "container2", requests: { cpu: 50 } },
      ],
    });
    const r = run(containerCpuUtilization(100, "container1"), levels([150]), [pod]);
    assert.deepEqual([proposal(r).replicas, proposal(r).current], [2, 150]);
  });
});

describe("controller cases: proposals saturate at MaxInt32", () => {
  // TestReplicaCalcObjectMetric "scale up: very large metric saturates replicas to MaxInt32": value
  // MaxInt64 against a target of 1 with 3 ready pods: 9.2e18 · 3 > MaxInt32 → MaxInt32.
  it("Object Value", () => {
    const metric: MetricSpec = {
      type: "Object",
      object: { metricName: "qps", target: { type: "Value", value: 1 } },
    };
    const r = run(metric, { value: MAX_INT64 }, testPods(3));
    assert.equal(proposal(r).replicas, MAX_INT32);
  });

  // TestReplicaCalcExternalPerPodMetric "replica count overflow saturates to MaxInt32": one replica,
  // value MaxInt64 against 1 per pod: ratio far outside tolerance, ceil(MaxInt64 / 1) → MaxInt32.
  it("External AverageValue", () => {
    const metric: MetricSpec = {
      type: "External",
      external: { metricName: "qps", target: { type: "AverageValue", averageValue: 1 } },
    };
    const r = run(metric, { items: [MAX_INT64] }, testPods(1));
    assert.equal(proposal(r).replicas, MAX_INT32);
    // The normalization then bounds the change: legacy scale-up limit max(2 · 1, 4) = 4.
    assert.equal(r.desiredReplicas, 4);
  });

  // External Value goes through the same getUsageRatioReplicaCount as Object Value.
  it("External Value", () => {
    const metric: MetricSpec = {
      type: "External",
      external: { metricName: "qps", target: { type: "Value", value: 1 } },
    };
    const r = run(metric, { items: [MAX_INT64] }, testPods(2));
    assert.equal(proposal(r).replicas, MAX_INT32);
  });

  // TestReplicaCalcObjectPerPodMetric "statusReplicas zero does not overflow usage": value 20000,
  // 5000 per pod, no replicas in status: ceil(20000 / 5000) = 4, usage per pod 0 (getPerPodUsage).
  it("Object AverageValue with no status replicas reports no per-pod usage", () => {
    assert.deepEqual(averageValueReplicas(20000, 5000, 0, { up: 0.1, down: 0.1 }), {
      replicas: 4,
      current: 0,
    });
  });
});

describe("controller cases: the scale selector", () => {
  // validateAndParseSelector: a selector that labels.Parse refuses gives a Warning event
  // InvalidSelector, ScalingActive False with reason InvalidSelector and the same message, and
  // reconcileAutoscaler's FailedComputeMetricsReplicas event; desiredReplicas keeps its status value.
  it("an unparsable selector is InvalidSelector", () => {
    const state = { ...initialHpaState(), desiredReplicas: 3 };
    const r = run(qps(1000), levels([5000, 5000]), testPods(2), {
      state,
      scale: { specReplicas: 2, statusReplicas: 2, selector: "name in (test-pod" },
    });
    const prefix = "couldn't convert selector into a corresponding internal selector object: ";
    const active = r.conditions.find((c) => c.type === "ScalingActive");
    assert.equal(active?.status, "False");
    assert.equal(active?.reason, "InvalidSelector");
    assert.ok(active?.message.startsWith(prefix), active?.message);
    assert.deepEqual(
      r.events.map((e) => [e.type, e.reason, e.message]),
      [
        ["Warning", "InvalidSelector", active?.message],
        ["Warning", "FailedComputeMetricsReplicas", active?.message],
      ],
    );
    assert.equal(r.desiredReplicas, 3);
    assert.equal(r.rescale, false);
    assert.deepEqual(r.proposals, []);
  });

  it("a selector that parses is used", () => {
    const r = run(qps(1000), levels([2000, 2000]), testPods(2), {
      scale: { specReplicas: 2, statusReplicas: 2, selector: "name in (test-pod),tier!=db" },
    });
    // 2000 / 1000 = ratio 2 → ceil(2 · 2) = 4.
    assert.equal(proposal(r).replicas, 4);
  });
});
