/**
 * The source every consumer reads through, built once in cli/: range queries split to fit the
 * server's limits (rangeSplit.ts), then every query scoped to this cluster's series when
 * `prometheus.clusterMatchers` is set (clusterScope.ts). Scoping is outermost, so each chunk of a
 * split range carries the matchers too.
 */
import type { PrometheusConfig } from "../config/schema.js";
import { ClusterScopedSource } from "./clusterScope.js";
import { RangeSplitSource } from "./rangeSplit.js";
import type { MetricsSource } from "./source.js";

export interface DecorateHooks {
  /** One more range query than unsplit (rangeSplit.ts' onSplit). */
  readonly onSplit?: (reason: "points" | "limit") => void;
}

export function decorateSource(
  source: MetricsSource,
  config: Pick<PrometheusConfig, "maxPointsPerQuery" | "clusterMatchers">,
  hooks: DecorateHooks = {},
): MetricsSource {
  const split = new RangeSplitSource(source, {
    maxPointsPerQuery: config.maxPointsPerQuery,
    ...(hooks.onSplit && { onSplit: hooks.onSplit }),
  });
  const matchers = config.clusterMatchers.map((m) => m.trim());
  return matchers.length === 0 ? split : new ClusterScopedSource(split, matchers);
}
