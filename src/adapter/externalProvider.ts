/**
 * Answers external.metrics.k8s.io requests: lookup (registry, with on-demand rediscovery) → query
 * (selector and namespace as PromQL matchers) → one item per returned series, labels kept.
 * An empty answer is a 404 with the reason, not a 200 with no items: the HPA errors either way,
 * and the message tells the operator why.
 */
import { parseDurationMs } from "../config/duration.js";
import type { Selector } from "../k8s/labelSelector.js";
import { formatQuantity } from "../k8s/quantity.js";
import { badRequest, notFound } from "../k8s/status.js";
import type { Discovery } from "./discovery.js";
import type { ExternalMetricValue } from "./metricValues.js";
import { type QueryRunner, queryWindowSeconds } from "./queryRunner.js";

export interface ExternalMetricRequest {
  readonly namespace: string;
  readonly metricName: string;
  readonly labelSelector: Selector;
}

/** An external metric Foresight computes itself (e.g. `foresight_forecast`) rather than discovers. */
export interface BuiltinExternalMetric {
  readonly name: string;
  /** Whether it is listed in discovery now (e.g. only while forecast targets exist). */
  listed(): boolean;
  getMetric(req: ExternalMetricRequest): ExternalMetricValue[] | Promise<ExternalMetricValue[]>;
}

export interface ExternalProviderOptions {
  readonly discovery: Discovery;
  readonly runner: QueryRunner;
  /** Built-in metrics; their names shadow discovered ones. */
  readonly builtins?: readonly BuiltinExternalMetric[];
}

export class ExternalProvider {
  readonly #opts: ExternalProviderOptions;

  constructor(options: ExternalProviderOptions) {
    this.#opts = options;
  }

  /** Names of the built-in metrics to list in the discovery document. */
  builtinMetricNames(): string[] {
    return (this.#opts.builtins ?? []).filter((b) => b.listed()).map((b) => b.name);
  }

  async getMetric(req: ExternalMetricRequest): Promise<ExternalMetricValue[]> {
    const { discovery, runner } = this.#opts;
    const builtin = this.#opts.builtins?.find((b) => b.name === req.metricName);
    if (builtin) return builtin.getMetric(req);
    let sources = discovery.registry.externalSources(req.metricName);
    if (sources.length === 0) {
      await discovery.rediscover();
      sources = discovery.registry.externalSources(req.metricName);
    }
    if (sources.length === 0)
      throw notFound(`the server could not find the external metric ${req.metricName}`);
    const items: ExternalMetricValue[] = [];
    for (const source of sources) {
      let query: string;
      try {
        query = source.rule.externalQuery({
          seriesName: source.seriesName,
          namespace: req.namespace,
          selector: req.labelSelector,
        });
      } catch (err) {
        throw badRequest((err as Error).message);
      }
      const windowSeconds = queryWindowSeconds(query, parseDurationMs);
      for (const sample of await runner.samples(query, source.rule.id)) {
        const { __name__: _dropped, ...metricLabels } = sample.labels;
        items.push({
          metricName: req.metricName,
          metricLabels,
          timestamp: sample.timestamp,
          ...(windowSeconds ? { windowSeconds } : {}),
          value: formatQuantity(sample.value),
        });
      }
      // The first rule with data answers; later rules are alternatives for other label layouts.
      if (items.length > 0) break;
    }
    if (items.length === 0) {
      throw notFound(
        `the server could not find the external metric ${req.metricName} in namespace ${req.namespace} with selector ${req.labelSelector.toString() || "<everything>"}: the query returned no samples`,
      );
    }
    return items;
  }
}
