/**
 * The Clock port: real time in production, simulated time in the simulator and tests. Timers
 * started on a clock (the forecaster's schedules, the scraper's intervals) hand back a Stoppable.
 */
export interface Clock {
  /** Unix milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A timer or schedule that was started: stop() cancels what is still to come. */
export interface Stoppable {
  stop(): void;
}
