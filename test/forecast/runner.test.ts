import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { History, HistoryTarget } from "../../src/forecast/history.js";
import {
  type ForecastFn,
  type ForecastTarget,
  notReadyText,
  type PrepareFn,
  type RunnerDeps,
  runTarget,
  selectedNames,
} from "../../src/forecast/runner.js";
import { ForecastStore } from "../../src/forecast/store.js";
import type { Model, Series } from "../../src/forecast/types.js";

const STEP = 300;
const target: ForecastTarget = {
  name: "web",
  query: "sum(rate(x[5m]))",
  stepSeconds: STEP,
  historyMs: 86_400_000,
  horizonMs: 3_600_000,
  quantiles: [0.5, 0.9],
};

const model = (name: string): Model => ({
  name,
  readiness: () => ({ ready: true }),
  fit: () => Promise.reject(new Error("not used")),
});

/** Points 0..n-1 at the step grid, value = index. */
function history(n: number): History {
  const points: [number, number][] = [];
  for (let i = 0; i < n; i++) points.push([i * STEP * 1000, i]);
  return { points, startMs: 0, endMs: (n - 1) * STEP * 1000, requests: 1 };
}

const prepare: PrepareFn = (points, { stepSeconds }) => ({
  series: { startMs: points[0]?.[0] ?? 0, stepSeconds, values: Float64Array.from(points.map((p) => p[1])) },
  masked: { gaps: 2, outagePoints: 1 },
});

interface Call {
  models: string[];
  horizonSteps: number;
  quantiles: number[];
  backtestWindows?: number;
  last: number;
}

/** A fake engine: the path of quantile q is (last value + 1) * q * 10 at every step. */
function fakeForecast(
  calls: Call[],
  overrides: { notReady?: { reason: string; needMoreSeconds: number } } = {},
): ForecastFn {
  return async (series: Series, options) => {
    const last = series.values[series.values.length - 1] ?? 0;
    calls.push({
      models: options.models.map((m) => m.name),
      horizonSteps: options.horizonSteps,
      quantiles: options.quantiles,
      ...(options.backtestWindows !== undefined ? { backtestWindows: options.backtestWindows } : {}),
      last,
    });
    const startMs = series.startMs + series.values.length * series.stepSeconds * 1000;
    const n = options.horizonSteps;
    const picked = options.models.at(-1)?.name ?? "none";
    return {
      forecast: {
        startMs,
        stepSeconds: series.stepSeconds,
        mean: new Float64Array(n).fill(last),
        quantiles: new Map(options.quantiles.map((q) => [q, new Float64Array(n).fill((last + 1) * q * 10)])),
      },
      model: picked,
      scores: Object.fromEntries(
        options.models.map((m, i) => [
          m.name,
          { scaledPinball: 1 - i / 10, coverage: 0.9, mase: 1, fitSeconds: 0.01, ready: true },
        ]),
      ),
      calibration: { "0.9": 1.05 },
      ...overrides,
    };
  };
}

function deps(
  n: number,
  forecast: ForecastFn,
  store = new ForecastStore(),
): RunnerDeps & { fetched: HistoryTarget[] } {
  const fetched: HistoryTarget[] = [];
  return {
    fetched,
    fetchHistory: async (t) => {
      fetched.push(t);
      return history(n);
    },
    prepare,
    forecast,
    models: () => [model("naive"), model("seasonal_naive"), model("mstl")],
    store,
    clock: { now: () => 1_000_000_000 },
  };
}

