import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runBacktest } from "../../src/cli/backtest.js";
import { readTrace } from "../../src/forecast/traces.js";
import { resampleTrace, TraceDemand } from "../../src/replay/cluster/demand.js";
import { neededReplicas, oraclePlan } from "../../src/replay/policies/oracle.js";
import type { PolicyScores } from "../../src/replay/scores.js";

const FIXTURE = "test/fixtures/traces/nab_asg_slice.csv";
const SCORE_KEYS = [
  "overloadedFraction",
  "unservedFraction",
  "sloViolationFraction",
  "aboveTargetFraction",
  "replicaHours",
  "nodeHours",
  "gpuHours",
  "scaleEvents",
  "costVsOracle",
];

function sink() {
  let text = "";
  return { out: { write: (s: string) => (text += s) }, text: () => text };
}

describe("foresight backtest on a slice of the NAB ASG trace", () => {
  let dir: string;
  let json: Record<string, unknown>;
  let log: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "foresight-backtest-"));
    const s = sink();
    await runBacktest(
      {
        trace: FIXTURE,
        peakReplicas: "10",
        leadTime: "5m",
        policies: "reactive,oracle,phpa,crane",
        json: join(dir, "out.json"),
        plot: join(dir, "out.svg"),
        frontierPlot: join(dir, "frontier.svg"),
      },
      s.out,
    );
    json = JSON.parse(readFileSync(join(dir, "out.json"), "utf8"));
    log = s.text();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the documented JSON: scores of every policy, the oracle, the frontier and each policy on it", () => {
    assert.deepEqual(Object.keys(json), [
      "trace",
      "stepSeconds",
      "saturationPerReplica",
      "capacityPerReplica",
      "targetUtilization",
      "leadTimeMs",
      "nodeLeadTimeMs",
      "warmupMs",
      "warmupClampedFromMs",
      "steps",
      "scoredSteps",
      "slo",
      "policies",
      "oracle",
      "frontier",
      "timing",
    ]);
    assert.equal(json.trace, FIXTURE);
    assert.equal(json.stepSeconds, 15);
    assert.deepEqual(json.slo, { model: "mmc", multiple: 2 });
    const policies = json.policies as Record<string, PolicyScores>;
    assert.deepEqual(Object.keys(policies), ["reactive", "oracle", "phpa", "crane"]);
    for (const scores of Object.values(policies)) {
      assert.deepEqual(Object.keys(scores), SCORE_KEYS);
      assert.ok(scores.overloadedFraction >= 0 && scores.overloadedFraction <= scores.aboveTargetFraction);
      assert.ok(scores.unservedFraction >= 0 && scores.unservedFraction <= scores.overloadedFraction);
      assert.ok(scores.replicaHours > 0 && scores.nodeHours > 0 && Number.isInteger(scores.scaleEvents));
      assert.equal(scores.gpuHours, scores.nodeHours * 4, "4 replicas of one GPU a node");
    }
    const frontier = json.frontier as {
      runs: { label: string; target: number }[];
      placements: Record<string, unknown>;
    };
    assert.deepEqual(
      frontier.runs.map((r) => r.label),
      ["reactive@50%", "reactive@60%", "reactive@70%", "reactive@80%", "reactive@90%"],
    );
    assert.deepEqual(
      Object.keys(frontier.placements),
      ["oracle", "reactive", "oracle", "phpa", "crane"].filter((n, i, a) => a.indexOf(n) === i),
    );
  });

  it("sizes the pod by the p99 of demand over --peak-replicas at 70 %, whatever the HPA's target", () => {
    const demand = resampleTrace(TraceDemand.fromTrace(readTrace(FIXTURE)));
    const sorted = Float64Array.from(demand).sort();
    const x = 0.99 * (sorted.length - 1);
    const lo = sorted[Math.floor(x)] as number;
    const p99 = lo + ((sorted[Math.ceil(x)] as number) - lo) * (x - Math.floor(x));
    assert.ok(Math.abs((json.saturationPerReplica as number) - p99 / (10 * 0.7)) < 1e-9);
    assert.ok(Math.abs((json.capacityPerReplica as number) - p99 / 10) < 1e-9);
  });

  it("scores the oracle as the floor: never overloaded, cost 1, replica-hours of its plan at saturation", () => {
    const policies = json.policies as Record<string, Record<string, number>>;
    const oracle = policies.oracle as Record<string, number>;
    assert.equal(oracle.overloadedFraction, 0);
    assert.equal(oracle.unservedFraction, 0);
    assert.equal(oracle.costVsOracle, 1);
    // Independently: the plan's replica-steps over the scored half (warmup clamped to half the trace).
    const demand = resampleTrace(TraceDemand.fromTrace(readTrace(FIXTURE)));
    const plan = oraclePlan(neededReplicas(demand, json.saturationPerReplica as number), 20);
    const warmup = Math.round(Math.floor(demand.length / 2));
    let steps = 0;
    for (let i = warmup; i < plan.length; i++) steps += Math.max(1, plan[i] as number);
    assert.ok(
      Math.abs((oracle.replicaHours as number) - (steps * 15) / 3600) < 0.01,
      String(oracle.replicaHours),
    );
    for (const [name, s] of Object.entries(policies))
      assert.ok(
        Math.abs((s.costVsOracle as number) - (s.replicaHours as number) / (oracle.replicaHours as number)) <
          1e-12,
        name,
      );
  });

  it("gives stable numbers for the deterministic reactive HPA, which is the frontier's run at 70 %", () => {
    const reactive = (json.policies as Record<string, Record<string, number>>).reactive as Record<
      string,
      number
    >;
    const frontier = json.frontier as { runs: { label: string; scores: Record<string, number> }[] };
    assert.deepEqual(frontier.runs.find((r) => r.label === "reactive@70%")?.scores, reactive);
    assert.ok((reactive.scaleEvents as number) > 100, String(reactive.scaleEvents));
    // Above its target about half the time, as an HPA is by design, yet rarely overloaded.
    const above = reactive.aboveTargetFraction as number;
    assert.ok(above > 0.1, String(above));
    assert.ok((reactive.overloadedFraction as number) < above / 2, String(reactive.overloadedFraction));
    // A lower target buys less overload with more replica-hours.
    const at = (label: string) =>
      frontier.runs.find((r) => r.label === label)?.scores as Record<string, number>;
    assert.ok((at("reactive@50%").replicaHours as number) > (at("reactive@90%").replicaHours as number));
    assert.ok(
      (at("reactive@50%").overloadedFraction as number) <= (at("reactive@90%").overloadedFraction as number),
    );
  });

  it("tells the warmup was clamped, logs each run, prints the table and writes both pictures", () => {
    assert.match(log, /clamped from 7\.00 days/);
    for (const name of ["reactive@50%", "oracle", "phpa", "crane"])
      assert.match(log, new RegExp(`^  run \\d+/\\d+: ${name}$`, "m"));
    assert.match(
      log,
      /^policy +overloaded +SLO viol\. +unserved +above target +replica-h +vs oracle +overload vs HPA +SLO vs HPA +replica-h vs HPA$/m,
    );
    assert.match(log, /M\/M\/c: one balancer/);
    const svg = readFileSync(join(dir, "out.svg"), "utf8");
    assert.ok((svg.match(/<polyline /g) ?? []).length >= 5, "demand and four policies");
    const frontier = readFileSync(join(dir, "frontier.svg"), "utf8");
    assert.match(frontier, /^<svg/);
    for (const name of ["50%", "90%", "phpa", "crane"]) assert.ok(frontier.includes(name), name);
  });
});

