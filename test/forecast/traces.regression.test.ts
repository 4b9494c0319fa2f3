/**
 * Regression tests from fuzzing parseTrace (test/fuzz/traces.test.ts): counterexamples fast-check
 * found, kept as plain cases.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseTrace, TRACE_HEADER, TraceError } from "../../src/forecast/traces.js";

describe("parseTrace regressions", () => {
  it("refuses a timestamp whose milliseconds overflow to Infinity, naming the line", () => {
    // Was accepted: 1.8e305 s * 1000 = Infinity, an Infinity timestamp and a NaN step.
    assert.throws(
      () => parseTrace(` ${TRACE_HEADER} \n0,0\n1.797693134862316e+305,0`, "t.csv"),
      (err: unknown) => err instanceof TraceError && /^t\.csv:3: timestamp .* out of range/.test(err.message),
    );
  });

  it("refuses timestamps beyond the range of a Date, and accepts its edge", () => {
    assert.throws(
      () => parseTrace(`${TRACE_HEADER}\n0,1\n8640000000001,2`, "t.csv"),
      /t\.csv:3: .*out of range/,
    );
    const trace = parseTrace(`${TRACE_HEADER}\n-8640000000000,1\n8640000000000,2`, "t.csv");
    assert.deepEqual(trace.points[1], [8.64e15, 2]);
    assert.ok(Number.isFinite(new Date(trace.points[0]?.[0] as number).getTime()));
  });
});
