import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { oraclePolicy } from "../../../src/replay/policies/oracle.js";
import { reactivePolicy } from "../../../src/replay/policies/reactive.js";
import type { PolicyFactory } from "../../../src/replay/policies/types.js";
import { replay } from "../../../src/replay/simulate.js";

const STEP = 15_000;
const C = 10;
const LEAD = 5 * 60_000;
const JUMP = 240; // one hour flat at 4 replicas' worth, then 5 replicas' worth for an hour
const DEMAND = Float64Array.from({ length: 480 }, (_, i) => (i < JUMP ? 40 : 50));

async function readyOf(factory: PolicyFactory, nodeLeadTimeMs = 0): Promise<Int32Array> {
  const result = await replay([{ name: "w", demand: DEMAND, saturationPerReplica: C / 0.7 }], factory, {
    startMs: 0,
    stepMs: STEP,
    leadTimeMs: LEAD,
    nodeLeadTimeMs,
    podsPerNode: 1,
    warmupSteps: 0,
    recordReady: true,
  });
  const ready = result.workloads[0]?.ready;
  assert.ok(ready);
  return ready;
}

/** First step at or after the jump with 5 ready replicas. */
function caughtUp(ready: Int32Array): number {
  for (let i = JUMP; i < ready.length; i++) if ((ready[i] as number) >= 5) return i;
  return Number.POSITIVE_INFINITY;
}

describe("reactive", () => {
  it("holds 4 replicas while demand sits at the target", async () => {
    const ready = await readyOf(reactivePolicy);
    for (let i = 0; i < JUMP; i++) assert.equal(ready[i], 4, `step ${i}`);
  });

  it("lags a step increase by the lead time plus the metric's delay", async () => {
    const lagMs = (caughtUp(await readyOf(reactivePolicy)) - JUMP) * STEP;
    // Scrape (15 s) and a 1-minute window must cross the 10 % tolerance first: about 45 s.
    assert.ok(lagMs > LEAD, `caught up after ${lagMs} ms, faster than the lead time`);
    assert.ok(lagMs <= LEAD + 90_000, `caught up after ${lagMs} ms, far more than the lead time`);
  });

  it("is beaten by the oracle, which is ready at the jump (sized at saturation: 50 ÷ (10 ÷ 0.7) → 4)", async () => {
    const ready = await readyOf(oraclePolicy);
    assert.equal(ready[JUMP - 1], 3, "40 ÷ 14.3 → 3 before the jump");
    for (let i = JUMP; i < ready.length; i++) assert.ok((ready[i] as number) >= 4, `step ${i}`);
  });

  it("lags further by the node lead time when the new replica needs a node", async () => {
    const nodeLead = 2 * 60_000;
    const lagMs = (caughtUp(await readyOf(reactivePolicy, nodeLead)) - JUMP) * STEP;
    assert.ok(lagMs > LEAD + nodeLead, `caught up after ${lagMs} ms`);
    assert.ok(lagMs <= LEAD + nodeLead + 120_000, `caught up after ${lagMs} ms`);
  });
});
