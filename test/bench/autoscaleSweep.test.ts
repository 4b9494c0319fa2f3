/** The pure parts of the quantile/headroom sweep: flags, target checks, and picking points off the curve. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  bestWithinCost,
  cheapestHalving,
  DEFAULT_TRACES,
  type GridPoint,
  gridPoint,
  HEADROOMS,
  parseArgs,
  QUANTILES,
  summary,
} from "../../bench/autoscaleSweep.js";

const reactive = { replicaHours: 100, underProvisionedFraction: 0.4 };
const point = (quantile: number, headroom: number, hours: number, under: number): GridPoint =>
  gridPoint(quantile, headroom, { replicaHours: hours, underProvisionedFraction: under }, reactive);

describe("parseArgs", () => {
  it("defaults to the full grid and records", () => {
    assert.deepEqual(parseArgs([]), {
      traces: DEFAULT_TRACES,
      quantiles: QUANTILES,
      headrooms: HEADROOMS,
      record: true,
    });
  });

  it("reads lists and --no-record", () => {
    const o = parseArgs([
      "--traces",
      "servegen_m_small_rate,nasa_http_requests",
      "--quantiles",
      "0.5,0.95",
      "--headrooms",
      "0.1",
      "--no-record",
    ]);
    assert.deepEqual(o, {
      traces: ["servegen_m_small_rate", "nasa_http_requests"],
      quantiles: [0.5, 0.95],
      headrooms: [0.1],
      record: false,
    });
  });

  it("rejects bad values naming the flag", () => {
    assert.throws(() => parseArgs(["--quantiles", "0.5,1"]), /--quantiles: "1"/);
    assert.throws(() => parseArgs(["--quantiles", "0.5,"]), /--quantiles: ""/);
    assert.throws(() => parseArgs(["--headrooms", "-0.1"]), /--headrooms: "-0.1"/);
    assert.throws(() => parseArgs(["--traces", "nope"]), /--traces: unknown nope/);
    assert.throws(() => parseArgs(["--traces"]), /--traces: missing value/);
    assert.throws(() => parseArgs(["--bogus", "1"]), /unknown flag --bogus/);
  });
});

describe("gridPoint", () => {
  it("computes ratios against reactive and checks both targets near their bounds", () => {
    const p = point(0.9, 0.1, 114.9, 0.2);
    assert.equal(p.hoursRatio, 1.149);
    assert.equal(p.underRatio, 0.5);
    assert.equal(p.halves, true);
    assert.equal(p.withinCost, true);
    const q = point(0.9, 0.1, 115.1, 0.21);
    assert.equal(q.halves, false);
    assert.equal(q.withinCost, false);
  });

  it("handles a reactive run that is never under-provisioned", () => {
    const zero = { replicaHours: 100, underProvisionedFraction: 0 };
    assert.equal(gridPoint(0.5, 0, { replicaHours: 90, underProvisionedFraction: 0 }, zero).underRatio, 0);
    const worse = gridPoint(0.5, 0, { replicaHours: 90, underProvisionedFraction: 0.1 }, zero);
    assert.equal(worse.underRatio, Number.POSITIVE_INFINITY);
    assert.equal(worse.halves, false);
  });
});

describe("picking points", () => {
  const points = [
    point(0.5, 0, 110, 0.3), // within cost, does not halve
    point(0.7, 0, 112, 0.25), // within cost, does not halve, less under
    point(0.9, 0, 130, 0.15), // halves
    point(0.95, 0.1, 150, 0.05), // halves, dearer
  ];

  it("cheapestHalving takes the fewest replica-hours among points that halve", () => {
    assert.equal(cheapestHalving(points)?.quantile, 0.9);
    assert.equal(cheapestHalving(points.slice(0, 2)), undefined);
  });

  it("bestWithinCost takes the least under-provisioning within the budget", () => {
    assert.equal(bestWithinCost(points)?.quantile, 0.7);
    assert.equal(bestWithinCost(points.slice(2)), undefined);
  });

  it("summary names the points and says whether both targets are met", () => {
    const text = summary("t", points, 1.05, 0.4);
    assert.match(text, /q=0\.9, headroom 0 at 1\.30×/);
    assert.match(text, /least under-provisioning is 0\.63× reactive's \(q=0\.7, headroom 0, 1\.12×\)/);
    assert.match(text, /no point meets both targets/);
    assert.match(summary("t", [point(0.8, 0, 114, 0.1)], 1.05, 0.4), /1 point\(s\) meet both targets/);
  });
});
