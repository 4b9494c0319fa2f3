/**
 * `foresight backtest`: replay a demand trace (a CSV, or a Prometheus query over the recent past)
 * through the simulated cluster under each scaling policy and score them: overload, SLO violations
 * and cost, and each policy placed against the reactive frontier (a plain HPA at several targets).
 * The replay is src/replay/replayBacktest.ts, the one the review API and the benchmark run too;
 * this file parses the flags into its request, reads the demand, loads the controller's candidate
 * models for the predictive policies (the neural one where TensorFlow.js loads, unless
 * --no-neural), and prints: a progress bar on a terminal, a line per run otherwise, then the table,
 * the JSON and the pictures.
 */

import { writeFileSync } from "node:fs";
import { basename } from "node:path";
import cliProgress from "cli-progress";
import { prometheusSchema } from "../config/schema.js";
import { negativeDemand, readTrace } from "../forecast/traces.js";
import type { Model } from "../forecast/types.js";
import { decorateSource } from "../metrics/decorate.js";
import { PrometheusSource } from "../metrics/prometheusSource.js";
import type { BacktestReport, NamedDemand, ReplayProgress } from "../replay/backtest.js";
import { TraceDemand } from "../replay/cluster/demand.js";
import { renderFrontierPlot } from "../replay/frontierPlot.js";
import { renderPlot } from "../replay/plot.js";
import { ORACLE, POLICY_NAMES } from "../replay/policies/index.js";
import type { QueueModel } from "../replay/queueing.js";
import {
  parseReplayDuration,
  REPLAY_DEFAULTS,
  type ReplayBacktestRequest,
  replayBacktest,
} from "../replay/replayBacktest.js";
import type { PolicyScores } from "../replay/scores.js";
import { createLogger } from "../telemetry/logger.js";
import { loadModelSet } from "./models.js";

export interface BacktestCommandOptions {
  /** CSV trace (`timestamp_unix_seconds,value`); or give prometheusUrl + query. */
  readonly trace?: string;
  readonly prometheusUrl?: string;
  readonly query?: string;
  /** How far back the Prometheus query reaches. Left out, this and every setting below: REPLAY_DEFAULTS. */
  readonly since?: string;
  readonly peakReplicas: number | string;
  readonly leadTime: string;
  readonly nodeLeadTime?: string;
  /** Clamped to half the trace when the trace is shorter than twice that. */
  readonly warmup?: string;
  /** Comma-separated names or a list. */
  readonly policies?: string | readonly string[];
  /** HPA utilization target in percent. */
  readonly target?: number | string;
  /** The reactive frontier's targets in percent, comma-separated ("none" for none). */
  readonly targets?: string;
  /** The latency SLO: the p95 allowed as a multiple of the unloaded p95. */
  readonly slo?: number | string;
  readonly queueModel?: string;
  /** Replica-sized pods a node holds. */
  readonly podsPerNode?: number | string;
  /** Include the neural model where TensorFlow.js loads (default true). */
  readonly neural?: boolean;
  readonly json?: string;
  readonly plot?: string;
  readonly frontierPlot?: string;
  /** Query end for --query (default now); tests pin it. */
  readonly nowMs?: number;
  /** Candidate models of the predictive policies instead of the controller's (tests). */
  readonly models?: () => Model[];
  /** Show a progress bar (default: when the output is a terminal). */
  readonly progress?: boolean;
}

export interface BacktestOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

const DAY_MS = 86_400_000;
const PROM_STEP_SECONDS = 60;

function requiredDuration(text: string | undefined, flag: string): number {
  if (text === undefined) throw new RangeError(`${flag} is required (a duration such as 5m or 90s)`);
  return parseReplayDuration(text, flag);
}

function optionalDuration(text: string | undefined, flag: string): number | undefined {
  return text === undefined ? undefined : parseReplayDuration(text, flag);
}

function positiveNumber(value: number | string, flag: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new RangeError(`${flag} "${value}" must be a positive number`);
  return n;
}

function percent(value: number | string, flag: string): number {
  const p = positiveNumber(value, flag);
  if (p > 100) throw new RangeError(`${flag} ${value} must be at most 100 (percent)`);
  return p / 100;
}

