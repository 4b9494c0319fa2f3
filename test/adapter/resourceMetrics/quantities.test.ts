/**
 * Resource metric quantities as prometheus-adapter prints them (NewMilliQuantity, DecimalSI for
 * cpu, BinarySI for memory) and windows as Go prints a time.Duration.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cpuQuantity, goDuration, memoryQuantity } from "../../../src/adapter/resourceMetrics/quantities.js";

describe("resource metric quantities", () => {
  it("prints cpu in whole millicores, truncated as Go's int64(v*1000)", () => {
    const cases: [number, string][] = [
      [0, "0"],
      [0.25, "250m"],
      [2, "2"],
      [1.0004, "1"],
      [0.0009, "0"],
      [12.3456, "12345m"],
      [3000, "3k"],
    ];
    for (const [cores, text] of cases) assert.equal(cpuQuantity(cores), text, String(cores));
  });

  it("prints memory as BinarySI when whole and ≥ 1024 bytes, else DecimalSI", () => {
    const cases: [number, string][] = [
      [0, "0"],
      [512, "512"],
      [1024, "1Ki"],
      [1_048_576, "1Mi"],
      [1_049_600, "1025Ki"],
      [1_000_000, "1000000"],
      [8 * 1024 ** 3, "8Gi"],
      [1.5, "1500m"],
      [2048.25, "2048250m"],
    ];
    for (const [bytes, text] of cases) assert.equal(memoryQuantity(bytes), text, String(bytes));
  });

  it("prints windows as Go's Duration.String", () => {
    const cases: [number, string][] = [
      [0, "0s"],
      [500, "500ms"],
      [30_000, "30s"],
      [60_000, "1m0s"],
      [90_500, "1m30.5s"],
      [3_600_000, "1h0m0s"],
      [5_430_000, "1h30m30s"],
    ];
    for (const [ms, text] of cases) assert.equal(goDuration(ms), text, String(ms));
  });
});
