import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { describe, it } from "node:test";
import { SimClock } from "../../../src/replay/cluster/simClock.js";
import { SimCluster } from "../../../src/replay/cluster/simCluster.js";

const GI = 1024 ** 3;

/** 14 days at 15 s steps with a daily replica wave; logs the time, asserts only the outcome. */
function simulate(workloads: number): { ms: number; cluster: SimCluster } {
  const clock = new SimClock();
  const cluster = new SimCluster({
    nodeGroups: [
      {
        name: "gpu",
        allocatable: { cpuMilli: 64_000, memoryBytes: 512 * GI, gpu: 8 },
        maxNodes: 10 * workloads,
        provisioningDelayMs: 180_000,
      },
    ],
  });
  for (let w = 0; w < workloads; w++)
    cluster.addDeployment({
      name: `llm-${w}`,
      requests: { cpuMilli: 4_000, memoryBytes: 32 * GI, gpu: 1 },
      startupMs: 120_000,
      replicas: 2,
    });
  const steps = 14 * 24 * 240;
  const start = performance.now();
  for (let i = 0; i < steps; i++) {
    const now = clock.advance(15_000);
    cluster.step(now);
    if (i % 4 === 0) {
      const replicas = Math.round(10 + 8 * Math.sin((2 * Math.PI * i) / 5_760));
      for (let w = 0; w < workloads; w++) cluster.setReplicas(`llm-${w}`, replicas);
    }
  }
  return { ms: performance.now() - start, cluster };
}

describe("SimCluster speed", () => {
  it("runs 14 days of 15 s steps for one workload with changing replicas", () => {
    const { ms, cluster } = simulate(1);
    console.log(`sim: 80,640 steps, 1 workload: ${ms.toFixed(0)} ms`);
    const status = cluster.deploymentStatus("llm-0");
    assert.equal(status.running + status.pending, status.desired);
    assert.ok(
      cluster.stats.nodesAdded > 1 && cluster.stats.nodesRemoved > 0,
      "the wave scales nodes both ways",
    );
  });
});
