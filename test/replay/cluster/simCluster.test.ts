import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SimCluster } from "../../../src/replay/cluster/simCluster.js";
import type { NodeGroupSpec, Resources } from "../../../src/replay/cluster/types.js";

const GI = 1024 ** 3;
const cpuPod: Resources = { cpuMilli: 1_500, memoryBytes: 2 * GI, gpu: 0 };
const gpuPod: Resources = { cpuMilli: 2_000, memoryBytes: 16 * GI, gpu: 1 };

function cpuGroup(over: Partial<NodeGroupSpec> = {}): NodeGroupSpec {
  return {
    name: "cpu",
    allocatable: { cpuMilli: 4_000, memoryBytes: 16 * GI, gpu: 0 },
    labels: { pool: "cpu" },
    maxNodes: 10,
    ...over,
  };
}

function gpuGroup(over: Partial<NodeGroupSpec> = {}): NodeGroupSpec {
  return {
    name: "gpu",
    allocatable: { cpuMilli: 16_000, memoryBytes: 128 * GI, gpu: 2 },
    labels: { pool: "gpu" },
    maxNodes: 10,
    ...over,
  };
}

/** Step every 15 s from the cluster's time up to and including `untilMs`. */
function runUntil(c: SimCluster, untilMs: number, stepMs = 15_000): void {
  for (let t = c.timeMs + stepMs; t <= untilMs; t += stepMs) c.step(t);
}

describe("SimCluster pod lifecycle", () => {
  it("goes Pending → Running on bind → Ready after the start-up time", () => {
    const c = new SimCluster({ nodeGroups: [gpuGroup({ initialNodes: 1 })] });
    c.addDeployment({ name: "llm", requests: gpuPod, startupMs: 120_000 });
    c.setReplicas("llm", 1);
    assert.deepEqual(
      c.pods("llm").map((p) => [p.phase, p.ready]),
      [["Running", false]],
    );
    c.step(105_000);
    assert.equal(c.readyReplicas("llm"), 0);
    assert.equal(c.allocatedReplicas("llm"), 1);
    c.step(120_000);
    assert.equal(c.readyReplicas("llm"), 1);
    assert.deepEqual(c.deploymentStatus("llm"), {
      desired: 1,
      pending: 0,
      running: 1,
      ready: 1,
      podSeconds: 120,
      scaleEvents: 1,
    });
  });

  it("deletes immediately on scale-down and frees the node's room", () => {
    const c = new SimCluster({ nodeGroups: [gpuGroup({ initialNodes: 1 })] });
    c.addDeployment({ name: "llm", requests: gpuPod, replicas: 2 });
    assert.equal(c.nodes()[0]?.free.gpu, 0);
    c.setReplicas("llm", 0);
    assert.equal(c.pods("llm").length, 0);
    assert.equal(c.readyReplicas("llm"), 0);
    assert.deepEqual(c.nodes()[0]?.free, gpuGroup().allocatable);
  });

  it("deletes unscheduled pods first, then starting ones, then ready ones", () => {
    // One node, room for two GPU pods: pod 1 ready, pod 2 starting, pod 3 pending.
    const c = new SimCluster({ nodeGroups: [gpuGroup({ initialNodes: 1, maxNodes: 1 })] });
    c.addDeployment({ name: "llm", requests: gpuPod, startupMs: 60_000, replicas: 1 });
    c.step(60_000);
    c.setReplicas("llm", 3);
    const state = () => c.pods("llm").map((p) => `${p.id}:${p.phase}:${p.ready}`);
    assert.deepEqual(state(), ["1:Running:true", "2:Running:false", "3:Pending:false"]);
    c.setReplicas("llm", 2);
    assert.deepEqual(state(), ["1:Running:true", "2:Running:false"]);
    c.setReplicas("llm", 1);
    assert.deepEqual(state(), ["1:Running:true"]);
  });

  it("counts scale events only when desired replicas change", () => {
    const c = new SimCluster({ nodeGroups: [cpuGroup({ initialNodes: 1 })] });
    c.addDeployment({ name: "web", requests: cpuPod });
    for (const n of [1, 1, 2, 2, 0]) c.setReplicas("web", n);
    assert.equal(c.deploymentStatus("web").scaleEvents, 3);
  });
});

