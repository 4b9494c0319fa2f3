/**
 * The backtest engine behind replayBacktest (replayBacktest.ts, the one replay every caller goes
 * through): resample a demand series to 15 s steps, size the pod from the peak replicas, clamp the
 * warmup to half the series, replay every policy through the simulated cluster (the oracle always,
 * as the cost reference), and place each policy against the reactive frontier: a reactive HPA run
 * at several targets, the cost versus overload (and versus SLO violations) that any reactive user
 * can reach by changing one number. Its settings come complete (replayBacktest fills in the
 * defaults and checks them), so nothing here falls back to a default of its own.
 */
import { resampleTrace, SIM_STEP_MS, type TraceDemand } from "./cluster/demand.js";
import { type FrontierPlacement, frontierCurve, placeOnFrontier } from "./frontier.js";
import { ORACLE, type PolicyOptions, policyFactory, REACTIVE } from "./policies/index.js";
import { reactivePolicy } from "./policies/reactive.js";
import {
  type LatencySlo,
  type PolicyScores,
  type RawScores,
  saturationPerReplica,
  withCostVsOracle,
} from "./scores.js";
import { replay } from "./simulate.js";

/** A demand series and what the report calls it (the CSV's path, the query, `history of <subject>`). */
export interface NamedDemand {
  readonly label: string;
  readonly demand: TraceDemand;
}

/** Everything one backtest runs with, defaults filled in (replayBacktest.ts). */
export interface BacktestSettings {
  /** Replicas that carry the p99 of demand at 70 % utilization: sizes the pod. */
  readonly peakReplicas: number;
  readonly leadTimeMs: number;
  /** Node provisioning delay (0: nodes always available). */
  readonly nodeLeadTimeMs: number;
  /** Clamped to half the series. */
  readonly warmupMs: number;
  /** The HPA's target of every policy but the frontier's reactive runs (fraction of saturation). */
  readonly targetUtilization: number;
  readonly podsPerNode: number;
  /** Names checked by policyFactory, without duplicates. */
  readonly policies: readonly string[];
  /** Reactive targets of the frontier (fractions in (0, 1]); empty for none. */
  readonly frontierTargets: readonly number[];
  readonly slo: LatencySlo;
  readonly policyOptions: PolicyOptions;
  /** Keep ready replicas per step, per run, for plots. */
  readonly recordReady: boolean;
  readonly onProgress?: (progress: ReplayProgress) => void;
}

export interface ReplayProgress {
  /** The run in progress (`reactive@50%` for the frontier's). */
  readonly run: string;
  /** Runs finished, and in all. */
  readonly runsDone: number;
  readonly runs: number;
  /** Steps of this run done, and in all. */
  readonly steps: number;
  readonly totalSteps: number;
  /** Share of the whole backtest done: (runsDone + steps ÷ totalSteps) ÷ runs. */
  readonly fraction: number;
}

export interface FrontierRun {
  /** Target utilization (fraction). */
  readonly target: number;
  readonly label: string;
  readonly scores: PolicyScores;
}

export interface Placement {
  readonly overloaded: FrontierPlacement;
  readonly slo: FrontierPlacement;
}

export interface BacktestReport {
  readonly trace: string;
  readonly stepSeconds: number;
  /** Demand one ready replica serves at 100 % utilization. */
  readonly saturationPerReplica: number;
  /** …and at the HPA's target (what `capacityPerReplica` of the predictive policies' spec is). */
  readonly capacityPerReplica: number;
  readonly targetUtilization: number;
  readonly leadTimeMs: number;
  readonly nodeLeadTimeMs: number;
  readonly warmupMs: number;
  /** Set when the warmup asked for was cut to half the series. */
  readonly warmupClampedFromMs?: number;
  readonly steps: number;
  readonly scoredSteps: number;
  readonly slo: LatencySlo;
  readonly policies: Record<string, PolicyScores>;
  /** The oracle's scores (it always runs: the cost reference and the limit). */
  readonly oracle: PolicyScores;
  /** The reactive frontier and every policy placed against it (absent without frontier targets). */
  readonly frontier?: {
    readonly runs: readonly FrontierRun[];
    readonly placements: Record<string, Placement>;
  };
  /** Wall time per run: simulation and, of it, forecasting. */
  readonly timing: Record<string, { readonly seconds: number; readonly forecastSeconds: number }>;
}

export interface BacktestOutcome {
  readonly report: BacktestReport;
  /** Ready replicas per step of each run (with recordReady). */
  readonly ready: ReadonlyMap<string, Int32Array>;
  /** The demand replayed, 15 s steps from `startMs`. */
  readonly demand: Float64Array;
  readonly startMs: number;
}

export const frontierLabel = (target: number): string => `${REACTIVE}@${Math.round(target * 100)}%`;

