import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  accuracyGate,
  combineVerdicts,
  fallbackReplicas,
  readinessGate,
  staleDataGate,
  underPredictionRate,
} from "../../src/actuator/guardrails.js";

const STEP = 300_000;

describe("readinessGate", () => {
  it("falls back with InsufficientHistory and how much more is needed", () => {
    const v = readinessGate({
      ready: false,
      reason: "needs 2 days for a daily pattern",
      needMoreSeconds: 93_600,
    });
    assert.equal(v.action, "fallback");
    assert.equal(v.condition?.type, "ForecastReady");
    assert.equal(v.condition?.status, "False");
    assert.equal(v.condition?.reason, "InsufficientHistory");
    assert.match(v.condition?.message ?? "", /needs 1d2h more history \(needs 2 days/);
  });
  it("uses the forecast once ready", () => {
    const v = readinessGate({ ready: true });
    assert.equal(v.action, "use");
    assert.equal(v.condition?.status, "True");
  });
});

describe("accuracyGate", () => {
  const served = Array(20).fill(100);
  it("trips on an under-prediction rate above the threshold", () => {
    const actuals = served.map((_, i) => (i < 6 ? 150 : 80)); // 6 of 20 above = 30 %
    assert.equal(underPredictionRate(actuals, served), 0.3);
    const v = accuracyGate({ actuals, served, threshold: 0.2, quantile: 0.9 });
    assert.equal(v.action, "fallback");
    assert.deepEqual(
      [v.condition?.type, v.condition?.status, v.condition?.reason],
      ["ForecastDegraded", "True", "UnderPredicting"],
    );
    assert.match(
      v.condition?.message ?? "",
      /p90 forecast on 30\.0% of the last 20 steps \(threshold 20\.0%\)/,
    );
  });
  it("keeps the forecast at or below the threshold and ignores missing steps", () => {
    const actuals = served.map((_, i) => (i < 4 ? 150 : i < 8 ? Number.NaN : 100)); // 4 of 16 = 25 %
    assert.equal(underPredictionRate(actuals, served), 0.25);
    const v = accuracyGate({ actuals, served, threshold: 0.25, quantile: 0.9 });
    assert.equal(v.action, "use");
    assert.equal(v.condition?.status, "False");
  });
  it("says nothing yet with too few compared steps", () => {
    const v = accuracyGate({ actuals: [200, 200], served: [1, 1], threshold: 0.1, quantile: 0.9 });
    assert.equal(v.action, "use");
    assert.equal(v.condition?.status, "Unknown");
  });
  it("rejects unpaired series and thresholds outside [0, 1]", () => {
    assert.throws(() => underPredictionRate([1, 2], [1]), /must pair up/);
    assert.throws(
      () => accuracyGate({ actuals: [], served: [], threshold: 2, quantile: 0.9 }),
      /threshold 2/,
    );
  });
});

describe("staleDataGate", () => {
  const cases: [string, number | undefined, "use" | "fallback"][] = [
    ["fresh", 2 * STEP + 1, "use"],
    ["three steps without data", 3 * STEP, "fallback"],
    ["never any data", undefined, "fallback"],
  ];
  for (const [name, age, action] of cases)
    it(name, () => {
      const nowMs = 10_000_000;
      const v = staleDataGate({
        nowMs,
        lastDataMs: age === undefined ? undefined : nowMs - age,
        stepMs: STEP,
        maxMissingSteps: 3,
      });
      assert.equal(v.action, action);
      if (action === "fallback") {
        assert.equal(v.condition?.reason, "StaleData");
        assert.equal(v.condition?.type, "ForecastDegraded");
      }
    });
});

describe("fallback", () => {
  it("Release gives the reactive replicas; Hold keeps the last applied, never below reactive", () => {
    assert.equal(fallbackReplicas("Release", 4, 12), 4);
    assert.equal(fallbackReplicas("Hold", 4, 12), 12);
    assert.equal(fallbackReplicas("Hold", 15, 12), 15);
    assert.equal(fallbackReplicas("Hold", 4, undefined), 4);
  });
  it("the first failing gate decides", () => {
    const stale = staleDataGate({ nowMs: 1e7, lastDataMs: undefined, stepMs: STEP, maxMissingSteps: 3 });
    const ready = readinessGate({ ready: true });
    assert.equal(combineVerdicts([ready, stale]), stale);
    assert.equal(combineVerdicts([ready]).action, "use");
  });
});
