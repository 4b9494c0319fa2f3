/**
 * The default BacktestRunner of the review API: the replay of `foresight backtest`
 * (src/replay/replayBacktest.ts, the same function and defaults) over a subject's stored demand
 * history instead of a CSV or a Prometheus query. It maps the request onto the replay's, fetches
 * the history, and resolves to the same JSON as `foresight backtest --json`. The predictive
 * policies use the statistical models (the neural one only when the request asks for it: it trains
 * at every hourly retrain of the replay, which takes hours on two weeks of history). Progress is
 * the share of the replay done.
 */
import { negativeDemand } from "../forecast/traces.js";
import type { Model } from "../forecast/types.js";
import type { BacktestReport, NamedDemand } from "../replay/backtest.js";
import { TraceDemand } from "../replay/cluster/demand.js";
import { POLICY_NAMES } from "../replay/policies/index.js";
import { parseReplayDuration, REPLAY_DEFAULTS, replayBacktest } from "../replay/replayBacktest.js";
import type { BacktestRunner, DemandPoint, ProgressListener } from "./reviewSource.js";
import type { BacktestRequest } from "./types.js";

/** Per-subject defaults for what the request leaves out (e.g. a scaler's spec.leadTime). */
export interface SubjectDefaults {
  readonly leadTime?: string;
  readonly peakReplicas?: number;
}

export interface ReplayBacktestRunnerOptions {
  /** The subject's demand since `sinceMs` ([unix ms, value], ascending). */
  readonly history: (subject: string, sinceMs: number) => Promise<readonly DemandPoint[]>;
  readonly now: () => number;
  /** Over the replay's defaults (REPLAY_DEFAULTS), under what the request says. */
  readonly defaults?: (subject: string) => SubjectDefaults;
  /** The candidate models with the neural one, for requests that ask for it (default: none offered). */
  readonly neuralModels?: () => Model[];
}

/** A runner that replays stored history; `knownPolicies` lets the API refuse unknown names up front. */
export interface ReplayBacktestRunner extends BacktestRunner {
  readonly knownPolicies: readonly string[];
  run(request: BacktestRequest, onProgress: ProgressListener): Promise<BacktestReport>;
}

export function replayBacktestRunner(options: ReplayBacktestRunnerOptions): ReplayBacktestRunner {
  return {
    knownPolicies: POLICY_NAMES,
    async run(request: BacktestRequest, onProgress: ProgressListener): Promise<BacktestReport> {
      const defaults = options.defaults?.(request.subject) ?? {};
      const duration = (text: string | undefined, field: string) =>
        text === undefined ? undefined : parseReplayDuration(text, field);
      const leadTimeMs = duration(request.leadTime ?? defaults.leadTime, "leadTime");
      const nodeLeadTimeMs = duration(request.nodeLeadTime, "nodeLeadTime");
      const since = request.since ?? REPLAY_DEFAULTS.since;
      const sinceMs = parseReplayDuration(since, "since");
      const warmupMs = duration(request.warmup, "warmup");
      const { neuralModels } = options;
      if (request.neural === true && !neuralModels)
        throw new RangeError("neural: TensorFlow.js is not loaded here; ask without it");

      /** The subject's stored demand: at least two points, none negative. */
      const history = async (): Promise<NamedDemand> => {
        const points = await options.history(request.subject, options.now() - sinceMs);
        const kept = points.filter((p) => Number.isFinite(p[1]));
        if (kept.length < 2)
          throw new RangeError(
            `subject ${request.subject} has ${kept.length} demand point(s) in the last ${since}; a backtest needs at least 2`,
          );
        const negative = negativeDemand(kept);
        if (negative !== undefined)
          throw new RangeError(`subject ${request.subject}: ${negative}; check the subject's demand query`);
        onProgress(0);
        return { label: `history of ${request.subject}`, demand: new TraceDemand(kept) };
      };
      const { report } = await replayBacktest(
        {
          peakReplicas: request.peakReplicas ?? defaults.peakReplicas,
          leadTimeMs,
          nodeLeadTimeMs,
          warmupMs,
          policies: request.policies,
          ...(request.targets ? { frontierTargets: request.targets.map((t) => t / 100) } : {}),
        },
        {
          demand: history,
          ...(request.neural === true && neuralModels ? { models: () => neuralModels } : {}),
          onProgress: (p) => onProgress(Math.min(1, p.fraction)),
        },
      );
      onProgress(1);
      return report;
    },
  };
}
