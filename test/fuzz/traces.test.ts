/**
 * Fuzzing of parseTrace (src/forecast/traces.ts) with fast-check: CSV-like text yields a trace whose
 * timestamps are finite and increasing and whose values are non-negative or gaps, or a TraceError
 * naming the file (and the line, when there is one); never another exception. fast-check prints
 * seed and counterexample on failure.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseTrace, TRACE_HEADER, type Trace, TraceError } from "../../src/forecast/traces.js";

const FILE = "fuzz.csv";

const number = fc.oneof(
  fc.integer({ min: -10, max: 2_000_000_000 }).map(String),
  fc.double().map(String),
  fc.constantFrom(
    "",
    " ",
    "nan",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e308",
    "1e306",
    "1.7976931348623157e308",
    "5e-324",
    "0x10",
    "0b11",
    "1_000",
    "+1",
    "-0",
    ".5",
    "1e",
    "abc",
    '"1"',
    "１",
  ),
);

const row = fc.oneof(
  fc.tuple(number, number).map(([t, v]) => `${t},${v}`),
  fc.array(number, { maxLength: 4 }).map((cells) => cells.join(",")),
  fc.string({ maxLength: 20 }),
);

/** Increasing timestamps with a chosen start and step, so many inputs parse and reach the checks. */
const sortedRows = fc
  .tuple(
    fc.oneof(fc.integer({ min: 0, max: 2_000_000_000 }), fc.double({ noNaN: true })),
    fc.oneof(fc.integer({ min: 1, max: 3600 }), fc.double({ min: 1e-300, noNaN: true })),
    fc.array(number, { minLength: 0, maxLength: 30 }),
  )
  .map(([start, step, values]) => values.map((v, i) => `${start + i * step},${v}`));

const header = fc.oneof(
  fc.constant(TRACE_HEADER),
  fc.constant(`\uFEFF${TRACE_HEADER}`),
  fc.constant(` ${TRACE_HEADER} `),
  fc.constantFrom("timestamp,value", "", "timestamp_unix_seconds;value"),
);

const traceText = fc.oneof(
  fc
    .tuple(header, fc.oneof(fc.array(row, { maxLength: 30 }), sortedRows), fc.constantFrom("\n", "\r\n"))
    .map(([head, rows, eol]) => [head, ...rows].join(eol)),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 200 }),
);

describe("fuzz: parseTrace", () => {
  it("returns a sane trace or throws a TraceError naming the file and line", () => {
    fc.assert(
      fc.property(traceText, (text) => {
        let trace: Trace;
        try {
          trace = parseTrace(text, FILE);
        } catch (err) {
          assert.ok(
            err instanceof TraceError,
            `unexpected ${err instanceof Error ? err.stack : String(err)}`,
          );
          assert.match(err.message, /^fuzz\.csv(:\d+)?: /);
          if (!/needs at least 2 data rows/.test(err.message)) assert.match(err.message, /^fuzz\.csv:\d+: /);
          return;
        }
        assert.ok(trace.points.length >= 2);
        let previous = Number.NEGATIVE_INFINITY;
        for (const [t, v] of trace.points) {
          assert.ok(Number.isFinite(t), `timestamp ${t} is finite`);
          assert.ok(t > previous, `timestamp ${t} is after ${previous}`);
          assert.ok((Number.isFinite(v) && v >= 0) || Number.isNaN(v), `value ${v} is demand or a gap`);
          previous = t;
        }
        assert.ok(Number.isFinite(trace.stepSeconds) && trace.stepSeconds > 0, `step ${trace.stepSeconds}`);
      }),
      { numRuns: 1000 },
    );
  });
});
