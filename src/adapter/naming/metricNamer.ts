/**
 * Series name → API metric name for one rule (prometheus-adapter `metric_namer.go`): `seriesFilters`
 * (`is` / `isNot`) and the implicit `name.matches` filter decide which series the rule keeps, and
 * `name.as` (Go Regexp.Expand syntax) names them. Defaults as prometheus-adapter: `as` is `$0` when
 * `matches` has no capture group, `$1` with one, and must be given with more.
 * Unlike prometheus-adapter, a name the metrics API cannot serve (it goes in a URL path segment) is
 * reported instead of being registered and failing every request, e.g. vLLM's `vllm:num_requests_waiting`.
 */

import { compileGoRegex, expandGo, type GoRegex } from "../../config/goRegex.js";
import type { DiscoveryRule } from "../../config/schema.js";
import { NamingError, type RuleRef } from "./errors.js";

/** What a rule makes of a series name. */
export type NameVerdict =
  | { readonly kind: "named"; readonly metricName: string }
  /** A filter or `name.matches` dropped it: normal, the series query is wider than the rule. */
  | { readonly kind: "filtered" }
  /** The rule names it, but the name cannot be served; `reason` says why and how to fix it. */
  | { readonly kind: "invalid"; readonly reason: string };

export interface MetricNamer {
  nameFor(seriesName: string): NameVerdict;
}

interface Filter {
  readonly re: GoRegex;
  readonly keep: boolean;
}

/** Why `name` cannot be an API metric name (a path segment of the metrics API), or undefined. */
export function metricNameProblem(name: string): string | undefined {
  if (name === "") return "the name is empty";
  if (name === "." || name === "..") return `"${name}" is not a valid path segment`;
  const bad = /[/%:\s]/u.exec(name);
  if (bad) return `it contains ${JSON.stringify(bad[0])}, which a metrics API path segment cannot carry`;
  return undefined;
}

export function compileNamer(rule: Pick<DiscoveryRule, "seriesFilters" | "name">, ref: RuleRef): MetricNamer {
  const regex = (source: string, field: string) => {
    try {
      return compileGoRegex(source);
    } catch (err) {
      throw new NamingError(
        ref,
        "regex",
        `${field} ${JSON.stringify(source)} is not a valid regular expression: ${(err as Error).message}`,
        { field, cause: err },
      );
    }
  };
  const filters: Filter[] = rule.seriesFilters.map((f, i) =>
    "is" in f
      ? { re: regex(f.is, `seriesFilters[${i}].is`), keep: true }
      : { re: regex(f.isNot, `seriesFilters[${i}].isNot`), keep: false },
  );
  const matches = regex(rule.name.matches, "name.matches");
  let as = rule.name.as;
  if (as === undefined || as === "") {
    const groups = matches.groupCount();
    if (groups > 1) {
      throw new NamingError(
        ref,
        "name",
        `name.matches ${JSON.stringify(rule.name.matches)} has ${groups} capture groups; set name.as (e.g. "$1_$2") to say how they form the metric name`,
        { field: "name.as" },
      );
    }
    as = groups === 1 ? "$1" : "$0";
  }
  const template = as;

  return {
    nameFor(seriesName: string): NameVerdict {
      if (!filters.every((f) => f.re.test(seriesName) === f.keep)) return { kind: "filtered" };
      const match = matches.exec(seriesName);
      if (match === null) return { kind: "filtered" };
      const metricName = expandGo(template, match);
      const problem = metricNameProblem(metricName);
      if (problem === undefined) return { kind: "named", metricName };
      const [prefix, ...rest] = seriesName.split(":");
      const hint =
        rest.length === 1 && /^\w+$/.test(prefix as string)
          ? ` (e.g. name: {matches: "^${prefix}:(.*)$", as: "${prefix}_\${1}"})`
          : "";
      return {
        kind: "invalid",
        reason: `series ${JSON.stringify(seriesName)} would be served as metric ${JSON.stringify(metricName)}, but ${problem}; rename it with name.matches/name.as${hint}`,
      };
    },
  };
}
