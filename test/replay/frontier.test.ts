import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  costAtValue,
  type FrontierPoint,
  frontierCurve,
  placeOnFrontier,
  valueAtCost,
} from "../../src/replay/frontier.js";

/** A reactive sweep: higher targets are cheaper and worse. */
const sweep: readonly FrontierPoint[] = [
  { label: "90%", cost: 100, value: 0.2 },
  { label: "50%", cost: 180, value: 0 },
  { label: "70%", cost: 130, value: 0.05 },
  { label: "60%", cost: 150, value: 0.02 },
  { label: "80%", cost: 110, value: 0.1 },
];

const labels = (curve: readonly FrontierPoint[]) => curve.map((p) => p.label);

describe("frontierCurve", () => {
  it("sorts by cost", () => {
    assert.deepEqual(labels(frontierCurve(sweep)), ["90%", "80%", "70%", "60%", "50%"]);
  });

  it("drops dominated points of a non-monotone sweep", () => {
    // 60% costs more than 70% and is worse: noise in a short trace.
    const noisy = sweep.map((p) => (p.label === "60%" ? { ...p, value: 0.06 } : p));
    assert.deepEqual(labels(frontierCurve(noisy)), ["90%", "80%", "70%", "50%"]);
  });

  it("on a tie in cost keeps the lower value, on a tie in value the lower cost", () => {
    const tiedCost = [...sweep, { label: "75%", cost: 130, value: 0.07 }];
    assert.deepEqual(labels(frontierCurve(tiedCost)), ["90%", "80%", "70%", "60%", "50%"]);
    const tiedValue = [...sweep, { label: "55%", cost: 200, value: 0 }];
    assert.deepEqual(labels(frontierCurve(tiedValue)), ["90%", "80%", "70%", "60%", "50%"]);
  });

  it("collapses exact duplicates to the first given", () => {
    const twice = [{ label: "a", cost: 1, value: 0.5 }, { label: "b", cost: 1, value: 0.5 }, ...sweep];
    assert.deepEqual(labels(frontierCurve(twice)).slice(0, 1), ["a"]);
  });

  it("keeps a single point, and rejects no points or non-finite ones", () => {
    assert.deepEqual(labels(frontierCurve([{ label: "70%", cost: 1, value: 0.1 }])), ["70%"]);
    assert.throws(() => frontierCurve([]), /no points/);
    assert.throws(() => frontierCurve([{ label: "x", cost: Number.NaN, value: 0 }]), /point "x": cost NaN/);
    assert.throws(
      () => frontierCurve([{ label: "y", cost: 1, value: Number.POSITIVE_INFINITY }]),
      RangeError,
    );
  });

  it("does not change its input", () => {
    const copy = sweep.map((p) => ({ ...p }));
    frontierCurve(sweep);
    assert.deepEqual(sweep, copy);
  });
});

describe("valueAtCost", () => {
  const curve = frontierCurve(sweep);

  it("is the points' values at their costs and linear between them", () => {
    for (const p of sweep) assert.equal(valueAtCost(curve, p.cost), p.value);
    assert.ok(Math.abs((valueAtCost(curve, 105) as number) - 0.15) < 1e-12);
    assert.ok(Math.abs((valueAtCost(curve, 165) as number) - 0.01) < 1e-12);
  });

  it("is undefined outside the curve's costs (no extrapolation)", () => {
    assert.equal(valueAtCost(curve, 99.999), undefined);
    assert.equal(valueAtCost(curve, 180.001), undefined);
    assert.equal(valueAtCost(curve, Number.NaN), undefined);
  });

  it("on a single-point curve is defined only at that cost", () => {
    const single = frontierCurve([{ label: "70%", cost: 10, value: 0.1 }]);
    assert.equal(valueAtCost(single, 10), 0.1);
    assert.equal(valueAtCost(single, 10.5), undefined);
  });
});

describe("costAtValue", () => {
  const curve = frontierCurve(sweep);

  it("is the points' costs at their values and linear between them", () => {
    for (const p of sweep) assert.equal(costAtValue(curve, p.value), p.cost);
    assert.ok(Math.abs((costAtValue(curve, 0.15) as number) - 105) < 1e-9);
    assert.ok(Math.abs((costAtValue(curve, 0.01) as number) - 165) < 1e-9);
  });

  it("is undefined outside the curve's values", () => {
    assert.equal(costAtValue(curve, 0.21), undefined);
    assert.equal(costAtValue(curve, -0.01), undefined);
  });

  it("on a single-point curve is defined only at that value", () => {
    const single = frontierCurve([{ label: "70%", cost: 10, value: 0.1 }]);
    assert.equal(costAtValue(single, 0.1), 10);
    assert.equal(costAtValue(single, 0.05), undefined);
  });
});

describe("placeOnFrontier", () => {
  const curve = frontierCurve(sweep);

  it("a policy below the curve: less bad at equal cost, cheaper at equal value", () => {
    const placed = placeOnFrontier(curve, { cost: 130, value: 0.02 });
    assert.equal(placed.below, true);
    assert.equal(placed.valueAtEqualCost, 0.05);
    assert.ok(Math.abs((placed.ratioAtEqualCost as number) - 0.4) < 1e-12);
    assert.equal(placed.costAtEqualValue, 150);
    assert.ok(Math.abs((placed.costRatioAtEqualValue as number) - 130 / 150) < 1e-12);
  });

  it("a policy above the curve", () => {
    const placed = placeOnFrontier(curve, { cost: 150, value: 0.1 });
    assert.equal(placed.below, false);
    assert.ok(Math.abs((placed.ratioAtEqualCost as number) - 5) < 1e-12);
    assert.equal(placed.costAtEqualValue, 110);
  });

  it("a policy on a curve point, or above it by float noise, is below (on) it", () => {
    assert.equal(placeOnFrontier(curve, { cost: 130, value: 0.05 }).below, true);
    assert.equal(placeOnFrontier(curve, { cost: 130, value: 0.05 + 1e-12 }).below, true);
    assert.equal(placeOnFrontier(curve, { cost: 130, value: 0.05 + 1e-6 }).below, false);
  });

  it("where the curve's value is 0: ratio 0 for a policy at 0 too, Infinity otherwise", () => {
    assert.equal(placeOnFrontier(curve, { cost: 180, value: 0 }).ratioAtEqualCost, 0);
    const worse = placeOnFrontier(curve, { cost: 180, value: 0.01 });
    assert.equal(worse.ratioAtEqualCost, Number.POSITIVE_INFINITY);
    assert.equal(worse.below, false);
  });

  it("outside the curve's costs: below undefined, the equal-value side still given", () => {
    const cheap = placeOnFrontier(curve, { cost: 80, value: 0.05 });
    assert.equal(cheap.below, undefined);
    assert.equal(cheap.valueAtEqualCost, undefined);
    assert.equal(cheap.ratioAtEqualCost, undefined);
    assert.equal(cheap.costAtEqualValue, 130);
    assert.ok(Math.abs((cheap.costRatioAtEqualValue as number) - 80 / 130) < 1e-12);
    const outside = placeOnFrontier(curve, { cost: 300, value: 0.5 });
    assert.deepEqual(outside, { below: undefined });
  });

  it("rejects a non-finite policy", () => {
    assert.throws(() => placeOnFrontier(curve, { cost: 1, value: Number.NaN }), /policy: value NaN/);
  });
});
