/**
 * Answers custom.metrics.k8s.io requests: lookup (registry, with on-demand rediscovery) → objects
 * (from the informer's lister, never a LIST per request) → query (one per rule, by namespace, never a
 * regex of object names) → values matched to objects in process. A request for one object shares
 * its namespace's query where that is exact (queryBatching.ts), so the number of backend queries
 * grows with rules × namespaces, not with the HPAs asking.
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
import type { QueryBatching } from "./queryBatching.js";
import { type QueryRunner, queryWindowSeconds, type SamplesByLabel } from "./queryRunner.js";
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
  /** Lets requests for one object share their namespace's query; omit for one query per object. */
  readonly batching?: QueryBatching;
}

/** One rule's answer to a request: the query asked, its samples by the object label. */
interface RuleAnswer {
  readonly query: string;
  readonly byObject: SamplesByLabel;
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
    const answers = await Promise.all(sources.map((source) => this.#answer(source, req, wildcard)));
    const items: CustomMetricValue[] = [];
    for (const object of objects) {
      // The first rule (in config order) with a sample for the object answers, with its first sample.
      let hit: { sample: Sample; query: string } | undefined;
      for (const { query, byObject } of answers) {
        const sample = byObject.get(object.name)?.[0];
        if (sample) {
          hit = { sample, query };
          break;
        }
      }
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

  /**
   * One rule's answer: a wildcard's namespace query; for one object, its namespace's query where
   * batching allows (falling back to the object's own when the backend refuses the wide one), else
   * the object's own query.
   */
  async #answer(source: RuleSeriesName, req: CustomMetricRequest, wildcard: boolean): Promise<RuleAnswer> {
    const { runner, batching } = this.#opts;
    const rule = source.rule;
    // Rendering refuses a resource the rule maps no label to, so there is one.
    const label = rule.labelFor(req.resource) as string;
    const ask = async (query: string, batched: boolean): Promise<RuleAnswer> => ({
      query,
      byObject: await runner.samplesByLabel(query, rule.id, label, batched),
    });
    if (wildcard) return ask(this.#render(source, req, undefined), true);
    const single = this.#render(source, req, req.name);
    const wide = batching ? this.#wideQuery(source, req) : undefined;
    if (batching && wide !== undefined && batching.shares(wide, single, label, req.name)) {
      try {
        const answer = await ask(wide, true);
        batching.answered(wide, answer.byObject.size - (answer.byObject.has("") ? 1 : 0), rule.id);
        return answer;
      } catch (err) {
        // Outages and timeouts are errors for every request waiting on the query; a query the
        // backend refused (a limit, bad data in another object's series) may work for one object.
        if (!(err instanceof ApiError) || err.code !== 500) throw err;
        batching.refused(wide, rule.id);
      }
    }
    return ask(single, false);
  }

  /** The query for every object in the request's scope (namespace, or cluster), or undefined. */
  #wideQuery(source: RuleSeriesName, req: CustomMetricRequest): string | undefined {
    try {
      return this.#render(source, req, undefined);
    } catch {
      return undefined;
    }
  }

  /** The rule's query for the object `name`, or for every object in scope when undefined. */
  #render(source: RuleSeriesName, req: CustomMetricRequest, name: string | undefined): string {
    const rule: CompiledRule = source.rule;
    try {
      return rule.customQuery({
        seriesName: source.seriesName,
        resource: req.resource,
        ...(req.namespace !== undefined ? { namespace: req.namespace } : {}),
        ...(name !== undefined ? { name } : {}),
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