describe("SimCluster scheduling", () => {
  const table: { name: string; requests: Resources; replicas: number; running: number }[] = [
    { name: "CPU-bound: 1.5 cores on 4-core nodes, 2 per node", requests: cpuPod, replicas: 5, running: 4 },
    {
      name: "memory-bound: 10 GiB on 16 GiB nodes, 1 per node",
      requests: { cpuMilli: 100, memoryBytes: 10 * GI, gpu: 0 },
      replicas: 3,
      running: 2,
    },
    {
      name: "GPU pods never land on GPU-less nodes",
      requests: { cpuMilli: 100, memoryBytes: GI, gpu: 1 },
      replicas: 1,
      running: 0,
    },
  ];
  for (const tc of table)
    it(tc.name, () => {
      const c = new SimCluster({ nodeGroups: [cpuGroup({ initialNodes: 2, maxNodes: 2 })] });
      c.addDeployment({ name: "d", requests: tc.requests, replicas: tc.replicas });
      assert.equal(c.allocatedReplicas("d"), tc.running);
      assert.equal(c.deploymentStatus("d").pending, tc.replicas - tc.running);
    });

  it("fits GPU pods by GPU count and respects the nodeSelector", () => {
    const c = new SimCluster({
      nodeGroups: [cpuGroup({ initialNodes: 1 }), gpuGroup({ initialNodes: 2, maxNodes: 2 })],
    });
    c.addDeployment({ name: "llm", requests: gpuPod, replicas: 5 });
    c.addDeployment({ name: "web", requests: cpuPod, replicas: 1, nodeSelector: { pool: "gpu" } });
    assert.equal(c.allocatedReplicas("llm"), 4);
    assert.deepEqual(
      c.nodes("gpu").map((n) => n.free.gpu),
      [0, 0],
    );
    // The selector sends the CPU pod to a GPU node although the CPU node has room.
    assert.equal(c.pods("web")[0]?.node?.startsWith("gpu-"), true);
    assert.equal(c.nodes("cpu")[0]?.pods, 0);
  });

  it("schedules a pending pod as soon as room frees up", () => {
    const c = new SimCluster({ nodeGroups: [gpuGroup({ initialNodes: 1, maxNodes: 1 })] });
    c.addDeployment({ name: "a", requests: gpuPod, replicas: 2 });
    c.addDeployment({ name: "b", requests: gpuPod, replicas: 1 });
    assert.equal(c.allocatedReplicas("b"), 0);
    c.setReplicas("a", 1);
    c.step(15_000);
    assert.equal(c.allocatedReplicas("b"), 1);
  });
});

