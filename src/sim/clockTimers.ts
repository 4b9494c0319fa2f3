/**
 * The forecaster's Timers port on simulated time: `every` callbacks fire when `tick()` finds their
 * interval elapsed on the Clock (once per tick, however far behind), so a test or the demo moving a
 * SimClock also moves forecast updates. Cron schedules do not fire here: a scaler's first run is a
 * full one and updates keep the forecast current; cron itself is node-cron's (tested with it).
 */
import type { Clock } from "../clock.js";
import type { Stoppable, Timers } from "../forecast/scheduler.js";

interface Interval {
  readonly intervalMs: number;
  readonly fn: () => void;
  lastMs: number;
  stopped: boolean;
}

export class ClockTimers implements Timers {
  readonly #clock: Clock;
  #intervals: Interval[] = [];

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  cron(): Stoppable {
    return { stop: () => {} };
  }

  every(intervalMs: number, fn: () => void): Stoppable {
    const entry: Interval = { intervalMs, fn, lastMs: this.#clock.now(), stopped: false };
    this.#intervals.push(entry);
    return {
      stop: () => {
        entry.stopped = true;
        this.#intervals = this.#intervals.filter((e) => e !== entry);
      },
    };
  }

  /** Fire every interval due at the clock's time. */
  tick(): void {
    const now = this.#clock.now();
    for (const e of [...this.#intervals]) {
      if (e.stopped || now - e.lastMs < e.intervalMs) continue;
      e.lastMs = now;
      e.fn();
    }
  }
}
