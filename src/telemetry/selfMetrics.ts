/**
 * Foresight's own Prometheus metrics (prom-client), registered on a Registry owned by the caller
 * instead of prom-client's process-global one, so tests and several servers in one process don't clash.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface SelfMetrics {
  readonly registry: Registry;
  readonly requests: Counter<"api" | "code">;
  readonly requestDuration: Histogram<"api" | "code">;
  readonly queryDuration: Histogram<"endpoint" | "outcome">;
  readonly queryErrors: Counter<"endpoint" | "kind">;
  readonly queryBudgetRefusals: Counter<"endpoint">;
  readonly queryWarnings: Counter<"endpoint" | "kind">;
  readonly rangeSplits: Counter<"reason">;
  readonly cacheLookups: Counter<"result">;
  /** Backend queries of metric requests (cache misses), by rule and whether batched. */
  readonly ruleQueries: Counter<"rule" | "batched">;
  readonly configReloads: Counter<"result">;
  /**
   * The config file was loaded (`ok`: at start, or a reload that put new rules in place) or a reload
   * failed, at `atMs`: the last-success time and the last result beside `configReloads`.
   */
  configLoaded(ok: boolean, atMs: number): void;
  readonly informerFailures: Counter<"resource" | "kind">;
  /** Record a rule's successful discovery at `atMs`; the age gauge is computed at scrape time. */
  markDiscovered(rule: string, atMs: number): void;
  readonly discoverySeries: Gauge<"rule">;
  readonly ruleErrors: Counter<"rule" | "stage">;
  readonly droppedSamples: Counter<"reason">;
}

export interface SelfMetricsOptions {
  /** prom-client's process and Node.js metrics (prefixed `foresight_`); default on. */
  readonly defaultMetrics?: boolean;
  /** The product version, the `version` label of `foresight_build_info`. */
  readonly version?: string;
}

export function createSelfMetrics(options: SelfMetricsOptions = {}): SelfMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "foresight_" });
  const registers = [registry];
  new Gauge({
    name: "foresight_build_info",
    help: "Always 1; its labels say which Foresight runs: version, and the Node.js version it runs on.",
    labelNames: ["version", "node_version"] as const,
    registers,
  }).set({ version: options.version ?? "unknown", node_version: process.version }, 1);
  const lastReloadSuccess = new Gauge({
    name: "foresight_config_last_reload_success_timestamp_seconds",
    help: "Unix time of the last successful load of the config file (at start, or a reload that put new rules in place).",
    registers,
  });
  const lastReloadSuccessful = new Gauge({
    name: "foresight_config_last_reload_successful",
    help: "1 when the last load or reload of the config file succeeded, 0 when the last reload failed (the running configuration stayed).",
    registers,
  });
  const discoveredAt = new Map<string, number>();
  new Gauge({
    name: "foresight_discovery_age_seconds",
    help: "Seconds since each rule's last successful series discovery.",
    labelNames: ["rule"] as const,
    registers,
    collect() {
      const now = Date.now();
      for (const [rule, at] of discoveredAt) this.set({ rule }, (now - at) / 1000);
    },
  });
  return {
    registry,
    requests: new Counter({
      name: "foresight_apiserver_requests_total",
      help: "Metrics API requests by API (custom, external, discovery) and HTTP code.",
      labelNames: ["api", "code"] as const,
      registers,
    }),
    requestDuration: new Histogram({
      name: "foresight_apiserver_request_duration_seconds",
      help: "Metrics API request latency by API and HTTP code.",
      labelNames: ["api", "code"] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    queryDuration: new Histogram({
      name: "foresight_prometheus_query_duration_seconds",
      help: "Latency of queries to the Prometheus-compatible backend by endpoint and outcome.",
      labelNames: ["endpoint", "outcome"] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    queryErrors: new Counter({
      name: "foresight_prometheus_query_errors_total",
      help: "Failed backend queries by endpoint and kind (unavailable, timeout, query, partial, bad_response).",
      labelNames: ["endpoint", "kind"] as const,
      registers,
    }),
    queryBudgetRefusals: new Counter({
      name: "foresight_prometheus_response_budget_refusals_total",
      help: "Backend answers refused (503) because prometheus.responseMemoryBudget was spent by answers in flight.",
      labelNames: ["endpoint"] as const,
      registers,
    }),
    queryWarnings: new Counter({
      name: "foresight_prometheus_query_warnings_total",
      help: "Backend answers that carried warnings, by endpoint and kind: warning (PromQL annotations, the data is whole) or partial (a store or shard did not answer; refused unless adapter.partialResponse is warn).",
      labelNames: ["endpoint", "kind"] as const,
      registers,
    }),
    rangeSplits: new Counter({
      name: "foresight_prometheus_range_split_queries_total",
      help: "Range queries sent after a range's first, by reason: points (a chunk of a range longer than prometheus.maxPointsPerQuery points per series) or limit (a half of a chunk the backend refused for a samples or points limit).",
      labelNames: ["reason"] as const,
      registers,
    }),
    informerFailures: new Counter({
      name: "foresight_informer_failures_total",
      help: "Failed list/watch attempts of the Kubernetes informers (retried with backoff), by resource and kind: list, watch, bad-event, short-watch, listener.",
      labelNames: ["resource", "kind"],
      registers: [registry],
    }),
    configReloads: new Counter({
      name: "foresight_config_reloads_total",
      help: "Config file reloads by result (ok, error: the running configuration stayed).",
      labelNames: ["result"] as const,
      registers,
    }),
    configLoaded(ok, atMs) {
      lastReloadSuccessful.set(ok ? 1 : 0);
      if (ok) lastReloadSuccess.set(atMs / 1000);
    },
    cacheLookups: new Counter({
      name: "foresight_query_cache_lookups_total",
      help: "Query cache lookups by result (hit, miss, coalesced).",
      labelNames: ["result"] as const,
      registers,
    }),
    ruleQueries: new Counter({
      name: "foresight_rule_queries_total",
      help: 'Queries sent to the metrics backend to answer metric requests (cache misses), by rule and batched: "true" for a query of a whole namespace (the cluster, for cluster-scoped resources) shared by every request about its objects, "false" for a query of one object or one external selector.',
      labelNames: ["rule", "batched"] as const,
      registers,
    }),
    markDiscovered(rule, atMs) {
      discoveredAt.set(rule, atMs);
    },
    discoverySeries: new Gauge({
      name: "foresight_discovery_series",
      help: "Series each rule matched in its last successful discovery.",
      labelNames: ["rule"] as const,
      registers,
    }),
    ruleErrors: new Counter({
      name: "foresight_rule_errors_total",
      help: "Errors per rule and stage (compile, discovery, query).",
      labelNames: ["rule", "stage"] as const,
      registers,
    }),
    droppedSamples: new Counter({
      name: "foresight_dropped_samples_total",
      help: "Samples not served, by reason (nan, inf, no_object).",
      labelNames: ["reason"] as const,
      registers,
    }),
  };
}
