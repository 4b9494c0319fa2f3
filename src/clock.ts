/** The Clock port: real time in production, simulated time in the simulator and tests. */
export interface Clock {
  /** Unix milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
