/**
 * Runs rendered queries for both providers: through the short-TTL cache, against the MetricsSource,
 * and turns backend failures into Kubernetes errors (503 unreachable, 504 timeout, 500 otherwise)
 * without leaking backend text beyond a short reason. NaN and ±Inf samples are dropped and
 * counted; they are never served as 0. A partial answer (a store or shard missing) is a 503 unless
 * `adapter.partialResponse` is `warn`: a partial sum would look like a drop in demand.
 */

import { ApiError, internalError, serviceUnavailable } from "../k8s/status.js";
import {
  BACKEND_LIMIT_NAMES,
  type MetricsSource,
  MetricsSourceError,
  type Sample,
} from "../metrics/source.js";
import type { Logger } from "../telemetry/logger.js";
import type { SelfMetrics } from "../telemetry/selfMetrics.js";
import type { QueryCache } from "./queryCache.js";

export interface QueryRunnerOptions {
  readonly source: MetricsSource;
  readonly cache: QueryCache<readonly Sample[]>;
  readonly logger: Logger;
  readonly metrics?: SelfMetrics;
  /** `warn`: serve answers the backend marked partial (logged and counted by the source); default `abort`. */
  readonly partialResponse?: "abort" | "warn";
}

/** A query's samples by the value of one label (`""` for samples without it), in answer order. */
export type SamplesByLabel = ReadonlyMap<string, readonly Sample[]>;

export class QueryRunner {
  readonly #opts: QueryRunnerOptions;
  /** Indexes of answers by label, built once per answer (cached answers are shared and immutable). */
  readonly #indexes = new WeakMap<readonly Sample[], Map<string, SamplesByLabel>>();

  constructor(options: QueryRunnerOptions) {
    this.#opts = options;
  }

  /**
   * Finite samples of `query` at now; a scalar result becomes one sample without labels.
   * `batched`: the query covers a whole namespace (or the cluster) for every request about its
   * objects, as counted in `foresight_rule_queries_total`.
   */
  async samples(query: string, ruleId: string, batched = false): Promise<readonly Sample[]> {
    try {
      return await this.#opts.cache.get(query, () => this.#load(query, ruleId, batched));
    } catch (err) {
      this.#opts.metrics?.ruleErrors.inc({ rule: ruleId, stage: "query" });
      throw this.#toApiError(err, query, ruleId);
    }
  }

  /**
   * `samples` grouped by `label`. An answer from the cache is indexed once for all the requests
   * that read it, so picking one object out of a namespace's answer is not a scan each time.
   */
  async samplesByLabel(
    query: string,
    ruleId: string,
    label: string,
    batched = false,
  ): Promise<SamplesByLabel> {
    const samples = await this.samples(query, ruleId, batched);
    let byLabel = this.#indexes.get(samples);
    if (!byLabel) {
      byLabel = new Map();
      this.#indexes.set(samples, byLabel);
    }
    let index = byLabel.get(label);
    if (!index) {
      const built = new Map<string, Sample[]>();
      for (const sample of samples) {
        const key = sample.labels[label] ?? "";
        const list = built.get(key);
        if (list) list.push(sample);
        else built.set(key, [sample]);
      }
      index = built;
      byLabel.set(label, index);
    }
    return index;
  }

  async #load(query: string, ruleId: string, batched: boolean): Promise<readonly Sample[]> {
    this.#opts.metrics?.ruleQueries.inc({ rule: ruleId, batched: batched ? "true" : "false" });
    const result = await this.#opts.source.instant(
      query,
      undefined,
      this.#opts.partialResponse === "warn" ? { acceptPartial: true } : undefined,
    );
    const samples = result.type === "scalar" ? [result.sample] : result.samples;
    const finite = samples.filter((s) => Number.isFinite(s.value));
    if (finite.length !== samples.length) {
      for (const s of samples) {
        if (!Number.isFinite(s.value))
          this.#opts.metrics?.droppedSamples.inc({ reason: Number.isNaN(s.value) ? "nan" : "inf" });
      }
    }
    return finite;
  }

  #toApiError(err: unknown, query: string, ruleId: string): ApiError {
    if (err instanceof ApiError) return err;
    const log = this.#opts.logger;
    if (err instanceof MetricsSourceError) {
      log.warn(
        { rule: ruleId, kind: err.kind, err: err.message, query: query.slice(0, 500) },
        "metrics query failed",
      );
      switch (err.kind) {
        case "unavailable":
          return serviceUnavailable("unable to fetch metrics: the metrics backend is unreachable");
        case "timeout":
          return new ApiError(
            504,
            "Timeout",
            "unable to fetch metrics: the metrics backend did not answer in time",
          );
        case "partial":
          return serviceUnavailable(
            "unable to fetch metrics: the metrics backend answered with partial data (a store or shard did not answer); not served (adapter.partialResponse: abort)",
          );
        case "query":
          if (err.limit !== undefined)
            return internalError(
              `unable to fetch metrics: the query of ${ruleId} is over the backend's limit of ${BACKEND_LIMIT_NAMES[err.limit]} (details in the adapter log)`,
            );
          return internalError(
            `unable to fetch metrics: the backend rejected the query of ${ruleId} (details in the adapter log)`,
          );
        default:
          return internalError("unable to fetch metrics: the metrics backend sent an invalid response");
      }
    }
    log.error({ rule: ruleId, err }, "unexpected error while fetching metrics");
    return internalError("unable to fetch metrics");
  }
}

/** Largest range or subquery window in a PromQL expression, in seconds (the HPA's `windowSeconds`). */
export function queryWindowSeconds(
  query: string,
  parseDurationMs: (d: string) => number | undefined,
): number | undefined {
  let max: number | undefined;
  for (const m of query.matchAll(/\[\s*((?:\d+(?:ms|s|m|h|d|w|y))+)\s*(?::[^\]]*)?\]/g)) {
    const ms = parseDurationMs(m[1] as string);
    if (ms !== undefined && (max === undefined || ms > max)) max = ms;
  }
  return max === undefined ? undefined : Math.round(max / 1000);
}
