/**
 * A forecast target's scheduled run as `foresight serve` makes it (src/cli/forecasting.ts; bench:fleet
 * measures the same): the forecast reaches past the horizon so [now, now + horizon] stays covered
 * until two updates are missed, and a full run shows the target's history to the shared global model
 * (which is fine-tuned on what full runs saw).
 */
import type { HistoryCache } from "./history.js";
import { type ForecastTarget, type RunnerDeps, runTarget } from "./runner.js";
import type { RunKind, TargetState } from "./store.js";
import type { Series } from "./types.js";

export interface ScheduledTargetRun extends ForecastTarget {
  readonly updateEveryMs: number;
}

export interface ScheduledRunDeps extends Omit<RunnerDeps, "fetchHistory"> {
  readonly history: Pick<HistoryCache, "fetch">;
  /** The shared global model, fed the series of each full run. */
  readonly global?: { observe(target: string, series: Series): void } | undefined;
}

/** Steps forecast beyond the horizon: two update intervals, at least 15 minutes, and one more step. */
export function marginSteps(target: ScheduledTargetRun): number {
  const marginMs = Math.max(2 * target.updateEveryMs, 15 * 60_000);
  return Math.ceil(marginMs / (target.stepSeconds * 1000)) + 1;
}

export function runScheduled(
  target: ScheduledTargetRun,
  kind: RunKind,
  signal: AbortSignal,
  deps: ScheduledRunDeps,
): Promise<TargetState> {
  const { global, forecast } = deps;
  return runTarget(
    target,
    {
      fetchHistory: (t, s) => deps.history.fetch(t, s),
      prepare: deps.prepare,
      forecast:
        global && kind === "full"
          ? (series, options) => {
              global.observe(target.name, series);
              return forecast(series, options);
            }
          : forecast,
      models: deps.models,
      store: deps.store,
      clock: deps.clock,
    },
    { kind, extraSteps: marginSteps(target), signal },
  );
}
