import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  neededReplicas,
  oracleLeadSteps,
  oraclePlan,
  oraclePolicy,
} from "../../../src/replay/policies/oracle.js";
import type { Policy, PolicyContext } from "../../../src/replay/policies/types.js";
import { replay } from "../../../src/replay/simulate.js";

const STEP = 15_000;
const C = 10;
// Needed replicas (c = 10): 1 1 3 5 2 2 1 4 4 1 1 1
const DEMAND = Float64Array.from([10, 10, 30, 50, 20, 20, 10, 40, 40, 10, 10, 10]);
// Lead 30 s = 2 steps: plan[s] = max(needed[s..s+2]), worked by hand.
const HAND_PLAN = [3, 5, 5, 5, 2, 4, 4, 4, 4, 1, 1, 1];

function run(factory: (context: PolicyContext) => Policy, nodeLeadTimeMs = 0, warmupSteps = 0) {
  return replay([{ name: "w", demand: DEMAND, saturationPerReplica: C }], factory, {
    startMs: 1_000_000,
    stepMs: STEP,
    leadTimeMs: 2 * STEP,
    nodeLeadTimeMs,
    podsPerNode: 1,
    warmupSteps,
    recordReady: true,
  });
}

describe("oracle", () => {
  it("needs ceil(demand / c) replicas, exact multiples not rounded up", () => {
    assert.deepEqual([...neededReplicas(DEMAND, C)], [1, 1, 3, 5, 2, 2, 1, 4, 4, 1, 1, 1]);
    assert.deepEqual([...neededReplicas([0, 0.1, 10.000001], C)], [0, 1, 2]);
  });

  it("plans the max of needed replicas over the next lead-time steps", () => {
    assert.deepEqual([...oraclePlan(neededReplicas(DEMAND, C), 2)], HAND_PLAN);
    assert.deepEqual([...oraclePlan(Int32Array.from([3, 1, 2]), 0)], [3, 1, 2]);
    assert.deepEqual([...oraclePlan(Int32Array.from([1, 2, 3]), 10)], [3, 3, 3]);
  });

  it("counts node lead time plus one autoscaler scan into its lead", () => {
    const base = { stepMs: STEP, leadTimeMs: 60_000 } as PolicyContext;
    assert.equal(oracleLeadSteps({ ...base, nodeLeadTimeMs: 0 }), 4);
    assert.equal(oracleLeadSteps({ ...base, nodeLeadTimeMs: 30_000 }), 7);
  });

  it("is never overloaded in the cluster, and its replica-hours are the plan's", async () => {
    const result = await run(oraclePolicy);
    const w = result.workloads[0];
    assert.ok(w?.ready);
    assert.equal(w.scores.overloadedFraction, 0);
    assert.equal(w.scores.unservedFraction, 0);
    const needed = neededReplicas(DEMAND, C);
    for (let i = 0; i < DEMAND.length; i++)
      assert.ok((w.ready[i] as number) >= (needed[i] as number), `step ${i}`);
    const planHours = (HAND_PLAN.reduce((a, b) => a + b, 0) * STEP) / 3_600_000;
    assert.ok(Math.abs(w.scores.replicaHours - planHours) < 1e-5, `${w.scores.replicaHours} vs ${planHours}`);
  });

  it("is minimal: one replica fewer at any step under-provisions a later step", async () => {
    // The last decision reaches past the trace, and plans at minReplicas cannot go lower.
    for (let s = 0; s < DEMAND.length - 1; s++) {
      if ((HAND_PLAN[s] as number) <= 1) continue;
      const plan = [...HAND_PLAN];
      plan[s] = (plan[s] as number) - 1;
      const result = await run(() => ({
        name: "cut",
        decide: (view) => ({ replicas: plan[view.step] as number }),
      }));
      const scores = result.workloads[0]?.scores;
      assert.ok(scores && scores.overloadedFraction > 0, `cutting step ${s} went unnoticed`);
    }
  });

  it("stays ahead when every new replica also waits for a node", async () => {
    for (const nodeLead of [15_000, 45_000, 50_000]) {
      // Score once the trace's first replicas could have been requested a full lead ahead.
      const warmup = oracleLeadSteps({
        stepMs: STEP,
        leadTimeMs: 2 * STEP,
        nodeLeadTimeMs: nodeLead,
      } as PolicyContext);
      const w = (await run(oraclePolicy, nodeLead, warmup)).workloads[0];
      assert.equal(w?.scores.overloadedFraction, 0, `node lead ${nodeLead} ms`);
      const free = (await run(oraclePolicy, 0, warmup)).workloads[0];
      assert.ok(
        (w?.scores.replicaHours ?? 0) >= (free?.scores.replicaHours ?? Number.POSITIVE_INFINITY) - 1e-9,
      );
      assert.ok((w?.scores.nodeHours ?? 0) > 0);
    }
  });
});
