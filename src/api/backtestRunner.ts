/**
 * The default BacktestRunner of the review API: the backtest of `foresight backtest`
 * (src/replay/backtest.ts, the same function and defaults: warmup 7d clamped to half the history,
 * the oracle always run as the cost reference, the reactive frontier at 50–90 %) over a subject's
 * stored demand history instead of a CSV or a Prometheus query. It resolves to the same JSON as
 * `foresight backtest --json`. The predictive policies use the statistical models (the neural one
 * only when the request asks for it: it trains at every hourly retrain of the replay, which takes
 * hours on two weeks of history). Progress is the share of the replay done.
 */
import { parseDurationMs } from "../config/duration.js";
import { defaultModels } from "../forecast/models/registry.js";
import { negativeDemand } from "../forecast/traces.js";
import type { Model } from "../forecast/types.js";
import { type BacktestReport, backtestSeries } from "../replay/backtest.js";
import { TraceDemand } from "../replay/cluster/demand.js";
import { POLICY_NAMES, policyFactory } from "../replay/policies/index.js";
import type { BacktestRunner, DemandPoint, ProgressListener } from "./reviewSource.js";
import type { BacktestRequest } from "./types.js";

/** The JSON `foresight backtest --json` writes (src/replay/backtest.ts BacktestReport). */
export type BacktestResultJson = BacktestReport;

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
  /** The candidate models with the neural one, for requests that ask for it (default: none offered). */
  readonly neuralModels?: () => Model[];
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
      const nodeLeadTimeMs = durationMs(request.nodeLeadTime ?? "0s", "nodeLeadTime");
      const sinceMs = durationMs(request.since ?? options.defaultSince ?? "14d", "since");
      const warmupMs = durationMs(request.warmup ?? options.defaultWarmup ?? "7d", "warmup");
      const peak = request.peakReplicas ?? defaults.peakReplicas ?? options.defaultPeakReplicas ?? 10;
      const names = [...new Set(request.policies)];
      for (const name of names) policyFactory(name); // unknown names fail before any work
      if (request.neural === true && !options.neuralModels)
        throw new RangeError("neural: TensorFlow.js is not loaded here; ask without it");
      const models =
        request.neural === true && options.neuralModels ? options.neuralModels : () => defaultModels();

      const points = await options.history(request.subject, options.now() - sinceMs);
      const kept = points.filter((p) => Number.isFinite(p[1]));
      if (kept.length < 2)
        throw new RangeError(
          `subject ${request.subject} has ${kept.length} demand point(s) in the last ${request.since ?? options.defaultSince ?? "14d"}; a backtest needs at least 2`,
        );
      const negative = negativeDemand(kept);
      if (negative !== undefined)
        throw new RangeError(`subject ${request.subject}: ${negative}; check the subject's demand query`);
      const demand = new TraceDemand(kept);
      onProgress(0);
      const { report } = await backtestSeries(
        { label: `history of ${request.subject}`, demand },
        {
          peakReplicas: peak,
          leadTimeMs,
          nodeLeadTimeMs,
          warmupMs,
          policies: names,
          ...(request.targets ? { frontierTargets: request.targets.map((t) => t / 100) } : {}),
          policyOptions: { predictive: { models } },
          onProgress: (p) => onProgress(Math.min(1, (p.runsDone + p.steps / p.totalSteps) / p.runs)),
        },
      );
      onProgress(1);
      return report;
    },
  };
}
