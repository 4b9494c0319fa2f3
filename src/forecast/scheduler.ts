/**
 * When forecast targets run: a full retrain on each target's cron schedule (node-cron, with a
 * random delay so targets spread out), a cheap update every `updateEvery` in between. Updates keep
 * to the step grid where the target asks for it (`updateOffsetMs`): each runs that long after a step
 * ends, once its last samples are in, so the forecast always starts at the step in progress. Per target
 * there is never more than one run in flight (a tick that finds one running is skipped, not queued),
 * every run has a timeout (its signal is aborted; the run is reported failed at once), and stop()
 * stops the timers first, then waits for the runs in flight.
 *
 * Timers come through the `Timers` port: node-cron and setInterval in production, a hand-driven
 * fake in tests (no waiting for the wall clock).
 */
import cron from "node-cron";
import type { Clock, Stoppable } from "../clock.js";
import type { RunKind } from "./store.js";

export interface Timers {
  /** Call `fn` on each match of `expression`, after a random delay of up to `maxRandomDelayMs`. */
  cron(expression: string, fn: () => void, options: { name: string; maxRandomDelayMs: number }): Stoppable;
  /**
   * Call `fn` every `intervalMs`; with `offsetMs`, at the times t where (t − offsetMs) is a multiple
   * of `intervalMs` (unix time), else every interval from now.
   */
  every(intervalMs: number, fn: () => void, options?: { readonly offsetMs?: number }): Stoppable;
}

export interface ScheduledTarget {
  readonly name: string;
  readonly schedule: string;
  readonly updateEveryMs: number;
  /** Run updates this long after each multiple of `updateEveryMs` (default: unaligned). */
  readonly updateOffsetMs?: number;
}

export type RunFn = (target: string, kind: RunKind, signal: AbortSignal) => Promise<unknown>;

export interface RunOutcome {
  readonly target: string;
  readonly kind: RunKind;
  readonly status: "ok" | "error" | "skipped";
  readonly error?: Error;
  readonly startedAtMs: number;
  readonly durationMs: number;
}

export interface RunAllResult {
  readonly results: readonly RunOutcome[];
  readonly errors: readonly RunOutcome[];
}

export interface SchedulerOptions {
  readonly targets: readonly ScheduledTarget[];
  readonly run: RunFn;
  readonly timers: Timers;
  readonly clock: Clock;
  /** Per-run timeout. */
  readonly timeoutMs: number;
  /** Random delay added to each cron retrain (0..jitterMs). */
  readonly jitterMs: number;
  readonly onOutcome?: (outcome: RunOutcome) => void;
}

export class TimeoutError extends Error {
  override readonly name = "TimeoutError";
}

export class ForecastScheduler {
  readonly #opts: SchedulerOptions;
  readonly #inFlight = new Map<string, Promise<RunOutcome>>();
  readonly #controllers = new Set<AbortController>();
  #timers: Stoppable[] = [];
  #stopped = false;

  constructor(options: SchedulerOptions) {
    this.#opts = options;
  }

  /** Start the timers of every target. */
  start(): void {
    if (this.#timers.length > 0 || this.#stopped) return;
    const { timers, jitterMs } = this.#opts;
    for (const t of this.#opts.targets) {
      this.#timers.push(
        timers.cron(t.schedule, () => void this.trigger(t.name, "full"), {
          name: `forecast-${t.name}`,
          maxRandomDelayMs: jitterMs,
        }),
        timers.every(
          t.updateEveryMs,
          () => void this.trigger(t.name, "update"),
          t.updateOffsetMs !== undefined ? { offsetMs: t.updateOffsetMs } : {},
        ),
      );
    }
  }

  /** Whether `target` has a run in flight. */
  busy(target: string): boolean {
    return this.#inFlight.has(target);
  }

  /**
   * Run `target` now unless it is already running (then "skipped"). Never rejects: failures are
   * outcomes. Resolves when the run finished or timed out.
   */
  trigger(target: string, kind: RunKind): Promise<RunOutcome> {
    const startedAtMs = this.#opts.clock.now();
    if (this.#stopped || this.#inFlight.has(target)) {
      const outcome: RunOutcome = { target, kind, status: "skipped", startedAtMs, durationMs: 0 };
      this.#opts.onOutcome?.(outcome);
      return Promise.resolve(outcome);
    }
    const controller = new AbortController();
    this.#controllers.add(controller);
    const finished = (status: "ok" | "error", error?: Error): RunOutcome => ({
      target,
      kind,
      status,
      ...(error ? { error } : {}),
      startedAtMs,
      durationMs: this.#opts.clock.now() - startedAtMs,
    });
    const running = this.#opts.run(target, kind, controller.signal).then(
      () => finished("ok"),
      (err: unknown) => finished("error", err instanceof Error ? err : new Error(String(err))),
    );
    // The slot is held until the run really ends, even after a timeout: single flight holds.
    const slot = running.finally(() => {
      this.#inFlight.delete(target);
      this.#controllers.delete(controller);
    });
    this.#inFlight.set(target, slot);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<RunOutcome>((resolve) => {
      timer = setTimeout(() => {
        const error = new TimeoutError(
          `forecast target ${target}: ${kind} run took longer than ${this.#opts.timeoutMs / 1000} s (forecast.maxTrainSeconds)`,
        );
        controller.abort(error);
        resolve(finished("error", error));
      }, this.#opts.timeoutMs);
    });
    return Promise.race([slot, timedOut]).then((outcome) => {
      clearTimeout(timer);
      this.#opts.onOutcome?.(outcome);
      return outcome;
    });
  }

  /** Run every target (one at a time, to bound CPU); the results and, separately, the failures. */
  async runAll(kind: RunKind, only?: (target: string) => boolean): Promise<RunAllResult> {
    const results: RunOutcome[] = [];
    for (const t of this.#opts.targets) {
      if (only && !only(t.name)) continue;
      results.push(await this.trigger(t.name, kind));
    }
    return { results, errors: results.filter((r) => r.status === "error") };
  }

  /** Stop the timers, refuse new runs, abort the runs in flight and wait for them to end. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) t.stop();
    this.#timers = [];
    for (const c of this.#controllers) c.abort(new Error("the forecaster is stopping"));
    await Promise.allSettled([...this.#inFlight.values()]);
  }
}

/** Production timers: node-cron (its maxRandomDelay is the jitter) and unref'd intervals. */
export const systemTimers: Timers = {
  cron(expression, fn, options) {
    const task = cron.schedule(expression, () => fn(), {
      name: options.name,
      maxRandomDelay: options.maxRandomDelayMs,
      noOverlap: false,
      unref: true,
    });
    return { stop: () => void task.destroy() };
  },
  every(intervalMs, fn, options) {
    if (options?.offsetMs === undefined) {
      const timer = setInterval(fn, intervalMs);
      timer.unref();
      return { stop: () => clearInterval(timer) };
    }
    let interval: NodeJS.Timeout | undefined;
    const first = setTimeout(
      () => {
        fn();
        interval = setInterval(fn, intervalMs);
        interval.unref();
      },
      nextAligned(Date.now(), intervalMs, options.offsetMs) - Date.now(),
    );
    first.unref();
    return {
      stop: () => {
        clearTimeout(first);
        clearInterval(interval);
      },
    };
  },
};

/** The first time after `nowMs` where (t − offsetMs) is a multiple of `intervalMs`. */
export function nextAligned(nowMs: number, intervalMs: number, offsetMs: number): number {
  return Math.floor((nowMs - offsetMs) / intervalMs) * intervalMs + offsetMs + intervalMs;
}
