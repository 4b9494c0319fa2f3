/**
 * `foresight backtest`: replay a demand trace (a CSV, or a Prometheus query over the recent past)
 * through the simulated cluster under each scaling policy and score them (issue 4 §3–§4). Capacity
 * per replica c = p99 of demand ÷ --peak-replicas; scores cover everything after --warmup. The
 * oracle always runs (it is the cost reference); it is listed only when asked for.
 */
import { writeFileSync } from "node:fs";
import { parseDurationMs } from "../config/duration.js";
import { prometheusSchema } from "../config/schema.js";
import { readTrace } from "../forecast/traces.js";
import { PrometheusSource } from "../metrics/prometheusSource.js";
import { resampleTrace, SIM_STEP_MS, TraceDemand } from "../sim/cluster/demand.js";
import { ORACLE, POLICY_NAMES, policyFactory } from "../sim/policies/index.js";
import { renderPlot } from "../sim/replay/plot.js";
import {
  capacityPerReplica,
  type PolicyScores,
  type RawScores,
  withCostVsOracle,
} from "../sim/replay/scores.js";
import { replay } from "../sim/replay/simulate.js";

export interface BacktestOptions {
  /** CSV trace (`timestamp_unix_seconds,value`); or give prometheusUrl + query. */
  readonly trace?: string;
  readonly prometheusUrl?: string;
  readonly query?: string;
  /** How far back the Prometheus query reaches (default 14d). */
  readonly since?: string;
  readonly peakReplicas: number | string;
  readonly leadTime: string;
  readonly nodeLeadTime?: string;
  /** Default 7d; clamped to half the trace when the trace is shorter than twice that. */
  readonly warmup?: string;
  /** Comma-separated names or a list (default: all). */
  readonly policies?: string | readonly string[];
  /** HPA utilization target in percent (default 70). */
  readonly target?: number | string;
  /** Replica-sized pods a node holds (default 4). */
  readonly podsPerNode?: number | string;
  readonly json?: string;
  readonly plot?: string;
  /** Query end for --query (default now); tests pin it. */
  readonly nowMs?: number;
}

export interface BacktestOutput {
  write(text: string): unknown;
}

export interface BacktestResult {
  readonly trace: string;
  readonly stepSeconds: number;
  readonly capacityPerReplica: number;
  readonly policies: Record<string, PolicyScores>;
}

const DAY_MS = 86_400_000;
/** Prometheus refuses more than 11,000 points per range query. */
const PROM_CHUNK_POINTS = 10_000;
const PROM_STEP_SECONDS = 60;

function duration(text: string | undefined, flag: string, fallback?: number): number {
  if (text === undefined) {
    if (fallback !== undefined) return fallback;
    throw new RangeError(`${flag} is required (a duration such as 5m or 90s)`);
  }
  const ms = parseDurationMs(text);
  if (ms === undefined || ms < 0)
    throw new RangeError(`${flag} "${text}" is not a duration; use e.g. 5m, 90s, 7d`);
  return ms;
}

function positiveNumber(value: number | string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new RangeError(`${flag} "${value}" must be a positive number`);
  return n;
}

function policyList(policies: BacktestOptions["policies"]): string[] {
  const names = (typeof policies === "string" ? policies.split(",") : (policies ?? POLICY_NAMES))
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (names.length === 0) throw new RangeError(`--policies is empty; choose from ${POLICY_NAMES.join(", ")}`);
  for (const name of names) policyFactory(name); // fail early on unknown names
  return [...new Set(names)];
}

async function queryDemand(options: BacktestOptions): Promise<{ label: string; demand: TraceDemand }> {
  const { prometheusUrl: url, query } = options;
  if (url === undefined || query === undefined)
    throw new RangeError("give --trace <csv>, or --prometheus-url with --query (and optionally --since)");
  const since = duration(options.since, "--since", 14 * DAY_MS);
  const source = new PrometheusSource({ config: prometheusSchema.parse({ url }) });
  const endMs = options.nowMs ?? Date.now();
  const points: [number, number][] = [];
  const chunkMs = PROM_CHUNK_POINTS * PROM_STEP_SECONDS * 1000;
  for (let from = endMs - since; from < endMs; from += chunkMs) {
    const to = Math.min(endMs, from + chunkMs - PROM_STEP_SECONDS * 1000);
    const series = await source.range(query, new Date(from), new Date(to), PROM_STEP_SECONDS);
    if (series.length > 1)
      throw new RangeError(
        `--query returned ${series.length} series; aggregate it to one (e.g. sum(...)) so it is one workload's demand`,
      );
    for (const [t, v] of series[0]?.points ?? []) points.push([t, v]);
  }
  if (points.length < 2)
    throw new RangeError(
      `--query returned fewer than 2 points over the last ${options.since ?? "14d"}; check the query`,
    );
  return { label: query, demand: new TraceDemand(points) };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

function table(result: BacktestResult, forecastMs: ReadonlyMap<string, number>): string {
  const header = [
    "policy",
    "under-prov",
    "unserved",
    "replica-h",
    "node-h",
    "scale events",
    "cost vs oracle",
    "forecast s",
  ];
  const rows = Object.entries(result.policies).map(([name, s]) => [
    name,
    pct(s.underProvisionedFraction),
    pct(s.unservedFraction),
    s.replicaHours.toFixed(1),
    s.nodeHours.toFixed(1),
    String(s.scaleEvents),
    s.costVsOracle === null ? "-" : s.costVsOracle.toFixed(3),
    ((forecastMs.get(name) ?? 0) / 1000).toFixed(2),
  ]);
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => (r[k] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, k) => (k === 0 ? c.padEnd(widths[k] as number) : c.padStart(widths[k] as number)))
      .join("  ");
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}