export async function backtestSeries(
  trace: NamedDemand,
  settings: BacktestSettings,
): Promise<BacktestOutcome> {
  const series = resampleTrace(trace.demand, SIM_STEP_MS);
  const mu = saturationPerReplica(series, settings.peakReplicas);
  const target = settings.targetUtilization;
  const totalMs = series.length * SIM_STEP_MS;
  const requested = settings.warmupMs;
  const warmupMs = requested > totalMs / 2 ? Math.floor(totalMs / 2 / SIM_STEP_MS) * SIM_STEP_MS : requested;
  const warmupSteps = Math.round(warmupMs / SIM_STEP_MS);
  const slo = settings.slo;
  const frontierTargets = [...new Set(settings.frontierTargets)].sort((a, b) => a - b);
  const names = settings.policies;
  const options = settings.policyOptions;

  const runs: { label: string; factory: Parameters<typeof replay>[1]; target: number }[] = [
    { label: ORACLE, factory: policyFactory(ORACLE), target },
    ...frontierTargets.map((t) => ({ label: frontierLabel(t), factory: reactivePolicy, target: t })),
    ...names
      .filter((n) => n !== ORACLE && !(n === REACTIVE && frontierTargets.includes(target)))
      .map((n) => ({ label: n, factory: policyFactory(n, options), target })),
  ];
  const raw = new Map<string, RawScores>();
  const ready = new Map<string, Int32Array>();
  const timing: BacktestReport["timing"] = {};
  for (const [k, run] of runs.entries()) {
    const started = performance.now();
    const result = await replay(
      [{ name: "workload", demand: series, saturationPerReplica: mu }],
      run.factory,
      {
        startMs: trace.demand.startMs,
        stepMs: SIM_STEP_MS,
        leadTimeMs: settings.leadTimeMs,
        nodeLeadTimeMs: settings.nodeLeadTimeMs,
        targetUtilization: run.target,
        warmupSteps,
        podsPerNode: settings.podsPerNode,
        slo,
        recordReady: settings.recordReady,
        ...(settings.onProgress
          ? {
              onProgress: (done: number, total: number) =>
                settings.onProgress?.({
                  run: run.label,
                  runsDone: k,
                  runs: runs.length,
                  steps: done,
                  totalSteps: total,
                  fraction: (k + done / total) / runs.length,
                }),
            }
          : {}),
      },
    );
    const workload = result.workloads[0];
    if (workload === undefined) throw new Error("replay returned no workload");
    raw.set(run.label, workload.scores);
    if (workload.ready) ready.set(run.label, workload.ready);
    timing[run.label] = {
      seconds: (performance.now() - started) / 1000,
      forecastSeconds: workload.forecastMs / 1000,
    };
  }
  // `reactive` at the HPA's target is the frontier's run at that target.
  if (names.includes(REACTIVE) && !raw.has(REACTIVE)) {
    const same = frontierLabel(target);
    raw.set(REACTIVE, raw.get(same) as RawScores);
    const r = ready.get(same);
    if (r) ready.set(REACTIVE, r);
    timing[REACTIVE] = timing[same] as BacktestReport["timing"][string];
  }
  const oracleHours = raw.get(ORACLE)?.replicaHours;
  const scored = (label: string) => withCostVsOracle(raw.get(label) as RawScores, oracleHours);
  const policies: Record<string, PolicyScores> = {};
  for (const name of names) policies[name] = scored(name);

  let frontier: BacktestReport["frontier"];
  if (frontierTargets.length > 0) {
    const frontierRuns = frontierTargets.map((t) => ({
      target: t,
      label: frontierLabel(t),
      scores: scored(frontierLabel(t)),
    }));
    const curve = (metric: "overloadedFraction" | "sloViolationFraction") =>
      frontierCurve(
        frontierRuns.map((r) => ({ label: r.label, cost: r.scores.replicaHours, value: r.scores[metric] })),
      );
    const overloaded = curve("overloadedFraction");
    const sloCurve = curve("sloViolationFraction");
    const placements: Record<string, Placement> = {};
    for (const name of [ORACLE, ...names]) {
      const s = name === ORACLE ? scored(ORACLE) : (policies[name] as PolicyScores);
      placements[name] = {
        overloaded: placeOnFrontier(overloaded, { cost: s.replicaHours, value: s.overloadedFraction }),
        slo: placeOnFrontier(sloCurve, { cost: s.replicaHours, value: s.sloViolationFraction }),
      };
    }
    frontier = { runs: frontierRuns, placements };
  }
  const report: BacktestReport = {
    trace: trace.label,
    stepSeconds: SIM_STEP_MS / 1000,
    saturationPerReplica: mu,
    capacityPerReplica: mu * target,
    targetUtilization: target,
    leadTimeMs: settings.leadTimeMs,
    nodeLeadTimeMs: settings.nodeLeadTimeMs,
    warmupMs,
    ...(warmupMs !== requested ? { warmupClampedFromMs: requested } : {}),
    steps: series.length,
    scoredSteps: series.length - warmupSteps,
    slo,
    policies,
    oracle: scored(ORACLE),
    ...(frontier ? { frontier } : {}),
    timing,
  };
  return { report, ready, demand: series, startMs: trace.demand.startMs };
}
