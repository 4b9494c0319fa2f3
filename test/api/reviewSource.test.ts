/**
 * The ReviewSource helpers: history through the MetricsSource port (chunked on the step grid,
 * one series only, unknown subjects refused), the stores routed by subject kind, and config
 * targets as the API shows them.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configTargetViews, reviewSourceOf, sourceHistory } from "../../src/api/reviewSource.js";
import { ForecastStore, type StoredForecast } from "../../src/forecast/store.js";
import { gridSource } from "../harness/gridSource.js";

const NOW = Date.parse("2025-06-02T08:00:30Z");

describe("sourceHistory", () => {
  it("samples the window a few times a step, in chunks, and returns the finished steps' means", async () => {
    const end = Math.floor(NOW / 60_000) * 60_000;
    // No sample at all in the step starting 10 minutes before the last one.
    const gapStep = end - 11 * 60_000;
    const { source, calls } = gridSource({ gap: (t) => t > gapStep && t <= gapStep + 60_000 });
    const history = sourceHistory({
      source,
      clock: { now: () => NOW },
      queryOf: async (s) => (s.id === "a/b" ? { query: "sum(rate(x[1m]))", stepSeconds: 60 } : undefined),
      maxPointsPerRequest: 10,
    });
    const points = await history({ kind: "PredictiveScaler", id: "a/b" }, NOW - 25 * 60_000);
    // 15 s samples (four a step) from the first step's first sample to the last sample time.
    assert.ok(
      calls.every((c) => c.step === 15 && c.points <= 10),
      JSON.stringify(calls),
    );
    assert.equal(calls[0]?.start, end - 24 * 60_000 + 15_000);
    assert.equal(calls.at(-1)?.end, Math.floor(NOW / 15_000) * 15_000);
    // Steps from 24 minutes before the step in progress to the last finished one; the gap is NaN.
    assert.equal(points.length, 24);
    assert.equal(points[0]?.[0], end - 24 * 60_000);
    assert.equal(points.at(-1)?.[0], end - 60_000);
    for (const [t, v] of points)
      if (t === gapStep) assert.ok(Number.isNaN(v));
      else assert.equal(v, (t + 37_500) / 1000, "the mean of the samples at +15, +30, +45, +60 s");
    await assert.rejects(
      history({ kind: "ForecastTarget", id: "zz" }, NOW - 60_000),
      /ForecastTarget zz has no demand query/,
    );
  });

  it("refuses a query that returns several series, naming the subject", async () => {
    const { source } = gridSource({ seriesCount: 2 });
    const history = sourceHistory({
      source,
      clock: { now: () => NOW },
      queryOf: () => ({ query: "q", stepSeconds: 60 }),
    });
    await assert.rejects(
      history({ kind: "ForecastTarget", id: "t" }, NOW - 600_000),
      /the demand query of ForecastTarget t: query must return one series; got 2/,
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

  it("keeps the forecasts it reads, spaced, and answers the earlier ones reaching into a window", () => {
    const store = new ForecastStore();
    const source = reviewSourceOf({
      scalers: () => [],
      targets: [],
      scalerStore: store,
      history: async () => [],
      clock: { now: () => 0 },
    });
    const ref = { kind: "PredictiveScaler" as const, id: "ns/web" };
    const MIN = 60_000;
    // a 60-step forecast every minute for 3 hours, read each time: a horizon (60 min) holds 6 kept ones
    for (let m = 0; m <= 180; m++) {
      const at = m * MIN;
      store.recordForecast("ns/web", forecastAt(at, 60), at);
      source.forecast(ref);
    }
    const past = source.pastForecasts?.(ref, 0, 180 * MIN) ?? [];
    assert.deepEqual(
      past.map((p) => p.computedAtMs / MIN),
      Array.from({ length: 18 }, (_, k) => k * 10),
    );
    // only those whose path (60 min from a minute after they were made) reaches past the window's start
    const recent = source.pastForecasts?.(ref, 120 * MIN, 180 * MIN) ?? [];
    assert.deepEqual(
      recent.map((p) => p.computedAtMs / MIN),
      [60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170],
    );
    assert.deepEqual(source.pastForecasts?.({ kind: "ForecastTarget", id: "ns/web" }, 0, 1e12), []);
  });

  it("keeps every forecast the stores record, not only those read, for either kind of subject", () => {
    const scalers = new ForecastStore();
    const targets = new ForecastStore();
    const source = reviewSourceOf({
      scalers: () => [],
      targets: [],
      scalerStore: scalers,
      targetStore: targets,
      history: async () => [],
      clock: { now: () => 0 },
    });
    const MIN = 60_000;
    // Nobody reads the API while the forecasts are made: every 10 minutes for an hour.
    for (let m = 0; m <= 60; m += 10) {
      scalers.recordForecast("ns/web", forecastAt(m * MIN, 60), m * MIN);
      targets.recordForecast("queue", forecastAt(m * MIN, 60), m * MIN);
    }
    const made = [0, 10, 20, 30, 40, 50, 60];
    const scaler = source.pastForecasts?.({ kind: "PredictiveScaler", id: "ns/web" }, 0, 60 * MIN) ?? [];
    assert.deepEqual(
      scaler.map((p) => p.computedAtMs / MIN),
      made.filter((m) => m < 60),
    );
    const target = source.pastForecasts?.({ kind: "ForecastTarget", id: "queue" }, 0, 60 * MIN) ?? [];
    assert.deepEqual(
      target.map((p) => p.computedAtMs / MIN),
      made.filter((m) => m < 60),
    );
  });

  it("samples the workload's replicas at each read: changes always, an unchanged value once a minute", async () => {
    let now = 0;
    let replicas: number | undefined = 3;
    const source = reviewSourceOf({
      scalers: () => [],
      targets: [],
      history: async () => [],
      workloadReplicas: async (id) => (id === "ns/web" ? replicas : undefined),
      clock: { now: () => now },
    });
    const ref = { kind: "PredictiveScaler" as const, id: "ns/web" };
    const read = () => source.actualReplicas?.(ref, 0);
    for (const [t, r] of [
      [0, 3],
      [30_000, 3],
      [45_000, 4],
      [60_000, 4],
      [120_000, 4],
      [130_000, undefined],
    ] as const) {
      now = t;
      replicas = r;
      await read();
    }
    assert.deepEqual(await source.actualReplicas?.(ref, 40_000), [
      [45_000, 4],
      [120_000, 4],
    ]);
    assert.deepEqual(await source.actualReplicas?.({ kind: "ForecastTarget", id: "ns/web" }, 0), []);
    const without = reviewSourceOf({
      scalers: () => [],
      targets: [],
      history: async () => [],
      clock: { now: () => 0 },
    });
    assert.equal(without.actualReplicas, undefined);
  });
});

/** A forecast made at `atMs`: `steps` one-minute steps from a minute later. */
function forecastAt(atMs: number, steps: number): StoredForecast {
  const path = Array.from({ length: steps }, (_, i) => 10 + i);
  return {
    startMs: atMs + 60_000,
    stepSeconds: 60,
    mean: path,
    quantiles: { "0.9": path.map((v) => v + 2) },
    model: "ets",
    scores: {},
    calibration: {},
    computedAtMs: atMs,
    kind: "full",
    data: { startMs: atMs - 86_400_000, endMs: atMs, points: 1440, masked: 0 },
  };
}
