/**
 * Composition of the forecaster for `foresight serve`: store (warm from its snapshot), history
 * cache, engine and models (TensorFlow.js only when a target may use the neural model, with each
 * target's network kept next to the snapshot), scheduler and self-metrics. The adapter serves the
 * targets' `foresight_forecast` from the store (src/adapter/forecastMetric).
 */
import type { TargetForecasts } from "../adapter/forecastMetric/targets.js";
import type { Clock } from "../clock.js";
import type { ForecastConfig } from "../config/schema.js";
import { HistoryCache } from "../forecast/history.js";
import type { ForecastTarget } from "../forecast/runner.js";
import { runScheduled, type ScheduledTargetRun } from "../forecast/scheduledRun.js";
import { ForecastScheduler, systemTimers, TimeoutError, type Timers } from "../forecast/scheduler.js";
import { registerForecastMetrics } from "../forecast/selfMetrics.js";
import { ForecastStore } from "../forecast/store.js";
import type { MetricsSource } from "../metrics/source.js";
import type { Logger } from "../telemetry/logger.js";
import type { SelfMetrics } from "../telemetry/selfMetrics.js";
import { loadModelSet } from "./models.js";

/** The targets as `foresight_forecast` serves them, and their forecasts (store keys: target names). */
export interface Forecasting extends TargetForecasts {
  /** Start the schedules and the first runs (a full run for targets without a usable snapshot). */
  start(): void;
  /** Stop the schedules, wait for runs in flight and the last snapshot write. */
  stop(): Promise<void>;
}

/**
 * The forecaster: store (warm from its snapshot), history cache, engine, scheduler and
 * self-metrics; the shared global model is fine-tuned on the targets' histories after full retrains. The engine and its models (TensorFlow.js among them) are loaded only when targets
 * are configured.
 */
export async function startForecasting(deps: {
  config: ForecastConfig;
  source: MetricsSource;
  logger: Logger;
  metrics: SelfMetrics;
  clock: Clock;
  /** Default node-cron and intervals. */
  timers?: Timers;
}): Promise<Forecasting> {
  const { config, source, logger, clock } = deps;
  const log = logger.child({ component: "forecast" });
  const [{ forecastSeries }, { prepareSeries }] = await Promise.all([
    import("../forecast/engine.js"),
    import("../forecast/prepare.js"),
  ]);
  const store = new ForecastStore({
    ...(config.storePath ? { path: config.storePath } : {}),
    clock,
    onPersistError: (err) => log.warn({ err: err.message }, "cannot write the forecast snapshot"),
  });
  try {
    const loaded = await store.load();
    if (loaded > 0) log.info({ targets: loaded, path: config.storePath }, "forecast snapshot loaded");
  } catch (err) {
    log.warn({ err: (err as Error).message }, "forecast snapshot ignored: starting cold");
  }
  const targets = new Map<string, ForecastTarget & { updateEveryMs: number; schedule: string }>(
    config.targets.map((t) => [
      t.name,
      {
        name: t.name,
        query: t.query,
        stepSeconds: t.step / 1000,
        historyMs: t.history,
        horizonMs: t.horizon,
        quantiles: t.quantiles,
        ...(t.minHistory !== undefined ? { minHistoryMs: t.minHistory } : {}),
        ...(t.models ? { models: t.models } : {}),
        updateEveryMs: t.updateEvery,
        schedule: t.schedule,
      },
    ]),
  );
  store.retain(new Set(targets.keys()));
  const history = new HistoryCache({ source, clock });
  const modelsFor = await loadModelSet({
    log,
    // TensorFlow.js only when some target may use the neural model.
    wantsNeural: config.targets.some((t) => !t.models || t.models.includes("neural")),
    wantsGlobal: config.targets.some((t) => !t.models || t.models.includes("global")),
    clock,
    storePath: config.storePath,
  });
  // The shared global model learns from every target's history seen by a full run.
  const global = modelsFor.global;
  global?.retain(new Set(targets.keys()));
  const selfMetrics = registerForecastMetrics(deps.metrics.registry, { store, clock });
  const scheduler = new ForecastScheduler({
    targets: [...targets.values()],
    timers: deps.timers ?? systemTimers,
    clock,
    timeoutMs: config.maxTrainSeconds * 1000,
    jitterMs: config.jitter,
    run: (name, kind, signal) =>
      runScheduled(targets.get(name) as ScheduledTargetRun, kind, signal, {
        history,
        prepare: prepareSeries,
        forecast: forecastSeries,
        models: modelsFor,
        store,
        clock,
        global,
      }),
    onOutcome: (o) => {
      selfMetrics.runFinished(o.target, o.kind, o.status);
      if (o.error instanceof TimeoutError) store.recordError(o.target, o.error.message, clock.now());
      if (o.status === "error")
        log.warn({ target: o.target, kind: o.kind, err: o.error?.message }, "forecast run failed");
      else if (o.status === "ok") {
        // Fine-tune the shared network after full retrains (at most hourly; it runs in the background).
        if (o.kind === "full") void global?.maybeFineTune();
        const state = store.get(o.target);
        log.info(
          {
            target: o.target,
            kind: o.kind,
            ms: o.durationMs,
            model: state?.forecast?.model,
            ...(state?.forecast?.servedBecause ? { servedBecause: state.forecast.servedBecause } : {}),
            ready: state?.readiness.ready,
            ...(state?.readiness.ready === false ? { reason: state.readiness.reason } : {}),
          },
          "forecast run finished",
        );
      }
    },
  });
  return {
    targets: [...targets.values()],
    store,
    start() {
      scheduler.start();
      // A snapshot forecast that still covers the horizon only needs an update; the rest train now.
      const warm = (name: string) => {
        const f = store.get(name)?.forecast;
        const t = targets.get(name);
        return !!f && !!t && f.startMs + f.mean.length * f.stepSeconds * 1000 >= clock.now() + t.horizonMs;
      };
      void scheduler.runAll("full", (name) => !warm(name)).then(() => scheduler.runAll("update", warm));
    },
    async stop() {
      await scheduler.stop();
      await store.flush();
    },
  };
}