describe("runTarget", () => {
  it("full run: history → prepare → every model → store with model, scores and data range", async () => {
    const calls: Call[] = [];
    const d = deps(300, fakeForecast(calls));
    const state = await runTarget(target, d, { kind: "full", extraSteps: 4 });
    assert.equal(d.fetched[0]?.query, target.query);
    assert.deepEqual(calls[0], {
      models: ["naive", "seasonal_naive", "mstl"],
      horizonSteps: 12 + 4,
      quantiles: [0.5, 0.9],
      last: 299,
    });
    assert.equal(state.readiness.ready, true);
    const f = state.forecast;
    assert.equal(f?.model, "mstl");
    assert.equal(f?.kind, "full");
    assert.deepEqual(f?.quantiles["0.9"]?.slice(0, 2), [2700, 2700]);
    assert.deepEqual(f?.data, { startMs: 0, endMs: 299 * STEP * 1000, points: 300, masked: 3 });
    assert.deepEqual(Object.keys(f?.scores ?? {}), ["naive", "seasonal_naive", "mstl"]);
  });

  it("update run: only the last selected model, short backtest, other scores kept", async () => {
    const calls: Call[] = [];
    const store = new ForecastStore();
    await runTarget(target, deps(300, fakeForecast(calls), store), { kind: "full" });
    const state = await runTarget(target, deps(310, fakeForecast(calls), store), { kind: "update" });
    assert.deepEqual(calls[1]?.models, ["mstl"]);
    assert.equal(calls[1]?.backtestWindows, 2);
    assert.equal(state.forecast?.kind, "update");
    assert.deepEqual(state.forecast?.quantiles["0.5"]?.[0], 1550);
    assert.deepEqual(Object.keys(state.forecast?.scores ?? {}).sort(), ["mstl", "naive", "seasonal_naive"]);
  });

  it("update without a previous selection is a full run", async () => {
    const calls: Call[] = [];
    const state = await runTarget(target, deps(300, fakeForecast(calls)), { kind: "update" });
    assert.equal(calls[0]?.models.length, 3);
    assert.equal(state.forecast?.kind, "full");
  });

  it("restricts the candidates to the target's models, and names unknown ones", async () => {
    const calls: Call[] = [];
    await runTarget({ ...target, models: ["naive"] }, deps(300, fakeForecast(calls)), { kind: "full" });
    assert.deepEqual(calls[0]?.models, ["naive"]);
    await assert.rejects(
      runTarget({ ...target, models: ["prophet"] }, deps(300, fakeForecast(calls)), { kind: "full" }),
      /none of the models \["prophet"\] exists; known: naive, seasonal_naive, mstl/,
    );
  });

  it("the engine's not-ready answer becomes 'not ready: <reason>, needs X more'", async () => {
    const d = deps(
      100,
      fakeForecast([], {
        notReady: { reason: "needs 2 days of history for a daily pattern", needMoreSeconds: 90_000 },
      }),
    );
    const state = await runTarget(target, d, { kind: "full" });
    assert.deepEqual(state.readiness, {
      ready: false,
      reason: "not ready: needs 2 days of history for a daily pattern, needs 25h more history",
      needMoreSeconds: 90_000,
    });
    assert.equal(state.forecast, undefined);
  });

  it("minHistory is checked before the engine runs", async () => {
    const calls: Call[] = [];
    const state = await runTarget({ ...target, minHistoryMs: 2 * 3_600_000 }, deps(12, fakeForecast(calls)), {
      kind: "full",
    });
    assert.equal(calls.length, 0);
    assert.equal(state.readiness.ready, false);
    assert.match(
      state.readiness.ready ? "" : state.readiness.reason,
      /has 1h of history, minHistory is 2h, needs 1h more history/,
    );
  });

  it("records a failure in the store (previous forecast kept) and rethrows", async () => {
    const store = new ForecastStore();
    await runTarget(target, deps(300, fakeForecast([]), store), { kind: "full" });
    const failing: RunnerDeps = {
      ...deps(300, fakeForecast([]), store),
      fetchHistory: () => Promise.reject(new Error("Prometheus down")),
    };
    await assert.rejects(runTarget(target, failing, { kind: "update" }), /Prometheus down/);
    assert.equal(store.get("web")?.lastError?.message, "Prometheus down");
    assert.equal(store.get("web")?.forecast?.model, "mstl");
  });

  it("an aborted run does not store its result", async () => {
    const store = new ForecastStore();
    const controller = new AbortController();
    const forecast: ForecastFn = async (s, o) => {
      controller.abort(new Error("timeout"));
      return fakeForecast([])(s, o);
    };
    await assert.rejects(
      runTarget(target, deps(300, forecast, store), { kind: "full", signal: controller.signal }),
      /abandoned \(timeout\)/,
    );
    assert.equal(store.get("web")?.forecast, undefined);
  });

  it("notReadyText", () => {
    assert.equal(notReadyText("too short", 0), "not ready: too short");
    assert.equal(notReadyText("too short", 5400), "not ready: too short, needs 1h30m more history");
  });
});

describe("selectedNames", () => {
  for (const [model, want] of [
    [undefined, []],
    ["mstl", ["mstl"]],
    ["ensemble(mstl,dsp)", ["mstl", "dsp"]],
  ] as const) {
    it(String(model), () => assert.deepEqual(selectedNames(model), want));
  }
});
