/**
 * `npm run bench:autoscale-sweep` (issue 5 §6): the quantile/headroom trade-off of `predictive-floor`.
 * `bench:autoscale` shows the floor halving under-provisioning on every trace but never within 1.15 ×
 * reactive's replica-hours; the issue asks, when a target is out of reach, for the trade-off curve.
 * This replays each trace once under `reactive` and `oracle`, then `predictive-floor` over a grid of
 * served quantile × headroom, with the settings of `bench:autoscale` (c = p99 ÷ 40, lead time 5 min,
 * 7 days of warmup or half the trace), and writes the curve to docs/benchmarks.md.
 * The forecast depends on demand and quantile only, so one forecast cache per quantile is shared by
 * its headrooms: each trace is fitted once per quantile.
 *
 * Flags: `--traces a,b` `--quantiles 0.5,0.9` `--headrooms 0,0.1` (defaults: the full grid below on
 * the three traces that are cheap to fit, about 13 min), `--no-record` (print the section without writing docs/benchmarks.md).
 */
import { pathToFileURL } from "node:url";
import { ORACLE, type PolicyFactory, policyFactory, REACTIVE } from "../src/sim/policies/index.js";
import { type FitOutcome, PREDICTIVE_FLOOR, predictivePolicy } from "../src/sim/policies/predictive.js";
import type { RawScores } from "../src/sim/replay/scores.js";
import { PEAK_REPLICAS, TRACES, traceRun } from "./autoscaleSetup.js";
import { machineLine, recordSection } from "./record.js";

export { TRACES };

/**
 * Traces swept by default: the three whose fitting is cheap. Fitting dominates (one per quantile and
 * trace, 15 s to 3 min each on a 2-core machine); the full grid on all five traces takes about 45 min.
 */
export const DEFAULT_TRACES = [
  "servegen_m_small_rate",
  "nab_elb_request_count_8c0756",
  "nab_twitter_volume_amzn",
];
export const QUANTILES = [0.5, 0.7, 0.8, 0.9, 0.95];
export const HEADROOMS = [0, 0.1, 0.25];
/** Issue 5 §6: floor under-provisioned ≤ 0.5 × reactive's, replica-hours ≤ 1.15 × reactive's. */
export const UNDER_TARGET = 0.5;
export const HOURS_TARGET = 1.15;

/** One `predictive-floor` grid point against `reactive` on the same trace. */
export interface GridPoint {
  readonly quantile: number;
  readonly headroom: number;
  /** replicaHours ÷ reactive's. */
  readonly hoursRatio: number;
  /** underProvisionedFraction ÷ reactive's (0 when both are 0, Infinity when only reactive's is). */
  readonly underRatio: number;
  readonly halves: boolean;
  readonly withinCost: boolean;
}

export interface Options {
  readonly traces: string[];
  readonly quantiles: number[];
  readonly headrooms: number[];
  readonly record: boolean;
}

/** `--traces a,b --quantiles 0.5,0.9 --headrooms 0,0.1 --no-record`; throws naming the bad flag or value. */
export function parseArgs(argv: readonly string[]): Options {
  let traces = DEFAULT_TRACES;
  let quantiles = QUANTILES;
  let headrooms = HEADROOMS;
  let record = true;
  const numbers = (flag: string, text: string, ok: (x: number) => boolean, range: string): number[] =>
    text.split(",").map((part) => {
      const x = Number(part);
      if (part.trim() === "" || !Number.isFinite(x) || !ok(x))
        throw new RangeError(`${flag}: "${part}" is not a number in ${range}`);
      return x;
    });
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    if (flag === "--no-record") {
      record = false;
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith("--")) throw new RangeError(`${flag}: missing value`);
    i++;
    if (flag === "--traces") {
      traces = value.split(",");
      const unknown = traces.filter((t) => !TRACES.includes(t));
      if (unknown.length > 0)
        throw new RangeError(`--traces: unknown ${unknown.join(", ")} (known: ${TRACES.join(", ")})`);
    } else if (flag === "--quantiles") quantiles = numbers(flag, value, (x) => x > 0 && x < 1, "(0, 1)");
    else if (flag === "--headrooms") headrooms = numbers(flag, value, (x) => x >= 0, "[0, ∞)");
    else
      throw new RangeError(`unknown flag ${flag} (known: --traces, --quantiles, --headrooms, --no-record)`);
  }
  return { traces, quantiles, headrooms, record };
}

