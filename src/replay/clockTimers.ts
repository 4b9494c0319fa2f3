/**
 * The forecaster's Timers port on simulated time, so a test, the demo or a backtest moving a
 * SimClock also moves forecast retrains and updates. `tick()` fires what came due since the last
 * tick, once each however far behind: an `every` callback when its interval elapsed (or its grid
 * point passed, with an offset), and a cron callback when any second (six-field pattern) or minute
 * boundary passed since the last tick matches its expression, matched by node-cron itself. The
 * random delay of cron retrains is not applied: simulated schedules run on the minute, so two runs
 * of one schedule give the same result.
 */
import { createTask } from "node-cron";
import type { Clock, Stoppable } from "../clock.js";
import { nextAligned, type Timers } from "../forecast/scheduler.js";

interface Interval {
  readonly intervalMs: number;
  readonly offsetMs: number | undefined;
  readonly fn: () => void;
  /** Next time it is due. */
  nextMs: number;
  stopped: boolean;
}

interface Schedule {
  readonly match: (date: Date) => boolean;
  readonly resolutionMs: number;
  readonly fn: () => void;
  /** Boundaries up to here have been looked at. */
  checkedMs: number;
  stopped: boolean;
}

export class ClockTimers implements Timers {
  readonly #clock: Clock;
  #intervals: Interval[] = [];
  #schedules: Schedule[] = [];

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  cron(expression: string, fn: () => void, _options?: { name: string; maxRandomDelayMs: number }): Stoppable {
    // A task that is never started: only its matcher is used, so node-cron's parsing is the one used.
    const task = createTask(expression, () => {});
    const resolutionMs = expression.trim().split(/\s+/).length >= 6 ? 1000 : 60_000;
    const entry: Schedule = {
      match: (date) => task.match(date),
      resolutionMs,
      fn,
      checkedMs: this.#clock.now(),
      stopped: false,
    };
    this.#schedules.push(entry);
    return {
      stop: () => {
        entry.stopped = true;
        this.#schedules = this.#schedules.filter((e) => e !== entry);
        void task.destroy();
      },
    };
  }

  every(intervalMs: number, fn: () => void, options?: { readonly offsetMs?: number }): Stoppable {
    const now = this.#clock.now();
    const offsetMs = options?.offsetMs;
    const entry: Interval = {
      intervalMs,
      offsetMs,
      fn,
      nextMs: offsetMs === undefined ? now + intervalMs : nextAligned(now, intervalMs, offsetMs),
      stopped: false,
    };
    this.#intervals.push(entry);
    return {
      stop: () => {
        entry.stopped = true;
        this.#intervals = this.#intervals.filter((e) => e !== entry);
      },
    };
  }

  /** Fire everything due at the clock's time. */
  tick(): void {
    const now = this.#clock.now();
    for (const s of [...this.#schedules]) {
      if (s.stopped) continue;
      let due = false;
      let b = Math.floor(s.checkedMs / s.resolutionMs) * s.resolutionMs + s.resolutionMs;
      for (; b <= now && !due; b += s.resolutionMs) due = s.match(new Date(b));
      s.checkedMs = now;
      if (due) s.fn();
    }
    for (const e of [...this.#intervals]) {
      if (e.stopped || now < e.nextMs) continue;
      e.nextMs = e.offsetMs === undefined ? now + e.intervalMs : nextAligned(now, e.intervalMs, e.offsetMs);
      e.fn();
    }
  }
}
