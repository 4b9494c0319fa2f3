/**
 * The PromQL of a resource rule for one request, rendered as prometheus-adapter's
 * `metricsQuery.Build` does for resource metrics (pkg/resourceprovider `runQuery`): `.Series` is
 * empty; `.LabelMatchers` is the namespace matcher (pods only) then the object matcher; `.GroupBy`
 * is the pod label then the `containerLabel` for `containerQuery`, the node label for `nodeQuery`;
 * `.GroupBySlice` the same as a list; `.LabelValuesByName` each matched label's value as regex text.
 *
 * As in Foresight's custom-metrics queries (naming/metricsQuery.ts), a list never spells out object
 * names: one object is `pod="name"`, every object of the namespace `pod!=""` (value `.+`), and the
 * answer is matched to the listed objects in process. prometheus-adapter writes `pod=~"a|b|…"`
 * with every listed pod, which is the same set once matched, in a query that grows with the pods.
 * Values are quoted as PromQL strings (and regex-escaped in `.LabelValuesByName`).
 */
import type { CompiledTemplate } from "../naming/goTemplate.js";
import { escapeRegex, promQuote } from "../naming/selectorMatchers.js";

/** The data a resource rule's template sees. */
export interface ResourceQueryArgs {
  readonly Series: string;
  readonly LabelMatchers: string;
  readonly GroupBy: string;
  readonly GroupBySlice: readonly string[];
  readonly LabelValuesByName: ReadonlyMap<string, string>;
}

/** Sample data to render a template once at start. */
export function sampleArgs(groupBy: readonly string[]): ResourceQueryArgs {
  return {
    Series: "",
    LabelMatchers: `${groupBy[0] ?? "pod"}!=""`,
    GroupBy: groupBy.join(","),
    GroupBySlice: groupBy,
    LabelValuesByName: new Map(groupBy.slice(0, 1).map((l): [string, string] => [l, ".+"])),
  };
}

class Matchers {
  readonly exprs: string[] = [];
  readonly values = new Map<string, string>();

  equals(label: string, value: string): void {
    this.exprs.push(`${label}=${promQuote(value)}`);
    this.values.set(label, promQuote(escapeRegex(value)).slice(1, -1));
  }

  any(label: string): void {
    this.exprs.push(`${label}!=""`);
    this.values.set(label, ".+");
  }
}

function render(template: CompiledTemplate, matchers: Matchers, groupBy: readonly string[]): string {
  return template({
    Series: "",
    LabelMatchers: matchers.exprs.join(","),
    GroupBy: groupBy.join(","),
    GroupBySlice: groupBy,
    LabelValuesByName: matchers.values,
  } satisfies ResourceQueryArgs);
}

/** `containerQuery` for the pods of `namespace`: one pod (`name`) or all of them. */
export function podQuery(
  template: CompiledTemplate,
  labels: { readonly namespace: string; readonly pod: string; readonly container: string },
  namespace: string,
  name?: string,
): string {
  const matchers = new Matchers();
  matchers.equals(labels.namespace, namespace);
  if (name === undefined) matchers.any(labels.pod);
  else matchers.equals(labels.pod, name);
  return render(template, matchers, [labels.pod, labels.container]);
}

/** `nodeQuery` for one node (`name`) or all of them. */
export function nodeQuery(template: CompiledTemplate, nodeLabel: string, name?: string): string {
  const matchers = new Matchers();
  if (name === undefined) matchers.any(nodeLabel);
  else matchers.equals(nodeLabel, name);
  return render(template, matchers, [nodeLabel]);
}
