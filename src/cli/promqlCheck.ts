/**
 * The PromQL of a config file, checked as `check-config` does: each rule's `seriesQuery` (a series
 * selector, as /api/v1/series takes), its `metricsQuery` rendered as at request time with
 * representative values (series `series`, namespace `default`, every object of the first resource
 * the rule maps), and each forecast target's `query`. Only what Prometheus' parser refuses (PromQLError kinds
 * `parse` and `type`) is a problem: valid PromQL the embedded evaluator does not implement
 * (`unsupported`) passes, since Prometheus runs it.
 */
import { NamingError } from "../adapter/naming/errors.js";
import type { CompiledRule } from "../adapter/naming/types.js";
import { nodeQuery, podQuery } from "../adapter/resourceMetrics/resourceQuery.js";
import {
  compileResourceRules,
  RESOURCE_NAMES,
  ResourceRulesError,
} from "../adapter/resourceMetrics/resourceRules.js";
import type { Config } from "../config/schema.js";
import type { ResourceInfo } from "../k8s/groupResource.js";
import { parseLabelSelector } from "../k8s/labelSelector.js";
import { StaticResourceCatalog } from "../k8s/resourceCatalog.js";
import type { Expr } from "../metrics/promql/index.js";
import { PromQLError, parsePromQL } from "../metrics/promql/index.js";

/** A query in the config that Prometheus would refuse; `path` is its config field. */
export interface QueryProblem {
  readonly path: string;
  readonly message: string;
}

type Parsed = { readonly expr: Expr } | { readonly problem: string } | "unsupported";

function parse(query: string): Parsed {
  try {
    return { expr: parsePromQL(query) };
  } catch (err) {
    if (!(err instanceof PromQLError)) throw err;
    if (err.kind === "parse" || err.kind === "type") return { problem: err.message };
    return "unsupported";
  }
}

/** Why Prometheus would refuse `query`, or undefined when it is valid PromQL. */
export function promqlProblem(query: string): string | undefined {
  const parsed = parse(query);
  return typeof parsed === "object" && "problem" in parsed ? parsed.problem : undefined;
}

/** Why /api/v1/series would refuse `query` as a `match[]` series selector, or undefined. */
export function seriesSelectorProblem(query: string): string | undefined {
  const parsed = parse(query);
  if (parsed === "unsupported") return undefined;
  if ("problem" in parsed) return parsed.problem;
  const { expr } = parsed;
  if (expr.kind === "vectorSelector" && expr.offsetMs === 0 && expr.at === undefined) return undefined;
  return `must be a series selector such as 'up{job="api"}', as /api/v1/series takes: no functions, operators, ranges or modifiers`;
}

/**
 * Every refused query of `config`. `rules` are the compiled rules (their `id` is the config path);
 * `resources` are the resources a custom rule's query may be rendered for, in order of preference.
 */
export function queryProblems(
  config: Config,
  rules: readonly CompiledRule[],
  resources: readonly ResourceInfo[],
): QueryProblem[] {
  const problems: QueryProblem[] = [];
  const sections = [
    ["rules", config.rules],
    ["externalRules", config.externalRules],
  ] as const;
  for (const [section, list] of sections) {
    list.forEach((rule, i) => {
      const problem = seriesSelectorProblem(rule.seriesQuery);
      if (problem) problems.push({ path: `${section}[${i}].seriesQuery`, message: problem });
    });
  }
  for (const rule of rules) {
    let query = sampleQuery(rule, resources, "");
    let problem = query === undefined ? undefined : promqlProblem(query);
    if (problem && rule.kind === "external") {
      // `{<<.LabelMatchers>>, x="y"}` is refused only for a request without a labelSelector (and
      // outside a namespace): prometheus-adapter loads such a rule, and HPAs pass a selector.
      const withSelector = sampleQuery(rule, resources, "label=value");
      if (withSelector !== undefined && promqlProblem(withSelector) === undefined) {
        query = withSelector;
        problem = undefined;
      }
    }
    if (problem) {
      problems.push({
        path: `${rule.id}.metricsQuery`,
        message: `renders PromQL that Prometheus refuses: ${problem}; rendered: ${query}`,
      });
    }
  }
  config.forecast.targets.forEach((target, i) => {
    const problem = promqlProblem(target.query);
    if (problem) problems.push({ path: `forecast.targets[${i}].query`, message: problem });
  });
  problems.push(...resourceRuleProblems(config, resources));
  return problems;
}

/**
 * `resourceRules` queries rendered for a list of pods (and of nodes) as the resource metrics API
 * renders them. A section that does not compile is reported by loadRules.ts, not here.
 */
function resourceRuleProblems(config: Config, resources: readonly ResourceInfo[]): QueryProblem[] {
  let compiled: ReturnType<typeof compileResourceRules>;
  try {
    compiled = compileResourceRules(config.resourceRules, new StaticResourceCatalog(resources));
  } catch (err) {
    if (err instanceof ResourceRulesError) return [];
    throw err;
  }
  if (compiled === undefined) return [];
  const problems: QueryProblem[] = [];
  for (const name of RESOURCE_NAMES) {
    const rule = compiled[name];
    const labels = { namespace: rule.namespaceLabel, pod: rule.podLabel, container: rule.containerLabel };
    const rendered: [string, string | undefined][] = [
      ["containerQuery", podQuery(rule.containerQuery, labels, "default")],
      [
        "nodeQuery",
        rule.nodeQuery && rule.nodeLabel !== undefined
          ? nodeQuery(rule.nodeQuery, rule.nodeLabel)
          : undefined,
      ],
    ];
    for (const [field, query] of rendered) {
      const problem = query === undefined ? undefined : promqlProblem(query);
      if (problem)
        problems.push({
          path: `resourceRules.${name}.${field}`,
          message: `renders PromQL that Prometheus refuses: ${problem}; rendered: ${query}`,
        });
    }
  }
  return problems;
}

/**
 * The rule's metricsQuery for a wildcard request in namespace `default` over the first of
 * `resources` the rule maps, with `selector`; undefined when the rule would refuse every such
 * request (a request-time answer, not a config problem).
 */
function sampleQuery(
  rule: CompiledRule,
  resources: readonly ResourceInfo[],
  selector: string,
): string | undefined {
  const empty = parseLabelSelector(selector);
  try {
    if (rule.kind === "external") {
      return rule.externalQuery({ seriesName: "series", namespace: "default", selector: empty });
    }
    const resource = resources.find((r) => rule.labelFor(r) !== undefined);
    if (resource === undefined) return undefined;
    const namespaces = resources.find((r) => r.resource === "namespaces");
    const scoped = resource.namespaced && namespaces !== undefined && rule.labelFor(namespaces) !== undefined;
    return rule.customQuery({
      seriesName: "series",
      resource,
      namespace: scoped ? "default" : undefined,
      metricSelector: empty,
    });
  } catch (err) {
    if (err instanceof NamingError) return undefined;
    throw err;
  }
}
