/**
 * `npm run bench:autoscale`: every policy on every trace (autoscaleSetup.ts) against the reactive
 * frontier (the HPA alone at 30–90 %), with `foresight backtest --peak-replicas 40 --lead-time 5m`
 * and again with an 8-minute node lead time; writes the frontier table, the targets and one picture
 * per trace (demand and capacity over the two days where the HPA alone is overloaded most, and cost
 * versus SLO violations) into docs/benchmarks.md and docs/images/autoscale/. Traces run in parallel
 * processes (one per core by default).
 *
 * Flags: `--traces a,b` (default all), `--days n` (default 21: a week of warmup, two scored),
 * `--jobs n`, `--no-record` (print, do not write the docs).
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { frontierSvg } from "../src/cli/backtest.js";
import type { BacktestReport } from "../src/replay/backtest.js";
import { renderPlot } from "../src/replay/plot.js";
import { BURSTS, DEFAULT_DAYS, SETTINGS, TRACES } from "./autoscaleSetup.js";
import type { TraceResult } from "./autoscaleTrace.js";
import { exitOnMissed, machineLine, recordSection } from "./record.js";

const ROOT = new URL("../", import.meta.url).pathname;
const IMAGES = "docs/images/autoscale";
const PREDICTIVE = ["predictive-metric", "predictive-floor", "predictive-direct"];
const COMPARED = ["phpa", "crane", ...PREDICTIVE];

interface Options {
  readonly traces: string[];
  readonly days: number;
  readonly jobs: number;
  readonly record: boolean;
}

export function parseArgs(argv: readonly string[]): Options {
  let traces = TRACES;
  let days = DEFAULT_DAYS;
  let jobs = Math.max(1, cpus().length);
  let record = true;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    if (flag === "--no-record") {
      record = false;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new RangeError(`${flag}: missing value`);
    if (flag === "--traces") {
      traces = value.split(",");
      const unknown = traces.filter((t) => !TRACES.includes(t));
      if (unknown.length > 0)
        throw new RangeError(`--traces: unknown ${unknown.join(", ")} (known: ${TRACES.join(", ")})`);
    } else if (flag === "--days") days = Number(value);
    else if (flag === "--jobs") jobs = Number(value);
    else throw new RangeError(`unknown flag ${flag} (known: --traces, --days, --jobs, --no-record)`);
    if (!(days >= 2 && jobs >= 1)) throw new RangeError(`${flag} ${value}: out of range`);
  }
  return { traces, days, jobs, record };
}

function runTrace(trace: string, days: number, dir: string): Promise<TraceResult> {
  const out = join(dir, `${trace}.json`);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(ROOT, "bench/autoscaleTrace.ts"), trace, String(days), out],
      {
        stdio: ["ignore", "inherit", "inherit"],
      },
    );
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`${trace}: worker exited with ${code}`));
      else resolve(JSON.parse(readFileSync(out, "utf8")) as TraceResult);
    });
  });
}

async function runAll(options: Options): Promise<TraceResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "foresight-autoscale-"));
  try {
    const queue = [...options.traces];
    const results = new Map<string, TraceResult>();
    const worker = async () => {
      for (let trace = queue.shift(); trace !== undefined; trace = queue.shift())
        results.set(trace, await runTrace(trace, options.days, dir));
    };
    await Promise.all(Array.from({ length: Math.min(options.jobs, queue.length) }, worker));
    return options.traces.map((t) => results.get(t) as TraceResult);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const times = (x: number | undefined) =>
  x === undefined ? "–" : Number.isFinite(x) ? `${x.toFixed(2)}×` : "∞";

/** On or below the frontier for both overload and SLO violations (undefined: its cost lies outside it). */
function below(report: BacktestReport, policy: string): boolean | undefined {
  const p = report.frontier?.placements[policy];
  if (!p || p.overloaded.below === undefined || p.slo.below === undefined) return undefined;
  return p.overloaded.below && p.slo.below;
}

function mean(values: readonly (number | undefined)[]): { value: number; missing: number } {
  const finite = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return {
    value: finite.length === 0 ? Number.NaN : finite.reduce((a, b) => a + b, 0) / finite.length,
    missing: values.length - finite.length,
  };
}

