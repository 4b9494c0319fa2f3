/**
 * Renders a rule's `metricsQuery` (prometheus-adapter `metrics_query.go`). Template fields:
 * `.Series`, `.LabelMatchers` (comma-joined), `.GroupBy`, `.GroupBySlice`, `.LabelValuesByName`
 * (label → its value(s), ready to sit between the quotes of a matcher: as is where the label's own
 * matcher is `=`/`!=`, so `deployment="<<index .LabelValuesByName "deployment">>"` selects
 * `web.v1`; as escaped regex alternatives where it is `=~`/`!~`). External rules apply their
 * `labelValueReplacements` to those values, as prometheus-adapter's BuildExternal does.
 * Matchers come in prometheus-adapter's order: metric selector, namespace, resource.
 * Differences from prometheus-adapter, on purpose:
 * - A wildcard never lists object names: the resource matcher is `label!=""` (value `.+`), and
 *   results are matched to names in process. One name gives `label="name"`.
 * - Values are quoted as PromQL strings, and regex values escaped, so names are matched literally
 *   (prometheus-adapter joins the raw values with `|` whatever the matcher).
 * - Whatever cannot be translated exactly (gt/lt, no namespace label to scope by) is refused.
 */

import { groupResourceString, type ResourceInfo } from "../../k8s/groupResource.js";
import type { Requirement } from "../../k8s/labelSelector.js";
import { NamingError, type RuleRef } from "./errors.js";
import { ADAPTER_DELIMITERS, type CompiledTemplate, compileTemplate, TemplateError } from "./goTemplate.js";
import type { ResourceConverter } from "./resourceConverter.js";
import {
  escapeRegex,
  promQuote,
  requirementToMatcher,
  UnsupportedSelectorError,
} from "./selectorMatchers.js";
import type { CustomQueryArgs, ExternalQueryArgs } from "./types.js";

/** The data a metricsQuery template sees (prometheus-adapter `queryTemplateArgs`). */
export interface QueryTemplateArgs {
  readonly Series: string;
  readonly LabelMatchers: string;
  readonly GroupBy: string;
  readonly GroupBySlice: readonly string[];
  readonly LabelValuesByName: ReadonlyMap<string, string>;
}

/** `values` as regex alternatives, escaped for a PromQL double-quoted string (without the quotes). */
function regexAlternatives(values: readonly string[]): string {
  return promQuote(values.map(escapeRegex).join("|")).slice(1, -1);
}

/** `value` escaped for a PromQL double-quoted string (without the quotes). */
function stringBody(value: string): string {
  return promQuote(value).slice(1, -1);
}

/** prometheus-adapter `LabelValueReplacement`: every `find` in a value becomes `replace`. */
export interface LabelValueReplacement {
  readonly find: string;
  readonly replace: string;
}

export class MetricsQuery {
  private constructor(
    private readonly template: CompiledTemplate,
    private readonly ref: RuleRef,
    private readonly replacements: readonly LabelValueReplacement[],
  ) {}

  /**
   * Parse `text` and render it once with sample data of the rule's kind, so unknown fields
   * (`<<.Serie>>`) fail at startup rather than on the first request.
   */
  static compile(
    text: string,
    kind: "custom" | "external",
    ref: RuleRef,
    replacements: readonly LabelValueReplacement[] = [],
  ): MetricsQuery {
    try {
      const template = compileTemplate(text, ADAPTER_DELIMITERS);
      const groupBy = kind === "custom" ? ["pod"] : [];
      template({
        Series: "series",
        LabelMatchers: 'namespace="default"',
        GroupBy: groupBy.join(","),
        GroupBySlice: groupBy,
        LabelValuesByName: new Map([
          ["namespace", "default"],
          ...groupBy.map((l): [string, string] => [l, ".+"]),
        ]),
      } satisfies QueryTemplateArgs);
      return new MetricsQuery(template, ref, replacements);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      throw new NamingError(ref, "template", `metricsQuery is not a valid template: ${err.message}`, {
        field: "metricsQuery",
        cause: err,
      });
    }
  }

