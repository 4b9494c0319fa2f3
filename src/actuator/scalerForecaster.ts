/**
 * The forecasts behind PredictiveScalers: one forecast target per scaler, added, changed and
 * removed as scalers come and go, each with its own schedule (a full retrain on the scaler's cron
 * `schedule`, a cheap update every history step) through the forecaster's own runner, store and
 * scheduler. Only the leader runs this; forecasts land in the shared ForecastStore.
 */
import type { Clock } from "../clock.js";
import { HistoryCache } from "../forecast/history.js";
import { type ForecastFn, type ForecastTarget, type PrepareFn, runTarget } from "../forecast/runner.js";
import { ForecastScheduler, type RunOutcome, type Timers } from "../forecast/scheduler.js";
import type { ForecastStore, StoredForecast, TargetState } from "../forecast/store.js";
import type { Model, Series } from "../forecast/types.js";
import type { MetricsSource } from "../metrics/source.js";
import { planningSteps } from "./scalerDecider.js";
import type { ScalerSpec } from "./spec.js";

export interface ScalerForecastTarget extends ForecastTarget {
  readonly schedule: string;
  readonly updateEveryMs: number;
  readonly updateOffsetMs?: number;
}

/** How long after a step ends its update runs: a scrape or two, so the step's last samples are in. */
export const UPDATE_DELAY_MS = 30_000;

/**
 * A scaler's forecast target, as the controller and the backtest both build it: its demand query
 * at the history step, a horizon covering the scaler's horizon and both lead times, the served
 * quantile (the median is forecast beside it), accuracy over the planning window, a full retrain on
 * the spec's schedule and an update just after every step ends.
 */
export function scalerForecastTarget(id: string, spec: ScalerSpec, query: string): ScalerForecastTarget {
  const stepMs = spec.history.stepMs;
  return {
    name: id,
    query,
    stepSeconds: stepMs / 1000,
    historyMs: spec.history.lengthMs,
    horizonMs: Math.max(
      spec.horizonMs,
      spec.leadTimeMs,
      spec.nodes.mode === "None" ? 0 : spec.nodes.leadTimeMs,
    ),
    quantiles: [spec.quantile],
    servedQuantile: spec.quantile,
    accuracySteps: planningSteps(spec),
    minHistoryMs: spec.history.minimumMs,
    schedule: spec.schedule,
    updateEveryMs: stepMs,
    // Just after each step ends, once its last samples have been scraped.
    updateOffsetMs: Math.min(UPDATE_DELAY_MS, stepMs / 2),
  };
}

export interface ScalerForecasterOptions {
  readonly source: MetricsSource;
  readonly store: ForecastStore;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly forecast: ForecastFn;
  readonly prepare: PrepareFn;
  /** Candidate models of a target. */
  readonly models: (target: string) => Model[];
  /** Per-run timeout. */
  readonly timeoutMs: number;
  readonly jitterMs?: number;
  readonly onOutcome?: (outcome: RunOutcome) => void;
  /** Called with every new forecast (the controller keeps a copy in the cluster for the next leader). */
  readonly onForecast?: (target: string, forecast: StoredForecast) => void;
  /** Called with each target's prepared history at every full run (the shared global model learns from it). */
  readonly observeFull?: (target: string, series: Series) => void;
}

interface Entry {
  readonly target: ScalerForecastTarget;
  readonly key: string;
  readonly scheduler: ForecastScheduler;
}

export class ScalerForecaster {
  readonly history: HistoryCache;
  readonly #opts: ScalerForecasterOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(options: ScalerForecasterOptions) {
    this.#opts = options;
    this.history = new HistoryCache({ source: options.source, clock: options.clock });
  }

  /** Add the target, or replace it when its definition changed (a changed spec retrains at once). */
  sync(target: ScalerForecastTarget): void {
    const key = JSON.stringify(target);
    const existing = this.#entries.get(target.name);
    if (existing?.key === key) return;
    if (existing) void existing.scheduler.stop();
    const { store, clock } = this.#opts;
    const scheduler = new ForecastScheduler({
      targets: [target],
      timers: this.#opts.timers,
      clock,
      timeoutMs: this.#opts.timeoutMs,
      jitterMs: this.#opts.jitterMs ?? 0,
      run: (_name, kind, signal) =>
        this.#track(
          runTarget(
            target,
            {
              fetchHistory: (t, s) => this.history.fetch(t, s),
              prepare: this.#opts.prepare,
              forecast: this.#forecastFor(target.name, kind),
              models: this.#opts.models,
              store,
              clock,
            },
            // Forecast past the horizon so it stays covered until two updates are missed.
            {
              kind,
              signal,
              extraSteps: Math.ceil((2 * target.updateEveryMs) / (target.stepSeconds * 1000)) + 1,
            },
          ).then((state) => {
            if (state.forecast) this.#opts.onForecast?.(target.name, state.forecast);
            return state;
          }),
        ),
      ...(this.#opts.onOutcome ? { onOutcome: this.#opts.onOutcome } : {}),
    });
    this.#entries.set(target.name, { target, key, scheduler });
    scheduler.start();
    // A warm forecast from the store (another leader's, or before a restart) only needs an update.
    const warm = this.#covers(target);
    void scheduler.trigger(target.name, warm ? "update" : "full");
  }

  async remove(name: string): Promise<void> {
    const entry = this.#entries.get(name);
    if (!entry) return;
    this.#entries.delete(name);
    await entry.scheduler.stop();
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  names(): string[] {
    return [...this.#entries.keys()];
  }

  target(name: string): ScalerForecastTarget | undefined {
    return this.#entries.get(name)?.target;
  }

  state(name: string): TargetState | undefined {
    return this.#opts.store.get(name);
  }

  /**
   * Start from a forecast made elsewhere (the previous leader's or shard holder's), when there is
   * none yet or the one kept here is older.
   */
  seed(name: string, forecast: StoredForecast): void {
    const kept = this.#opts.store.get(name)?.forecast;
    if (kept && kept.computedAtMs >= forecast.computedAtMs) return;
    this.#opts.store.recordForecast(name, forecast, this.#opts.clock.now());
  }

  /** Run a target now (skipped when one is in flight). */
  run(name: string, kind: "full" | "update"): Promise<RunOutcome | undefined> {
    const entry = this.#entries.get(name);
    return entry ? entry.scheduler.trigger(name, kind) : Promise.resolve(undefined);
  }

  /** Whether a run is in flight. */
  busy(): boolean {
    return this.#inFlight.size > 0;
  }

  /** Resolves when no run is in flight (tests and simulated time use it to wait for a forecast). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  async stop(): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(entries.map((e) => e.scheduler.stop()));
  }

  /** The forecast function of a run: a full run shows the history to `observeFull` first. */
  #forecastFor(name: string, kind: "full" | "update"): ForecastFn {
    const { forecast, observeFull } = this.#opts;
    if (kind !== "full" || !observeFull) return forecast;
    return (series, options) => {
      observeFull(name, series);
      return forecast(series, options);
    };
  }

  #covers(target: ScalerForecastTarget): boolean {
    const f = this.#opts.store.get(target.name)?.forecast;
    if (!f) return false;
    return f.startMs + f.mean.length * f.stepSeconds * 1000 >= this.#opts.clock.now() + target.horizonMs;
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    const done = () => this.#inFlight.delete(promise);
    promise.then(done, done);
    return promise;
  }
}
