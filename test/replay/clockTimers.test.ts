/** ClockTimers: cron schedules and intervals on simulated time, matched by node-cron itself. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ClockTimers } from "../../src/replay/clockTimers.js";
import { SimClock } from "../../src/replay/cluster/simClock.js";

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const MIN = 60_000;

describe("ClockTimers", () => {
  it("fires an hourly cron schedule on the hour as simulated time passes it, once per tick", () => {
    const clock = new SimClock(T0 + 30 * MIN);
    const timers = new ClockTimers(clock);
    const fired: number[] = [];
    const task = timers.cron("0 * * * *", () => fired.push(clock.now()), {
      name: "x",
      maxRandomDelayMs: 30_000,
    });
    for (let t = 0; t < 3 * 60 * 4; t++) {
      clock.advance(15_000);
      timers.tick();
    }
    // 00:30 → 03:30: the hours 01:00, 02:00, 03:00, each at its first tick, with no random delay.
    assert.deepEqual(fired, [T0 + 60 * MIN, T0 + 120 * MIN, T0 + 180 * MIN]);
    // A long jump fires once.
    clock.advance(10 * 60 * MIN);
    timers.tick();
    assert.equal(fired.length, 4);
    task.stop();
    clock.advance(60 * MIN);
    timers.tick();
    assert.equal(fired.length, 4, "stopped");
  });

  it("runs an interval with an offset on the grid, and one without from its creation", () => {
    const clock = new SimClock(T0 + 7 * MIN);
    const timers = new ClockTimers(clock);
    const aligned: number[] = [];
    const relative: number[] = [];
    timers.every(5 * MIN, () => aligned.push(clock.now()), { offsetMs: 30_000 });
    timers.every(5 * MIN, () => relative.push(clock.now()));
    for (let t = 0; t < 60; t++) {
      clock.advance(15_000);
      timers.tick();
    }
    assert.deepEqual(aligned, [T0 + 10 * MIN + 30_000, T0 + 15 * MIN + 30_000, T0 + 20 * MIN + 30_000]);
    assert.deepEqual(relative, [T0 + 12 * MIN, T0 + 17 * MIN, T0 + 22 * MIN]);
  });
});