function traceRows(result: TraceResult): string[] {
  return result.settings.flatMap(({ name, report }) => {
    const row = (
      policy: string,
      scores: BacktestReport["oracle"],
      place = report.frontier?.placements[policy],
    ) => {
      const b = below(report, policy);
      return `| ${result.trace} | ${name} | ${policy} | ${pct(scores.overloadedFraction)} | ${pct(scores.sloViolationFraction)} | ${scores.replicaHours.toFixed(0)} | ${times(scores.costVsOracle ?? undefined)} | ${times(place?.overloaded.ratioAtEqualCost)} | ${times(place?.slo.ratioAtEqualCost)} | ${times(place?.slo.costRatioAtEqualValue)} | ${b === undefined ? "outside" : b ? "✅ below" : "❌ above"} |`;
    };
    return [
      ...(report.frontier?.runs ?? []).map(
        (r) =>
          `| ${result.trace} | ${name} | ${r.label} | ${pct(r.scores.overloadedFraction)} | ${pct(r.scores.sloViolationFraction)} | ${r.scores.replicaHours.toFixed(0)} | ${times(r.scores.costVsOracle ?? undefined)} | | | | frontier |`,
      ),
      row("oracle", report.oracle),
      ...COMPARED.map((p) => row(p, report.policies[p] as BacktestReport["oracle"])),
    ];
  });
}

