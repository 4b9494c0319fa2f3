/**
 * foresight_forecast{target, quantile, horizon} for config-file targets, from the ForecastStore: the
 * window max over [now, now + horizon], 404 naming what is served, 503 with the reason.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { apiResourceListDoc } from "../../../src/adapter/discoveryDocs.js";
import { forecastMetric } from "../../../src/adapter/forecastMetric/builtin.js";
import { FORECAST_METRIC } from "../../../src/adapter/forecastMetric/name.js";
import { targetMetricValues, windowMax } from "../../../src/adapter/forecastMetric/targets.js";
import { SeriesRegistry } from "../../../src/adapter/seriesRegistry.js";
import { ForecastStore, type StoredForecast } from "../../../src/forecast/store.js";
import { parseLabelSelector } from "../../../src/k8s/labelSelector.js";
import { ApiError } from "../../../src/k8s/status.js";

const STEP_MS = 300_000;
const T0 = 1_700_000_000_000;

/** A path rising by 1 per step from `base`, p90 = p50 + 10. */
function forecast(steps: number, base = 0): StoredForecast {
  const p50 = Array.from({ length: steps }, (_, i) => base + i);
  return {
    startMs: T0,
    stepSeconds: STEP_MS / 1000,
    mean: p50,
    quantiles: { "0.5": p50, "0.9": p50.map((v) => v + 10) },
    model: "mstl",
    scores: {},
    calibration: {},
    computedAtMs: T0 - 60_000,
    kind: "full",
    data: { startMs: 0, endMs: T0 - STEP_MS, points: 1, masked: 0 },
  };
}

const targets = [
  { name: "web", horizonMs: 3_600_000, quantiles: [0.5, 0.9] },
  { name: "batch", horizonMs: 1_800_000, quantiles: [0.9] },
];

function setup(nowMs: number) {
  const store = new ForecastStore();
  return { store, opts: { targets, store, clock: { now: () => nowMs } } };
}

function status(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return err;
  }
  assert.fail("expected an ApiError");
}

describe("windowMax", () => {
  const f = forecast(24);
  const p = f.quantiles["0.5"] as number[];
  for (const [name, now, horizon, want] of [
    ["window at the start", T0, 3_600_000, 12],
    ["now inside step 3 keeps step 3", T0 + 3 * STEP_MS + 1000, 3_600_000, 15],
    ["now before the path", T0 - 10_000, 1_800_000, 5],
    ["stale: path ends before now + horizon", T0 + 20 * STEP_MS, 3_600_000, undefined],
  ] as const) {
    it(name, () => assert.equal(windowMax(f, p, now, horizon), want));
  }
  it("a decreasing path gives its value at now, not later", () => {
    const down = [...p].reverse();
    assert.equal(windowMax(f, down, T0 + 2 * STEP_MS, 3_600_000), 21);
  });
});

describe("foresight_forecast values", () => {
  it("one item per matching (target, quantile, horizon), value = max over [now, now + horizon]", () => {
    const { store, opts } = setup(T0 + 5_000);
    store.recordForecast("web", forecast(30, 100), T0);
    store.recordForecast("batch", forecast(30, 7), T0);
    const items = targetMetricValues(opts, parseLabelSelector("target=web"));
    assert.deepEqual(
      items.map((i) => [i.metricName, i.metricLabels, i.value]),
      [
        [FORECAST_METRIC, { target: "web", quantile: "0.5", horizon: "1h" }, "112"],
        [FORECAST_METRIC, { target: "web", quantile: "0.9", horizon: "1h" }, "122"],
      ],
    );
    const one = targetMetricValues(opts, parseLabelSelector("target=batch,quantile=0.9"));
    assert.deepEqual(
      one.map((i) => [i.metricLabels, i.value]),
      [[{ target: "batch", quantile: "0.9", horizon: "30m" }, "23"]],
    );
    assert.equal(targetMetricValues(opts, parseLabelSelector("quantile=0.9")).length, 2);
  });

  it("404 naming what is served when nothing matches", () => {
    const { opts } = setup(T0);
    const err = status(() => targetMetricValues(opts, parseLabelSelector("target=web,quantile=0.99")));
    assert.equal(err.code, 404);
    assert.match(
      err.message,
      /served are target=web,quantile=0.5,horizon=1h; .*target=batch,quantile=0.9,horizon=30m/,
    );
  });

  it("503 with the reason when not ready, never a value", () => {
    const { store, opts } = setup(T0);
    store.recordNotReady("web", "not ready: needs 2 days of history, needs 1h more history", 3600, T0);
    const err = status(() => targetMetricValues(opts, parseLabelSelector("target=web,quantile=0.9")));
    assert.equal(err.code, 503);
    assert.match(err.message, /target web: not ready: needs 2 days of history, needs 1h more history/);
  });

  it("503 before the first run and when stale (with the last error)", () => {
    const { store, opts } = setup(T0 + 10 * STEP_MS);
    assert.match(
      status(() => targetMetricValues(opts, parseLabelSelector("target=web"))).message,
      /no forecast yet/,
    );
    store.recordForecast("web", forecast(15), T0);
    store.recordError("web", "Prometheus unavailable", T0 + 60_000);
    const err = status(() => targetMetricValues(opts, parseLabelSelector("target=web")));
    assert.equal(err.code, 503);
    assert.match(err.message, /forecast is stale .*last run failed: Prometheus unavailable/);
  });

  it("the discovery document lists it beside discovered metrics", () => {
    const doc = apiResourceListDoc("external.metrics.k8s.io", "v1beta1", SeriesRegistry.empty(), [
      FORECAST_METRIC,
    ]) as {
      resources: { name: string; kind: string }[];
    };
    assert.deepEqual(
      doc.resources.map((r) => [r.name, r.kind]),
      [[FORECAST_METRIC, "ExternalMetricValueList"]],
    );
  });

  it("is what the built-in answers when forecast targets are configured", async () => {
    const { store, opts } = setup(T0 + 5_000);
    store.recordForecast("web", forecast(30, 100), T0);
    const builtin = forecastMetric({ forecasts: { targets, store }, clock: opts.clock });
    assert.equal(builtin.name, FORECAST_METRIC);
    assert.equal(builtin.listed(), true);
    const items = await builtin.getMetric({
      namespace: "default",
      metricName: FORECAST_METRIC,
      labelSelector: parseLabelSelector("target=web,quantile=0.5"),
    });
    assert.deepEqual(
      items.map((i) => i.value),
      ["112"],
    );
    assert.equal(forecastMetric({ clock: opts.clock }).listed(), false);
  });
});
