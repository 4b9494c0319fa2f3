/**
 * What discovery found, as an immutable snapshot: which API metrics exist for which resources,
 * and which rule (and Prometheus series) answers each. Rebuilt after every discovery round and
 * swapped whole, so requests read it without locks.
 *
 * Unlike prometheus-adapter (the last series wins), several rules may serve one metric for one
 * resource, e.g. a DCGM rule for `honorLabels: true` and one for `exported_pod`: each is queried and
 * their answers are merged, the earlier rule winning per object.
 */

import { groupResourceString, type ResourceInfo } from "../k8s/groupResource.js";
import type { CompiledRule, SeriesMatch } from "./naming/types.js";

/** A rule and one series name it discovered: where a metric's values are queried from. */
export interface RuleSeriesName {
  readonly rule: CompiledRule;
  readonly seriesName: string;
}

export interface CustomMetricInfo {
  readonly resource: ResourceInfo;
  readonly metricName: string;
}

/** One rule's discovery result. */
export interface RuleSeries {
  readonly rule: CompiledRule;
  readonly matches: readonly SeriesMatch[];
}

export class SeriesRegistry {
  /** `<group-resource>/<metric>` → sources in rule order. */
  readonly #custom: ReadonlyMap<string, { info: CustomMetricInfo; sources: RuleSeriesName[] }>;
  readonly #external: ReadonlyMap<string, RuleSeriesName[]>;

  private constructor(
    custom: Map<string, { info: CustomMetricInfo; sources: RuleSeriesName[] }>,
    external: Map<string, RuleSeriesName[]>,
  ) {
    this.#custom = custom;
    this.#external = external;
  }

  static empty(): SeriesRegistry {
    return new SeriesRegistry(new Map(), new Map());
  }

  /** Build from per-rule results, given in rule order (custom and external rules may be mixed). */
  static build(results: Iterable<RuleSeries>): SeriesRegistry {
    const custom = new Map<string, { info: CustomMetricInfo; sources: RuleSeriesName[] }>();
    const external = new Map<string, RuleSeriesName[]>();
    const ordered = [...results].sort((a, b) => a.rule.index - b.rule.index);
    for (const { rule, matches } of ordered) {
      for (const match of matches) {
        const source = { rule, seriesName: match.seriesName };
        if (rule.kind === "external") {
          addSource(external, match.metricName, source);
          continue;
        }
        for (const resource of match.resources) {
          const key = customKey(resource, match.metricName);
          let entry = custom.get(key);
          if (!entry) {
            entry = { info: { resource, metricName: match.metricName }, sources: [] };
            custom.set(key, entry);
          }
          pushUnique(entry.sources, source);
        }
      }
    }
    return new SeriesRegistry(custom, external);
  }

  customSources(resource: ResourceInfo, metricName: string): readonly RuleSeriesName[] {
    return this.#custom.get(customKey(resource, metricName))?.sources ?? [];
  }

  externalSources(metricName: string): readonly RuleSeriesName[] {
    return this.#external.get(metricName) ?? [];
  }

  customMetrics(): CustomMetricInfo[] {
    return [...this.#custom.values()].map((e) => e.info);
  }

  externalMetrics(): string[] {
    return [...this.#external.keys()];
  }
}

function customKey(resource: ResourceInfo, metricName: string): string {
  return `${groupResourceString(resource)}/${metricName}`;
}

function addSource(map: Map<string, RuleSeriesName[]>, key: string, source: RuleSeriesName): void {
  let list = map.get(key);
  if (!list) {
    list = [];
    map.set(key, list);
  }
  pushUnique(list, source);
}

/** One (rule, series) pair once; a rule matching the same series name twice adds nothing. */
function pushUnique(list: RuleSeriesName[], source: RuleSeriesName): void {
  if (!list.some((s) => s.rule === source.rule && s.seriesName === source.seriesName)) list.push(source);
}
