/**
 * The ReviewSource helpers: history through the MetricsSource port (chunked on the step grid,
 * one series only, unknown subjects refused), the stores routed by subject kind, and config
 * targets as the API shows them.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configTargetViews, reviewSourceOf, sourceHistory } from "../../src/api/reviewSource.js";
import { ForecastStore } from "../../src/forecast/store.js";
import { FakeSource } from "../../src/metrics/fakeSource.js";

const NOW = Date.parse("2025-06-02T08:00:30Z");

describe("sourceHistory", () => {
  it("asks for the window in chunks on the step grid and returns the points", async () => {
    const source = new FakeSource({
      range: {
        "sum(rate(x[1m]))": [
          {
            labels: {},
            points: [
              [1, 2],
              [3, 4],
            ],
          },
        ],
      },
    });
    const history = sourceHistory({
      source,
      clock: { now: () => NOW },
      queryOf: async (s) => (s.id === "a/b" ? { query: "sum(rate(x[1m]))", stepSeconds: 60 } : undefined),
      maxPointsPerRequest: 10,
    });
    const points = await history({ kind: "PredictiveScaler", id: "a/b" }, NOW - 25 * 60_000);
    const calls = source.calls.filter((c) => c.method === "range") as { start: Date; end: Date }[];
    // 25 minutes of 1-minute steps (26 points, both ends on the grid) in chunks of 10 points.
    assert.equal(calls.length, 3);
    const end = Math.floor(NOW / 60_000) * 60_000;
    assert.equal(calls[0]?.start.getTime(), end - 24 * 60_000);
    assert.equal(calls[0]?.end.getTime(), end - 15 * 60_000);
    assert.equal(calls[2]?.end.getTime(), end);
    assert.equal(points.length, 6, "each chunk's answer is kept");
    await assert.rejects(
      history({ kind: "ForecastTarget", id: "zz" }, NOW - 60_000),
      /ForecastTarget zz has no demand query/,
    );
  });

  it("refuses a query that returns several series, naming the subject", async () => {
    const source = new FakeSource({
      range: {
        q: [
          { labels: { pod: "a" }, points: [] },
          { labels: { pod: "b" }, points: [] },
        ],
      },
    });
    const history = sourceHistory({
      source,
      clock: { now: () => NOW },
      queryOf: () => ({ query: "q", stepSeconds: 60 }),
    });
    await assert.rejects(
      history({ kind: "ForecastTarget", id: "t" }, NOW - 600_000),
      /ForecastTarget t returned 2 series/,
    );
  });
});

describe("reviewSourceOf", () => {
  it("routes forecasts to the scalers' or the targets' store by kind", () => {
    const scalers = new ForecastStore();
    const targets = new ForecastStore();
    scalers.recordNotReady("x", "scaler store", 1, 0);
    targets.recordNotReady("x", "target store", 1, 0);
    const source = reviewSourceOf({
      scalers: () => [],
      targets: configTargetViews([
        { name: "x", query: "up", quantiles: [0.5, 0.9], horizon: 3_600_000, step: 30_000 },
      ]),
      scalerStore: scalers,
      targetStore: targets,
      history: async () => [],
      clock: { now: () => 0 },
    });
    const reason = (kind: "PredictiveScaler" | "ForecastTarget") => {
      const r = source.forecast({ kind, id: "x" })?.readiness;
      return r && !r.ready ? r.reason : undefined;
    };
    assert.equal(reason("PredictiveScaler"), "scaler store");
    assert.equal(reason("ForecastTarget"), "target store");
    assert.deepEqual(source.targets(), [
      { name: "x", query: "up", quantiles: [0.5, 0.9], horizonMs: 3_600_000, stepSeconds: 30 },
    ]);
    assert.equal(source.decisions, undefined);
  });
});
