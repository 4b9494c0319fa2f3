/**
 * Polling for tests, on real time: waits until a check yields a value (anything but undefined).
 * One helper for every test that waits for a process, a server or a controller to get somewhere.
 */

export interface EventuallyOptions {
  /** Give up after this long; default 5 s. */
  readonly timeoutMs?: number;
  /** Pause between checks; default 50 ms. */
  readonly everyMs?: number;
  /** A check that throws means "not yet" (the last error goes into the timeout's message); default false. */
  readonly retryErrors?: boolean;
}

export async function eventually<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  options: EventuallyOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      if (!options.retryErrors) throw err;
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`,
      );
    await new Promise((r) => setTimeout(r, options.everyMs ?? 50));
  }
}
