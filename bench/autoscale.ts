/**
 * `npm run bench:autoscale` (issue 5 §6): backtest every policy on five real traces with the same
 * settings as `foresight backtest --peak-replicas 40 --lead-time 5m` (c = p99 ÷ 40, 7 days of warmup
 * clamped to half the trace), write the table and the issue's target checks to docs/benchmarks.md.
 * The three predictive modes share one forecast per refit (they forecast the same demand), so the
 * trace is fitted once; the table's forecast time is that one fitting.
 */
import {
  CRANE,
  ORACLE,
  PHPA,
  type PolicyFactory,
  policyFactory,
  REACTIVE,
} from "../src/sim/policies/index.js";
import {
  type FitOutcome,
  PREDICTIVE_DIRECT,
  PREDICTIVE_FLOOR,
  PREDICTIVE_METRIC,
  type PredictiveMode,
  predictivePolicy,
} from "../src/sim/policies/predictive.js";
import { type PolicyScores, withCostVsOracle } from "../src/sim/replay/scores.js";
import { PEAK_REPLICAS, TRACES, traceRun } from "./autoscaleSetup.js";
import { machineLine, recordSection } from "./record.js";

const POLICIES = [REACTIVE, ORACLE, PHPA, CRANE, PREDICTIVE_METRIC, PREDICTIVE_FLOOR, PREDICTIVE_DIRECT];
const MODES: Record<string, PredictiveMode> = {
  [PREDICTIVE_METRIC]: "metric",
  [PREDICTIVE_FLOOR]: "floor",
  [PREDICTIVE_DIRECT]: "direct",
};

interface Row {
  readonly trace: string;
  readonly policy: string;
  readonly scores: PolicyScores;
  readonly seconds: number;
  readonly forecastSeconds: number;
}

async function runTrace(trace: string): Promise<Row[]> {
  const setup = traceRun(trace);
  const cache = new Map<number, FitOutcome>();
  const factory = (name: string): PolicyFactory => {
    const mode = MODES[name];
    return mode === undefined
      ? policyFactory(name)
      : (context) => predictivePolicy(mode, context, { forecastCache: cache });
  };
  const raw = new Map<string, { scores: Omit<PolicyScores, "costVsOracle">; seconds: number; fc: number }>();
  for (const name of [ORACLE, ...POLICIES.filter((p) => p !== ORACLE)]) {
    const started = performance.now();
    const run = await setup.run(factory(name));
    const seconds = (performance.now() - started) / 1000;
    raw.set(name, { scores: run.scores, seconds, fc: run.forecastMs / 1000 });
    process.stdout.write(`${trace} ${name}: ${seconds.toFixed(1)} s\n`);
  }
  const oracleHours = raw.get(ORACLE)?.scores.replicaHours;
  return POLICIES.map((policy) => {
    const r = raw.get(policy) as { scores: Omit<PolicyScores, "costVsOracle">; seconds: number; fc: number };
    return {
      trace,
      policy,
      scores: withCostVsOracle(r.scores, oracleHours),
      seconds: r.seconds,
      forecastSeconds: r.fc,
    };
  });
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** The issue's targets for one trace: [description, met]. */
function targets(rows: readonly Row[]): [string, boolean][] {
  const get = (p: string) => rows.find((r) => r.policy === p)?.scores as PolicyScores;
  const reactive = get(REACTIVE);
  const floor = get(PREDICTIVE_FLOOR);
  const direct = get(PREDICTIVE_DIRECT);
  return [
    [
      `floor under-prov ${pct(floor.underProvisionedFraction)} ≤ 0.5 × reactive ${pct(reactive.underProvisionedFraction)}`,
      floor.underProvisionedFraction <= 0.5 * reactive.underProvisionedFraction,
    ],
    [
      `floor replica-h ${floor.replicaHours.toFixed(1)} ≤ 1.15 × reactive ${reactive.replicaHours.toFixed(1)}`,
      floor.replicaHours <= 1.15 * reactive.replicaHours,
    ],
    [
      `direct cost vs oracle ${direct.costVsOracle?.toFixed(3) ?? "-"} ≤ 1.3`,
      direct.costVsOracle !== null && direct.costVsOracle <= 1.3,
    ],
    [
      `direct under-prov ${pct(direct.underProvisionedFraction)} ≤ reactive's`,
      direct.underProvisionedFraction <= reactive.underProvisionedFraction,
    ],
  ];
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const traces = only.length > 0 ? TRACES.filter((t) => only.includes(t)) : TRACES;
  const all: Row[][] = [];
  for (const trace of traces) all.push(await runTrace(trace));
  const lines = all.flat().map((r) => {
    const s = r.scores;
    return `| ${r.trace} | ${r.policy} | ${pct(s.underProvisionedFraction)} | ${s.replicaHours.toFixed(1)} | ${s.costVsOracle?.toFixed(3) ?? "-"} | ${r.seconds.toFixed(1)} |`;
  });
  const checks = all.map((rows) => {
    const results = targets(rows);
    const met = results.filter(([, ok]) => ok).length;
    return `- **${rows[0]?.trace}** (${met}/${results.length} met): ${results.map(([text, ok]) => `${ok ? "✅" : "❌"} ${text}`).join("; ")}`;
  });
  const section = [
    "## Autoscaling policies on real traces (`npm run bench:autoscale`)",
    "",
    `Run ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${machineLine()}.`,
    "",
    `Each trace replayed at 15 s steps as \`foresight backtest --peak-replicas ${PEAK_REPLICAS} --lead-time 5m\` (c = p99 of demand ÷ ${PEAK_REPLICAS},`,
    "7 days of warmup or half the trace if shorter, HPA target 70 %, nodes always available). `predictive-*` run the production",
    "planner and forecaster (seasonal naive, Holt-Winters, MSTL; p90; refitted hourly on the last 7 days of 5-minute means; the",
    "three modes share each refit, so `seconds` of the first one includes the fitting).",
    "",
    "| trace | policy | under-provisioned | replica-hours | cost vs oracle | seconds |",
    "|---|---|---:|---:|---:|---:|",
    ...lines,
    "",
    "Targets (issue 5 §6): `predictive-floor` under-provisioned ≤ 0.5 × `reactive` with replica-hours ≤ 1.15 × `reactive`;",
    "`predictive-direct` cost vs oracle ≤ 1.3 with under-provisioned ≤ `reactive`.",
    "",
    ...checks,
    "",
    "Where the floor's replica-hours target is missed: reactive runs under-provisioned much of the time on these traces, so its",
    "replica-hours are below what serving the demand takes; the oracle's own ratio to reactive is the least any policy that",
    "serves the demand needs. The quantile × headroom trade-off of `predictive-floor` is the next section",
    "(`npm run bench:autoscale-sweep`).",
  ].join("\n");
  if (only.length === 0) recordSection("autoscale", section);
  process.stdout.write(`${section}\n`);
}

await main();
