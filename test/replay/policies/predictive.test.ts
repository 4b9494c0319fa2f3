import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cranePolicy } from "../../../src/replay/policies/crane.js";
import { phpaPolicy } from "../../../src/replay/policies/phpa.js";
import {
  predictiveDirectPolicy,
  predictiveFloorPolicy,
  predictiveMetricPolicy,
  type ReplayedDecision,
} from "../../../src/replay/policies/predictive.js";
import { reactivePolicy } from "../../../src/replay/policies/reactive.js";
import type { PolicyFactory } from "../../../src/replay/policies/types.js";
import { replay } from "../../../src/replay/simulate.js";

const STEP = 15_000;
const DAY_STEPS = 5760;
// Four identical days: 2 replicas' worth by night, 8 by day (hours 8–20), ramps of 12 minutes.
const DEMAND = Float64Array.from({ length: 4 * DAY_STEPS }, (_, i) => {
  const minute = ((i % DAY_STEPS) * STEP) / 60_000;
  const up = Math.min(1, Math.max(0, (minute - 480) / 12));
  const down = Math.min(1, Math.max(0, (minute - 1200) / 12));
  return 20 + 60 * (up - down);
});

async function scores(factory: PolicyFactory, demand = DEMAND, warmupSteps = 3 * DAY_STEPS) {
  const result = await replay([{ name: "w", demand, saturationPerReplica: 10 / 0.7 }], factory, {
    startMs: Date.UTC(2026, 0, 1),
    stepMs: STEP,
    leadTimeMs: 10 * 60_000,
    warmupSteps,
  });
  const w = result.workloads[0];
  assert.ok(w);
  return w;
}

describe("predictive policies on a repeating daily pattern", () => {
  it("phpa and crane see the morning ramp coming; the HPA alone does not", async () => {
    const reactive = await scores(reactivePolicy);
    const phpa = await scores((c) => phpaPolicy(c));
    const crane = await scores((c) => cranePolicy(c));
    assert.ok(reactive.scores.overloadedFraction > 0.005, JSON.stringify(reactive.scores));
    assert.ok(
      phpa.scores.overloadedFraction < reactive.scores.overloadedFraction * 0.6,
      JSON.stringify(phpa.scores),
    );
    assert.ok(
      crane.scores.overloadedFraction < reactive.scores.overloadedFraction / 2,
      JSON.stringify(crane.scores),
    );
    assert.equal(reactive.forecastMs, 0);
    assert.ok(phpa.forecastMs > 0 && crane.forecastMs > 0);
  });
});

describe("predictive-metric, -floor and -direct (the product's planner and forecaster)", () => {
  it("each under-provisions far less often than the HPA alone, at about its cost", async () => {
    const reactive = await scores(reactivePolicy);
    assert.ok(reactive.scores.overloadedFraction > 0.005, JSON.stringify(reactive.scores));
    for (const factory of [predictiveMetricPolicy, predictiveFloorPolicy, predictiveDirectPolicy]) {
      const run = await scores((c) => factory(c));
      assert.ok(
        run.scores.overloadedFraction < reactive.scores.overloadedFraction / 2,
        `${run.policy}: ${JSON.stringify(run.scores)}`,
      );
      assert.ok(run.scores.replicaHours <= reactive.scores.replicaHours * 1.15, JSON.stringify(run.scores));
      assert.ok(run.forecastMs > 0);
    }
  });

  it("acts as the HPA alone until the forecaster is ready (Direct, which has no HPA: demand ÷ capacity)", async () => {
    const firstDay = DEMAND.slice(0, DAY_STEPS - 240); // under one day: no model is ready
    const reactive = await scores(reactivePolicy, firstDay, 0);
    for (const factory of [predictiveMetricPolicy, predictiveFloorPolicy]) {
      const run = await scores((c) => factory(c), firstDay, 0);
      assert.deepEqual(run.scores, reactive.scores, run.policy);
    }
    const decisions: ReplayedDecision[] = [];
    await scores((c) => predictiveDirectPolicy(c, { onDecision: (d) => decisions.push(d) }), firstDay, 0);
    assert.ok(decisions.length > 2000, "a decision every 30 s");
    assert.ok(
      decisions.every(
        (d) => !d.decision.usable && (d.decision.pending || /more history/.test(d.decision.reason)),
      ),
      decisions.find((d) => d.decision.usable)?.decision.reason,
    );
    // Not ready: the forecast asks nothing, so /scale follows the demand now ÷ capacity per replica.
    const last = decisions.at(-1);
    assert.equal(last?.decision.forecastReplicas, undefined);
    const demandNow = firstDay[firstDay.length - 5] as number;
    assert.equal(last?.decision.desiredReplicas, Math.max(1, Math.ceil(demandNow / 10)));
  });
});
