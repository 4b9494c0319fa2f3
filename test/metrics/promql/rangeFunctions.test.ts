import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PromQLError } from "../../../src/metrics/promql/errors.js";
import {
  deriv,
  extrapolatedRate,
  holtWinters,
  instantValue,
  linearRegression,
  overTime,
  predictLinear,
  quantile,
  quantileOverTime,
  type Window,
} from "../../../src/metrics/promql/rangeFunctions.js";

/** A window over all of `points` ([seconds, value]). */
function win(points: [number, number][]): Window {
  return {
    timestamps: points.map((p) => p[0] * 1000),
    values: points.map((p) => p[1]),
    from: 0,
    to: points.length,
  };
}

function near(actual: number | undefined, expected: number): void {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)),
    `${actual} ≠ ${expected}`,
  );
}

describe("extrapolatedRate (rate/increase/delta)", () => {
  const w = win([
    [15, 10],
    [30, 20],
    [45, 5],
    [60, 15],
  ]);

  it("adds the value before a counter reset and extrapolates to a boundary within 1.1 intervals", () => {
    // Increase 5 + reset 20 = 25 over 45 s; 15 s to the start (< 16.5) is extrapolated, 0 s to the end.
    near(extrapolatedRate(w, 0, 60_000, true, false), (25 * 60) / 45);
    near(extrapolatedRate(w, 0, 60_000, true, true), (25 * 60) / 45 / 60);
  });

  it("without counter semantics (delta) takes last − first as is", () => {
    // -5 over 10 s, both boundaries 10 s away (< 11): factor (10 + 10 + 10) / 10.
    near(
      extrapolatedRate(
        win([
          [10, 10],
          [20, 5],
        ]),
        0,
        30_000,
        false,
        false,
      ),
      -15,
    );
  });

  it("extrapolates only half an interval towards a far boundary, then clamps at the counter's zero point", () => {
    const late = (first: number) =>
      win([
        [40, first],
        [50, first + 10],
        [60, first + 20],
        [70, first + 30],
      ]);
    // Start 40 s away (≥ 11): half an interval (5 s); zero point 8 s away does not shorten it.
    near(extrapolatedRate(late(8), 0, 70_000, true, false), (30 * 35) / 30);
    // Zero point 2 s before the first sample: extrapolate 2 s only.
    near(extrapolatedRate(late(2), 0, 70_000, true, false), (30 * 32) / 30);
    // Same window as a gauge: no zero-point clamp.
    near(extrapolatedRate(late(2), 0, 70_000, false, false), (30 * 35) / 30);
  });

  it("needs two samples", () => {
    assert.equal(extrapolatedRate(win([[10, 1]]), 0, 60_000, true, true), undefined);
  });
});

describe("instantValue (irate, idelta)", () => {
  it("uses the last two samples, a drop being a reset for irate only", () => {
    near(
      instantValue(
        win([
          [0, 1],
          [10, 10],
          [20, 30],
        ]),
        true,
      ),
      2,
    );
    const drop = win([
      [10, 10],
      [20, 30],
      [30, 5],
    ]);
    near(instantValue(drop, true), 0.5);
    near(instantValue(drop, false), -25);
    assert.equal(instantValue(win([[10, 1]]), true), undefined);
  });
});

