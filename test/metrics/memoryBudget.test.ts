/** MemoryBudget's accounting: leases grow until the shared limit, refuse past it, give back on release. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryBudget } from "../../src/metrics/memoryBudget.js";

describe("MemoryBudget", () => {
  it("shares one limit between leases and refuses a reservation that does not fit", () => {
    const budget = new MemoryBudget(100);
    const a = budget.open();
    const b = budget.open();
    assert.equal(a.reserve(60), true);
    assert.equal(b.reserve(30), true);
    assert.equal(b.reserve(20), false, "90 + 20 > 100");
    assert.equal(b.held, 30, "a refused reservation takes nothing");
    assert.equal(budget.inUse, 90);
    assert.equal(b.reserve(10), true, "exactly the limit fits");
    assert.equal(budget.peak, 100);
    assert.equal(budget.refusals, 1);
  });

  it("release gives back everything a lease held, once", () => {
    const budget = new MemoryBudget(100);
    const a = budget.open();
    const b = budget.open();
    a.reserve(40);
    a.reserve(40);
    b.reserve(10);
    a.release();
    a.release();
    assert.equal(a.held, 0);
    assert.equal(budget.inUse, 10);
    assert.equal(b.reserve(90), true, "the released room is free again");
    assert.equal(a.reserve(1), false, "a released lease takes nothing more");
    b.release();
    assert.equal(budget.inUse, 0);
    assert.equal(budget.peak, 100);
  });

  it("refuses a limit that is not a positive integer", () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => new MemoryBudget(bad), RangeError);
  });
});
