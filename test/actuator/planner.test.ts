import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  forecastPeak,
  initialPlannerState,
  type PlanInput,
  type PlannerState,
  plan,
  replicaCeiling,
} from "../../src/actuator/planner.js";

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);

/** A path of 1-minute steps from T0. */
const path = (values: number[]) => ({ startMs: T0, stepSeconds: 60, values });

const base = (over: Partial<PlanInput> = {}): PlanInput => ({
  forecast: path([100, 100, 100, 100, 100, 100, 100, 100, 100, 100]),
  nowMs: T0,
  capacityPerReplica: 50,
  leadTimeMs: 5 * MIN,
  minReplicas: 1,
  maxReplicas: 100,
  maxCapacityBreach: "Honor",
  scaleDown: { delayMs: 0 },
  reactiveReplicas: 0,
  state: initialPlannerState(),
  ...over,
});

describe("forecastPeak", () => {
  it("takes the max over the steps covering [from, to] and nothing outside", () => {
    const p = path([1, 2, 9, 3, 4, 50]);
    assert.equal(forecastPeak(p, T0, T0 + 4 * MIN), 9);
    assert.equal(forecastPeak(p, T0 + 3 * MIN, T0 + 4 * MIN), 4);
    // Before the path starts: clamp to its first step; past its end: nothing covers it.
    assert.equal(forecastPeak(p, T0 - 10 * MIN, T0 + 30_000), 1);
    assert.ok(Number.isNaN(forecastPeak(p, T0 + 7 * MIN, T0 + 9 * MIN)));
    assert.equal(forecastPeak(path([Number.NaN, 5, Number.NaN]), T0, T0 + 2 * MIN), 5);
  });
});

