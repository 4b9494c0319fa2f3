import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  capacityPerReplica,
  quantile,
  ScoreAccumulator,
  withCostVsOracle,
} from "../../../src/sim/replay/scores.js";

describe("ScoreAccumulator", () => {
  it("scores a hand-built run", () => {
    // c = 10 at a 50 % target: 2 replicas carry 20 at target and 40 at saturation.
    const acc = new ScoreAccumulator(10, 0.5);
    acc.observe(20, 2); // exactly at target: fine
    acc.observe(25, 2); // above target, below saturation: under-provisioned, all served
    acc.observe(50, 2); // 10 unserved
    acc.observe(5, 0); // no ready replica: all 5 unserved
    const raw = acc.finish(
      { podSeconds: 3600, nodeSeconds: 100, scaleEvents: 3 },
      { podSeconds: 3600 + 9000, nodeSeconds: 100 + 1800, scaleEvents: 7 },
    );
    assert.deepEqual(raw, {
      underProvisionedFraction: 3 / 4,
      unservedFraction: 15 / 100,
      replicaHours: 2.5,
      nodeHours: 0.5,
      scaleEvents: 4,
    });
    assert.equal(acc.observedSteps, 4);
  });

  it("scores nothing as zero, not NaN", () => {
    const zero = { podSeconds: 0, nodeSeconds: 0, scaleEvents: 0 };
    const raw = new ScoreAccumulator(1, 0.7).finish(zero, zero);
    assert.equal(raw.underProvisionedFraction, 0);
    assert.equal(raw.unservedFraction, 0);
  });

  it("relates cost to the oracle's replica-hours", () => {
    const raw = {
      underProvisionedFraction: 0,
      unservedFraction: 0,
      replicaHours: 6,
      nodeHours: 2,
      scaleEvents: 1,
    };
    assert.equal(withCostVsOracle(raw, 4).costVsOracle, 1.5);
    assert.equal(withCostVsOracle(raw, 0).costVsOracle, null);
    assert.equal(withCostVsOracle(raw, undefined).costVsOracle, null);
  });
});

describe("capacityPerReplica", () => {
  it("is the p99 of demand over the peak replicas", () => {
    const values = Array.from({ length: 101 }, (_, i) => 100 - i); // 0..100, unsorted
    assert.equal(quantile(values, 0.99), 99);
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(capacityPerReplica(values, 4), 24.75);
    assert.equal(quantile([Number.NaN, 3], 0.99), 3);
  });

  it("refuses nonsense", () => {
    assert.throws(() => capacityPerReplica([1, 2], 0), /integer ≥ 1/);
    assert.throws(() => capacityPerReplica([1, 2], 1.5), /integer ≥ 1/);
    assert.throws(() => capacityPerReplica([0, 0], 2), /not positive/);
    assert.throws(() => quantile([], 0.5), /no finite values/);
  });
});
