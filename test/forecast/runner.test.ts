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

/** Steps 0..n-1 on the step grid, mean = index. */
function history(n: number): History {
  const steps: [number, number][] = [];
  for (let i = 0; i < n; i++) steps.push([i * STEP * 1000, i]);
  return { steps, lastSample: steps.at(-1), startMs: 0, endMs: n * STEP * 1000, requests: 1 };
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
  overrides: { notReady?: { reason: string; needMoreSeconds: number }; servedBecause?: string } = {},
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

  it("keeps the engine's word on which model serves and why, and carries it through cheap updates", async () => {
    const store = new ForecastStore();
    const why = "mstl: 3 days of history, best in the backtest";
    const full = await runTarget(target, deps(300, fakeForecast([], { servedBecause: why }), store), {
      kind: "full",
    });
    assert.equal(full.forecast?.servedBecause, why);
    const update = await runTarget(target, deps(310, fakeForecast([]), store), { kind: "update" });
    assert.equal(update.forecast?.kind, "update");
    assert.equal(update.forecast?.servedBecause, why);
    const next = await runTarget(target, deps(320, fakeForecast([]), store), { kind: "full" });
    assert.equal(next.forecast?.servedBecause, undefined, "a full run without a reason keeps no stale one");
  });

  it("update run with a stored choice: the same members, weights and calibration, no backtest", async () => {
    const seen: { reuse?: unknown; backtestWindows?: number }[] = [];
    const store = new ForecastStore();
    const base = fakeForecast([]);
    const calibrationState = { horizonSteps: 12, residuals: 100, offsets: { "0.9": [0.1] } };
    const forecast: ForecastFn = async (series, o) => {
      seen.push({
        reuse: o.reuse,
        ...(o.backtestWindows !== undefined ? { backtestWindows: o.backtestWindows } : {}),
      });
      const r = await base(series, o);
      return { ...r, members: [{ name: "mstl", weight: 1 }], calibrationState };
    };
    await runTarget(target, deps(300, forecast, store), { kind: "full" });
    assert.deepEqual(store.get("web")?.forecast?.members, [{ name: "mstl", weight: 1 }]);
    assert.deepEqual(store.get("web")?.forecast?.calibrationState, calibrationState);
    await runTarget(target, deps(301, forecast, store), { kind: "update" });
    const reuse = seen[1]?.reuse as { members: unknown; calibration: { offsets: Map<number, Float64Array> } };
    assert.deepEqual(reuse.members, [{ name: "mstl", weight: 1 }]);
    assert.deepEqual(Array.from(reuse.calibration.offsets.get(0.9) ?? []), [0.1]);
    assert.equal(seen[1]?.backtestWindows, undefined);
    // A horizon the stored calibration was not fitted for is not reused.
    await runTarget(target, deps(302, forecast, store), { kind: "update", extraSteps: 3 });
    assert.equal(seen[2]?.reuse, undefined);
    assert.equal(seen[2]?.backtestWindows, 2);
  });

  it("tracks live coverage of the served quantile from run to run", async () => {
    const store = new ForecastStore();
    const served = { ...target, servedQuantile: 0.9, accuracySteps: 2 };
    // The fake's q0.9 is (last + 1) · 9; the mean is the last value.
    await runTarget(served, deps(300, fakeForecast([]), store), { kind: "full" });
    const first = store.get("web")?.forecast;
    assert.deepEqual(first?.tracker, { quantile: 0.9, offset: 0, throughMs: 299 * STEP * 1000 });
    // Step 300's mean (300) lies below what was served for it (2709): a hit lowers the offset.
    await runTarget(served, deps(301, fakeForecast([]), store), { kind: "update" });
    const second = store.get("web")?.forecast;
    assert.equal(second?.tracker?.throughMs, 300 * STEP * 1000);
    assert.ok(Math.abs((second?.tracker?.offset ?? 0) + 0.01) < 1e-12, JSON.stringify(second?.tracker));
    // The served path carries it: raw 2709 lowered by 1 % of the level (300).
    assert.ok(Math.abs((second?.quantiles["0.9"]?.[0] ?? 0) - (301 * 9 - 0.01 * 300)) < 1e-9);
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
