/**
 * `npm run bench:sim`: how fast the simulator replays. It times the replay loop itself
 * (src/replay/simulate.ts `replay`, which replayBacktest runs once per policy): one workload over
 * 14 days under `reactive`, `phpa` and `crane`, and fleets of 250–1,000 workloads over 6 hours on
 * one cluster, which a one-series backtest cannot express. Writes its table into docs/benchmarks.md.
 */
import { seededRandom } from "../src/forecast/random.js";
import { SIM_STEP_MS } from "../src/replay/cluster/demand.js";
import { policyFactory } from "../src/replay/policies/index.js";
import { replay, type WorkloadInput } from "../src/replay/simulate.js";
import { exitOnMissed, machineLine, recordSection } from "./record.js";

const DAY_STEPS = 86_400_000 / SIM_STEP_MS;
const LONG_STEPS = 14 * DAY_STEPS;
const MANY_STEPS = DAY_STEPS / 4;
const FLEET_SIZES = [250, 500, 1000];
const START_MS = Date.UTC(2026, 0, 5);

/** Daily sine between 20 and 100 with ±10 % noise, phase-shifted per workload. */
function demand(steps: number, seed: number): Float64Array {
  const random = seededRandom(seed);
  const phase = random() * 2 * Math.PI;
  return Float64Array.from({ length: steps }, (_, i) => {
    const day = (2 * Math.PI * i) / DAY_STEPS;
    return (60 + 40 * Math.sin(day + phase)) * (0.9 + 0.2 * random());
  });
}

function workload(name: string, steps: number, seed: number): WorkloadInput {
  // 10 at the 70 % target (about 10 replicas at the daily peak), so about 14.3 at saturation.
  return { name, demand: demand(steps, seed), saturationPerReplica: 10 / 0.7 };
}

interface Row {
  readonly label: string;
  readonly workloads: number;
  readonly steps: number;
  readonly seconds: number;
  readonly forecastSeconds: number;
}

async function time(label: string, policy: string, inputs: WorkloadInput[]): Promise<Row> {
  const started = performance.now();
  const result = await replay(inputs, policyFactory(policy), {
    startMs: START_MS,
    stepMs: SIM_STEP_MS,
    leadTimeMs: 5 * 60_000,
    warmupSteps: 0,
  });
  const seconds = (performance.now() - started) / 1000;
  const forecastSeconds = result.workloads.reduce((sum, w) => sum + w.forecastMs, 0) / 1000;
  process.stdout.write(`${label}: ${seconds.toFixed(2)} s\n`);
  return { label, workloads: inputs.length, steps: result.steps, seconds, forecastSeconds };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const long = [workload("w0", LONG_STEPS, 1)];
  for (const policy of ["reactive", "phpa", "crane"])
    rows.push(await time(`1 workload × 14 days, ${policy}`, policy, long));
  const fleet: Row[] = [];
  for (const n of FLEET_SIZES) {
    const inputs = Array.from({ length: n }, (_, k) => workload(`w${k}`, MANY_STEPS, k + 1));
    fleet.push(await time(`${n} workloads × 6 h, reactive`, "reactive", inputs));
  }
  rows.push(...fleet);
  const perStep = (r: Row) => (r.seconds * 1e6) / (r.workloads * r.steps);
  const base = perStep(fleet[0] as Row);
  const reactive14 = rows[0] as Row;
  const lines = rows.map(
    (r) =>
      `| ${r.label} | ${r.steps.toLocaleString("en")} | ${r.seconds.toFixed(2)} | ${r.forecastSeconds.toFixed(2)} | ${perStep(r).toFixed(2)} |`,
  );
  const growth = fleet.map((r) => `${r.workloads}: ${(perStep(r) / base).toFixed(2)}×`).join(", ");
  const section = [
    "## Simulator: replay speed (`npm run bench:sim`)",
    "",
    `Run ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${machineLine()}.`,
    "",
    "Synthetic daily demand with seeded noise, 15 s steps, lead time 5 min, nodes always available; every step runs the",
    "cluster (pods, nodes, autoscaler), the lagged metric and each workload's policy (the emulated HPA sync for `reactive`).",
    "Forecasting time (Holt-Winters for `phpa`, DSP for `crane`, refitted hourly) is included in the total and shown apart.",
    "",
    "| run | steps | seconds | of which forecasting | µs per workload-step |",
    "|---|---:|---:|---:|---:|",
    ...lines,
    "",
    `Target: 14 days of one workload under \`reactive\` in ≤ 2 s — ${reactive14.seconds <= 2 ? "met" : "missed"} (${reactive14.seconds.toFixed(2)} s).`,
    `Linearity: cost per workload-step relative to 250 workloads — ${growth} (1.00× everywhere is linear).`,
  ].join("\n");
  recordSection("sim", section);
  process.stdout.write(`${section}\n`);
  exitOnMissed("sim", [
    reactive14.seconds > 2 && `14 days of reactive took ${reactive14.seconds.toFixed(2)} s, target ≤ 2 s`,
  ]);
}

await main();