describe("SimCluster cluster autoscaler", () => {
  it("adds nodes for pending pods after a scan; they join after the provisioning delay and pods run", () => {
    const c = new SimCluster({ nodeGroups: [gpuGroup({ maxNodes: 5, provisioningDelayMs: 120_000 })] });
    c.addDeployment({ name: "llm", requests: gpuPod, startupMs: 60_000, replicas: 3 });
    assert.equal(c.deploymentStatus("llm").pending, 3);
    c.step(15_000); // first scan (due at 10 s): 3 pods × 1 GPU on 2-GPU nodes → 2 nodes
    assert.equal(c.upcomingNodeCount("gpu"), 2);
    assert.equal(c.stats.nodeScaleUps, 1);
    runUntil(c, 120_000); // later scans count the upcoming nodes: no second scale-up
    assert.equal(c.upcomingNodeCount("gpu"), 2);
    assert.equal(c.nodeCount("gpu"), 0);
    c.step(135_000); // 15 s + 120 s
    assert.equal(c.nodeCount("gpu"), 2);
    assert.equal(c.allocatedReplicas("llm"), 3);
    assert.equal(c.readyReplicas("llm"), 0);
    runUntil(c, 195_000);
    assert.equal(c.readyReplicas("llm"), 3);
    assert.equal(c.stats.nodeScaleUps, 1);
  });

  it("scans on a 10 s grid, not at every call", () => {
    const c = new SimCluster({ nodeGroups: [gpuGroup({ provisioningDelayMs: 60_000 })] });
    c.addDeployment({ name: "llm", requests: gpuPod, replicas: 1 });
    c.step(9_999);
    assert.equal(c.upcomingNodeCount(), 0);
    c.step(10_000);
    assert.equal(c.upcomingNodeCount(), 1);
  });

  it("stops at maxNodes", () => {
    const c = new SimCluster({ nodeGroups: [gpuGroup({ maxNodes: 3, provisioningDelayMs: 30_000 })] });
    c.addDeployment({ name: "llm", requests: gpuPod, replicas: 10 });
    runUntil(c, 300_000);
    assert.equal(c.nodeCount("gpu"), 3);
    assert.equal(c.allocatedReplicas("llm"), 6);
    assert.equal(c.deploymentStatus("llm").pending, 4);
  });

  it("overflows to the next group that fits when the first is at its maximum", () => {
    const c = new SimCluster({
      nodeGroups: [gpuGroup({ maxNodes: 1 }), gpuGroup({ name: "gpu-b", maxNodes: 5 })],
    });
    c.addDeployment({ name: "llm", requests: gpuPod, replicas: 4 });
    runUntil(c, 30_000);
    assert.equal(c.nodeCount("gpu"), 1);
    assert.equal(c.nodeCount("gpu-b"), 1);
    assert.equal(c.readyReplicas("llm"), 4);
  });

  it("removes a node once it has been empty for the scale-down delay, not below minNodes", () => {
    const c = new SimCluster({ nodeGroups: [cpuGroup({ initialNodes: 3, minNodes: 1 })] });
    c.addDeployment({ name: "web", requests: cpuPod, replicas: 6 });
    c.step(60_000);
    c.setReplicas("web", 2); // newest pods go: the first node keeps its two, two nodes empty from 60 s
    assert.deepEqual(
      c.nodes().map((n) => n.pods),
      [2, 0, 0],
    );
    runUntil(c, 645_000);
    assert.equal(c.nodeCount(), 3);
    runUntil(c, 675_000); // 60 s + 10 min, at the next scan
    assert.equal(c.nodeCount(), 1);
    c.setReplicas("web", 0);
    runUntil(c, 2_000_000);
    assert.equal(c.nodeCount(), 1, "minNodes");
    assert.equal(c.stats.nodesRemoved, 2);
  });

  it("honours a scale-down delay after a scale-up", () => {
    const c = new SimCluster({
      nodeGroups: [cpuGroup({ initialNodes: 1 })],
      scaleDownUnneededMs: 60_000,
      scaleDownDelayAfterAddMs: 600_000,
    });
    c.addDeployment({ name: "web", requests: cpuPod, replicas: 3 });
    c.step(15_000); // scale-up at 15 s, joins at once
    c.setReplicas("web", 0);
    runUntil(c, 600_000);
    assert.equal(c.nodeCount(), 2);
    runUntil(c, 615_000);
    assert.equal(c.nodeCount(), 0);
  });
});