export async function runBacktest(options: BacktestOptions, out: BacktestOutput): Promise<BacktestResult> {
  const leadTimeMs = duration(options.leadTime, "--lead-time");
  const nodeLeadTimeMs = duration(options.nodeLeadTime, "--node-lead-time", 0);
  const requestedWarmup = duration(options.warmup, "--warmup", 7 * DAY_MS);
  const peak = Number(options.peakReplicas);
  if (!(Number.isInteger(peak) && peak >= 1))
    throw new RangeError(
      `--peak-replicas "${options.peakReplicas}" must be an integer ≥ 1 (replicas at the p99 of demand)`,
    );
  const target = positiveNumber(options.target, "--target", 70) / 100;
  if (target > 1) throw new RangeError(`--target ${options.target} must be at most 100 (percent)`);
  const podsPerNode = Math.round(positiveNumber(options.podsPerNode, "--pods-per-node", 4));
  const names = policyList(options.policies);

  const { label, demand } =
    options.trace !== undefined
      ? { label: options.trace, demand: TraceDemand.fromTrace(readTrace(options.trace)) }
      : await queryDemand(options);
  const series = resampleTrace(demand, SIM_STEP_MS);
  const c = capacityPerReplica(series, peak);
  const durationMs = series.length * SIM_STEP_MS;
  let warmupMs = requestedWarmup;
  if (warmupMs > durationMs / 2) {
    warmupMs = Math.floor(durationMs / 2 / SIM_STEP_MS) * SIM_STEP_MS;
    out.write(
      `note: the trace covers ${(durationMs / DAY_MS).toFixed(2)} days; warmup clamped from ${(requestedWarmup / DAY_MS).toFixed(2)} to ${(warmupMs / DAY_MS).toFixed(2)} days to leave half of it to score\n`,
    );
  }
  const warmupSteps = Math.round(warmupMs / SIM_STEP_MS);
  out.write(
    `backtest ${label}: ${series.length} steps of ${SIM_STEP_MS / 1000} s, c = ${c.toPrecision(6)} per replica, scoring ${series.length - warmupSteps} steps after ${(warmupMs / DAY_MS).toFixed(2)} days of warmup\n`,
  );

  const raw = new Map<string, RawScores>();
  const ready = new Map<string, Int32Array>();
  const forecastMs = new Map<string, number>();
  const runOrder = [ORACLE, ...names.filter((n) => n !== ORACLE)];
  for (const name of runOrder) {
    const started = performance.now();
    const result = await replay(
      [{ name: "workload", demand: series, capacityPerReplica: c }],
      policyFactory(name),
      {
        startMs: demand.startMs,
        stepMs: SIM_STEP_MS,
        leadTimeMs,
        nodeLeadTimeMs,
        targetUtilization: target,
        warmupSteps,
        podsPerNode,
        recordReady: options.plot !== undefined,
      },
    );
    const run = result.workloads[0];
    if (run === undefined) throw new Error("replay returned no workload");
    raw.set(name, run.scores);
    if (run.ready) ready.set(name, run.ready);
    forecastMs.set(name, run.forecastMs);
    const seconds = (performance.now() - started) / 1000;
    const note = run.forecastMs > 0 ? ` (forecasting ${(run.forecastMs / 1000).toFixed(2)} s)` : "";
    out.write(`  ${name}: simulated in ${seconds.toFixed(2)} s${note}\n`);
  }
  const oracleHours = raw.get(ORACLE)?.replicaHours;
  const policies: Record<string, PolicyScores> = {};
  for (const name of names) policies[name] = withCostVsOracle(raw.get(name) as RawScores, oracleHours);
  const result: BacktestResult = {
    trace: label,
    stepSeconds: SIM_STEP_MS / 1000,
    capacityPerReplica: c,
    policies,
  };

  out.write(table(result, forecastMs));
  if (options.json !== undefined) {
    writeFileSync(options.json, `${JSON.stringify(result, null, 2)}\n`);
    out.write(`wrote ${options.json}\n`);
  }
  if (options.plot !== undefined) {
    const svg = renderPlot({
      title: `${label}: demand vs ready capacity (c = ${c.toPrecision(4)})`,
      startMs: demand.startMs,
      stepMs: SIM_STEP_MS,
      demand: series,
      capacityPerReplica: c,
      series: names.map((name) => ({ name, ready: ready.get(name) as Int32Array })),
      fromStep: warmupSteps,
    });
    writeFileSync(options.plot, svg);
    out.write(`wrote ${options.plot}\n`);
  }
  return result;
}