function targets(results: readonly TraceResult[]): string[] {
  const lines: string[] = [];
  const real = results.filter((r) => r.trace !== BURSTS);
  for (const [k, setting] of SETTINGS.entries()) {
    const reports = real.map((r) => r.settings[k]?.report as BacktestReport);
    const ratio = (policy: string, metric: "overloaded" | "slo") =>
      mean(reports.map((r) => r.frontier?.placements[policy]?.[metric].ratioAtEqualCost));
    const floorOver = ratio("predictive-floor", "overloaded");
    const floorSlo = ratio("predictive-floor", "slo");
    const missing = Math.max(floorOver.missing, floorSlo.missing);
    lines.push(
      `- **${setting.name}**: \`predictive-floor\` at equal replica-hours has ${times(floorOver.value)} the HPA's overloaded time and ${times(floorSlo.value)} its SLO-violation time, averaged over ${reports.length - missing} real traces${missing > 0 ? ` (${missing} outside the frontier's cost range left out)` : ""}: ${floorOver.value <= 0.5 && floorSlo.value <= 0.5 ? "✅" : "❌"} target ≤ 0.50×.`,
    );
    for (const other of ["phpa", "crane"]) {
      const o = ratio(other, "overloaded");
      const s = ratio(other, "slo");
      lines.push(
        `  - against \`${other}\` (each against the same frontier at its own cost): overloaded ${times(floorOver.value)} vs ${times(o.value)}, SLO ${times(floorSlo.value)} vs ${times(s.value)}: ${floorOver.value < o.value && floorSlo.value < s.value ? "✅ floor ahead" : "❌ floor not ahead"}.`,
      );
    }
    const above = results.flatMap((r) =>
      PREDICTIVE.filter((p) => below(r.settings[k]?.report as BacktestReport, p) === false).map(
        (p) => `${p} on ${r.trace}`,
      ),
    );
    const outside = results.flatMap((r) =>
      PREDICTIVE.filter((p) => below(r.settings[k]?.report as BacktestReport, p) === undefined).map(
        (p) => `${p} on ${r.trace}`,
      ),
    );
    lines.push(
      `  - every \`predictive-*\` on or below the frontier on every trace: ${above.length === 0 ? "✅" : `❌ above: ${above.join(", ")}`}${outside.length > 0 ? ` (outside its cost range: ${outside.join(", ")})` : ""}.`,
    );
    const bursts = results.find((r) => r.trace === BURSTS)?.settings[k]?.report;
    if (bursts) {
      const p = bursts.frontier?.placements["predictive-floor"];
      lines.push(
        `  - ${BURSTS} (nothing to forecast): \`predictive-floor\` overloaded ${times(p?.overloaded.ratioAtEqualCost)} and SLO ${times(p?.slo.ratioAtEqualCost)} the HPA's at equal cost: ${(p?.overloaded.ratioAtEqualCost ?? 2) <= 1.05 && (p?.slo.ratioAtEqualCost ?? 2) <= 1.05 ? "✅ no worse" : "❌ worse"}.`,
      );
    }
  }
  return lines;
}

function pictures(result: TraceResult): string[] {
  mkdirSync(join(ROOT, IMAGES), { recursive: true });
  const links: string[] = [];
  for (const [k, { name, report, window }] of result.settings.entries()) {
    const suffix = k === 0 ? "" : "-nodes";
    const series = Object.entries(window.capacity).map(([policy, values]) => ({
      name: policy,
      ready: values,
    }));
    const svg = renderPlot({
      title: `${result.trace} (${name}): demand and ready capacity at saturation`,
      startMs: window.startMs,
      stepMs: window.stepMs,
      demand: window.demand,
      capacityPerReplica: 1,
      series,
      yLabel: "demand",
    });
    writeFileSync(join(ROOT, IMAGES, `${result.trace}${suffix}.svg`), svg);
    writeFileSync(
      join(ROOT, IMAGES, `${result.trace}${suffix}-frontier.svg`),
      frontierSvg(report, `${result.trace} (${name})`),
    );
    links.push(
      `![${result.trace}, ${name}: demand and capacity](images/autoscale/${result.trace}${suffix}.svg)`,
      `![${result.trace}, ${name}: cost versus SLO violations](images/autoscale/${result.trace}${suffix}-frontier.svg)`,
    );
  }
  return links;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const started = new Date();
  const results = await runAll(options);
  const minutes = (Date.now() - started.getTime()) / 60_000;
  const first = results[0]?.settings[0]?.report;
  const section = [
    "## Autoscaling policies against the reactive frontier (`npm run bench:autoscale`)",
    "",
    `Run ${started.toISOString().slice(0, 16).replace("T", " ")} UTC on ${machineLine()}; ${minutes.toFixed(0)} min with ${options.jobs} traces at a time.`,
    "",
    `Each trace (cut to ${options.days} days: ${((first?.warmupMs ?? 0) / 86_400_000).toFixed(0)} days of warmup, the rest scored) replayed at 15 s steps as \`foresight backtest --peak-replicas 40 --lead-time 5m\`,`,
    "then again with `--node-lead-time 8m` (new pods wait for a node 8 minutes; the predictive policies then reserve a",
    "CapacityBuffer 13 minutes ahead). A replica serves p99 ÷ (40 × 0.7) at saturation; every HPA-based policy has a 70 % target.",
    `Overloaded: demand above the ready replicas' saturation capacity. SLO violation: p95 latency above ${first?.slo.multiple ?? 2}× the unloaded p95,`,
    "with the deployment as one M/M/c queue (one balancer, c = ready replicas, service rate = saturation capacity).",
    "The frontier is the HPA alone at targets 30–90 %; `× HPA` columns place each policy on it: its overloaded and SLO-violation",
    "time ÷ the HPA's at equal replica-hours, and its replica-hours ÷ the HPA's at equal SLO violations (– where outside the curve).",
    "`predictive-*` run the controller's code: the production forecaster (every statistical model; the neural one left out for",
    "speed: it would train at each hourly retrain), a full retrain every hour and an update after every 5-minute step, and the",
    "controller's decision with the CRD's defaults, reconciled every 30 s. The forecast is shared by the three modes and both",
    "settings, so each trace is forecast once.",
    "",
    "### Targets",
    "",
    ...targets(results),
    "",
    "### Every trace",
    "",
    "| trace | setting | policy | overloaded | SLO violated | replica-h | × oracle | overloaded × HPA | SLO × HPA | replica-h × HPA at equal SLO | frontier |",
    "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ...results.flatMap(traceRows),
    "",
    "### Pictures",
    "",
    "Per trace and setting: demand and each policy's ready capacity at saturation over the two scored days where the",
    "HPA alone is overloaded most; then cost against SLO-violation time (log scale) with the frontier, the oracle and every policy.",
    "",
    ...results.flatMap((r) => (options.record ? pictures(r) : [])),
  ].join("\n");
  if (options.record) recordSection("autoscale", section);
  process.stdout.write(`${section}\n`);
  exitOnMissed(
    "autoscale",
    targets(results).filter((t) => t.includes("❌") || / left out\)/.test(t)),
  );
}

if (process.argv[1]?.endsWith("autoscale.ts")) await main();