  /** Query for a custom-metrics request; see CustomQueryArgs. Throws NamingError when it cannot be exact. */
  custom(args: CustomQueryArgs, converter: ResourceConverter, namespaces: ResourceInfo): string {
    const gr = groupResourceString(args.resource);
    const resourceLabel = converter.labelFor(args.resource);
    if (resourceLabel === undefined) {
      this.refuse(
        "scope",
        `maps no label to ${gr}; add resources.overrides.<label>: {resource: ${gr}} or a resources.template`,
      );
    }
    const parts = new Parts(this.ref);
    for (const req of args.metricSelector.requirements) parts.selector(req.key, req);
    let name = args.name;
    if (groupResourceString(args.resource) === groupResourceString(namespaces)) {
      // `namespaces/{ns}/metrics/{m}`: the namespace IS the object, and its label the resource label.
      if (args.namespace !== undefined && name !== undefined && args.namespace !== name) {
        this.refuse(
          "scope",
          `namespace ${JSON.stringify(args.namespace)} and object ${JSON.stringify(name)} disagree for ${gr}`,
        );
      }
      name ??= args.namespace;
    } else if (args.namespace !== undefined) {
      if (!args.resource.namespaced) {
        this.refuse(
          "scope",
          `${gr} is cluster-scoped; it has no metrics in namespace ${JSON.stringify(args.namespace)}`,
        );
      }
      const nsLabel = converter.labelFor(namespaces);
      if (nsLabel === undefined) {
        this.refuse(
          "scope",
          `cannot scope ${gr} to namespace ${JSON.stringify(args.namespace)}: the rule maps no label to namespaces; add resources.overrides.namespace: {resource: namespace}`,
        );
      }
      parts.equals(nsLabel, args.namespace);
    }
    if (name === undefined) parts.add(`${resourceLabel}!=""`, resourceLabel, [".+"], false);
    else parts.equals(resourceLabel, name);
    return this.render({
      Series: args.seriesName,
      LabelMatchers: parts.exprs.join(","),
      GroupBy: resourceLabel,
      GroupBySlice: [resourceLabel],
      LabelValuesByName: parts.templateValues([]),
    });
  }

  /**
   * Query for an external-metrics request: selector matchers (keys are label names), then the
   * namespace matcher (the rule's namespace label, `namespace` by default) unless `namespaced` is false.
   */
  external(args: ExternalQueryArgs, namespaceLabel: string, namespaced: boolean): string {
    const parts = new Parts(this.ref);
    for (const req of args.selector.requirements) parts.selector(req.key, req);
    if (namespaced && args.namespace !== "") parts.equals(namespaceLabel, args.namespace);
    return this.render({
      Series: args.seriesName,
      LabelMatchers: parts.exprs.join(","),
      GroupBy: "",
      GroupBySlice: [],
      LabelValuesByName: parts.templateValues(this.replacements),
    });
  }

  private render(args: QueryTemplateArgs): string {
    let query: string;
    try {
      query = this.template(args);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      throw new NamingError(
        this.ref,
        "query",
        `metricsQuery failed to render for ${args.Series}: ${err.message}`,
        { cause: err },
      );
    }
    if (query.trim() === "") this.refuse("query", `metricsQuery rendered an empty query for ${args.Series}`);
    return query;
  }

  private refuse(code: "scope" | "query", detail: string): never {
    throw new NamingError(this.ref, code, detail);
  }
}

/** Matchers in order, plus the values by label the template sees. */
class Parts {
  readonly exprs: string[] = [];
  /** Label → its raw values, and whether its matcher is a regex one. */
  readonly #values = new Map<string, { values: readonly string[]; regex: boolean }>();
  constructor(private readonly ref: RuleRef) {}

  add(expr: string, label: string, values: readonly string[], regex: boolean): void {
    this.exprs.push(expr);
    this.#values.set(label, { values, regex });
  }

  equals(label: string, value: string): void {
    this.add(`${label}=${promQuote(value)}`, label, [value], false);
  }

  /**
   * `.LabelValuesByName`: each value with `replacements` applied (Go's strings.ReplaceAll, in
   * order), then escaped for where it sits: regex alternatives for `=~`/`!~`, the value for `=`.
   */
  templateValues(replacements: readonly LabelValueReplacement[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const [label, { values, regex }] of this.#values) {
      const replaced = values.map((value) =>
        replacements.reduce((text, { find, replace }) => text.replaceAll(find, replace), value),
      );
      out.set(label, regex ? regexAlternatives(replaced) : stringBody(replaced[0] ?? ""));
    }
    return out;
  }

  selector(label: string, req: Requirement): void {
    try {
      const matcher = requirementToMatcher(label, req);
      const regex = matcher.startsWith(`${label}=~`) || matcher.startsWith(`${label}!~`);
      this.add(matcher, label, req.values, regex);
    } catch (err) {
      if (!(err instanceof UnsupportedSelectorError)) throw err;
      throw new NamingError(
        this.ref,
        "selector",
        `${err.message}; the adapter refuses rather than approximate`,
        { cause: err },
      );
    }
  }
}
