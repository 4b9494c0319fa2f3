/**
 * The embedded metrics store as a MetricsSource: PromQL evaluated by src/metrics/promql
 * over the in-memory TSDB, with the port's contract — query errors (parse, unsupported construct,
 * bad step, no selector for series) are `MetricsSourceError("query")` naming what is wrong, as
 * Prometheus' 400s are; a call whose signal is already aborted is `MetricsSourceError("timeout")`
 * (evaluation is synchronous: once started, it finishes).
 * It is the default source when no Prometheus URL is configured, and what the demo runs on.
 */
import type { Clock } from "../../clock.js";
import { evaluateInstant, evaluateRange, PromQLError, parsePromQL } from "../promql/index.js";
import type { LabelMatcher } from "../promql/storage.js";
import {
  type CallOptions,
  type InstantResult,
  type Labels,
  type MetricsSource,
  MetricsSourceError,
  type RangeSeries,
  throwIfAborted,
} from "../source.js";
import type { EmbeddedTSDB } from "./tsdb.js";

function queryError(err: unknown): never {
  if (err instanceof PromQLError) throw new MetricsSourceError("query", err.message, { cause: err });
  throw err;
}

export class EmbeddedSource implements MetricsSource {
  readonly #tsdb: EmbeddedTSDB;
  readonly #clock: Clock;

  constructor(options: { readonly tsdb: EmbeddedTSDB; readonly clock: Clock }) {
    this.#tsdb = options.tsdb;
    this.#clock = options.clock;
  }

  async instant(query: string, at?: Date, options?: CallOptions): Promise<InstantResult> {
    throwIfAborted(options);
    try {
      return evaluateInstant(this.#tsdb, query, at?.getTime() ?? this.#clock.now());
    } catch (err) {
      return queryError(err);
    }
  }

  async range(
    query: string,
    start: Date,
    end: Date,
    stepSeconds: number,
    options?: CallOptions,
  ): Promise<RangeSeries[]> {
    throwIfAborted(options);
    try {
      return evaluateRange(this.#tsdb, query, start.getTime(), end.getTime(), stepSeconds);
    } catch (err) {
      return queryError(err);
    }
  }

  async series(match: readonly string[], start: Date, end: Date, options?: CallOptions): Promise<Labels[]> {
    throwIfAborted(options);
    if (match.length === 0) throw new MetricsSourceError("query", "no match[] parameter provided");
    const sets: LabelMatcher[][] = [];
    for (const selector of match) {
      let expr: ReturnType<typeof parsePromQL>;
      try {
        expr = parsePromQL(selector);
      } catch (err) {
        return queryError(err);
      }
      if (expr.kind !== "vectorSelector")
        throw new MetricsSourceError(
          "query",
          `match[] must be a series selector, got ${JSON.stringify(selector)}`,
        );
      sets.push([...expr.matchers]);
    }
    return this.#tsdb.series(sets, start.getTime(), end.getTime());
  }
}