describe("foresight backtest from a Prometheus query", () => {
  const END_MS = Date.UTC(2026, 0, 2);
  let url: string;
  let queries: URLSearchParams[];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const params = new URLSearchParams(req.method === "POST" ? body : (req.url ?? "").split("?")[1]);
      queries.push(params);
      const start = Number(params.get("start"));
      const end = Number(params.get("end"));
      const values: [number, string][] = [];
      // Demand 10 by night, 30 by day (hours 8–20); -10 by night for a deriv() query.
      for (let t = start; t <= end; t += Number(params.get("step"))) {
        const hour = new Date(t * 1000).getUTCHours();
        const day = hour >= 8 && hour < 20;
        const night = params.get("query")?.startsWith("deriv") ? -10 : 10;
        values.push([t, String(day ? 30 : night)]);
      }
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          status: "success",
          data: { resultType: "matrix", result: [{ metric: {}, values }] },
        }),
      );
    });
  });
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it("replays the query's history", async () => {
    queries = [];
    const s = sink();
    const result = await runBacktest(
      {
        prometheusUrl: url,
        query: "sum(rate(requests_total[1m]))",
        since: "1d",
        nowMs: END_MS,
        peakReplicas: 3,
        leadTime: "2m",
        warmup: "6h",
        policies: "reactive,oracle",
        targets: "none",
      },
      s.out,
    );
    assert.equal(queries.length, 1);
    assert.equal(queries[0]?.get("query"), "sum(rate(requests_total[1m]))");
    assert.equal(result.trace, "sum(rate(requests_total[1m]))");
    assert.ok(Math.abs(result.capacityPerReplica - 10) < 1e-9);
    assert.equal(result.policies.oracle?.overloadedFraction, 0);
    // The 08:00 jump (×3) arrives unannounced: the HPA is overloaded for about the lead time, the oracle is not.
    const reactive = result.policies.reactive;
    assert.ok(
      reactive && reactive.overloadedFraction > 0 && reactive.overloadedFraction < 0.02,
      JSON.stringify(reactive),
    );
    assert.doesNotMatch(s.text(), /clamped/);
  });

  it("refuses a query whose demand goes negative, naming the time", async () => {
    queries = [];
    await assert.rejects(
      runBacktest(
        {
          prometheusUrl: url,
          query: "deriv(queue_depth[5m])",
          since: "1d",
          nowMs: END_MS,
          peakReplicas: 3,
          leadTime: "2m",
          policies: "reactive",
          targets: "none",
        },
        sink().out,
      ),
      /--query: demand at 2026-01-01T00:00:00\.000Z is -10; demand cannot be negative/,
    );
  });
});

