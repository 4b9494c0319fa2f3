/**
 * mergeConditions: metav1.Condition bookkeeping; lastTransitionTime moves only when status changes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isoSeconds, mergeConditions } from "../../src/actuator/conditions.js";
import type { Condition } from "../../src/actuator/types.js";

const EARLIER = "2026-01-01T10:00:00Z";
const NOW = "2026-01-01T12:00:00Z";

const previous: Condition[] = [
  {
    type: "Ready",
    status: "True",
    reason: "ForecastInUse",
    message: "p90 peak 480",
    lastTransitionTime: EARLIER,
    observedGeneration: 1,
  },
  {
    type: "ForecastReady",
    status: "False",
    reason: "InsufficientHistory",
    message: "needs 1h more history",
    lastTransitionTime: EARLIER,
    observedGeneration: 1,
  },
];

describe("mergeConditions", () => {
  it("stamps new conditions with now and the generation", () => {
    const out = mergeConditions(
      undefined,
      [{ type: "Ready", status: "True", reason: "R", message: "m" }],
      NOW,
      3,
    );
    assert.deepEqual(out, [
      {
        type: "Ready",
        status: "True",
        reason: "R",
        message: "m",
        observedGeneration: 3,
        lastTransitionTime: NOW,
      },
    ]);
  });

  it("keeps lastTransitionTime while the status is unchanged, taking the new reason and message", () => {
    const out = mergeConditions(
      previous,
      [{ type: "Ready", status: "True", reason: "ForecastOnly", message: "p90 peak 900" }],
      NOW,
      2,
    );
    assert.deepEqual(out, [
      {
        type: "Ready",
        status: "True",
        reason: "ForecastOnly",
        message: "p90 peak 900",
        observedGeneration: 2,
        lastTransitionTime: EARLIER,
      },
    ]);
  });

  it("moves lastTransitionTime when the status changes", () => {
    const out = mergeConditions(
      previous,
      [
        { type: "Ready", status: "False", reason: "Fallback", message: "no demand data" },
        { type: "ForecastReady", status: "True", reason: "Ready", message: "enough history" },
      ],
      NOW,
      1,
    );
    assert.deepEqual(
      out.map((c) => [c.type, c.status, c.lastTransitionTime]),
      [
        ["Ready", "False", NOW],
        ["ForecastReady", "True", NOW],
      ],
    );
  });

  it("holds exactly the conditions given, in their order, and leaves the previous list untouched", () => {
    const before = structuredClone(previous);
    const out = mergeConditions(
      previous,
      [
        { type: "ForecastDegraded", status: "True", reason: "StaleData", message: "no data" },
        { type: "ForecastReady", status: "False", reason: "InsufficientHistory", message: "needs 30m" },
      ],
      NOW,
      4,
    );
    assert.deepEqual(
      out.map((c) => [c.type, c.lastTransitionTime, c.message]),
      [
        ["ForecastDegraded", NOW, "no data"],
        ["ForecastReady", EARLIER, "needs 30m"],
      ],
    );
    assert.deepEqual(previous, before);
  });

  it("leaves observedGeneration out without a generation", () => {
    const out = mergeConditions(
      previous,
      [{ type: "Ready", status: "True", reason: "R", message: "m" }],
      NOW,
      undefined,
    );
    assert.equal("observedGeneration" in (out[0] ?? {}), false);
    assert.equal(out[0]?.lastTransitionTime, EARLIER);
  });
});

describe("isoSeconds", () => {
  it("writes RFC 3339 UTC with whole seconds, as Kubernetes does", () => {
    assert.equal(isoSeconds(Date.UTC(2026, 0, 1, 12, 0, 5, 789)), "2026-01-01T12:00:05Z");
    assert.equal(isoSeconds(Date.UTC(2026, 6, 31, 23, 59, 59)), "2026-07-31T23:59:59Z");
  });
});
