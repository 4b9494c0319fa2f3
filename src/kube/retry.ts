/**
 * Retrying Kubernetes API calls: which errors are worth another try (409 Conflict, throttling,
 * server and network failures) and an exponential backoff with full jitter around a call.
 *
 * Hand-written because @kubernetes/client-node 1.4 has no counterpart of client-go's
 * `retry.RetryOnConflict` / `wait.Backoff`. As there, the function is called again from scratch
 * on every attempt, so a caller that hits 409 re-reads the object and recomputes its change.
 */

/** Status codes that mean "try again": conflict, throttling and transient server failures. */
const RETRYABLE_STATUS: ReadonlySet<number> = new Set([409, 429, 500, 502, 503, 504]);

/** Node/undici/node-fetch error codes of a connection that failed or broke. */
const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

const RETRYABLE_MESSAGES: readonly string[] = ["socket hang up", "fetch failed"];

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
}

function validStatus(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= 100 && value <= 599
    ? value
    : undefined;
}

/**
 * The HTTP status of a failed Kubernetes call: `code` of client-node's ApiException, or
 * `code`/`statusCode` (or `response.statusCode`) of our own errors. undefined for errors that
 * carry none (network failures, bugs); string codes such as "ECONNREFUSED" are not statuses.
 */
export function kubeStatusCode(err: unknown): number | undefined {
  const e = asRecord(err);
  if (!e) return undefined;
  return validStatus(e.code) ?? validStatus(e.statusCode) ?? validStatus(asRecord(e.response)?.statusCode);
}

/** Walks an error and its `cause` chain (fetch wraps the socket error in `cause`). */
function* causeChain(err: unknown): Generator<Record<string, unknown>> {
  let current = asRecord(err);
  for (let depth = 0; current && depth < 8; depth++) {
    yield current;
    current = asRecord(current.cause);
  }
}

function isNetworkError(err: unknown): boolean {
  for (const e of causeChain(err)) {
    if (typeof e.code === "string" && RETRYABLE_NETWORK_CODES.has(e.code)) return true;
    if (typeof e.errno === "string" && RETRYABLE_NETWORK_CODES.has(e.errno)) return true;
    // A request cut off by a timeout signal (AbortSignal.timeout gives TimeoutError).
    if (e.name === "TimeoutError" || e.name === "AbortError") return true;
    const message = typeof e.message === "string" ? e.message.toLowerCase() : "";
    if (RETRYABLE_MESSAGES.some((m) => message.includes(m))) return true;
  }
  return false;
}

/**
 * True when the call may succeed if made again: 409 Conflict (after re-reading), 429, 500, 502,
 * 503, 504, or a network failure. Other statuses (400, 401, 403, 404, 422, ...) are final.
 */
export function isRetryableKubeError(err: unknown): boolean {
  const status = kubeStatusCode(err);
  if (status !== undefined) return RETRYABLE_STATUS.has(status);
  return isNetworkError(err);
}

/**
 * The wait a 429/503 asks for with its Retry-After header (seconds or an HTTP date), in ms.
 * client-node's ApiException keeps the response headers with lower-case names.
 */
export function retryAfterMs(err: unknown, nowMs: number = Date.now()): number | undefined {
  const headers = asRecord(asRecord(err)?.headers);
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === "retry-after");
  const raw = key === undefined ? undefined : headers[key];
  if (typeof raw !== "string" || raw.trim() === "") return undefined;
  const text = raw.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export interface RetryKubeOptions {
  /** Calls of fn in all, the first included. Default 5. */
  readonly attempts?: number;
  /** Upper bound of the first wait; it doubles each retry. Default 100 ms. */
  readonly baseDelayMs?: number;
  /** No wait is longer, Retry-After included. Default 5000 ms. */
  readonly maxDelayMs?: number;
  /** Default: a timer (cancelled by `signal`). Tests pass a fake. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); default Math.random. */
  readonly random?: () => number;
  /** Default isRetryableKubeError. */
  readonly isRetryable?: (err: unknown) => boolean;
  /** Called before each wait with the error, the 1-based attempt that failed and the wait. */
  readonly onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Stops retrying; the abort reason is thrown. */
  readonly signal?: AbortSignal;
}

function timerSleep(signal: AbortSignal | undefined): (ms: number) => Promise<void> {
  return (ms) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
}

function positive(name: string, value: number, allowZero: boolean): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(
      `retryKube: ${name} must be a ${allowZero ? "non-negative" : "positive"} number, got ${value}`,
    );
  }
  return value;
}

/**
 * Calls `fn(attempt)` (attempt counts from 1) until it resolves, a non-retryable error is thrown
 * (rethrown at once), or `attempts` calls have failed (the last error is rethrown). Between
 * attempts it waits random() * min(maxDelay, baseDelay * 2^(attempt-1)) ("full jitter"), and at
 * least the Retry-After of a throttled response, capped at maxDelay.
 */
export async function retryKube<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryKubeOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new RangeError(`retryKube: attempts must be an integer >= 1, got ${attempts}`);
  }
  const baseDelayMs = positive("baseDelayMs", options.baseDelayMs ?? 100, true);
  const maxDelayMs = positive("maxDelayMs", options.maxDelayMs ?? 5000, true);
  const sleep = options.sleep ?? timerSleep(options.signal);
  const random = options.random ?? Math.random;
  const isRetryable = options.isRetryable ?? isRetryableKubeError;
  const { signal } = options;

  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw signal.reason;
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= attempts || !isRetryable(err) || signal?.aborted) throw err;
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      let delayMs = Math.floor(random() * ceiling);
      const asked = retryAfterMs(err);
      if (asked !== undefined) delayMs = Math.max(delayMs, Math.min(asked, maxDelayMs));
      options.onRetry?.(err, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
