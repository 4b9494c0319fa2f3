/**
 * Contracts of the pure naming layer (prometheus-adapter's pkg/naming): how a configured rule maps
 * discovered series to API metrics and Kubernetes resources, and how it renders queries.
 * Everything here is pure and safe to share between requests.
 */

import type { ResourceInfo } from "../../k8s/groupResource.js";
import type { Selector } from "../../k8s/labelSelector.js";
import type { Labels } from "../../metrics/source.js";

/** One discovered series, as seen through a rule. */
export interface SeriesMatch {
  /** The API metric name (after `name.as`), e.g. `vllm_num_requests_waiting`. */
  readonly metricName: string;
  /** The Prometheus series name (`__name__`), e.g. `vllm:num_requests_waiting`. */
  readonly seriesName: string;
  /** Resources whose label the series carries (custom rules; empty for external rules). */
  readonly resources: readonly ResourceInfo[];
}

export interface CustomQueryArgs {
  readonly seriesName: string;
  /** The resource the request is about (pods, deployments.apps, namespaces, nodes...). */
  readonly resource: ResourceInfo;
  /** Namespace from the path; undefined for root-scoped requests. */
  readonly namespace?: string;
  /**
   * One object name, or undefined for "every object in scope" (wildcard). Wildcards never put
   * object names into the query: results are matched to names in process.
   */
  readonly name?: string;
  /** `metricLabelSelector`, applied to the metric's own labels. */
  readonly metricSelector: Selector;
}

export interface ExternalQueryArgs {
  readonly seriesName: string;
  readonly namespace: string;
  /** `labelSelector`, applied to the metric's labels. */
  readonly selector: Selector;
}

/** What a rule makes of one discovered series. */
export type SeriesVerdict =
  | { readonly kind: "match"; readonly match: SeriesMatch }
  /** The rule's filters do not keep it (normal: the series query is wider than the rule). */
  | { readonly kind: "filtered" }
  /**
   * The rule keeps it but cannot serve it (a name with `:`, a name that expands to empty, no
   * label mapped to a resource); `reason` names the rule, the series and the fix.
   */
  | { readonly kind: "dropped"; readonly reason: string };

export interface CompiledRule {
  /** Position in `rules` or `externalRules`. */
  readonly index: number;
  readonly kind: "custom" | "external";
  readonly seriesQuery: string;
  /** `rules[3]` / `externalRules[0]`, for logs, metrics and errors. */
  readonly id: string;
  /** Map one discovered series to its API metric, or undefined if the rule's filters drop it. */
  matchSeries(labels: Labels): SeriesMatch | undefined;
  /** matchSeries, saying why a series is not served; discovery reports the dropped ones. */
  classifySeries?(labels: Labels): SeriesVerdict;
  /** The Prometheus label holding names of `resource` objects (e.g. `pod`, `exported_pod`). */
  labelFor(resource: ResourceInfo): string | undefined;
  /** Render `metricsQuery` for a custom-metrics request. Throws NamingError when it cannot be exact. */
  customQuery(args: CustomQueryArgs): string;
  /** Render `metricsQuery` for an external-metrics request. Throws NamingError when it cannot be exact. */
  externalQuery(args: ExternalQueryArgs): string;
}
