import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ScoreAccumulator,
  sampleQuantile,
  saturationPerReplica,
  withCostVsOracle,
} from "../../src/replay/scores.js";

const COSTS = {
  start: { podSeconds: 3600, nodeSeconds: 100, scaleEvents: 3 },
  end: { podSeconds: 3600 + 9000, nodeSeconds: 100 + 1800, scaleEvents: 7 },
};

describe("ScoreAccumulator", () => {
  it("scores a hand-built run: overload at saturation, the target apart, the SLO from the queue model", () => {
    // A replica serves 20 at saturation; the HPA's target is 50 % (10 a replica). M/M/1 per
    // replica with an SLO of 2× the unloaded p95: violated when a replica's load passes half of
    // saturation (p95 = unloaded ÷ (1 − ρ)).
    const acc = new ScoreAccumulator({
      saturationPerReplica: 20,
      targetUtilization: 0.5,
      slo: { model: "mm1", multiple: 2 },
      gpusPerNode: 4,
    });
    acc.observe(20, 2); // at the target: ρ = 0.5, p95 exactly 2×: not a violation
    acc.observe(25, 2); // above target, below saturation: ρ = 0.625, violates the SLO
    acc.observe(50, 2); // overloaded: 10 unserved
    acc.observe(5, 0); // nobody ready: overloaded, all 5 unserved
    const raw = acc.finish(COSTS.start, COSTS.end);
    assert.deepEqual(raw, {
      overloadedFraction: 2 / 4,
      unservedFraction: 15 / 100,
      sloViolationFraction: 3 / 4,
      aboveTargetFraction: 3 / 4,
      replicaHours: 2.5,
      nodeHours: 0.5,
      gpuHours: 2,
      scaleEvents: 4,
    });
    assert.equal(acc.observedSteps, 4);
  });

  it("pools replicas behind one balancer by default (M/M/c): the same load breaks the SLO later", () => {
    const mm1 = new ScoreAccumulator({
      saturationPerReplica: 1,
      targetUtilization: 0.7,
      slo: { model: "mm1", multiple: 2 },
    });
    const mmc = new ScoreAccumulator({ saturationPerReplica: 1, targetUtilization: 0.7 });
    for (const acc of [mm1, mmc]) acc.observe(14, 20); // 20 replicas at 70 %
    const zero = { podSeconds: 0, nodeSeconds: 0, scaleEvents: 0 };
    assert.equal(mm1.finish(zero, zero).sloViolationFraction, 1);
    assert.equal(mmc.finish(zero, zero).sloViolationFraction, 0);
  });

  it("scores nothing as zero, not NaN", () => {
    const zero = { podSeconds: 0, nodeSeconds: 0, scaleEvents: 0 };
    const raw = new ScoreAccumulator({ saturationPerReplica: 1, targetUtilization: 0.7 }).finish(zero, zero);
    assert.equal(raw.overloadedFraction, 0);
    assert.equal(raw.unservedFraction, 0);
    assert.equal(raw.sloViolationFraction, 0);
    assert.equal(raw.gpuHours, 0);
  });

  it("relates cost to the oracle's replica-hours", () => {
    const raw = {
      overloadedFraction: 0,
      unservedFraction: 0,
      sloViolationFraction: 0,
      aboveTargetFraction: 0,
      replicaHours: 6,
      nodeHours: 2,
      gpuHours: 8,
      scaleEvents: 1,
    };
    assert.equal(withCostVsOracle(raw, 4).costVsOracle, 1.5);
    assert.equal(withCostVsOracle(raw, 0).costVsOracle, null);
    assert.equal(withCostVsOracle(raw, undefined).costVsOracle, null);
  });
});

describe("saturationPerReplica", () => {
  it("is the p99 of demand over the peak replicas at 70 %", () => {
    const values = Array.from({ length: 101 }, (_, i) => 100 - i); // 0..100, unsorted
    assert.equal(sampleQuantile(values, 0.99), 99);
    assert.equal(sampleQuantile([1, 2, 3, 4], 0.5), 2.5);
    assert.ok(Math.abs(saturationPerReplica(values, 4) - 99 / (4 * 0.7)) < 1e-12);
    assert.equal(sampleQuantile([Number.NaN, 3], 0.99), 3);
  });

  it("refuses nonsense", () => {
    assert.throws(() => saturationPerReplica([1, 2], 0), /integer ≥ 1/);
    assert.throws(() => saturationPerReplica([1, 2], 1.5), /integer ≥ 1/);
    assert.throws(() => saturationPerReplica([0, 0], 2), /not positive/);
    assert.throws(() => sampleQuantile([], 0.5), /no finite values/);
    assert.throws(
      () => new ScoreAccumulator({ saturationPerReplica: 0, targetUtilization: 0.7 }),
      /must be > 0/,
    );
  });
});
