/**
 * Compiles config rules into CompiledRules (prometheus-adapter `NamersFromConfig`): regexes,
 * templates and resource mappings are checked once, at startup. Unlike prometheus-adapter, a rule
 * that fails to compile disables only itself: it is reported in `errors` and the others serve.
 * What prometheus-adapter accepts but cannot serve (a custom rule mapping no resource, an override
 * naming a resource the cluster lacks) compiles, with a warning.
 */
import type { DiscoveryRule } from "../../config/schema.js";
import type { ResourceCatalog, ResourceInfo } from "../../k8s/groupResource.js";
import { NAMESPACES_RESOURCE } from "../../k8s/resourceCatalog.js";
import type { Labels } from "../../metrics/source.js";
import { NamingError, type RuleRef } from "./errors.js";
import { compileNamer, type MetricNamer } from "./metricNamer.js";
import { MetricsQuery } from "./metricsQuery.js";
import { ResourceConverter } from "./resourceConverter.js";
import type {
  CompiledRule,
  CustomQueryArgs,
  ExternalQueryArgs,
  SeriesMatch,
  SeriesVerdict,
} from "./types.js";

export type { SeriesVerdict } from "./types.js";

/** A CompiledRule that can also say why it drops a series. */
export interface CompiledDiscoveryRule extends CompiledRule {
  classifySeries(labels: Labels): SeriesVerdict;
}

export interface CompiledRules {
  readonly rules: CompiledDiscoveryRule[];
  /** Rules that failed to compile (each skipped); every problem of a rule is listed. */
  readonly errors: NamingError[];
  /** Rules that compiled but map less than configured (e.g. an override names an unknown resource). */
  readonly warnings: NamingError[];
}

export function compileRules(
  cfg: { readonly rules: readonly DiscoveryRule[]; readonly externalRules: readonly DiscoveryRule[] },
  catalog: ResourceCatalog,
): CompiledRules {
  const out = {
    rules: [] as CompiledDiscoveryRule[],
    errors: [] as NamingError[],
    warnings: [] as NamingError[],
  };
  const namespaces = catalog.resolve("namespaces") ?? NAMESPACES_RESOURCE;
  const sections = [
    ["rules", "custom", cfg.rules],
    ["externalRules", "external", cfg.externalRules],
  ] as const;
  for (const [section, kind, list] of sections) {
    list.forEach((rule, index) => {
      const ref: RuleRef = { id: `${section}[${index}]`, seriesQuery: rule.seriesQuery };
      const problems: NamingError[] = [];
      const attempt = <T>(build: () => T): T | undefined => {
        try {
          return build();
        } catch (err) {
          if (!(err instanceof NamingError)) throw err;
          problems.push(err);
          return undefined;
        }
      };
      const resources = attempt(() => ResourceConverter.compile(rule.resources, catalog, ref));
      const namer = attempt(() => compileNamer(rule, ref));
      const query = attempt(() =>
        MetricsQuery.compile(rule.metricsQuery, kind, ref, rule.labelValueReplacements),
      );
      for (const unknown of resources?.unknownOverrides ?? []) {
        out.warnings.push(
          new NamingError(
            ref,
            "resources",
            `override ${JSON.stringify(unknown.label)} names resource ${JSON.stringify(unknown.resource)}, which the cluster does not serve; the label is ignored`,
            { field: `resources.overrides.${unknown.label}` },
          ),
        );
      }
      if (kind === "custom" && resources && !resources.converter.mapsAnything) {
        // prometheus-adapter loads such a rule and serves nothing from it; so does Foresight, saying so.
        const why =
          resources.unknownOverrides.length > 0
            ? "none of its overrides names a known resource"
            : "it has neither resources.overrides nor resources.template";
        out.warnings.push(
          new NamingError(
            ref,
            "resources",
            `${why}, so no series can be tied to a Kubernetes object and the rule serves nothing; map e.g. namespace and pod with resources.overrides`,
            { field: "resources" },
          ),
        );
      }
      if (problems.length > 0 || !resources || !namer || !query) {
        out.errors.push(...problems);
        return;
      }
      out.rules.push(
        new DiscoveryRuleImpl(index, kind, ref, rule, resources.converter, namer, query, namespaces),
      );
    });
  }
  return out;
}

class DiscoveryRuleImpl implements CompiledDiscoveryRule {
  readonly seriesQuery: string;
  readonly id: string;
  /** External rules scope by namespace unless `resources.namespaced: false`. */
  private readonly namespaced: boolean;

  constructor(
    readonly index: number,
    readonly kind: "custom" | "external",
    ref: RuleRef,
    rule: DiscoveryRule,
    private readonly converter: ResourceConverter,
    private readonly namer: MetricNamer,
    private readonly query: MetricsQuery,
    private readonly namespaces: ResourceInfo,
  ) {
    this.seriesQuery = ref.seriesQuery;
    this.id = ref.id;
    this.namespaced = rule.resources.namespaced ?? true;
  }

  classifySeries(labels: Labels): SeriesVerdict {
    const seriesName = labels.__name__;
    if (seriesName === undefined) return { kind: "filtered" };
    const verdict = this.namer.nameFor(seriesName);
    if (verdict.kind === "filtered") return verdict;
    if (verdict.kind === "invalid") return { kind: "dropped", reason: `${this.id}: ${verdict.reason}` };
    if (this.kind === "external") {
      return { kind: "match", match: { metricName: verdict.metricName, seriesName, resources: [] } };
    }
    // Label names alone decide the resources; their values are irrelevant for discovery.
    const resources = this.converter.resourcesFor(Object.keys(labels));
    if (resources.length === 0) {
      return {
        kind: "dropped",
        reason: `${this.id}: series ${JSON.stringify(seriesName)} has no label the rule maps to a resource (labels: ${Object.keys(labels).join(", ")})`,
      };
    }
    return { kind: "match", match: { metricName: verdict.metricName, seriesName, resources } };
  }

  matchSeries(labels: Labels): SeriesMatch | undefined {
    const verdict = this.classifySeries(labels);
    return verdict.kind === "match" ? verdict.match : undefined;
  }

  labelFor(resource: ResourceInfo): string | undefined {
    return this.converter.labelFor(resource);
  }

  customQuery(args: CustomQueryArgs): string {
    return this.query.custom(args, this.converter, this.namespaces);
  }

  externalQuery(args: ExternalQueryArgs): string {
    const label = this.converter.labelFor(this.namespaces) ?? "namespace";
    return this.query.external(args, label, this.namespaced);
  }
}
