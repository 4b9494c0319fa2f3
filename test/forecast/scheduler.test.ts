import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ForecastScheduler, type RunFn, systemTimers, type Timers } from "../../src/forecast/scheduler.js";
import type { RunKind } from "../../src/forecast/store.js";

/** Timers driven by hand: fire(name) runs every callback registered for that cron or interval. */
function fakeTimers() {
  const crons: { expression: string; fn: () => void; jitter: number; stopped: boolean }[] = [];
  const intervals: { ms: number; fn: () => void; stopped: boolean }[] = [];
  const timers: Timers = {
    cron(expression, fn, options) {
      const entry = { expression, fn, jitter: options.maxRandomDelayMs, stopped: false };
      crons.push(entry);
      return {
        stop: () => {
          entry.stopped = true;
        },
      };
    },
    every(ms, fn) {
      const entry = { ms, fn, stopped: false };
      intervals.push(entry);
      return {
        stop: () => {
          entry.stopped = true;
        },
      };
    },
  };
  return { timers, crons, intervals };
}

function deferred() {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const clock = { now: () => Date.now() };
const targets = [
  { name: "a", schedule: "0 * * * *", updateEveryMs: 300_000 },
  { name: "b", schedule: "*/30 * * * *", updateEveryMs: 60_000 },
];

describe("ForecastScheduler", () => {
  it("registers a cron retrain with jitter and an update interval per target, and stops them", async () => {
    const { timers, crons, intervals } = fakeTimers();
    const calls: [string, RunKind][] = [];
    const s = new ForecastScheduler({
      targets,
      timers,
      clock,
      timeoutMs: 1_000,
      jitterMs: 42_000,
      run: async (t, k) => void calls.push([t, k]),
    });
    s.start();
    assert.deepEqual(
      crons.map((c) => [c.expression, c.jitter]),
      [
        ["0 * * * *", 42_000],
        ["*/30 * * * *", 42_000],
      ],
    );
    assert.deepEqual(
      intervals.map((i) => i.ms),
      [300_000, 60_000],
    );
    crons[1]?.fn();
    intervals[0]?.fn();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(calls, [
      ["b", "full"],
      ["a", "update"],
    ]);
    await s.stop();
    assert.ok([...crons, ...intervals].every((t) => t.stopped));
  });

  it("never runs one target twice at once: a tick during a run is skipped", async () => {
    const gate = deferred();
    let started = 0;
    const s = new ForecastScheduler({
      targets,
      timers: fakeTimers().timers,
      clock,
      timeoutMs: 5_000,
      jitterMs: 0,
      run: () => {
        started++;
        return gate.promise;
      },
    });
    const first = s.trigger("a", "full");
    const second = await s.trigger("a", "update");
    assert.equal(second.status, "skipped");
    assert.equal(s.busy("a"), true);
    const other = s.trigger("b", "full");
    assert.equal(started, 2, "another target runs in parallel");
    gate.resolve();
    assert.equal((await first).status, "ok");
    assert.equal((await other).status, "ok");
    assert.equal(s.busy("a"), false);
  });

  it("times a run out: its signal is aborted and the outcome is an error at once", async () => {
    let signal: AbortSignal | undefined;
    const gate = deferred();
    const run: RunFn = (_t, _k, sig) => {
      signal = sig;
      return gate.promise;
    };
    const s = new ForecastScheduler({
      targets,
      timers: fakeTimers().timers,
      clock,
      timeoutMs: 30,
      jitterMs: 0,
      run,
    });
    const outcome = await s.trigger("a", "full");
    assert.equal(outcome.status, "error");
    assert.match(outcome.error?.message ?? "", /longer than 0.03 s/);
    assert.equal(signal?.aborted, true);
    assert.equal(s.busy("a"), true, "the slot is held until the run really ends");
    gate.resolve();
    await s.stop();
    assert.equal(s.busy("a"), false);
  });

  it("runAll reports results and errors separately (partial success)", async () => {
    const outcomes: string[] = [];
    const s = new ForecastScheduler({
      targets,
      timers: fakeTimers().timers,
      clock,
      timeoutMs: 1_000,
      jitterMs: 0,
      run: async (t) => {
        if (t === "b") throw new Error("no data for b");
      },
      onOutcome: (o) => outcomes.push(`${o.target}:${o.status}`),
    });
    const { results, errors } = await s.runAll("full");
    assert.deepEqual(
      results.map((r) => r.status),
      ["ok", "error"],
    );
    assert.deepEqual(
      errors.map((e) => [e.target, e.error?.message]),
      [["b", "no data for b"]],
    );
    assert.deepEqual(outcomes, ["a:ok", "b:error"]);
  });

  it("stop waits for runs in flight and refuses new ones", async () => {
    const gate = deferred();
    let finished = false;
    const s = new ForecastScheduler({
      targets,
      timers: fakeTimers().timers,
      clock,
      timeoutMs: 5_000,
      jitterMs: 0,
      run: async () => {
        await gate.promise;
        finished = true;
      },
    });
    void s.trigger("a", "full");
    const stopping = s.stop();
    setTimeout(() => gate.resolve(), 20);
    await stopping;
    assert.equal(finished, true);
    assert.equal((await s.trigger("a", "full")).status, "skipped");
  });
});

describe("systemTimers", () => {
  it("node-cron fires on its schedule and stops", async () => {
    let fired = 0;
    const task = systemTimers.cron("* * * * * *", () => fired++, {
      name: "test-every-second",
      maxRandomDelayMs: 0,
    });
    const deadline = Date.now() + 2_500;
    while (fired === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    task.stop();
    const after = fired;
    assert.ok(after >= 1, "fired at least once");
    await new Promise((r) => setTimeout(r, 1_100));
    assert.equal(fired, after, "no tick after stop");
  });
});

describe("ForecastScheduler.stop", () => {
  it("aborts the runs in flight, so stopping never waits on a long training run", async () => {
    const { timers } = fakeTimers();
    let aborted: unknown;
    const s = new ForecastScheduler({
      targets,
      timers,
      clock,
      timeoutMs: 3_600_000,
      jitterMs: 0,
      run: (_t, _k, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener("abort", () => {
            aborted = signal.reason;
            reject(signal.reason);
          });
        }),
    });
    const outcome = s.trigger("a", "full");
    await s.stop();
    assert.match(String(aborted), /the forecaster is stopping/);
    assert.equal((await outcome).status, "error");
  });
});
