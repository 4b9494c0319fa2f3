/**
 * An in-memory MetricsSource for unit tests, shaped like prometheus-adapter's fake client
 * (pkg/client/fake): canned results and errors keyed by the exact query string (or series
 * selector), every call recorded, and times outside a declared window refused, so a test
 * notices when the code under test asks for the wrong query or the wrong time.
 *
 * A stub, not a PromQL engine: it answers what it was told for the exact text asked, so it is not
 * held to the MetricsSource contract (test/contracts/metricsSource.contract.ts). The in-memory
 * source that is, evaluating PromQL over series in arrays, is memorySource.ts.
 */
import {
  type CallOptions,
  type InstantResult,
  type Labels,
  type MetricsSource,
  MetricsSourceError,
  type MetricsSourceErrorKind,
  type RangeSeries,
  type Sample,
} from "../../src/metrics/source.js";

export type FakeCall =
  | { readonly method: "instant"; readonly query: string; readonly at: Date | undefined }
  | {
      readonly method: "range";
      readonly query: string;
      readonly start: Date;
      readonly end: Date;
      readonly stepSeconds: number;
    }
  | {
      readonly method: "series";
      readonly match: readonly string[];
      readonly start: Date;
      readonly end: Date;
    };

export interface FakeSourceOptions {
  /** Instant results by exact query; a Sample[] is shorthand for a vector. */
  readonly instant?: Readonly<Record<string, InstantResult | readonly Sample[]>>;
  /** Range results by exact query. */
  readonly range?: Readonly<Record<string, readonly RangeSeries[]>>;
  /** Series label sets by exact selector; a call with several selectors gets the union. */
  readonly series?: Readonly<Record<string, readonly Labels[]>>;
  /** Errors by exact query or selector; checked before results. A kind is shorthand for an error of that kind. */
  readonly errors?: Readonly<Record<string, MetricsSourceError | MetricsSourceErrorKind>>;
  /** Times outside [start, end] are refused with a "query" error (prometheus-adapter's AcceptableInterval). */
  readonly window?: { readonly start: Date; readonly end: Date };
  /**
   * An unknown query answers an empty vector / no series, as the Go fake does. With `strict`
   * it fails with a "query" error instead, naming the query.
   */
  readonly strict?: boolean;
  /** Delay before each answer, to exercise timeouts, caching and coalescing. Honours the signal. */
  readonly latencyMs?: number;
}

export class FakeSource implements MetricsSource {
  private readonly instantResults = new Map<string, InstantResult>();
  private readonly rangeResults = new Map<string, readonly RangeSeries[]>();
  private readonly seriesResults = new Map<string, readonly Labels[]>();
  private readonly errors = new Map<string, MetricsSourceError>();
  private readonly log: FakeCall[] = [];
  window: { readonly start: Date; readonly end: Date } | undefined;
  strict: boolean;
  latencyMs: number;

  constructor(options: FakeSourceOptions = {}) {
    for (const [query, result] of Object.entries(options.instant ?? {})) this.setInstant(query, result);
    for (const [query, result] of Object.entries(options.range ?? {})) this.setRange(query, result);
    for (const [match, labels] of Object.entries(options.series ?? {})) this.setSeries(match, labels);
    for (const [key, error] of Object.entries(options.errors ?? {})) this.setError(key, error);
    this.window = options.window;
    this.strict = options.strict ?? false;
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** Every call so far, oldest first. */
  get calls(): readonly FakeCall[] {
    return this.log;
  }

  /** Queries (or selectors, joined by ", ") of the calls so far, for compact assertions. */
  queries(): string[] {
    return this.log.map((c) => (c.method === "series" ? c.match.join(", ") : c.query));
  }

  clearCalls(): void {
    this.log.length = 0;
  }

  setInstant(query: string, result: InstantResult | readonly Sample[]): this {
    this.instantResults.set(query, isSampleList(result) ? { type: "vector", samples: result } : result);
    return this;
  }

  setRange(query: string, result: readonly RangeSeries[]): this {
    this.rangeResults.set(query, result);
    return this;
  }

  setSeries(match: string, labels: readonly Labels[]): this {
    this.seriesResults.set(match, labels);
    return this;
  }

  setError(queryOrMatch: string, error: MetricsSourceError | MetricsSourceErrorKind): this {
    this.errors.set(
      queryOrMatch,
      typeof error === "string"
        ? new MetricsSourceError(error, `fake ${error} error for ${queryOrMatch}`)
        : error,
    );
    return this;
  }

  clearError(queryOrMatch: string): this {
    this.errors.delete(queryOrMatch);
    return this;
  }

  async instant(query: string, at?: Date, options?: CallOptions): Promise<InstantResult> {
    this.log.push({ method: "instant", query, at });
    await this.settle(options);
    if (at !== undefined) this.checkWindow(at, at);
    this.throwIfFailing(query);
    const result = this.instantResults.get(query);
    if (result) return result;
    if (this.strict) throw unknown("instant query", query);
    return { type: "vector", samples: [] };
  }

  async range(
    query: string,
    start: Date,
    end: Date,
    stepSeconds: number,
    options?: CallOptions,
  ): Promise<RangeSeries[]> {
    this.log.push({ method: "range", query, start, end, stepSeconds });
    await this.settle(options);
    this.checkWindow(start, end);
    this.throwIfFailing(query);
    const result = this.rangeResults.get(query);
    if (result) return [...result];
    if (this.strict) throw unknown("range query", query);
    return [];
  }

  async series(match: readonly string[], start: Date, end: Date, options?: CallOptions): Promise<Labels[]> {
    this.log.push({ method: "series", match: [...match], start, end });
    await this.settle(options);
    this.checkWindow(start, end);
    const found: Labels[] = [];
    for (const selector of match) {
      this.throwIfFailing(selector);
      const labels = this.seriesResults.get(selector);
      if (labels) found.push(...labels);
      else if (this.strict) throw unknown("series selector", selector);
    }
    return found;
  }

  private async settle(options: CallOptions | undefined): Promise<void> {
    const signal = options?.signal;
    if (this.latencyMs > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }, this.latencyMs);
        const onAbort = () => {
          clearTimeout(timer);
          reject(aborted(signal));
        };
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
    if (signal?.aborted) throw aborted(signal);
  }

  private checkWindow(start: Date, end: Date): void {
    const window = this.window;
    if (!window) return;
    if (start < window.start || end > window.end) {
      throw new MetricsSourceError(
        "query",
        `fake: interval [${start.toISOString()}, ${end.toISOString()}] is outside the accepted window ` +
          `[${window.start.toISOString()}, ${window.end.toISOString()}]`,
      );
    }
  }

  private throwIfFailing(key: string): void {
    const error = this.errors.get(key);
    if (error) throw error;
  }
}

function isSampleList(result: InstantResult | readonly Sample[]): result is readonly Sample[] {
  return Array.isArray(result);
}

function unknown(what: string, key: string): MetricsSourceError {
  return new MetricsSourceError("query", `fake: no canned result for ${what} ${JSON.stringify(key)}`);
}

function aborted(signal: AbortSignal | undefined): MetricsSourceError {
  return new MetricsSourceError("timeout", "fake: call aborted", { cause: signal?.reason });
}
