/** A Clock that only moves when told to: the simulator and its tests own time. */
import type { Clock } from "../../clock.js";

export class SimClock implements Clock {
  private ms: number;

  constructor(startMs = 0) {
    this.ms = startMs;
  }

  now(): number {
    return this.ms;
  }

  /** Move forward by `ms` (≥ 0); returns the new time. */
  advance(ms: number): number {
    if (!(ms >= 0))
      throw new RangeError(
        `SimClock.advance: ${ms} ms is not a non-negative number; time only moves forward`,
      );
    this.ms += ms;
    return this.ms;
  }

  /** Jump to an absolute time, not earlier than now; returns it. */
  set(ms: number): number {
    if (!(ms >= this.ms))
      throw new RangeError(
        `SimClock.set: ${ms} is before the current time ${this.ms}; time only moves forward`,
      );
    this.ms = ms;
    return ms;
  }
}
