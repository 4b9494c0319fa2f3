/**
 * The installation's one global model, shared by every target (made once in cli/, never a module
 * global). It serves the current GlobalModel and, after full retrains, at most once per
 * `minIntervalMs`, fine-tunes a copy on the latest history of every target it has seen and swaps it
 * in: an update costs a bounded number of steps for the whole fleet, not a training run per target.
 *
 * Held out: each target's most recent `holdoutSeconds` (default a day: the engine's 24 backtest
 * windows of a 1 h horizon) are never fine-tuned on, so the engine's backtest of `global` is not
 * scored on data its weights have seen.
 */
import type { FitOptions, FittedModel, Model, Readiness, Series } from "../types.js";
import { type FineTuneOptions, type FineTuneResult, GLOBAL, type GlobalModel } from "./global.js";

export interface SharedGlobalOptions {
  readonly clock: { now(): number };
  /** Least time between two fine-tunes (default 1 h). */
  readonly minIntervalMs?: number;
  /** Recent history of each target left out of fine-tuning (default 86,400 s). */
  readonly holdoutSeconds?: number;
  readonly fineTune?: FineTuneOptions;
  readonly onFineTuned?: (result: FineTuneResult, targets: number) => void;
  readonly onError?: (message: string) => void;
}

/** History kept per target for fine-tuning: the holdout plus a week. */
const KEEP_SECONDS = 7 * 86_400;

export class SharedGlobalModel implements Model {
  readonly name = GLOBAL;
  readonly fitCost = "cheap" as const;
  readonly coldStart = true;
  #current: GlobalModel;
  /** The model served before the last swap, disposed at the next one (fits in flight may still use it). */
  #previous: GlobalModel | undefined;
  readonly #series = new Map<string, Series>();
  #running: Promise<void> | undefined;
  #lastMs = Number.NEGATIVE_INFINITY;

  constructor(
    initial: GlobalModel,
    private readonly options: SharedGlobalOptions,
  ) {
    this.#current = initial;
  }

  /** The GlobalModel serving now. */
  get current(): GlobalModel {
    return this.#current;
  }

  get variant(): string {
    return this.#current.variant;
  }

  readiness(series: Series): Readiness {
    return this.#current.readiness(series);
  }

  fit(series: Series, options?: FitOptions): Promise<FittedModel> {
    return this.#current.fit(series, options);
  }

  /** Keeps `series` (a target's latest prepared history) for the next fine-tune, minus the holdout. */
  observe(target: string, series: Series): void {
    const holdout = Math.round((this.options.holdoutSeconds ?? 86_400) / series.stepSeconds);
    const keep = Math.round(KEEP_SECONDS / series.stepSeconds);
    const end = series.values.length - holdout;
    if (end <= 0) {
      this.#series.delete(target);
      return;
    }
    const start = Math.max(0, end - keep);
    this.#series.set(target, {
      startMs: series.startMs + start * series.stepSeconds * 1000,
      stepSeconds: series.stepSeconds,
      values: series.values.slice(start, end),
    });
  }

  /** Forgets targets no longer configured. */
  retain(targets: ReadonlySet<string>): void {
    for (const name of this.#series.keys()) if (!targets.has(name)) this.#series.delete(name);
  }

  /**
   * Starts a fine-tune when none is running, the last one is at least `minIntervalMs` old and some
   * target has history to learn from; resolves when it is over (undefined when none was started).
   * A failure is reported through `onError` and keeps the current weights.
   */
  maybeFineTune(): Promise<void> | undefined {
    const now = this.options.clock.now();
    if (this.#running || now - this.#lastMs < (this.options.minIntervalMs ?? 3_600_000)) return undefined;
    const series = [...this.#series.values()];
    if (series.length === 0) return undefined;
    this.#lastMs = now;
    this.#running = this.#current
      .fineTune(series, this.options.fineTune)
      .then((result) => {
        this.#previous?.dispose();
        this.#previous = this.#current;
        this.#current = result.model;
        this.options.onFineTuned?.(result, series.length);
      })
      .catch((error: unknown) => {
        this.options.onError?.(
          `global model: fine-tuning failed, serving the previous weights: ${(error as Error).message}`,
        );
      })
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }
}
