import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Semaphore } from "../../src/metrics/concurrency.js";

/** A task that finishes when the test says so. */
function gate<T>(value: T): { task: () => Promise<T>; open: () => void; started: () => boolean } {
  let release: () => void = () => undefined;
  let began = false;
  const opened = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    task: async () => {
      began = true;
      await opened;
      return value;
    },
    open: () => release(),
    started: () => began,
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("Semaphore", () => {
  it("refuses a limit that is not a positive integer", () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) assert.throws(() => new Semaphore(limit), RangeError);
  });

  it("runs at most `limit` tasks at once and starts waiters in FIFO order", async () => {
    const sem = new Semaphore(2);
    const gates = [0, 1, 2, 3, 4].map((i) => gate(i));
    const order: number[] = [];
    const runs = gates.map((g, i) =>
      sem.run(async () => {
        order.push(i);
        return g.task();
      }),
    );
    await tick();
    assert.deepEqual(order, [0, 1]);
    assert.equal(sem.inFlight, 2);
    assert.equal(sem.waiting, 3);
    gates[1]?.open();
    await tick();
    assert.deepEqual(order, [0, 1, 2]);
    gates[0]?.open();
    await tick();
    assert.deepEqual(order, [0, 1, 2, 3]);
    for (const g of gates) g.open();
    assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3, 4]);
    assert.equal(sem.inFlight, 0);
    assert.equal(sem.waiting, 0);
  });

  it("frees the slot when a task fails", async () => {
    const sem = new Semaphore(1);
    await assert.rejects(
      sem.run(async () => {
        throw new Error("boom");
      }),
      /boom/,
    );
    assert.equal(await sem.run(async () => "next"), "next");
    assert.equal(sem.inFlight, 0);
  });

  it("drops a waiter whose signal fires, rejecting with the signal's reason, without running it", async () => {
    const sem = new Semaphore(1);
    const holder = gate("held");
    const held = sem.run(holder.task);
    const controller = new AbortController();
    let ran = false;
    const waiting = sem.run(async () => {
      ran = true;
    }, controller.signal);
    const behind = sem.run(async () => "behind");
    await tick();
    assert.equal(sem.waiting, 2);
    controller.abort(new Error("caller gone"));
    await assert.rejects(waiting, /caller gone/);
    assert.equal(sem.waiting, 1);
    holder.open();
    assert.equal(await held, "held");
    assert.equal(await behind, "behind");
    assert.equal(ran, false);
    assert.equal(sem.inFlight, 0);
  });

  it("rejects at once when the signal has already fired", async () => {
    const sem = new Semaphore(1);
    await assert.rejects(
      sem.run(async () => "never", AbortSignal.abort(new Error("already"))),
      /already/,
    );
    assert.equal(sem.inFlight, 0);
  });
});