describe("SimCluster placeholders and CapacityBuffers", () => {
  it("a real pod preempts a placeholder at once; the placeholder goes Pending and triggers a node", () => {
    const c = new SimCluster({ nodeGroups: [gpuGroup({ initialNodes: 1, provisioningDelayMs: 60_000 })] });
    c.addDeployment({ name: "overprovisioning", requests: gpuPod, priority: -10, replicas: 2 });
    c.addDeployment({ name: "llm", requests: gpuPod, startupMs: 30_000 });
    c.step(15_000);
    assert.equal(c.nodeCount(), 1, "placeholders fit the existing node: no scale-up");
    c.setReplicas("llm", 1);
    assert.equal(c.allocatedReplicas("llm"), 1, "bound without waiting for a node");
    assert.deepEqual(
      c.pods("overprovisioning").map((p) => `${p.id}:${p.phase}`),
      ["1:Running", "2:Pending"],
      "the newest placeholder is the victim",
    );
    assert.equal(c.stats.preemptions, 1);
    c.step(30_000);
    assert.equal(c.upcomingNodeCount(), 1);
    c.step(90_000);
    assert.equal(c.deploymentStatus("overprovisioning").running, 2);
    assert.equal(c.readyReplicas("llm"), 1);
  });

  it("pods below the expendable cutoff neither trigger scale-up nor keep a node", () => {
    const c = new SimCluster({ nodeGroups: [gpuGroup({ initialNodes: 1 })], scaleDownUnneededMs: 60_000 });
    c.addDeployment({ name: "cheap", requests: gpuPod, priority: -11, replicas: 3 });
    runUntil(c, 45_000);
    assert.equal(c.upcomingNodeCount() + c.nodeCount(), 1);
    runUntil(c, 60_000); // empty since 0 s despite its three pods
    assert.equal(c.nodeCount(), 0);
    assert.equal(c.deploymentStatus("cheap").pending, 3);
  });

  it("a CapacityBuffer gets nodes provisioned and keeps them while unused", () => {
    const c = new SimCluster({
      nodeGroups: [gpuGroup({ provisioningDelayMs: 120_000 })],
      scaleDownUnneededMs: 60_000,
    });
    c.addCapacityBuffer({ name: "warm", requests: gpuPod, replicas: 4 });
    runUntil(c, 150_000);
    assert.equal(c.nodeCount(), 2);
    assert.equal(c.bufferStatus("warm").running, 4);
    runUntil(c, 3_600_000);
    assert.equal(c.nodeCount(), 2, "buffer pods keep the nodes from scale-down");
    assert.equal(c.stats.nodesRemoved, 0);
  });

  it("real pods take buffer room at once and the buffer refills on new nodes", () => {
    const c = new SimCluster({ nodeGroups: [gpuGroup({ initialNodes: 1, provisioningDelayMs: 60_000 })] });
    c.addCapacityBuffer({ name: "warm", requests: gpuPod, replicas: 2 });
    c.addDeployment({ name: "llm", requests: gpuPod });
    c.step(15_000);
    c.setReplicas("llm", 2);
    assert.equal(c.allocatedReplicas("llm"), 2);
    assert.equal(c.bufferStatus("warm").pending, 2);
    assert.deepEqual(
      c.bufferPods("warm").map((p) => p.phase),
      ["Pending", "Pending"],
    );
    c.step(30_000);
    c.step(90_000);
    assert.equal(c.nodeCount(), 2);
    assert.equal(c.bufferStatus("warm").running, 2);
    c.setBufferReplicas("warm", 0);
    assert.equal(c.bufferPods("warm").length, 0);
  });
});

describe("SimCluster accumulators", () => {
  it("integrates bound pods and joined nodes over time", () => {
    const c = new SimCluster({ nodeGroups: [cpuGroup({ initialNodes: 1, provisioningDelayMs: 30_000 })] });
    c.addDeployment({ name: "web", requests: cpuPod, startupMs: 15_000, replicas: 2 });
    c.addDeployment({
      name: "pause",
      requests: { cpuMilli: 1, memoryBytes: 1, gpu: 0 },
      priority: -10,
      replicas: 1,
    });
    c.step(60_000);
    c.setReplicas("web", 3); // third pod needs a new node: scan at the 75 s step, joins and binds at 105 s
    runUntil(c, 120_000);
    assert.equal(c.nodeCount(), 2);
    // web: 2 pods × 120 s + 1 pod × 15 s (105 → 120)
    assert.equal(c.podSeconds("web"), 255);
    assert.equal(c.podSeconds(), 255, "placeholders excluded from the total");
    // node 1 for 120 s, node 2 from 105 s; node 2 provisioning 75 → 105 s
    assert.equal(c.nodeSeconds(), 135);
    assert.equal(c.provisioningNodeSeconds(), 30);
  });
});

describe("SimCluster errors", () => {
  it("names what is wrong", () => {
    const c = new SimCluster({ nodeGroups: [cpuGroup()] });
    assert.throws(() => c.setReplicas("nope", 1), /deployment nope not found/);
    c.addDeployment({ name: "web", requests: cpuPod });
    assert.throws(() => c.setReplicas("web", 1.5), /must be an integer ≥ 0/);
    assert.throws(() => c.addDeployment({ name: "web", requests: cpuPod }), /already exists/);
    c.step(10);
    assert.throws(() => c.step(5), /before the cluster time 10/);
    assert.throws(() => c.nodeCount("tpu"), /node group tpu not found; declared: cpu/);
    assert.throws(
      () => new SimCluster({ nodeGroups: [cpuGroup({ minNodes: 3, maxNodes: 2 })] }),
      /minNodes \(3\) ≤ maxNodes \(2\)/,
    );
  });
});