describe("plan", () => {
  it("uses the peak within the lead time, divided by capacity, rounded up", () => {
    const cases: [number[], number, number][] = [
      // values, lead time (min), expected replicas
      [[100, 120, 812, 300, 300, 300, 2000], 5, 17], // 812 / 50 = 16.24 → 17; 2000 at +6 min is past the window
      [[100, 120, 812, 300, 300, 300, 2000], 1, 3], // window [0, 1 min] sees 100 and 120 → 3
      [[800, 0, 0, 0, 0, 0], 5, 16], // exactly 16, not 17 from float noise
      [[0, 0, 0, 0, 0, 0], 5, 1], // raised to minReplicas
    ];
    for (const [values, lead, want] of cases) {
      const r = plan(base({ forecast: path(values), leadTimeMs: lead * MIN }));
      assert.equal(r.forecastReplicas, want, `${values} lead ${lead}`);
      assert.equal(r.desiredReplicas, want);
    }
    const r = plan(base({ forecast: path([812, 0, 0, 0, 0, 0]), quantile: 0.9, unit: "req/s" }));
    assert.match(r.reason, /forecast p90 peak 812 req\/s within 5m ÷ 50 per replica = 17/);
  });

  it("Honor caps at maxReplicas; Increase lets the forecast through and says so", () => {
    const honor = plan(base({ forecast: path([5000]), maxReplicas: 40 }));
    assert.equal(honor.desiredReplicas, 40);
    assert.deepEqual([honor.flags.cappedByMax, honor.flags.breachedMax], [true, false]);
    const increase = plan(
      base({
        forecast: path([3000]),
        maxReplicas: 40,
        maxCapacityBreach: "Increase",
        maxCapacityBuffer: 100,
      }),
    );
    assert.equal(increase.desiredReplicas, 60);
    assert.deepEqual(
      [increase.flags.cappedByMax, increase.flags.breachedMax, increase.flags.cappedByBuffer],
      [false, true, false],
    );
    assert.match(increase.reason, /above maxReplicas 40 \(maxCapacityBreach Increase, within 80\)/);
    const within = plan(base({ forecast: path([500]), maxReplicas: 40 }));
    assert.deepEqual([within.flags.cappedByMax, within.flags.breachedMax], [false, false]);
  });

  it("Increase goes past maxReplicas by at most maxCapacityBuffer percent of it, and says when the bound applied", () => {
    const increase = (buffer: number, demand = 5000) =>
      plan(
        base({
          forecast: path([demand]),
          maxReplicas: 40,
          maxCapacityBreach: "Increase",
          maxCapacityBuffer: buffer,
        }),
      );
    // 5000 ÷ 50 = 100 asked; 40 + 25 % = 50.
    const bounded = increase(25);
    assert.equal(bounded.desiredReplicas, 50);
    assert.deepEqual([bounded.flags.breachedMax, bounded.flags.cappedByBuffer], [true, true]);
    assert.match(bounded.reason, /capped at 50: maxReplicas 40 \+ maxCapacityBuffer 25%/);
    // Rounded down: 40 + 10 % of 40 = 44; 7 % of 40 = 2.8 → 42.
    assert.equal(increase(10).desiredReplicas, 44);
    assert.equal(increase(7).desiredReplicas, 42);
    // 0 % behaves as Honor but says which bound applied.
    const zero = increase(0);
    assert.equal(zero.desiredReplicas, 40);
    assert.deepEqual([zero.flags.breachedMax, zero.flags.cappedByBuffer], [false, true]);
    // Below the bound nothing is capped.
    assert.equal(increase(100, 2100).desiredReplicas, 42);
    assert.equal(increase(100, 2100).flags.cappedByBuffer, false);
  });

  it("replicaCeiling: maxReplicas under Honor, plus the buffer rounded down under Increase", () => {
    assert.equal(replicaCeiling(40, "Honor", 50), 40);
    assert.equal(replicaCeiling(40, "Increase", 50), 60);
    assert.equal(replicaCeiling(3, "Increase", 50), 4);
    assert.equal(replicaCeiling(2_147_483_647, "Increase", 100), 4_294_967_294);
  });

  it("never goes below what the reactive path asks", () => {
    const r = plan(base({ forecast: path([100]), reactiveReplicas: 7 }));
    assert.equal(r.forecastReplicas, 2);
    assert.equal(r.desiredReplicas, 7);
    assert.match(r.reason, /reactive asks 7/);
    assert.equal(plan(base({ forecast: path([1000]), reactiveReplicas: 7 })).desiredReplicas, 20);
  });

  it("decreases only after the lower value was asked for continuously for the delay", () => {
    const delay = { delayMs: 5 * MIN };
    const high = path(Array(30).fill(1000)); // 20 replicas
    const low = { ...path(Array(30).fill(400)), startMs: T0 }; // 8 replicas
    let state: PlannerState = plan(base({ forecast: high, scaleDown: delay })).state;
    const held: number[] = [];
    for (let m = 1; m <= 7; m++) {
      const r = plan(base({ forecast: low, nowMs: T0 + m * MIN, scaleDown: delay, state }));
      held.push(r.forecastReplicas);
      state = r.state;
      if (m < 6) {
        assert.ok(r.flags.scaleDownHeld, `minute ${m}`);
        assert.match(r.reason, /held 20 during scale-down delay 5m/);
      }
    }
    // Lower asked from minute 1; applied once it has been asked for 5 minutes (minute 6).
    assert.deepEqual(held, [20, 20, 20, 20, 20, 8, 8]);
  });

  it("a higher ask within the delay restarts the wait", () => {
    const delay = { delayMs: 2 * MIN };
    const at = (v: number) => path(Array(30).fill(v));
    let state = plan(base({ forecast: at(1000), scaleDown: delay })).state; // 20
    state = plan(base({ forecast: at(400), nowMs: T0 + MIN, scaleDown: delay, state })).state; // held
    state = plan(base({ forecast: at(600), nowMs: T0 + 2 * MIN, scaleDown: delay, state })).state; // 12, held
    const r = plan(base({ forecast: at(400), nowMs: T0 + 3 * MIN, scaleDown: delay, state }));
    // 400 at minute 1 and 3, but 600 at minute 2 is within the 2-minute window: 12 is what has been asked for.
    assert.equal(r.forecastReplicas, 12);
  });

  it("limits the scale-down rate per minute by percent or pods, the stricter when both are set", () => {
    const cases: [{ maxPercentPerMinute?: number; maxPodsPerMinute?: number }, number[]][] = [
      // 10 % of the replicas at each minute's start, rounded down: 20 → 18 → 17 → 16.
      [{ maxPercentPerMinute: 10 }, [18, 17, 16]],
      [{ maxPodsPerMinute: 5 }, [15, 10, 8]],
      [{ maxPodsPerMinute: 5, maxPercentPerMinute: 10 }, [18, 17, 16]],
      // A percent too small for one replica still allows one a minute.
      [{ maxPercentPerMinute: 1 }, [19, 18, 17]],
      [{}, [8, 8, 8]],
    ];
    for (const [rate, want] of cases) {
      const scaleDown = { delayMs: 0, ...rate };
      let state = plan(base({ forecast: path(Array(30).fill(1000)), scaleDown })).state;
      const got: number[] = [];
      for (let m = 1; m <= 3; m++) {
        const r = plan(base({ forecast: path(Array(30).fill(400)), nowMs: T0 + m * MIN, scaleDown, state }));
        got.push(r.forecastReplicas);
        if (want[m - 1] !== 8) assert.ok(r.flags.rateLimited, JSON.stringify(rate));
        state = r.state;
      }
      assert.deepEqual(got, want, JSON.stringify(rate));
    }
  });

  it("returns a new state and leaves the given one untouched", () => {
    const state = plan(base({ forecast: path(Array(30).fill(1000)), scaleDown: { delayMs: 5 * MIN } })).state;
    const snapshot = structuredClone(state);
    Object.freeze(state);
    Object.freeze(state.asks);
    const r = plan(
      base({ forecast: path(Array(30).fill(400)), nowMs: T0 + MIN, scaleDown: { delayMs: 5 * MIN }, state }),
    );
    assert.notEqual(r.state, state);
    assert.deepEqual(state, snapshot);
    assert.equal(r.state.asks.length, 2);
  });

  it("rejects a non-positive capacity or inverted bounds, naming them", () => {
    assert.throws(() => plan(base({ capacityPerReplica: 0 })), /capacityPerReplica 0/);
    assert.throws(() => plan(base({ minReplicas: 5, maxReplicas: 2 })), /min 5, max 2/);
  });
});

describe("reason numbers", () => {
  it("keep the zeros of an integer part and drop a fraction's", async () => {
    const { fmt } = await import("../../src/actuator/planner.js");
    assert.equal(fmt(1319.7), "1320");
    assert.equal(fmt(1320.4), "1320");
    assert.equal(fmt(0.25), "0.25");
    assert.equal(fmt(2.5), "2.5");
    assert.equal(fmt(148.1234), "148.1");
    assert.equal(fmt(12345.6), "12346");
    assert.equal(fmt(800), "800");
  });
});
