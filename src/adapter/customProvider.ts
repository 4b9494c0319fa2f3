/**
 * Answers custom.metrics.k8s.io requests: lookup (registry, with on-demand rediscovery) → objects
 * (from the informer's lister, never a LIST per request) → query (one per rule, by namespace, never a
 * regex of object names) → values matched to objects in process.
 */

import { parseDurationMs } from "../config/duration.js";
import { groupResourceString, type ResourceInfo } from "../k8s/groupResource.js";
import type { Selector } from "../k8s/labelSelector.js";
import type { ListerFactory } from "../k8s/lister.js";
import { formatQuantity } from "../k8s/quantity.js";
import { ApiError, badRequest, metricNotFoundFor, notFound, serviceUnavailable } from "../k8s/status.js";
import type { Sample } from "../metrics/source.js";
import { type Discovery, unknownMetric } from "./discovery.js";
import type { CustomMetricValue } from "./metricValues.js";
import type { CompiledRule } from "./naming/types.js";
import { type QueryRunner, queryWindowSeconds } from "./queryRunner.js";
import type { RuleSeriesName } from "./seriesRegistry.js";

export interface CustomMetricRequest {
  readonly resource: ResourceInfo;
  /** Namespace of the objects; undefined for root-scoped resources. */
  readonly namespace?: string;
  /** One object name, or "*" for every object matching `labelSelector`. */
  readonly name: string;
  readonly metricName: string;
  readonly labelSelector: Selector;
  readonly metricSelector: Selector;
}

export interface CustomProviderOptions {
  readonly discovery: Discovery;
  readonly runner: QueryRunner;
  /** Undefined when Foresight runs without a Kubernetes connection (wildcards then fail with 503). */
  readonly listers?: ListerFactory;
}

interface ObjectRef {
  readonly name: string;
  readonly namespace?: string;
}

export class CustomProvider {
  readonly #opts: CustomProviderOptions;

  constructor(options: CustomProviderOptions) {
    this.#opts = options;
  }

  async getMetric(req: CustomMetricRequest): Promise<CustomMetricValue[]> {
    const sources = await this.#lookup(req);
    const wildcard = req.name === "*";
    const objects = wildcard ? this.#objectsInScope(req) : [{ name: req.name, namespace: req.namespace }];
    if (wildcard && objects.length === 0) {
      throw notFound(
        `the server could not find the metric ${req.metricName} for ${groupResourceString(req.resource)} with selector ${req.labelSelector.toString() || "<everything>"}: no ${req.resource.resource} match the selector${req.namespace ? ` in namespace ${req.namespace}` : ""}`,
      );
    }
    const wanted = new Map(objects.map((o) => [o.name, o]));
    // name → the first rule's sample (rules in config order), then the query it came from.
    const found = new Map<string, { sample: Sample; query: string }>();
    const answers = await Promise.all(
      sources.map(async (source) => {
        const query = this.#render(source, req, wildcard);
        return { source, query, samples: await this.#opts.runner.samples(query, source.rule.id) };
      }),
    );
    for (const { source, query, samples } of answers) {
      const label = source.rule.labelFor(req.resource);
      if (label === undefined) continue;
      for (const sample of samples) {
        const name = sample.labels[label];
        if (name === undefined || !wanted.has(name) || found.has(name)) continue;
        found.set(name, { sample, query });
      }
    }
    const items: CustomMetricValue[] = [];
    for (const object of objects) {
      const hit = found.get(object.name);
      if (!hit) continue;
      const windowSeconds = queryWindowSeconds(hit.query, parseDurationMs);
      items.push({
        describedObject: {
          kind: req.resource.kind,
          ...(object.namespace !== undefined ? { namespace: object.namespace } : {}),
          name: object.name,
          apiVersion: req.resource.group
            ? `${req.resource.group}/${req.resource.version}`
            : req.resource.version,
        },
        metricName: req.metricName,
        metricSelector: req.metricSelector,
        timestamp: hit.sample.timestamp,
        ...(windowSeconds ? { windowSeconds } : {}),
        value: formatQuantity(hit.sample.value),
      });
    }
    if (items.length === 0) {
      const target = wildcard ? undefined : req.name;
      const reason = wildcard
        ? `: ${objects.length} ${req.resource.resource} matched, none has samples`
        : ": the query returned no sample for it";
      throw new ApiError(
        404,
        "NotFound",
        `${metricNotFoundFor(req.metricName, groupResourceString(req.resource), target, wildcard ? req.labelSelector.toString() : undefined).message}${reason}`,
      );
    }
    return items;
  }

  async #lookup(req: CustomMetricRequest): Promise<readonly RuleSeriesName[]> {
    const { discovery } = this.#opts;
    let sources = discovery.registry.customSources(req.resource, req.metricName);
    if (sources.length === 0) {
      await discovery.rediscover();
      sources = discovery.registry.customSources(req.resource, req.metricName);
    }
    if (sources.length === 0) {
      unknownMetric(discovery);
      throw metricNotFoundFor(req.metricName, groupResourceString(req.resource));
    }
    return sources;
  }

  #render(source: RuleSeriesName, req: CustomMetricRequest, wildcard: boolean): string {
    const rule: CompiledRule = source.rule;
    try {
      return rule.customQuery({
        seriesName: source.seriesName,
        resource: req.resource,
        ...(req.namespace !== undefined ? { namespace: req.namespace } : {}),
        ...(wildcard ? {} : { name: req.name }),
        metricSelector: req.metricSelector,
      });
    } catch (err) {
      // The request cannot be expressed exactly in PromQL (e.g. `metricLabelSelector` with `>`).
      throw badRequest((err as Error).message);
    }
  }

  #objectsInScope(req: CustomMetricRequest): ObjectRef[] {
    const lister = this.#opts.listers?.listerFor(req.resource);
    if (!lister) {
      throw serviceUnavailable(
        `cannot list ${groupResourceString(req.resource)}: Foresight has no Kubernetes connection or no informer for it`,
      );
    }
    if (!lister.hasSynced()) {
      throw serviceUnavailable(
        `the cache of ${groupResourceString(req.resource)} is not synced yet; retry shortly`,
      );
    }
    const out: ObjectRef[] = [];
    for (const object of lister.list(req.resource.namespaced ? req.namespace : undefined)) {
      if (!req.labelSelector.matches(object.metadata.labels ?? {})) continue;
      out.push({
        name: object.metadata.name,
        ...(req.resource.namespaced ? { namespace: object.metadata.namespace ?? req.namespace } : {}),
      } as ObjectRef);
    }
    return out;
  }
}
