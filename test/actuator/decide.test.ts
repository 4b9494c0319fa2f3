/**
 * decide(): one scaler's decision from hand-built forecast-store fixtures, with replicas worked out
 * by hand from known quantile paths (5-minute steps, capacity 50 per replica).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type DecideInput, type Decision, decide } from "../../src/actuator/decide.js";
import { initialPlannerState } from "../../src/actuator/planner.js";
import { type ScalerSpec, scalerSpec, validatePredictiveScalerSpec } from "../../src/actuator/spec.js";
import { seededRandom } from "../../src/forecast/random.js";
import type { StoredForecast, TargetState } from "../../src/forecast/store.js";

const MIN = 60_000;
const STEP = 5 * MIN;
const T0 = Date.UTC(2026, 0, 1, 12);

/** A defaulted, parsed spec (leadTime 5m, horizon 1h, step 5m, quantile 0.9, Release, Honor) with overrides. */
function spec(over: Record<string, unknown> = {}): ScalerSpec {
  const result = validatePredictiveScalerSpec({
    targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
    demand: { query: "sum(rate(http_requests_total[2m]))" },
    capacityPerReplica: 50,
    maxReplicas: 40,
    ...over,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return scalerSpec(result.value);
}

/**
 * p90 path from T0, one value per 5 minutes:
 * index 0 (T0) 300, 1 (T0+5m) 480, 2 (T0+10m) 700, 8 (T0+40m) 900 (the peak within 1 h),
 * 13 (T0+65m) 2000 (past the 1 h horizon), the rest 100. 14 steps: the path ends at T0+70m.
 */
const P90 = [300, 480, 700, 100, 100, 100, 100, 100, 900, 100, 100, 100, 100, 2000];

function forecast(values: readonly number[] = P90, over: Partial<StoredForecast> = {}): StoredForecast {
  return {
    startMs: T0,
    stepSeconds: STEP / 1000,
    mean: values.map((v) => v * 0.8),
    // The median is deliberately different: decide must read the spec's quantile (0.9).
    quantiles: { "0.5": values.map(() => 1), "0.9": values },
    model: "holt-winters",
    scores: {},
    calibration: {},
    computedAtMs: T0 - STEP,
    kind: "update",
    data: { startMs: T0 - 14 * 86_400_000, endMs: T0, points: 4032, masked: 0 },
    ...over,
  };
}

function ready(f: StoredForecast = forecast(), over: Partial<TargetState> = {}): TargetState {
  return { target: "shop/web", forecast: f, readiness: { ready: true }, errorCount: 0, ...over };
}

function input(over: Partial<DecideInput> = {}): DecideInput {
  return {
    spec: spec(),
    nowMs: T0,
    forecast: ready(),
    lastDataMs: T0 - MIN,
    compared: { actuals: [], served: [] },
    reactiveReplicas: 0,
    plannerState: initialPlannerState(),
    lastForecastReplicas: undefined,
    lastNodePods: undefined,
    ...over,
  };
}

function condition(d: Decision, type: string) {
  return d.conditions.find((c) => c.type === type);
}

/** 12 compared steps with `under` of them above the served forecast. */
function comparedWith(under: number) {
  const served = Array<number>(12).fill(100);
  return { served, actuals: served.map((_, i) => (i < under ? 150 : 90)) };
}

describe("decide: forecast in use", () => {
  it("sizes for the p90 peak within the lead time: max(300, 480) ÷ 50 = 9.6 → 10", () => {
    const d = decide(input());
    assert.equal(d.usable, true);
    assert.equal(d.peak, 480);
    assert.equal(d.forecastReplicas, 10);
    assert.equal(d.desiredReplicas, 10);
    assert.equal(d.nodePods, undefined, "nodes.mode None reserves nothing");
    assert.equal(d.model, "holt-winters");
    assert.equal(d.plannerState.lastForecastReplicas, 10, "the planner's new state is returned");
    const r = condition(d, "Ready");
    assert.deepEqual([r?.status, r?.reason], ["True", "ForecastInUse"]);
    assert.match(r?.message ?? "", /peak 480 within 5m ÷ 50 per replica = 10/);
    assert.equal(d.conditions[0]?.type, "Ready", "Ready comes first");
    assert.equal(condition(d, "ForecastReady")?.status, "True");
    // No compared steps yet: the accuracy gate says nothing.
    assert.deepEqual(
      [condition(d, "ForecastDegraded")?.status, condition(d, "ForecastDegraded")?.reason],
      ["Unknown", "TooFewSteps"],
    );
  });

  it("follows the lead time and the quantile of the spec", () => {
    // leadTime 10m: steps 0..2 → 700 ÷ 50 = 14.
    assert.equal(decide(input({ spec: spec({ leadTime: "10m" }) })).forecastReplicas, 14);
    // quantile 0.5 reads the median path (all 1) → 1 replica (minReplicas).
    assert.equal(decide(input({ spec: spec({ quantile: 0.5 }) })).forecastReplicas, 1);
    // capacityPerReplica as a quantity string: 480 ÷ 25 = 19.2 → 20.
    assert.equal(decide(input({ spec: spec({ capacityPerReplica: "25" }) })).forecastReplicas, 20);
  });

  it("caps at maxReplicas under Honor and lets the forecast past it under Increase, within the buffer", () => {
    assert.equal(decide(input({ spec: spec({ maxReplicas: 8 }) })).forecastReplicas, 8);
    const inc = decide(
      input({ spec: spec({ maxReplicas: 8, maxCapacityBreach: "Increase", maxCapacityBuffer: 50 }) }),
    );
    assert.equal(inc.forecastReplicas, 10);
    assert.equal(inc.desiredReplicas, 10);
    // 8 + 20 % of 8 = 9.6 → 9: the bound applies, and the reason says so.
    const bounded = decide(
      input({ spec: spec({ maxReplicas: 8, maxCapacityBreach: "Increase", maxCapacityBuffer: 20 }) }),
    );
    assert.equal(bounded.forecastReplicas, 9);
    assert.match(bounded.reason, /capped at 9: maxReplicas 8 \+ maxCapacityBuffer 20%/);
  });

  it("takes the reactive path when it asks for more", () => {
    const d = decide(input({ reactiveReplicas: 13 }));
    assert.equal(d.forecastReplicas, 10);
    assert.equal(d.desiredReplicas, 13);
  });

  it("slows a decrease with the scale-down delay, carrying the planner state", () => {
    const first = decide(input());
    assert.equal(first.forecastReplicas, 10);
    // 15 min later the window [T0+15m, T0+20m] holds 100, 100 → 2, but the 10-minute delay holds 10.
    const later = decide(
      input({ nowMs: T0 + 15 * MIN, lastDataMs: T0 + 14 * MIN, plannerState: first.plannerState }),
    );
    assert.equal(later.usable, true);
    assert.equal(later.peak, 100);
    assert.equal(later.forecastReplicas, 10);
    assert.match(later.reason, /held 10 during scale-down delay 10m/);
  });
});

describe("decide: nodePods", () => {
  // nodes.leadTime 10m (default): window [T0, T0+10m] covers steps 0..2, peak 700 → 14 pods.
  it("reserves pods for the peak within nodes.leadTime", () => {
    const d = decide(input({ spec: spec({ nodes: { mode: "Placeholder" } }) }));
    assert.equal(d.forecastReplicas, 10);
    assert.equal(d.nodePods, 14);
  });

  it("caps pods at maxReplicas under Honor, not under Increase", () => {
    const honor = decide(input({ spec: spec({ maxReplicas: 12, nodes: { mode: "CapacityBuffer" } }) }));
    assert.equal(honor.nodePods, 12);
    assert.equal(honor.forecastReplicas, 10);
    const increase = decide(
      input({
        spec: spec({
          maxReplicas: 12,
          maxCapacityBreach: "Increase",
          maxCapacityBuffer: 100,
          nodes: { mode: "CapacityBuffer" },
        }),
      }),
    );
    assert.equal(increase.nodePods, 14);
    const bounded = decide(
      input({
        spec: spec({
          maxReplicas: 12,
          maxCapacityBreach: "Increase",
          maxCapacityBuffer: 10,
          nodes: { mode: "CapacityBuffer" },
        }),
      }),
    );
    assert.equal(bounded.nodePods, 13);
  });

  it("raises pods to minReplicas", () => {
    const low = P90.map(() => 10);
    const d = decide(
      input({
        spec: spec({ minReplicas: 3, nodes: { mode: "Placeholder", leadTime: "15m" } }),
        forecast: ready(forecast(low)),
      }),
    );
    assert.equal(d.nodePods, 3);
  });
});

describe("decide: nextPeak", () => {
  it("is the largest value within the horizon, its replicas and its time", () => {
    const d = decide(input());
    // 900 at T0+40m; 2000 at T0+65m is past the 1 h horizon.
    assert.deepEqual(d.nextPeak, { value: 900, replicas: 18, atMs: T0 + 40 * MIN });
  });

  it("counts the step in progress from now, and a longer horizon sees further", () => {
    // At T0+2m the step started at T0 still covers now: its time is reported as now.
    const path = [950, ...P90.slice(1)];
    const d = decide(input({ nowMs: T0 + 2 * MIN, forecast: ready(forecast(path)) }));
    assert.deepEqual(d.nextPeak, { value: 950, replicas: 19, atMs: T0 + 2 * MIN });
    const far = decide(input({ spec: spec({ horizon: "2h" }) }));
    assert.deepEqual(far.nextPeak, { value: 2000, replicas: 40, atMs: T0 + 65 * MIN });
  });

  it("applies the replica clamps: Honor caps, Increase does not", () => {
    assert.equal(decide(input({ spec: spec({ maxReplicas: 15 }) })).nextPeak?.replicas, 15);
    assert.equal(
      decide(
        input({ spec: spec({ maxReplicas: 15, maxCapacityBreach: "Increase", maxCapacityBuffer: 100 }) }),
      ).nextPeak?.replicas,
      18,
    );
    assert.equal(
      decide(input({ spec: spec({ maxReplicas: 15, maxCapacityBreach: "Increase", maxCapacityBuffer: 10 }) }))
        .nextPeak?.replicas,
      16,
    );
  });

  it("is reported while another guardrail falls back, but not before the forecast is ready", () => {
    const stale = decide(input({ lastDataMs: T0 - 3 * STEP }));
    assert.equal(stale.usable, false);
    assert.equal(stale.nextPeak?.value, 900);
    const notReady = decide(
      input({
        forecast: ready(forecast(), {
          readiness: { ready: false, reason: "warming up", needMoreSeconds: 60 },
        }),
      }),
    );
    assert.equal(notReady.nextPeak, undefined);
  });
});

describe("decide: guardrails", () => {
  it("InsufficientHistory: the forecaster is not ready", () => {
    const d = decide(
      input({
        forecast: {
          target: "shop/web",
          readiness: { ready: false, reason: "needs 2 days for a daily pattern", needMoreSeconds: 3600 },
          errorCount: 0,
        },
        reactiveReplicas: 4,
      }),
    );
    assert.equal(d.usable, false);
    assert.equal(d.forecastReplicas, undefined);
    assert.equal(d.desiredReplicas, 4);
    assert.ok(Number.isNaN(d.peak));
    const fr = condition(d, "ForecastReady");
    assert.deepEqual([fr?.status, fr?.reason], ["False", "InsufficientHistory"]);
    assert.match(fr?.message ?? "", /needs 1h more history \(needs 2 days for a daily pattern\)/);
    const r = condition(d, "Ready");
    assert.deepEqual([r?.status, r?.reason], ["False", "Fallback"]);
    assert.match(r?.message ?? "", /^reactive scaling only: needs 1h more history/);
    assert.match(d.reason, /^fallback \(Release\): needs 1h more history/);
  });

  it("Pending (not a warning) until the first forecast run has finished", () => {
    const d = decide(input({ forecast: undefined }));
    assert.equal(d.usable, false);
    assert.deepEqual(
      [condition(d, "ForecastReady")?.status, condition(d, "ForecastReady")?.reason],
      ["Unknown", "Pending"],
    );
    assert.equal(condition(d, "Ready")?.reason, "Pending");
    assert.match(condition(d, "Ready")?.message ?? "", /first forecast run/);
    assert.equal(d.pending, true, "what is in place is left alone");
  });

  it("StaleData: no demand sample for failureThreshold steps", () => {
    const fresh = decide(input({ lastDataMs: T0 - 2 * STEP - 1 }));
    assert.equal(fresh.usable, true);
    for (const lastDataMs of [T0 - 3 * STEP, undefined]) {
      const d = decide(input({ lastDataMs }));
      assert.equal(d.usable, false, `lastDataMs ${lastDataMs}`);
      const deg = condition(d, "ForecastDegraded");
      assert.deepEqual([deg?.status, deg?.reason], ["True", "StaleData"]);
      assert.equal(condition(d, "ForecastReady")?.status, "True", "readiness itself is fine");
      assert.match(condition(d, "Ready")?.message ?? "", /no demand data/);
    }
    // failureThreshold 5 tolerates 4 missing steps.
    assert.equal(
      decide(input({ spec: spec({ fallback: { failureThreshold: 5 } }), lastDataMs: T0 - 4 * STEP })).usable,
      true,
    );
  });

  it("StaleForecast: the path does not cover the lead time, with the last run's error", () => {
    // The path ends at T0+70m; at T0+66m the lead time reaches T0+71m.
    const covered = decide(input({ nowMs: T0 + 65 * MIN, lastDataMs: T0 + 64 * MIN }));
    assert.equal(covered.usable, true);
    const d = decide(
      input({
        nowMs: T0 + 66 * MIN,
        lastDataMs: T0 + 65 * MIN,
        forecast: ready(forecast(), { lastError: { message: "prometheus: timeout", atMs: T0 + 60 * MIN } }),
      }),
    );
    assert.equal(d.usable, false);
    const deg = condition(d, "ForecastDegraded");
    assert.deepEqual([deg?.status, deg?.reason], ["True", "StaleForecast"]);
    assert.match(deg?.message ?? "", /does not cover the next 5m; last run failed: prometheus: timeout/);
    assert.match(condition(d, "Ready")?.message ?? "", /does not cover the next 5m/);
  });

  it("StaleForecast: ready but without a path at the spec's quantile", () => {
    const f = forecast(P90, { quantiles: { "0.5": P90 } });
    const d = decide(input({ forecast: ready(f) }));
    assert.equal(d.usable, false);
    assert.equal(condition(d, "ForecastDegraded")?.reason, "StaleForecast");
  });

  it("UnderPredicting: demand above the forecast on more than underPredictionRate of the steps", () => {
    // Unset, the rate is 3 × (1 − 0.9) = 30 %: 3 of 12 = 25 % is accurate, 4 of 12 = 33 % degraded.
    const ok = decide(input({ compared: comparedWith(3) }));
    assert.equal(ok.usable, true);
    assert.deepEqual(
      [condition(ok, "ForecastDegraded")?.status, condition(ok, "ForecastDegraded")?.reason],
      ["False", "Accurate"],
    );
    const d = decide(input({ compared: comparedWith(4) }));
    assert.equal(d.usable, false);
    const deg = condition(d, "ForecastDegraded");
    assert.deepEqual([deg?.status, deg?.reason], ["True", "UnderPredicting"]);
    assert.match(deg?.message ?? "", /p90 forecast on 33\.3% of the last 12 steps \(threshold 30\.0%\)/);
    // A stricter threshold in the spec refuses a record the default accepts.
    const strict = decide(
      input({ spec: spec({ fallback: { underPredictionRate: 0.2 } }), compared: comparedWith(3) }),
    );
    assert.equal(strict.usable, false);
    // The default follows the quantile: a p50 forecast exceeded half the time is as promised.
    const median = decide(input({ spec: spec({ quantile: 0.5 }), compared: comparedWith(6) }));
    assert.notEqual(condition(median, "ForecastDegraded")?.reason, "UnderPredicting");
  });

  it("reports the first guardrail in order readiness → stale data → stale forecast → accuracy", () => {
    const notReady = ready(forecast(), {
      readiness: { ready: false, reason: "warming up", needMoreSeconds: 600 },
    });
    const all = decide(input({ forecast: notReady, lastDataMs: undefined, compared: comparedWith(12) }));
    assert.match(condition(all, "Ready")?.message ?? "", /more history/);
    assert.equal(condition(all, "ForecastReady")?.reason, "InsufficientHistory");
    assert.equal(condition(all, "ForecastDegraded")?.reason, "StaleData");

    const staleBoth = decide(input({ nowMs: T0 + 66 * MIN, lastDataMs: T0, compared: comparedWith(12) }));
    assert.match(condition(staleBoth, "Ready")?.message ?? "", /no demand data/);
    assert.equal(condition(staleBoth, "ForecastDegraded")?.reason, "StaleData");

    const forecastAndAccuracy = decide(
      input({ nowMs: T0 + 66 * MIN, lastDataMs: T0 + 65 * MIN, compared: comparedWith(12) }),
    );
    assert.match(condition(forecastAndAccuracy, "Ready")?.message ?? "", /does not cover/);
    assert.equal(condition(forecastAndAccuracy, "ForecastDegraded")?.reason, "StaleForecast");
  });
});

describe("decide: fallback behavior", () => {
  const tripped = { lastDataMs: undefined, lastForecastReplicas: 12, lastNodePods: 14 } as const;
  const nodes = { nodes: { mode: "Placeholder" } };

  it("Release hands scaling back to the reactive path and releases node capacity", () => {
    const d = decide(input({ ...tripped, spec: spec(nodes), reactiveReplicas: 3 }));
    assert.equal(d.usable, false);
    assert.equal(d.forecastReplicas, undefined);
    assert.equal(d.desiredReplicas, 3);
    assert.equal(d.nodePods, undefined);
    assert.match(condition(d, "Ready")?.message ?? "", /^reactive scaling only: /);
  });

  it("Hold keeps the last applied replicas and node pods", () => {
    const held = spec({ ...nodes, fallback: { behavior: "Hold" } });
    const plannerState = { ...initialPlannerState(), lastForecastReplicas: 12 };
    const d = decide(input({ ...tripped, spec: held, reactiveReplicas: 3, plannerState }));
    assert.equal(d.usable, false);
    assert.equal(d.forecastReplicas, 12);
    assert.equal(d.desiredReplicas, 12);
    assert.equal(d.nodePods, 14);
    assert.equal(d.plannerState, plannerState, "the planner does not run in fallback");
    assert.match(condition(d, "Ready")?.message ?? "", /^holding the last applied value: no demand data/);
    assert.match(d.reason, /^fallback \(Hold\)/);
    // Never below the reactive path.
    assert.equal(decide(input({ ...tripped, spec: held, reactiveReplicas: 20 })).desiredReplicas, 20);
    // Nothing applied yet: nothing to hold.
    const nothing = decide(
      input({ spec: held, lastDataMs: undefined, reactiveReplicas: 2, lastForecastReplicas: undefined }),
    );
    assert.equal(nothing.forecastReplicas, undefined);
    assert.equal(nothing.desiredReplicas, 2);
  });
});

describe("decide: never below the reactive path", () => {
  it("desired = max(reactive, forecast) over random sequences of steps", () => {
    const rand = seededRandom(20260101); // deterministic, so a failure reproduces
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    let fallbacks = 0;
    let usable = 0;
    for (let run = 0; run < 40; run++) {
      const s = spec({
        minReplicas: pick([0, 1, 3]),
        maxReplicas: pick([5, 20, 40]),
        ...pick([{}, { maxCapacityBreach: "Increase", maxCapacityBuffer: pick([0, 25, 100]) }]),
        fallback: { behavior: pick(["Release", "Hold"]) },
        nodes: { mode: pick(["None", "Placeholder"]) },
      });
      const values = Array.from({ length: 40 }, () => Math.round(rand() * 2500));
      let plannerState = initialPlannerState();
      let last: number | undefined;
      for (let step = 0; step < 30; step++) {
        const nowMs = T0 + step * MIN;
        const reactiveReplicas = Math.floor(rand() * 50);
        const d = decide(
          input({
            spec: s,
            nowMs,
            forecast: rand() < 0.1 ? undefined : ready(forecast(values)),
            lastDataMs: rand() < 0.15 ? undefined : nowMs - MIN,
            reactiveReplicas,
            plannerState,
            lastForecastReplicas: last,
          }),
        );
        const where = `run ${run} step ${step}`;
        assert.ok(d.desiredReplicas >= reactiveReplicas, where);
        assert.equal(d.desiredReplicas, Math.max(reactiveReplicas, d.forecastReplicas ?? 0), where);
        const buffer = s.maxCapacityBuffer ?? 0;
        const ceiling = s.maxReplicas + Math.floor((s.maxReplicas * buffer) / 100);
        if (d.usable) assert.ok((d.forecastReplicas ?? 0) <= ceiling, `${where}: capped at ${ceiling}`);
        if (d.usable) usable++;
        else fallbacks++;
        plannerState = d.plannerState;
        if (d.forecastReplicas !== undefined || !d.usable) last = d.forecastReplicas;
      }
    }
    assert.ok(
      usable > 100 && fallbacks > 50,
      `both paths exercised (${usable} usable, ${fallbacks} fallback)`,
    );
  });
});

describe("decide in mode Direct (demandNow)", () => {
  const flat = forecast(P90.map(() => 100));
  it("plans for the demand now when it is above the forecast", () => {
    const d = decide(input({ forecast: ready(flat), demandNow: 1000, reactiveReplicas: 20 }));
    assert.equal(d.forecastReplicas, 20, "1000 ÷ 50");
    assert.equal(d.desiredReplicas, 20);
  });

  it("brings a fall of demand through scaleDown instead of dropping at once", () => {
    const first = decide(input({ forecast: ready(flat), demandNow: 1000, reactiveReplicas: 20 }));
    // Demand falls to 100 a minute later: the forecast side holds during the delay (default 10m).
    const held = decide(
      input({
        forecast: ready(flat),
        nowMs: T0 + MIN,
        demandNow: 100,
        reactiveReplicas: 2,
        plannerState: first.plannerState,
      }),
    );
    assert.equal(held.desiredReplicas, 20);
    assert.match(held.reason, /held 20 during scale-down delay/);
    // Without demandNow the same step would have dropped to the reactive 2 at once.
    const unheld = decide(input({ forecast: ready(flat), nowMs: T0 + MIN, reactiveReplicas: 2 }));
    assert.equal(unheld.desiredReplicas, 2);
  });
});