function policyList(policies: BacktestCommandOptions["policies"]): string[] | undefined {
  if (policies === undefined) return undefined;
  const names = (typeof policies === "string" ? policies.split(",") : policies)
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (names.length === 0) throw new RangeError(`--policies is empty; choose from ${POLICY_NAMES.join(", ")}`);
  return names;
}

function frontierTargets(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === "none") return [];
  return text.split(",").map((part) => percent(part.trim(), "--targets"));
}

function sloMultiple(value: number | string | undefined): number {
  if (value === undefined) return REPLAY_DEFAULTS.slo.multiple;
  const text = typeof value === "string" ? value.trim().replace(/x$/i, "") : value;
  const m = positiveNumber(text, "--slo");
  if (!(m > 1))
    throw new RangeError(`--slo ${value} must be more than 1 (the p95 allowed ÷ the unloaded p95)`);
  return m;
}

function queueModel(value: string | undefined): QueueModel {
  if (value === undefined) return REPLAY_DEFAULTS.slo.model;
  if (value !== "mmc" && value !== "mm1")
    throw new RangeError(
      `--queue-model "${value}": use mmc (one balancer, M/M/c) or mm1 (random balancing, M/M/1 per replica)`,
    );
  return value;
}

/** The flags as the replay's request; what they leave out, replayBacktest fills in. */
function replayRequest(options: BacktestCommandOptions): ReplayBacktestRequest {
  const leadTimeMs = requiredDuration(options.leadTime, "--lead-time");
  const nodeLeadTimeMs = optionalDuration(options.nodeLeadTime, "--node-lead-time");
  const warmupMs = optionalDuration(options.warmup, "--warmup");
  const peak = Number(options.peakReplicas);
  if (!(Number.isInteger(peak) && peak >= 1))
    throw new RangeError(
      `--peak-replicas "${options.peakReplicas}" must be an integer ≥ 1 (replicas at the p99 of demand)`,
    );
  const targetUtilization = options.target === undefined ? undefined : percent(options.target, "--target");
  const podsPerNode =
    options.podsPerNode === undefined
      ? undefined
      : Math.round(positiveNumber(options.podsPerNode, "--pods-per-node"));
  const policies = policyList(options.policies);
  const targets = frontierTargets(options.targets);
  const slo = { model: queueModel(options.queueModel), multiple: sloMultiple(options.slo) };
  return {
    peakReplicas: peak,
    leadTimeMs,
    nodeLeadTimeMs,
    warmupMs,
    targetUtilization,
    podsPerNode,
    policies,
    frontierTargets: targets,
    slo,
    recordReady: options.plot !== undefined,
  };
}