/** A floor run scored against reactive's run on the same trace, with the issue's two targets. */
export function gridPoint(
  quantile: number,
  headroom: number,
  floor: Pick<RawScores, "replicaHours" | "underProvisionedFraction">,
  reactive: Pick<RawScores, "replicaHours" | "underProvisionedFraction">,
): GridPoint {
  const under = floor.underProvisionedFraction;
  const base = reactive.underProvisionedFraction;
  return {
    quantile,
    headroom,
    hoursRatio: floor.replicaHours / reactive.replicaHours,
    underRatio: base > 0 ? under / base : under > 0 ? Number.POSITIVE_INFINITY : 0,
    halves: under <= UNDER_TARGET * base,
    withinCost: floor.replicaHours <= HOURS_TARGET * reactive.replicaHours,
  };
}

/** The point that halves under-provisioning at the fewest replica-hours, if any does. */
export function cheapestHalving(points: readonly GridPoint[]): GridPoint | undefined {
  let best: GridPoint | undefined;
  for (const p of points) if (p.halves && (best === undefined || p.hoursRatio < best.hoursRatio)) best = p;
  return best;
}

/** The point with the least under-provisioning within the replica-hours budget, if any is within it. */
export function bestWithinCost(points: readonly GridPoint[]): GridPoint | undefined {
  let best: GridPoint | undefined;
  for (const p of points)
    if (p.withinCost && (best === undefined || p.underRatio < best.underRatio)) best = p;
  return best;
}

interface TraceResult {
  readonly trace: string;
  readonly reactive: RawScores;
  readonly oracle: RawScores;
  readonly points: GridPoint[];
  readonly seconds: number;
}

