/**
 * The one replay of a demand series: what `foresight backtest` (cli/backtest.ts), the review API's
 * what-if backtests (api/backtestRunner.ts) and the autoscaling benchmark (bench/autoscaleTrace.ts)
 * all call. It fills in the defaults (REPLAY_DEFAULTS, the only place they are written), checks the
 * request before any I/O, then asks the caller for the demand (a CSV, a Prometheus query, a
 * subject's stored history), loads the candidate models only when a predictive policy runs (after
 * the demand, so a bad trace fails before TensorFlow.js loads), lets the predictive policies share
 * one forecast of the series, and runs the backtest (backtest.ts: the oracle as the cost reference,
 * the reactive frontier, every policy, scored). The callers keep only their own edges: parsing
 * flags or a JSON request, fetching demand, printing or returning the report.
 */
import { parseDurationMs } from "../config/duration.js";
import { forecastSeries } from "../forecast/engine.js";
import type { ForecastFn } from "../forecast/runner.js";
import type { Model } from "../forecast/types.js";
import { type BacktestOutcome, backtestSeries, type NamedDemand, type ReplayProgress } from "./backtest.js";
import { forecastMemo } from "./forecastMemo.js";
import {
  POLICY_NAMES,
  PREDICTIVE_DIRECT,
  PREDICTIVE_FLOOR,
  PREDICTIVE_METRIC,
  policyFactory,
} from "./policies/index.js";
import { DEFAULT_SLO, type LatencySlo } from "./scores.js";
import { DEFAULT_PODS_PER_NODE, DEFAULT_TARGET_UTILIZATION } from "./simulate.js";

/** What a backtest runs with when its caller leaves a setting out. Durations as a user writes them. */
export const REPLAY_DEFAULTS = {
  /** How far back the demand is read (a Prometheus query, a subject's stored history). */
  since: "14d",
  /** Not scored at the start; clamped to half the demand when the demand is shorter than twice this. */
  warmup: "7d",
  /** Pod start-up plus warm-up (the CRD's spec.leadTime default; the CLI requires --lead-time). */
  leadTime: "5m",
  /** Node provisioning delay: 0, nodes always available. */
  nodeLeadTime: "0s",
  /** Replicas that carry the p99 of demand at 70 % (the CLI requires --peak-replicas). */
  peakReplicas: 10,
  /** Every policy. */
  policies: POLICY_NAMES,
  /** The HPA's target of every policy but the frontier's reactive runs (fraction of saturation). */
  targetUtilization: DEFAULT_TARGET_UTILIZATION,
  /** The reactive frontier: the HPA alone at these targets (fractions of saturation). */
  frontierTargets: [0.5, 0.6, 0.7, 0.8, 0.9] as readonly number[],
  /** p95 latency at most 2× the unloaded p95, the deployment as one M/M/c queue. */
  slo: DEFAULT_SLO,
  /** Pods of one replica's shape a node holds. */
  podsPerNode: DEFAULT_PODS_PER_NODE,
} as const;

export interface ReplayBacktestRequest {
  /** Replicas that carry the p99 of demand at 70 % utilization: sizes the pod. */
  readonly peakReplicas?: number;
  readonly leadTimeMs?: number;
  readonly nodeLeadTimeMs?: number;
  readonly warmupMs?: number;
  /** Policy names (duplicates dropped); unknown names are refused before the demand is read. */
  readonly policies?: readonly string[];
  /** Fraction of saturation in (0, 1]. */
  readonly targetUtilization?: number;
  /** Fractions of saturation in (0, 1]; empty for no frontier. */
  readonly frontierTargets?: readonly number[];
  readonly slo?: LatencySlo;
  readonly podsPerNode?: number;
  /** Keep ready replicas per step, per run (for plots). */
  readonly recordReady?: boolean;
}

export interface ReplayBacktestDeps {
  /** The demand to replay; asked for once the request is checked, so a bad request costs no I/O. */
  readonly demand: () => NamedDemand | Promise<NamedDemand>;
  /**
   * The predictive policies' candidate models; asked for only when one of them runs, after the
   * demand. Default: the production registry's statistical models.
   */
  readonly models?: () => (() => Model[]) | Promise<() => Model[]>;
  /**
   * The predictive policies' forecasting function. Default: one memo of the engine's per call, so
   * the policies forecast the series once; the benchmark passes one memo for all its settings.
   */
  readonly forecast?: ForecastFn;
  readonly onProgress?: (progress: ReplayProgress) => void;
}

const PREDICTIVE: readonly string[] = [PREDICTIVE_METRIC, PREDICTIVE_FLOOR, PREDICTIVE_DIRECT];

/** A duration of a backtest request in milliseconds; the error names the field (a flag or a JSON field). */
export function parseReplayDuration(text: string, field: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined || ms < 0)
    throw new RangeError(`${field} "${text}" is not a duration; use e.g. 5m, 90s, 7d`);
  return ms;
}

/** Backtests every policy of the request on the caller's demand; see the header. */
export async function replayBacktest(
  request: ReplayBacktestRequest,
  deps: ReplayBacktestDeps,
): Promise<BacktestOutcome> {
  const policies = [...new Set(request.policies ?? REPLAY_DEFAULTS.policies)];
  for (const name of policies) policyFactory(name);
  const targetUtilization = request.targetUtilization ?? REPLAY_DEFAULTS.targetUtilization;
  if (!(targetUtilization > 0 && targetUtilization <= 1))
    throw new RangeError(`target utilization ${targetUtilization} must be in (0, 1]`);
  const frontierTargets = request.frontierTargets ?? REPLAY_DEFAULTS.frontierTargets;
  for (const t of frontierTargets)
    if (!(t > 0 && t <= 1)) throw new RangeError(`frontier target ${t} must be in (0, 1]`);

  const demand = await deps.demand();
  const models = policies.some((p) => PREDICTIVE.includes(p)) ? await deps.models?.() : undefined;
  return backtestSeries(demand, {
    peakReplicas: request.peakReplicas ?? REPLAY_DEFAULTS.peakReplicas,
    leadTimeMs: request.leadTimeMs ?? parseReplayDuration(REPLAY_DEFAULTS.leadTime, "leadTime"),
    nodeLeadTimeMs:
      request.nodeLeadTimeMs ?? parseReplayDuration(REPLAY_DEFAULTS.nodeLeadTime, "nodeLeadTime"),
    warmupMs: request.warmupMs ?? parseReplayDuration(REPLAY_DEFAULTS.warmup, "warmup"),
    targetUtilization,
    podsPerNode: request.podsPerNode ?? REPLAY_DEFAULTS.podsPerNode,
    policies,
    frontierTargets,
    slo: request.slo ?? REPLAY_DEFAULTS.slo,
    policyOptions: {
      predictive: {
        forecast: deps.forecast ?? forecastMemo(forecastSeries).forecast,
        ...(models ? { models } : {}),
      },
    },
    recordReady: request.recordReady === true,
    ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
  });
}