describe("foresight backtest refuses demand that is not demand", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "foresight-backtest-bad-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A day of demand at one point a minute, with `bad` as the value on data row 500 (file line 501). */
  function trace(name: string, bad: string): string {
    const rows = Array.from({ length: 1440 }, (_, i) => `${i * 60},${i === 499 ? bad : 20 + (i % 60)}`);
    const file = join(dir, name);
    writeFileSync(file, `timestamp_unix_seconds,value\n${rows.join("\n")}\n`);
    return file;
  }
  const options = { peakReplicas: 4, leadTime: "2m", warmup: "6h", policies: "reactive", targets: "none" };

  for (const [what, bad, error] of [
    ["a negative value", "-55.34", /negative\.csv:501: value "-55\.34" is negative/],
    ["a hex value", "0x10", /hex\.csv:501: value "0x10" is not a number/],
    ["an infinite value", "Infinity", /infinite\.csv:501: value "Infinity" is not a number/],
  ] as const) {
    it(`in the CSV: ${what}, naming the line`, async () => {
      const file = trace(`${what.split(" ").at(-2)}.csv`, bad);
      await assert.rejects(runBacktest({ ...options, trace: file }, sink().out), error);
    });
  }

  it("exits 1 with the message on the command line", async () => {
    const file = trace("cli.csv", "-3");
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "src/cli/main.ts", "backtest", "--trace", file, "--peak-replicas", "4"].concat([
          "--lead-time",
          "2m",
          "--warmup",
          "6h",
          "--policies",
          "reactive",
          "--targets",
          "none",
        ]),
        { timeout: 60_000 },
        (err, _stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stderr }),
      );
    });
    assert.equal(code, 1, stderr);
    assert.match(stderr, /^foresight: .*cli\.csv:501: value "-3" is negative/m);
  });
});

describe("foresight backtest argument errors", () => {
  const cases: [string, Parameters<typeof runBacktest>[0], RegExp][] = [
    [
      "unknown policy",
      { trace: FIXTURE, peakReplicas: 2, leadTime: "1m", policies: "reactive,magic" },
      /unknown policy "magic"/,
    ],
    [
      "bad lead time",
      { trace: FIXTURE, peakReplicas: 2, leadTime: "soon" },
      /--lead-time "soon" is not a duration/,
    ],
    [
      "no source",
      { peakReplicas: 2, leadTime: "1m" },
      /give --trace <csv>, or --prometheus-url with --query/,
    ],
    [
      "bad peak",
      { trace: FIXTURE, peakReplicas: "x", leadTime: "1m" },
      /--peak-replicas "x" must be an integer ≥ 1/,
    ],
    [
      "a frontier target above 100 %",
      { trace: FIXTURE, peakReplicas: 2, leadTime: "1m", targets: "50,120" },
      /--targets 120 must be at most 100/,
    ],
    [
      "an SLO of 1×",
      { trace: FIXTURE, peakReplicas: 2, leadTime: "1m", slo: "1x" },
      /--slo 1x must be more than 1/,
    ],
    [
      "an unknown queue model",
      { trace: FIXTURE, peakReplicas: 2, leadTime: "1m", queueModel: "mmk" },
      /--queue-model "mmk": use mmc/,
    ],
  ];
  for (const [what, options, error] of cases)
    it(`rejects ${what}`, async () => {
      await assert.rejects(runBacktest(options, sink().out), error);
    });
});
