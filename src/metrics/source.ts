/**
 * The MetricsSource port: everything Foresight reads from a Prometheus-compatible server
 * (Prometheus, Thanos, Mimir, VictoriaMetrics) or from the embedded store goes through it.
 *
 * Contract:
 * - Timestamps are Unix milliseconds. Values are JavaScript numbers; NaN and ±Inf are passed
 *   through as they came (callers decide; the adapter drops them, never turns them into 0).
 * - Every call honours `signal` (abort = timeout or caller gone) and rejects with a
 *   `MetricsSourceError` whose `kind` says what failed, so the HTTP edge can pick 503 vs 500.
 */

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly labels: Labels;
  readonly value: number;
  /** Unix milliseconds of the sample. */
  readonly timestamp: number;
}

export interface RangeSeries {
  readonly labels: Labels;
  /** [unix milliseconds, value] pairs, ascending. */
  readonly points: ReadonlyArray<readonly [number, number]>;
}

/** The result of an instant query: Prometheus returns a vector or a scalar (matrix/string are refused). */
export type InstantResult =
  | { readonly type: "vector"; readonly samples: readonly Sample[] }
  | { readonly type: "scalar"; readonly sample: Sample };

export interface CallOptions {
  readonly signal?: AbortSignal;
  /**
   * Take an answer the backend marked partial (a store, shard or remote-read endpoint missing:
   * Thanos' and Prometheus' warnings, VictoriaMetrics' isPartial) instead of failing with kind
   * `partial`. Default false: a partial sum would look like a drop in demand.
   */
  readonly acceptPartial?: boolean;
}

export interface MetricsSource {
  /** Evaluate `query` at `at` (default: the server's now). */
  instant(query: string, at?: Date, options?: CallOptions): Promise<InstantResult>;
  /** Evaluate `query` over [start, end] at `stepSeconds` resolution. */
  range(
    query: string,
    start: Date,
    end: Date,
    stepSeconds: number,
    options?: CallOptions,
  ): Promise<RangeSeries[]>;
  /** Label sets of the series matching any of `match` with samples in [start, end]. */
  series(match: readonly string[], start: Date, end: Date, options?: CallOptions): Promise<Labels[]>;
}

/**
 * - `unavailable`: the server could not be reached (connection refused/reset, DNS) or answered 502/503/504.
 * - `timeout`: no answer within the per-query timeout.
 * - `query`: the server rejected the query (400/422: bad PromQL, an execution error, a limit).
 * - `partial`: the server answered with part of the data (CallOptions.acceptPartial was not set).
 * - `bad_response`: the answer was not the JSON we expect (garbage, wrong result type, other 5xx).
 */
export type MetricsSourceErrorKind = "unavailable" | "timeout" | "query" | "partial" | "bad_response";

/**
 * A server limit a query ran into: raw samples loaded (Prometheus --query.max-samples,
 * VictoriaMetrics -search.maxSamplesPerQuery), matching series (-search.maxUniqueTimeseries,
 * Mimir's max series per query), or points per series of a range query (Prometheus' 11,000,
 * -search.maxPointsPerTimeseries). A shorter range may fit the first and the last.
 */
export type BackendLimit = "samples" | "series" | "points";

/** What each limit counts, for messages. */
export const BACKEND_LIMIT_NAMES: Readonly<Record<BackendLimit, string>> = {
  samples: "samples per query",
  series: "series per query",
  points: "points per series",
};

export class MetricsSourceError extends Error {
  override readonly name = "MetricsSourceError";
  /** Set on a `query` error caused by a server limit. */
  readonly limit: BackendLimit | undefined;
  constructor(
    readonly kind: MetricsSourceErrorKind,
    message: string,
    options?: { cause?: unknown; limit?: BackendLimit },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.limit = options?.limit;
  }
}

/** Fails a call whose caller has already given up (an aborted `options.signal`), as every source must. */
export function throwIfAborted(options: CallOptions | undefined): void {
  const signal = options?.signal;
  if (signal?.aborted)
    throw new MetricsSourceError("timeout", "aborted by the caller", { cause: signal.reason });
}