async function queryDemand(options: BacktestCommandOptions): Promise<NamedDemand> {
  const { prometheusUrl: url, query } = options;
  if (url === undefined || query === undefined)
    throw new RangeError("give --trace <csv>, or --prometheus-url with --query (and optionally --since)");
  const since = parseReplayDuration(options.since ?? REPLAY_DEFAULTS.since, "--since");
  // Split to fit the server's limits (Prometheus refuses more than 11,000 points per range query).
  const config = prometheusSchema.parse({ url });
  const source = decorateSource(new PrometheusSource({ config }), config);
  const endMs = options.nowMs ?? Date.now();
  const series = await source.range(query, new Date(endMs - since), new Date(endMs), PROM_STEP_SECONDS);
  if (series.length > 1)
    throw new RangeError(
      `--query returned ${series.length} series; aggregate it to one (e.g. sum(...)) so it is one workload's demand`,
    );
  const points: [number, number][] = (series[0]?.points ?? []).map(([t, v]) => [t, v]);
  if (points.length < 2)
    throw new RangeError(
      `--query returned fewer than 2 points over the last ${options.since ?? REPLAY_DEFAULTS.since}; check the query`,
    );
  const negative = negativeDemand(points);
  if (negative !== undefined) throw new RangeError(`--query: ${negative}; check the query`);
  return { label: query, demand: new TraceDemand(points) };
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const ratio = (x: number | undefined) =>
  x === undefined ? "-" : Number.isFinite(x) ? `${x.toFixed(2)}×` : "∞";

/** The scores and, with a frontier, each policy against it: as a table. */
export function reportTable(report: BacktestReport): string {
  const header = [
    "policy",
    "overloaded",
    "SLO viol.",
    "unserved",
    "above target",
    "replica-h",
    "vs oracle",
    "overload vs HPA",
    "SLO vs HPA",
    "replica-h vs HPA",
  ];
  const placements = report.frontier?.placements ?? {};
  const row = (name: string, s: PolicyScores) => {
    const place = placements[name];
    return [
      name,
      pct(s.overloadedFraction),
      pct(s.sloViolationFraction),
      pct(s.unservedFraction),
      pct(s.aboveTargetFraction),
      s.replicaHours.toFixed(1),
      s.costVsOracle === null ? "-" : s.costVsOracle.toFixed(3),
      ratio(place?.overloaded.ratioAtEqualCost),
      ratio(place?.slo.ratioAtEqualCost),
      ratio(place?.slo.costRatioAtEqualValue),
    ];
  };
  const rows = [
    ...(report.frontier?.runs ?? []).map((r) => row(r.label, r.scores)),
    ...Object.entries(report.policies).map(([name, s]) => row(name, s)),
  ];
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => (r[k] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, k) => (k === 0 ? c.padEnd(widths[k] as number) : c.padStart(widths[k] as number)))
      .join("  ");
  const notes = report.frontier
    ? "\n`vs HPA` columns: the policy against the reactive frontier (the HPA alone at the targets above): its overloaded time and\nSLO-violation time ÷ the HPA's at equal replica-hours, and its replica-hours ÷ the HPA's at equal SLO violations\n(below 1 is better; - where its cost or violations lie outside the frontier's range).\n"
    : "";
  return `${[line(header), ...rows.map(line)].join("\n")}\n${notes}`;
}

async function candidateModels(
  options: BacktestCommandOptions,
  out: BacktestOutput,
  failures: string[],
): Promise<() => Model[]> {
  if (options.models) return options.models;
  const neural = options.neural !== false;
  const log = createLogger({ level: "warn" });
  // The controller's candidates: the global model on its shipped pretrained weights among them (a
  // backtest does not replay the fine-tunes a running controller makes after its full retrains).
  const set = await loadModelSet({ log, wantsNeural: neural, wantsGlobal: true, storePath: undefined });
  const models = set("replay/workload");
  const names = models.map((m) => m.name);
  if (neural && !names.includes("neural"))
    failures.push("TensorFlow.js did not load: the predictive policies ran without the neural model");
  out.write(
    `models of the predictive policies: ${names.join(", ")}${
      neural
        ? names.includes("neural")
          ? " (the neural model trains at every retrain: slow; --no-neural leaves it out)"
          : " (TensorFlow.js did not load: no neural model)"
        : " (neural left out: --no-neural)"
    }\n`,
  );
  return () => models;
}

