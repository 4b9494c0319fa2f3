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
  readonly cacheLookups: Counter<"result">;
  readonly configReloads: Counter<"result">;
  readonly informerFailures: Counter<"resource" | "kind">;
  /** Record a rule's successful discovery at `atMs`; the age gauge is computed at scrape time. */
  markDiscovered(rule: string, atMs: number): void;
  readonly discoverySeries: Gauge<"rule">;
  readonly ruleErrors: Counter<"rule" | "stage">;
  readonly droppedSamples: Counter<"reason">;
}

export function createSelfMetrics(options: { defaultMetrics?: boolean } = {}): SelfMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "foresight_" });
  const registers = [registry];
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
      help: "Failed backend queries by endpoint and kind (unavailable, timeout, query, bad_response).",
      labelNames: ["endpoint", "kind"] as const,
      registers,
    }),
    queryBudgetRefusals: new Counter({
      name: "foresight_prometheus_response_budget_refusals_total",
      help: "Backend answers refused (503) because prometheus.responseMemoryBudget was spent by answers in flight.",
      labelNames: ["endpoint"] as const,
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
    cacheLookups: new Counter({
      name: "foresight_query_cache_lookups_total",
      help: "Query cache lookups by result (hit, miss, coalesced).",
      labelNames: ["result"] as const,
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
