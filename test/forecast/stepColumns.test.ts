import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StepColumns } from "../../src/forecast/stepColumns.js";

describe("StepColumns", () => {
  it("keeps steps in order through appends and trims at both ends", () => {
    const c = new StepColumns();
    assert.equal(c.length, 0);
    assert.equal(c.lastTime(), undefined);
    assert.deepEqual(c.toPoints(), []);
    for (let t = 0; t < 10; t++) c.push(t * 300, t * 1.5);
    c.dropFrom(2400); // steps 8 and 9
    c.dropBefore(600); // steps 0 and 1
    assert.deepEqual(
      c.toPoints(),
      [2, 3, 4, 5, 6, 7].map((t) => [t * 300, t * 1.5]),
    );
    assert.equal(c.lastTime(), 2100);
    c.dropBefore(10_000);
    assert.equal(c.length, 0);
    c.push(3000, Number.NaN);
    assert.equal(c.lastTime(), 3000);
    assert.ok(Number.isNaN(c.toPoints()[0]?.[1]));
  });

  it("stays a sliding window of the latest steps over many appends (the dropped front is reused)", () => {
    const c = new StepColumns();
    const window = 100;
    for (let t = 0; t < 5000; t++) {
      c.push(t, -t);
      c.dropBefore(t - window + 1);
      assert.equal(c.length, Math.min(t + 1, window));
    }
    const points = c.toPoints();
    assert.deepEqual(points[0], [4900, -4900]);
    assert.deepEqual(points.at(-1), [4999, -4999]);
    for (let i = 1; i < points.length; i++) assert.equal((points[i] as readonly number[])[0], 4900 + i);
  });
});
