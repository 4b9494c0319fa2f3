import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runBacktest } from "../../src/cli/backtest.js";
import { readTrace } from "../../src/forecast/traces.js";
import { resampleTrace, TraceDemand } from "../../src/sim/cluster/demand.js";
import { neededReplicas, oraclePlan } from "../../src/sim/policies/oracle.js";
import type { PolicyScores } from "../../src/sim/replay/scores.js";

const FIXTURE = "test/fixtures/traces/nab_asg_slice.csv";
const SCORE_KEYS = [
  "underProvisionedFraction",
  "unservedFraction",
  "replicaHours",
  "nodeHours",
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
      },
      s.out,
    );
    json = JSON.parse(readFileSync(join(dir, "out.json"), "utf8"));
    log = s.text();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes exactly the documented JSON shape", () => {
    assert.deepEqual(Object.keys(json), ["trace", "stepSeconds", "capacityPerReplica", "policies"]);
    assert.equal(json.trace, FIXTURE);
    assert.equal(json.stepSeconds, 15);
    const policies = json.policies as Record<string, PolicyScores>;
    assert.deepEqual(Object.keys(policies), ["reactive", "oracle", "phpa", "crane"]);
    for (const scores of Object.values(policies)) {
      assert.deepEqual(Object.keys(scores), SCORE_KEYS);
      assert.ok(scores.underProvisionedFraction >= 0 && scores.underProvisionedFraction <= 1);
      assert.ok(scores.unservedFraction >= 0 && scores.unservedFraction <= scores.underProvisionedFraction);
      assert.ok(scores.replicaHours > 0 && scores.nodeHours > 0 && Number.isInteger(scores.scaleEvents));
    }
  });

  it("sizes replicas by the p99 of demand over --peak-replicas", () => {
    const demand = resampleTrace(TraceDemand.fromTrace(readTrace(FIXTURE)));
    const sorted = Float64Array.from(demand).sort();
    const x = 0.99 * (sorted.length - 1);
    const lo = sorted[Math.floor(x)] as number;
    const p99 = lo + ((sorted[Math.ceil(x)] as number) - lo) * (x - Math.floor(x));
    assert.ok(Math.abs((json.capacityPerReplica as number) - p99 / 10) < 1e-9);
  });

  it("scores the oracle as the floor: never short, cost 1, replica-hours of its plan", () => {
    const policies = json.policies as Record<string, Record<string, number>>;
    const oracle = policies.oracle as Record<string, number>;
    assert.equal(oracle.underProvisionedFraction, 0);
    assert.equal(oracle.unservedFraction, 0);
    assert.equal(oracle.costVsOracle, 1);
    // Independently: the plan's replica-steps over the scored half (warmup clamped to half the trace).
    const demand = resampleTrace(TraceDemand.fromTrace(readTrace(FIXTURE)));
    const plan = oraclePlan(neededReplicas(demand, json.capacityPerReplica as number), 20);
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

  it("gives stable numbers for the deterministic reactive HPA", () => {
    const reactive = (json.policies as Record<string, Record<string, number>>).reactive as Record<
      string,
      number
    >;
    assert.equal(reactive.scaleEvents, 868);
    assert.equal(reactive.replicaHours?.toFixed(4), "618.2749");
    assert.equal(reactive.underProvisionedFraction?.toFixed(6), "0.202661");
    // A 5-minute lead leaves the HPA short where the oracle is not, on fewer replica-hours.
    assert.ok((reactive.costVsOracle as number) < 1);
  });

  it("tells the warmup was clamped, logs each policy, prints the table and writes the plot", () => {
    assert.match(log, /warmup clamped from 7\.00 to 5\.21 days/);
    for (const name of ["reactive", "oracle", "phpa", "crane"])
      assert.match(log, new RegExp(`^  ${name}: simulated in`, "m"));
    assert.match(
      log,
      /^policy +under-prov +unserved +replica-h +node-h +scale events +cost vs oracle +forecast s$/m,
    );
    const svg = readFileSync(join(dir, "out.svg"), "utf8");
    assert.equal((svg.match(/<polyline /g) ?? []).length, 5);
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
      // Demand 10 by night, 30 by day (hours 8–20).
      for (let t = start; t <= end; t += Number(params.get("step"))) {
        const hour = new Date(t * 1000).getUTCHours();
        values.push([t, String(hour >= 8 && hour < 20 ? 30 : 10)]);
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
      },
      s.out,
    );
    assert.equal(queries.length, 1);
    assert.equal(queries[0]?.get("query"), "sum(rate(requests_total[1m]))");
    assert.equal(result.trace, "sum(rate(requests_total[1m]))");
    assert.equal(result.capacityPerReplica, 10);
    assert.equal(result.policies.oracle?.underProvisionedFraction, 0);
    // The 08:00 jump arrives unannounced: the HPA is short for about the lead time, the oracle is not.
    const reactive = result.policies.reactive;
    assert.ok(reactive && reactive.underProvisionedFraction > 0 && reactive.underProvisionedFraction < 0.02);
    assert.doesNotMatch(s.text(), /clamped/);
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
  ];
  for (const [what, options, error] of cases)
    it(`rejects ${what}`, async () => {
      await assert.rejects(runBacktest(options, sink().out), error);
    });
});