describe("*_over_time", () => {
  const w = win([
    [1, 3],
    [2, Number.NaN],
    [3, 1],
    [4, 4],
  ]);
  it("computes count, last, min, max (NaN replaced by later values)", () => {
    assert.equal(overTime("count", w), 4);
    assert.equal(overTime("last", w), 4);
    assert.equal(overTime("max", w), 4);
    assert.equal(overTime("min", w), 1);
    const nanFirst = win([
      [1, Number.NaN],
      [2, 2],
    ]);
    assert.equal(overTime("max", nanFirst), 2);
    assert.equal(overTime("min", nanFirst), 2);
  });
  it("computes sum and avg over the window's index range", () => {
    const v = {
      ...win([
        [1, 100],
        [2, 2],
        [3, 4],
        [4, 9],
      ]),
      from: 1,
      to: 3,
    };
    assert.equal(overTime("sum", v), 6);
    assert.equal(overTime("avg", v), 3);
    assert.equal(overTime("count", v), 2);
  });
  it("sums with compensation", () => {
    assert.equal(
      overTime(
        "sum",
        win([
          [1, 1e100],
          [2, 1],
          [3, -1e100],
        ]),
      ),
      1,
    );
  });
  it("averages like Prometheus: infinities kept, large values of opposite sign without overflow", () => {
    const values = (...v: number[]) => win(v.map((x, i) => [i + 1, x] as [number, number]));
    const inf = Number.POSITIVE_INFINITY;
    assert.equal(overTime("avg", values(inf, 1, 2)), inf);
    assert.equal(overTime("avg", values(1, -inf, 2)), -inf);
    assert.ok(Number.isNaN(overTime("avg", values(inf, -inf))));
    assert.equal(overTime("avg", values(1e308, 1e308, -1e308, -1e308)), 0);
    near(overTime("avg", values(1e308, 1e308, -1e308)), 1e308 / 3);
  });
  it("computes stddev/stdvar, changes, resets and present", () => {
    const w4 = win([
      [1, 2],
      [2, 4],
      [3, 4],
      [4, 1],
      [5, Number.NaN],
      [6, Number.NaN],
    ]);
    const first4 = { ...w4, to: 4 };
    near(overTime("stdvar", first4), 1.6875);
    near(overTime("stddev", first4), Math.sqrt(1.6875));
    assert.equal(overTime("changes", w4), 3);
    assert.equal(overTime("resets", w4), 1);
    assert.equal(overTime("present", w4), 1);
  });
  it("computes quantiles by linear interpolation between ranks", () => {
    assert.equal(quantile(0.5, [4, 1, 3, 2]), 2.5);
    near(quantile(0.9, [1, 2, 3, 4]), 3.7);
    assert.equal(quantile(0, [5, 1]), 1);
    assert.equal(quantile(1, [5, 1]), 5);
    assert.equal(quantile(-0.1, [1]), Number.NEGATIVE_INFINITY);
    assert.equal(quantile(1.1, [1]), Number.POSITIVE_INFINITY);
    assert.ok(Number.isNaN(quantile(Number.NaN, [1])));
    near(
      quantileOverTime(
        0.25,
        win([
          [1, 10],
          [2, 20],
          [3, 30],
        ]),
      ),
      15,
    );
  });
});

describe("deriv, predict_linear, holt_winters", () => {
  const line = win([
    [10, 5],
    [20, 7],
    [30, 9],
  ]);
  it("fits a least-squares line", () => {
    near(deriv(line), 0.2);
    // At t = 40 s the line is at 11; 60 s later 23.
    near(predictLinear(line, 60, 40_000), 23);
    const [slope, intercept] = linearRegression(line, 10_000);
    near(slope, 0.2);
    near(intercept, 5);
    assert.equal(deriv(win([[1, 1]])), undefined);
    assert.deepEqual(
      linearRegression(
        win([
          [1, 3],
          [2, 3],
        ]),
        0,
      ),
      [0, 3],
    );
  });
  it("smooths twice exponentially, refusing factors outside (0, 1)", () => {
    // s1 = 1, b = 1; i=1: s1 = 0.5·2 + 0.5·(1 + 1) = 2; i=2: b = 0.5·(2 − 1) + 0.5·1 = 1, s1 = 0.5·3 + 0.5·3 = 3.
    near(
      holtWinters(
        win([
          [1, 1],
          [2, 2],
          [3, 3],
        ]),
        0.5,
        0.5,
      ),
      3,
    );
    assert.throws(
      () => holtWinters(line, 1, 0.5),
      (e) => e instanceof PromQLError && /smoothing factor/.test(e.message),
    );
    assert.throws(() => holtWinters(line, 0.5, 0), /trend factor/);
  });
});
