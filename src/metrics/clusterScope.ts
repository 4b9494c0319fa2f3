/**
 * A MetricsSource that reads one cluster's series out of a store holding many (Thanos, Mimir,
 * VictoriaMetrics fed by several clusters): `prometheus.clusterMatchers` (`cluster="prod-eu"`) are
 * added to every vector selector of every query and series selector, on the syntax tree
 * (promql/inject.ts). Every consumer reads through it: the adapter's values and discovery, the
 * forecaster's history, the review API. A query the grammar cannot read fails as a query error
 * instead of being sent without the matchers.
 */
import { LRUCache } from "lru-cache";
import { PromQLError } from "./promql/errors.js";
import { addMatchers } from "./promql/inject.js";
import {
  type CallOptions,
  type InstantResult,
  type Labels,
  type MetricsSource,
  MetricsSourceError,
  type RangeSeries,
} from "./source.js";

/** Rewritten queries kept: rules and targets send the same texts again and again. */
const REWRITES_KEPT = 2_000;

export class ClusterScopedSource implements MetricsSource {
  private readonly rewrites = new LRUCache<string, string>({ max: REWRITES_KEPT });

  /** `matchers` as checked by promql/inject.ts' checkLabelMatcher (the config loader does). */
  constructor(
    private readonly inner: MetricsSource,
    readonly matchers: readonly string[],
  ) {}

  async instant(query: string, at?: Date, options?: CallOptions): Promise<InstantResult> {
    return this.inner.instant(this.scope(query), at, options);
  }

  async range(
    query: string,
    start: Date,
    end: Date,
    stepSeconds: number,
    options?: CallOptions,
  ): Promise<RangeSeries[]> {
    return this.inner.range(this.scope(query), start, end, stepSeconds, options);
  }

  async series(match: readonly string[], start: Date, end: Date, options?: CallOptions): Promise<Labels[]> {
    return this.inner.series(
      match.map((m) => this.scope(m)),
      start,
      end,
      options,
    );
  }

  /** `query` with the matchers added; throws a `query` MetricsSourceError when it does not parse. */
  scope(query: string): string {
    const cached = this.rewrites.get(query);
    if (cached !== undefined) return cached;
    let scoped: string;
    try {
      scoped = addMatchers(query, this.matchers);
    } catch (err) {
      if (!(err instanceof PromQLError)) throw err;
      throw new MetricsSourceError(
        "query",
        `cannot add prometheus.clusterMatchers (${this.matchers.join(", ")}) to ${JSON.stringify(query.slice(0, 200))}: ${err.message}; only PromQL that Prometheus' grammar reads can be scoped to a cluster`,
        { cause: err },
      );
    }
    this.rewrites.set(query, scoped);
    return scoped;
  }
}