async function runTrace(trace: string, options: Options, progress: () => string): Promise<TraceResult> {
  const traceStarted = performance.now();
  const setup = traceRun(trace);
  const run = async (label: string, factory: PolicyFactory): Promise<RawScores> => {
    const started = performance.now();
    const { scores: s } = await setup.run(factory);
    process.stderr.write(
      `${progress()} ${trace} ${label}: under ${(s.underProvisionedFraction * 100).toFixed(2)}%, ${s.replicaHours.toFixed(0)} replica-h, ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    return s;
  };
  const reactive = await run(REACTIVE, policyFactory(REACTIVE));
  const oracle = await run(ORACLE, policyFactory(ORACLE));
  const points: GridPoint[] = [];
  for (const quantile of options.quantiles) {
    const forecastCache = new Map<number, FitOutcome>();
    for (const headroom of options.headrooms) {
      const scores = await run(`${PREDICTIVE_FLOOR} q=${quantile} headroom=${headroom}`, (context) =>
        predictivePolicy("floor", context, { quantile, headroom, forecastCache }),
      );
      points.push(gridPoint(quantile, headroom, scores, reactive));
    }
  }
  return { trace, reactive, oracle, points, seconds: (performance.now() - traceStarted) / 1000 };
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const ratio = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : "∞");
const at = (p: GridPoint) => `q=${p.quantile}, headroom ${p.headroom}`;

/** The generated paragraph for one trace: oracle for reference, cheapest halving point, best within budget. */
export function summary(
  trace: string,
  points: readonly GridPoint[],
  oracleHoursRatio: number,
  reactiveUnder: number,
): string {
  const cheapest = cheapestHalving(points);
  const within = bestWithinCost(points);
  const both = points.filter((p) => p.halves && p.withinCost);
  const minHours = Math.min(...points.map((p) => p.hoursRatio));
  const parts = [
    `- **${trace}** (reactive under-provisioned ${pct(reactiveUnder)}; oracle ${ratio(oracleHoursRatio)} reactive's replica-hours):`,
    cheapest === undefined
      ? "no grid point halves under-provisioning"
      : `cheapest point that halves under-provisioning is ${at(cheapest)} at ${ratio(cheapest.hoursRatio)} replica-hours (under-prov ${ratio(cheapest.underRatio)})`,
    within === undefined
      ? `no grid point is within ${HOURS_TARGET}× replica-hours (cheapest ${ratio(minHours)})`
      : `within ${HOURS_TARGET}× replica-hours the least under-provisioning is ${ratio(within.underRatio)} reactive's (${at(within)}, ${ratio(within.hoursRatio)})`,
    both.length === 0 ? "no point meets both targets." : `${both.length} point(s) meet both targets.`,
  ];
  return `${parts[0]} ${parts.slice(1).join("; ")}`;
}

function section(results: readonly TraceResult[], options: Options, started: Date, seconds: number): string {
  const rows = results.flatMap((r) => [
    `| ${r.trace} | oracle | | | ${ratio(r.oracle.replicaHours / r.reactive.replicaHours)} | ${pct(r.oracle.underProvisionedFraction)} (reactive ${pct(r.reactive.underProvisionedFraction)}) | |`,
    ...r.points.map(
      (p) =>
        `| ${r.trace} | predictive-floor | ${p.quantile} | ${p.headroom} | ${ratio(p.hoursRatio)} | ${ratio(p.underRatio)} | ${p.halves && p.withinCost ? "✅" : `❌${p.halves ? "" : " under"}${p.withinCost ? "" : " cost"}`} |`,
    ),
  ]);
  const anyBoth = results.some((r) => r.points.some((p) => p.halves && p.withinCost));
  const minutes = (seconds / 60).toFixed(0);
  const skipped = TRACES.filter((t) => !options.traces.includes(t));
  return [
    "## Predictive-floor trade-off: quantile × headroom (`npm run bench:autoscale-sweep`)",
    "",
    `Run ${started.toISOString().slice(0, 16).replace("T", " ")} UTC on ${machineLine()}; ${minutes} min.`,
    "",
    `Same traces and settings as \`bench:autoscale\` (15 s steps, \`--peak-replicas ${PEAK_REPLICAS} --lead-time 5m\`, 7 days of warmup or`,
    "half the trace, HPA target 70 %, nodes always available). `predictive-floor` raises the HPA's minReplicas to the planner's",
    "replicas for the forecast's served quantile × (1 + headroom); refitted hourly, one fitting per trace and quantile.",
    `Grid run: traces ${options.traces.join(", ")}; quantiles ${options.quantiles.join(", ")}; headrooms ${options.headrooms.join(", ")}.`,
    ...(skipped.length > 0
      ? [
          `Not swept by default: ${skipped.join(", ")}. Their fitting takes about 3 min per quantile here (the full grid on all five`,
          "traces about 45 min); run them with `--traces`. Their q=0.9, headroom 0 point is `predictive-floor` in `bench:autoscale`.",
        ]
      : []),
    "",
    `Targets (issue 5 §6): under-provisioned ≤ ${UNDER_TARGET} × reactive's **and** replica-hours ≤ ${HOURS_TARGET} × reactive's.`,
    "Ratios are against `reactive` on the same trace; the oracle row gives its replica-hours ratio and its under-provisioned",
    "fraction. `❌ under` / `❌ cost`: the target missed. The forecaster's backtests refit per origin or reuse a fit depending on",
    "the wall-clock cost of a fit (src/forecast/backtest.ts), so a point can move by about half a percentage point between",
    "runs on a loaded machine; read the curve's shape, not the second decimal.",
    "",
    "| trace | policy | quantile | headroom | replica-hours × reactive | under-provisioned × reactive | both targets |",
    "|---|---|---:|---:|---:|---:|:---:|",
    ...rows,
    "",
    ...results.map((r) =>
      summary(
        r.trace,
        r.points,
        r.oracle.replicaHours / r.reactive.replicaHours,
        r.reactive.underProvisionedFraction,
      ),
    ),
    "",
    anyBoth
      ? "At least one grid point meets both targets on some trace (marked ✅ above)."
      : `No grid point meets both targets on any trace. Reactive runs under-provisioned a large share of the time on these traces, so its replica-hours are below what serving the demand takes: the oracle, which is never under-provisioned, already needs the ratio shown in its row. Halving reactive's under-provisioning costs replica-hours the ${HOURS_TARGET}× budget does not cover; lowering the quantile or headroom trades it back along the curve above.`,
  ].join("\n");
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const started = new Date();
  const t0 = performance.now();
  const total = options.traces.length * (2 + options.quantiles.length * options.headrooms.length);
  let done = 0;
  const progress = () => `[${++done}/${total}]`;
  const results: TraceResult[] = [];
  for (const trace of options.traces) results.push(await runTrace(trace, options, progress));
  const text = section(results, options, started, (performance.now() - t0) / 1000);
  if (options.record) recordSection("autoscale-sweep", text);
  process.stdout.write(`${text}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
