import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SimClock } from "../../../src/replay/cluster/simClock.js";

describe("SimClock", () => {
  it("starts where told and moves only on advance/set", () => {
    const c = new SimClock(1_000);
    assert.equal(c.now(), 1_000);
    assert.equal(c.advance(15_000), 16_000);
    assert.equal(c.now(), 16_000);
    assert.equal(c.set(20_000), 20_000);
    assert.equal(c.now(), 20_000);
  });

  it("refuses to go back in time", () => {
    const c = new SimClock(10);
    assert.throws(() => c.advance(-1), /non-negative/);
    assert.throws(() => c.set(5), /before the current time 10/);
    assert.equal(c.now(), 10);
  });
});
