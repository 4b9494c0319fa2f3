import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lastRecommendation } from "../../src/actuator/statusOf.js";

const T0 = Date.UTC(2026, 0, 1, 12);

describe("status.lastRecommendation", () => {
  it("is what a usable forecast asks for now, with the time", () => {
    assert.deepEqual(lastRecommendation({ usable: true, forecastReplicas: 7 }, {}, T0), {
      replicas: 7,
      time: "2026-01-01T12:00:00Z",
    });
  });

  it("keeps the last one through a fallback or while pending, even when recommendedReplicas is empty", () => {
    const before = { replicas: 9, time: "2026-01-01T11:55:00Z" };
    const previous = { recommendedReplicas: 9, lastRecommendation: before };
    // Release fallback: no recommendation now.
    assert.deepEqual(
      lastRecommendation({ usable: false, forecastReplicas: undefined }, previous, T0),
      before,
    );
    // Hold fallback: the held value is not a new forecast's recommendation.
    assert.deepEqual(lastRecommendation({ usable: false, forecastReplicas: 9 }, previous, T0), before);
  });

  it("is removed (null) when no forecast was ever usable", () => {
    assert.equal(lastRecommendation({ usable: false, forecastReplicas: undefined }, {}, T0), null);
  });
});
