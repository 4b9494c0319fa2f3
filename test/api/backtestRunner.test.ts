/**
 * The review API's default backtest runner against `foresight backtest`: the same demand as stored
 * history and as a CSV trace gives the same scores (the JSON of `--json`, but for the label), with
 * progress through the replay; too little history, negative demand and unknown policies are clear errors.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { replayBacktestRunner } from "../../src/api/backtestRunner.js";
import type { DemandPoint } from "../../src/api/reviewSource.js";
import { runBacktest } from "../../src/cli/backtest.js";

const DAY = 86_400_000;
const START = Date.parse("2025-05-01T00:00:00Z");
const END = START + 2 * DAY;

/** A daily wave with a bump and a few gaps, one point a minute. */
function demand(): DemandPoint[] {
  const out: DemandPoint[] = [];
  for (let t = START; t <= END; t += 60_000) {
    const hour = ((t - START) % DAY) / 3_600_000;
    const v = 50 + 40 * Math.sin((2 * Math.PI * (hour - 6)) / 24) + (hour > 9 && hour < 10 ? 30 : 0);
    out.push([t, (t / 60_000) % 97 === 0 ? Number.NaN : v]);
  }
  return out;
}

describe("replayBacktestRunner", () => {
  it("scores stored history exactly as foresight backtest scores the same trace", async () => {
    const points = demand();
    const sinceCalls: number[] = [];
    const runner = replayBacktestRunner({
      now: () => END + 30_000,
      history: async (subject, sinceMs) => {
        assert.equal(subject, "llm/vllm");
        sinceCalls.push(sinceMs);
        return points.filter(([t]) => t >= sinceMs);
      },
    });
    const progress: number[] = [];
    const result = await runner.run(
      {
        subject: "llm/vllm",
        policies: ["reactive"],
        peakReplicas: 8,
        leadTime: "5m",
        warmup: "12h",
        since: "3d",
      },
      (f) => progress.push(f),
    );
    assert.deepEqual(sinceCalls, [END + 30_000 - 3 * DAY]);
    assert.equal(progress[0], 0);
    assert.equal(progress.at(-1), 1);
    for (let i = 1; i < progress.length; i++)
      assert.ok((progress[i] as number) >= (progress[i - 1] as number), "progress never goes back");
    assert.ok(progress.length > 3, "reported within runs, not only between them");

    const dir = await mkdtemp(join(tmpdir(), "foresight-bt-"));
    try {
      const csv = join(dir, "trace.csv");
      await writeFile(
        csv,
        `timestamp_unix_seconds,value\n${points.map(([t, v]) => `${t / 1000},${Number.isNaN(v) ? "NaN" : v}`).join("\n")}\n`,
      );
      const cli = await runBacktest(
        { trace: csv, peakReplicas: 8, leadTime: "5m", warmup: "12h", policies: "reactive" },
        { write: () => true },
      );
      // Wall time aside (timing), the same report.
      assert.deepEqual(
        { ...JSON.parse(JSON.stringify(result)), trace: "", timing: {} },
        { ...JSON.parse(JSON.stringify(cli)), trace: "", timing: {} },
      );
      assert.deepEqual(Object.keys(result.timing), Object.keys(cli.timing));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    assert.match(result.trace, /history of llm\/vllm/);
    assert.ok(result.policies.reactive);
    assert.equal(typeof result.policies.reactive.costVsOracle, "number");
  });

  it("uses the subject's defaults, and fails clearly on too little history or an unknown policy", async () => {
    const seen: string[] = [];
    const runner = replayBacktestRunner({
      now: () => END,
      history: async () => [[START, 1]],
      defaults: (subject) => {
        seen.push(subject);
        return { leadTime: "2m" };
      },
    });
    await assert.rejects(
      runner.run({ subject: "a/b", policies: ["reactive"] }, () => {}),
      /subject a\/b has 1 demand point\(s\) in the last 14d; a backtest needs at least 2/,
    );
    assert.deepEqual(seen, ["a/b"]);
    await assert.rejects(
      runner.run({ subject: "a/b", policies: ["magic"] }, () => {}),
      /unknown policy "magic"/,
    );
    await assert.rejects(
      runner.run({ subject: "a/b", policies: ["reactive"], leadTime: "soon" }, () => {}),
      /leadTime "soon" is not a duration/,
    );
    assert.ok(runner.knownPolicies.includes("predictive-floor"));
  });

  it("fails the job clearly on negative demand in the history, naming when", async () => {
    const runner = replayBacktestRunner({
      now: () => END,
      history: async () => [
        [START, 1],
        [START + 60_000, Number.NaN],
        [START + 120_000, -3],
        [START + 180_000, 2],
      ],
    });
    await assert.rejects(
      runner.run({ subject: "a/b", policies: ["reactive"] }, () => {}),
      /subject a\/b: demand at 2025-05-01T00:02:00\.000Z is -3; demand cannot be negative/,
    );
  });
});
