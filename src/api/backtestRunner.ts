/**
 * The default BacktestRunner of the review API: `foresight backtest` (src/cli/backtest.ts) over a
 * subject's stored demand history instead of a CSV or a Prometheus query. It uses the same replay
 * functions (resampleTrace, capacityPerReplica, replay, withCostVsOracle, the named policies) with
 * the same defaults (warmup 7d clamped to half the history, oracle always run as the cost
 * reference), and resolves to the same JSON shape as `foresight backtest --json`. Progress is the
 * share of policies replayed.
 */
import { parseDurationMs } from "../config/duration.js";
import { resampleTrace, SIM_STEP_MS, TraceDemand } from "../sim/cluster/demand.js";
import { ORACLE, POLICY_NAMES, policyFactory } from "../sim/policies/index.js";
import {
  capacityPerReplica,
  type PolicyScores,
  type RawScores,
  withCostVsOracle,
} from "../sim/replay/scores.js";
import { replay } from "../sim/replay/simulate.js";
import type { BacktestRunner, DemandPoint, ProgressListener } from "./reviewSource.js";
import type { BacktestRequest } from "./types.js";

const DAY_MS = 86_400_000;

/** The JSON `foresight backtest --json` writes (BacktestResult in src/cli/backtest.ts). */
export interface BacktestResultJson {
  readonly trace: string;
  readonly stepSeconds: number;
  readonly capacityPerReplica: number;
  readonly policies: Record<string, PolicyScores>;
}

/** Per-subject defaults for what the request leaves out (e.g. a scaler's spec.leadTime). */
export interface SubjectDefaults {
  readonly leadTime?: string;
  readonly peakReplicas?: number;
}

export interface ReplayBacktestRunnerOptions {
  /** The subject's demand since `sinceMs` ([unix ms, value], ascending). */
  readonly history: (subject: string, sinceMs: number) => Promise<readonly DemandPoint[]>;
  readonly now: () => number;
  readonly defaults?: (subject: string) => SubjectDefaults;
  /** Default 5m. */
  readonly defaultLeadTime?: string;
  /** Default 10. */
  readonly defaultPeakReplicas?: number;
  /** Default 14d. */
  readonly defaultSince?: string;
  /** Default 7d. */
  readonly defaultWarmup?: string;
}

function durationMs(text: string, field: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined || ms < 0)
    throw new RangeError(`${field} "${text}" is not a duration; use e.g. 5m, 90s, 7d`);
  return ms;
}

/** A runner that replays stored history; `knownPolicies` lets the API refuse unknown names up front. */
export interface ReplayBacktestRunner extends BacktestRunner {
  readonly knownPolicies: readonly string[];
  run(request: BacktestRequest, onProgress: ProgressListener): Promise<BacktestResultJson>;
}

export function replayBacktestRunner(options: ReplayBacktestRunnerOptions): ReplayBacktestRunner {
  return {
    knownPolicies: POLICY_NAMES,
    async run(request: BacktestRequest, onProgress: ProgressListener): Promise<BacktestResultJson> {
      const defaults = options.defaults?.(request.subject) ?? {};
      const leadTimeMs = durationMs(
        request.leadTime ?? defaults.leadTime ?? options.defaultLeadTime ?? "5m",
        "leadTime",
      );
      const sinceMs = durationMs(request.since ?? options.defaultSince ?? "14d", "since");
      const requestedWarmup = durationMs(request.warmup ?? options.defaultWarmup ?? "7d", "warmup");
      const peak = request.peakReplicas ?? defaults.peakReplicas ?? options.defaultPeakReplicas ?? 10;
      const names = [...new Set(request.policies)];
      for (const name of names) policyFactory(name); // unknown names fail before any work

      const points = await options.history(request.subject, options.now() - sinceMs);
      const kept = points.filter((p) => Number.isFinite(p[1]));
      if (kept.length < 2)
        throw new RangeError(
          `subject ${request.subject} has ${kept.length} demand point(s) in the last ${request.since ?? options.defaultSince ?? "14d"}; a backtest needs at least 2`,
        );
      const demand = new TraceDemand(kept);
      const series = resampleTrace(demand, SIM_STEP_MS);
      const c = capacityPerReplica(series, peak);
      const totalMs = series.length * SIM_STEP_MS;
      const warmupMs =
        requestedWarmup > totalMs / 2 ? Math.floor(totalMs / 2 / SIM_STEP_MS) * SIM_STEP_MS : requestedWarmup;
      const warmupSteps = Math.round(warmupMs / SIM_STEP_MS);

      const runOrder = [ORACLE, ...names.filter((n) => n !== ORACLE)];
      const raw = new Map<string, RawScores>();
      onProgress(0);
      for (const [k, name] of runOrder.entries()) {
        const result = await replay(
          [{ name: "workload", demand: series, capacityPerReplica: c }],
          policyFactory(name),
          { startMs: demand.startMs, stepMs: SIM_STEP_MS, leadTimeMs, warmupSteps },
        );
        const run = result.workloads[0];
        if (run === undefined) throw new Error("replay returned no workload");
        raw.set(name, run.scores);
        onProgress((k + 1) / runOrder.length);
      }
      const oracleHours = raw.get(ORACLE)?.replicaHours;
      const policies: Record<string, PolicyScores> = {};
      for (const name of names) policies[name] = withCostVsOracle(raw.get(name) as RawScores, oracleHours);
      return {
        trace: `history of ${request.subject} (last ${((series.length * SIM_STEP_MS) / DAY_MS).toFixed(2)} days)`,
        stepSeconds: SIM_STEP_MS / 1000,
        capacityPerReplica: c,
        policies,
      };
    },
  };
}
