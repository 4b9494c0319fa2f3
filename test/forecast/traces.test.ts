import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { listTraceFiles, parseTrace, readTrace } from "../../src/forecast/traces.js";

const HEADER = "timestamp_unix_seconds,value";

describe("trace CSVs", () => {
  it("reads points in ms and the median step", () => {
    const t = parseTrace(`${HEADER}\n0,1\n60,2.5\n120,\n240,4\n`, "/x/a.csv");
    assert.equal(t.name, "a");
    assert.equal(t.stepSeconds, 60);
    assert.deepEqual(t.points.slice(0, 2), [
      [0, 1],
      [60_000, 2.5],
    ]);
    assert.ok(Number.isNaN(t.points[2]?.[1]));
  });

  const bad: [string, string, RegExp][] = [
    ["header", "time,value\n0,1\n60,2\n", /a\.csv:1: expected header/],
    ["columns", `${HEADER}\n0,1\n60,2,3\n`, /a\.csv:3: expected 2 columns/],
    ["timestamp", `${HEADER}\n0,1\nnoon,2\n`, /a\.csv:3: timestamp "noon"/],
    ["value", `${HEADER}\n0,1\n60,lots\n`, /a\.csv:3: value "lots" is not a number/],
    // Number() reads these as 16, 3 and Infinity; a demand trace holds plain decimals only.
    ["hex value", `${HEADER}\n0,1\n60,0x10\n`, /a\.csv:3: value "0x10" is not a number/],
    ["binary value", `${HEADER}\n0,1\n60,0b11\n`, /a\.csv:3: value "0b11" is not a number/],
    ["infinite value", `${HEADER}\n0,1\n60,Infinity\n`, /a\.csv:3: value "Infinity" is not a number/],
    ["overflowing value", `${HEADER}\n0,1\n60,1e400\n`, /a\.csv:3: value "1e400" is not finite/],
    ["negative value", `${HEADER}\n0,1\n60,2\n120,-55.34\n`, /a\.csv:4: value "-55\.34" is negative/],
    ["hex timestamp", `${HEADER}\n0,1\n0x10,2\n`, /a\.csv:3: timestamp "0x10" is not a number of seconds/],
    ["empty timestamp", `${HEADER}\n0,1\n,2\n`, /a\.csv:3: timestamp "" is not a number of seconds/],
    ["order", `${HEADER}\n60,1\n0,2\n`, /a\.csv:3: timestamp 0 is not after/],
    ["too short", `${HEADER}\n0,1\n`, /at least 2 data rows/],
  ];
  for (const [what, text, error] of bad) {
    it(`names the file and line of a bad ${what}`, () => {
      assert.throws(() => parseTrace(text, "a.csv"), error);
    });
  }

  it("reads plain decimals, exponents and gaps (empty or NaN), and -0 as 0", () => {
    const t = parseTrace(`${HEADER}\n-60,1.5e2\n0,.5\n60,\n120,NaN\n180,-0\n240,+7\n`, "a.csv");
    assert.deepEqual(
      t.points.map(([ms, v]) => [ms, Number.isNaN(v) ? "gap" : v]),
      [
        [-60_000, 150],
        [0, 0.5],
        [60_000, "gap"],
        [120_000, "gap"],
        [180_000, 0],
        [240_000, 7],
      ],
    );
    assert.ok(Object.is(t.points[4]?.[1], 0), "-0 is stored as 0");
  });

  it("lists CSVs of a directory, skipping ones that are not traces", () => {
    const dir = mkdtempSync(join(tmpdir(), "traces-"));
    writeFileSync(join(dir, "b.csv"), `${HEADER}\n0,1\n60,2\n`);
    writeFileSync(join(dir, "a.csv"), `${HEADER}\n0,1\n60,2\n`);
    writeFileSync(join(dir, "INDEX.csv"), "name,rows\n");
    writeFileSync(join(dir, "notes.txt"), "x");
    const listing = listTraceFiles([dir]);
    assert.deepEqual(listing.files, [join(dir, "a.csv"), join(dir, "b.csv")]);
    assert.equal(listing.skipped.length, 1);
    assert.match(listing.skipped[0]?.file ?? "", /INDEX\.csv$/);
    assert.equal(readTrace(join(dir, "a.csv")).points.length, 2);
    assert.throws(() => listTraceFiles([join(dir, "missing.csv")]), /no such file/);
  });
});