/** A progress bar on a terminal (or when asked), else a line as each run starts. */
function progressReporter(
  options: BacktestCommandOptions,
  out: BacktestOutput,
): { update(progress: ReplayProgress): void; stop(): void } {
  const useBar = options.progress ?? out.isTTY === true;
  const bar = useBar
    ? new cliProgress.SingleBar(
        {
          format: "{bar} {percentage}% | run {run} ({done}/{runs}) | ETA {eta_formatted}",
          stream: out as NodeJS.WritableStream,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let lastRun = "";
  let started = false;
  return {
    update(p) {
      if (bar) {
        if (!started) {
          bar.start(1000, 0, { run: p.run, done: p.runsDone, runs: p.runs });
          started = true;
        }
        bar.update(Math.round(p.fraction * 1000), { run: p.run, done: p.runsDone, runs: p.runs });
      } else if (p.run !== lastRun) {
        out.write(`  run ${p.runsDone + 1}/${p.runs}: ${p.run}\n`);
      }
      lastRun = p.run;
    },
    stop: () => bar?.stop(),
  };
}

/**
 * Runs the backtest and prints its report. What fell short of what was asked (a model that failed
 * to load, a plot that could not be drawn) is pushed to `failures`: the command exits non-zero on it
 * unless told only to report.
 */
export async function runBacktest(
  options: BacktestCommandOptions,
  out: BacktestOutput,
  failures: string[] = [],
): Promise<BacktestReport> {
  const request = replayRequest(options);
  const progress = progressReporter(options, out);
  const outcome = await replayBacktest(request, {
    demand: () =>
      options.trace !== undefined
        ? { label: options.trace, demand: TraceDemand.fromTrace(readTrace(options.trace)) }
        : queryDemand(options),
    models: () => candidateModels(options, out, failures),
    onProgress: (p) => progress.update(p),
  });
  progress.stop();
  const report = outcome.report;
  out.write(
    `backtest ${report.trace}: ${report.steps} steps of ${report.stepSeconds} s; a replica serves ${report.saturationPerReplica.toPrecision(6)} at saturation (${report.capacityPerReplica.toPrecision(6)} at the ${Math.round(report.targetUtilization * 100)}% target); scoring ${report.scoredSteps} steps after ${(report.warmupMs / DAY_MS).toFixed(2)} days of warmup${report.warmupClampedFromMs !== undefined ? ` (clamped from ${(report.warmupClampedFromMs / DAY_MS).toFixed(2)} days to leave half the trace to score)` : ""}; SLO: p95 ≤ ${report.slo.multiple}× the unloaded p95 (${report.slo.model === "mmc" ? "M/M/c: one balancer" : "M/M/1 per replica: random balancing"})\n`,
  );
  for (const [name, t] of Object.entries(report.timing))
    out.write(
      `  ${name}: simulated in ${t.seconds.toFixed(2)} s${t.forecastSeconds > 0 ? ` (forecasting ${t.forecastSeconds.toFixed(2)} s)` : ""}\n`,
    );
  out.write(reportTable(report));
  if (options.json !== undefined) {
    writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
    out.write(`wrote ${options.json}\n`);
  }
  if (options.plot !== undefined) {
    const warmupSteps = report.steps - report.scoredSteps;
    const svg = renderPlot({
      title: `${report.trace}: demand and ready capacity at saturation`,
      startMs: outcome.startMs,
      stepMs: report.stepSeconds * 1000,
      demand: outcome.demand,
      capacityPerReplica: report.saturationPerReplica,
      series: Object.keys(report.policies)
        .filter((n) => outcome.ready.has(n))
        .map((name) => ({ name, ready: outcome.ready.get(name) as Int32Array })),
      fromStep: warmupSteps,
    });
    writeFileSync(options.plot, svg);
    out.write(`wrote ${options.plot}\n`);
  }
  if (options.frontierPlot !== undefined) {
    if (report.frontier) {
      writeFileSync(options.frontierPlot, frontierSvg(report));
      out.write(`wrote ${options.frontierPlot}\n`);
    } else failures.push(`${options.frontierPlot} not written: there is no frontier (--targets none)`);
  }
  return report;
}

/** Cost versus SLO-violation time: the reactive frontier, the oracle and every policy. */
export function frontierSvg(report: BacktestReport, label = basename(report.trace)): string {
  const frontier = report.frontier;
  if (!frontier) throw new RangeError("the backtest has no frontier (--targets none)");
  return renderFrontierPlot({
    title: `${label}: cost vs SLO violations (p95 ≤ ${report.slo.multiple}× unloaded, ${report.slo.model})`,
    xLabel: "replica-hours",
    yLabel: "time in SLO violation (%, log scale)",
    yScale: "log",
    reactive: frontier.runs.map((r) => ({
      label: `${Math.round(r.target * 100)}%`,
      cost: r.scores.replicaHours,
      value: r.scores.sloViolationFraction,
    })),
    oracle: { cost: report.oracle.replicaHours, value: report.oracle.sloViolationFraction },
    policies: Object.entries(report.policies)
      .filter(([name]) => name !== ORACLE)
      .map(([name, s]) => ({ name, cost: s.replicaHours, value: s.sloViolationFraction })),
  });
}
