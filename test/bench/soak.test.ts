/**
 * The CI version of `npm run bench:soak`: the same `runSoak` for one minute at a low rate against a
 * real Prometheus (a correctness smoke, not a measurement: nothing here asserts speed), plus the
 * pure parts (arguments, slope, warm-up). It checks the run completes with its table, every request
 * was answered 200, and memory stayed under a generous bound.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  heapFloorByMinute,
  heapFromExposition,
  memoryVerdict,
  parseArgs,
  type RssSample,
  runSoak,
  type SoakResult,
  slopePer10Min,
  soakSection,
  soakTable,
  warmupSeconds,
} from "../../bench/soak.js";

describe("bench/soak pure parts", () => {
  it("parseArgs: defaults, flags and errors", () => {
    assert.deepEqual(parseArgs([]), { minutes: 30, rate: 500, record: true });
    assert.deepEqual(parseArgs(["--minutes", "2", "--rate", "50", "--no-record"]), {
      minutes: 2,
      rate: 50,
      record: false,
    });
    assert.throws(() => parseArgs(["--minutes", "zero"]), /--minutes needs a positive number/);
    assert.throws(() => parseArgs(["--fast"]), /unknown argument --fast/);
  });

  it("slopePer10Min: least squares, scaled to 10 minutes", () => {
    const line = (perS: number): RssSample[] =>
      [0, 10, 20, 30, 40].map((atS) => ({ atS, rssMiB: 100 + perS * atS }));
    assert.equal(slopePer10Min(line(0)), 0);
    assert.ok(Math.abs(slopePer10Min(line(0.01)) - 6) < 1e-9);
    assert.ok(Math.abs(slopePer10Min(line(-0.002)) + 1.2) < 1e-9);
    assert.equal(slopePer10Min([{ atS: 0, rssMiB: 5 }]), 0);
  });

  it("heap: read from the exposition, fitted on each minute's smallest value", () => {
    const text = [
      "# HELP foresight_nodejs_heap_size_total_bytes Process heap size from Node.js in bytes.",
      "foresight_nodejs_heap_size_total_bytes 99999999",
      "# TYPE foresight_nodejs_heap_size_used_bytes gauge",
      "foresight_nodejs_heap_size_used_bytes 20971520",
    ].join("\n");
    assert.deepEqual(heapFromExposition(text), { used: 20, total: 99999999 / 1024 / 1024 });
    assert.equal(heapFromExposition("foresight_nodejs_heap_size_total_bytes 1"), undefined);
    const samples: RssSample[] = [
      { atS: 0, rssMiB: 100, heapUsedMiB: 30 },
      { atS: 30, rssMiB: 100, heapUsedMiB: 20 },
      { atS: 50, rssMiB: 100 },
      { atS: 70, rssMiB: 100, heapUsedMiB: 45 },
      { atS: 110, rssMiB: 100, heapUsedMiB: 21 },
    ];
    assert.deepEqual(heapFloorByMinute(samples), [
      { atS: 30, rssMiB: 20 },
      { atS: 110, rssMiB: 21 },
    ]);
    // Sawtooth garbage that is collected every minute does not look like growth.
    const sawtooth: RssSample[] = [];
    for (let atS = 0; atS < 600; atS += 10) sawtooth.push({ atS, rssMiB: 100, heapUsedMiB: 20 + (atS % 60) });
    assert.equal(slopePer10Min(heapFloorByMinute(sawtooth)), 0);
  });

  it("memoryVerdict: no leak only when both the heap's live set and native memory are flat", () => {
    const base: SoakResult = {
      minutes: 30,
      rate: 500,
      pods: 1000,
      path: "/apis",
      samples: [],
      warmupS: 120,
      startRssMiB: 140,
      warmRssMiB: 141,
      endRssMiB: 144,
      peakRssMiB: 149,
      slopeMiBPer10Min: 1.94,
      secondHalfSlopeMiBPer10Min: 1.8,
      heapSlopeMiBPer10Min: 0.25,
      secondHalfHeapTotalSlopeMiBPer10Min: 1.7,
      secondHalfNativeSlopeMiBPer10Min: 0.1,
      warmHeapMiB: 52,
      endHeapMiB: 56,
      requests: 10,
      ok: 10,
      failed: 0,
      p50Ms: 1,
      p99Ms: 8,
      maxMs: 48,
    };
    const [flat, rss, settling] = memoryVerdict(base);
    assert.match(flat ?? "", /^No leak .*: yes \(JS heap live set \+0\.25, native \+0\.10 MiB \/ 10 min\)/);
    assert.match(
      rss ?? "",
      /second half: \+1\.80 MiB \/ 10 min, of which V8's committed heap \+1\.70 \(\*\*not\*\* within 1 MiB\)/,
    );
    assert.match(settling ?? "", /settling included: \+1\.94 MiB \/ 10 min \(not within 1 MiB\)/);
    assert.match(memoryVerdict({ ...base, heapSlopeMiBPer10Min: 3 })[0] ?? "", /: \*\*no\*\*/);
    assert.match(memoryVerdict({ ...base, secondHalfNativeSlopeMiBPer10Min: 1.5 })[0] ?? "", /: \*\*no\*\*/);
    const { heapSlopeMiBPer10Min: _drop, ...unsampled } = base;
    assert.match(memoryVerdict(unsampled)[0] ?? "", /\*\*no\*\* \(the heap was not sampled/);
  });

  it("warm-up is a tenth of the run, at most two minutes", () => {
    assert.equal(warmupSeconds(1), 6);
    assert.equal(warmupSeconds(30), 120);
  });
});

describe("bench/soak, one minute at 50 req/s", { timeout: 180_000 }, () => {
  it("completes with every request answered and its table", async () => {
    const result = await runSoak({ minutes: 1, rate: 50, namespaces: 1, compiled: false });
    assert.ok(result.requests > 0, "requests were sent");
    assert.equal(result.failed, 0, "no request failed");
    assert.equal(result.ok, result.requests, "every request answered 200");
    assert.ok(result.samples.length >= 6, `RSS sampled every 10 s (${result.samples.length} samples)`);
    // Generous: the adapter idles near 100 MiB; a leak of this size in a minute would be obvious.
    assert.ok(result.peakRssMiB > 0 && result.peakRssMiB < 600, `peak RSS ${result.peakRssMiB} MiB`);
    assert.ok(Number.isFinite(result.slopeMiBPer10Min));
    assert.ok(
      result.samples.every(
        (s) => s.heapUsedMiB !== undefined && s.heapTotalMiB !== undefined && s.heapTotalMiB >= s.heapUsedMiB,
      ),
      "the heap is read from the adapter's /metrics at every sample",
    );
    const table = soakTable(result);
    assert.match(table, /^\| minutes \| target req\/s \|/);
    assert.equal(table.split("\n").length, 3);
    const section = soakSection(result, "prometheus, version test");
    assert.match(section, /A shortened run: 1 minute\*\*/);
    assert.match(section, /No failed requests: yes/);
  });
});
