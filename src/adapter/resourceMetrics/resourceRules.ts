/**
 * `resourceRules` (prometheus-adapter's `ResourceRules`) compiled once at start: for `cpu` and
 * `memory`, the label ↔ resource converter (`resources` overrides/template, as for discovery
 * rules), the `containerQuery` and `nodeQuery` templates and the `containerLabel`; and the
 * `window` reported with every value.
 *
 * A rule that cannot serve (a template that does not parse or names an unknown field, no label for
 * pods or namespaces, no label for nodes while a `nodeQuery` is given) is a startup error: the
 * resource metrics API answers HPAs and `kubectl top`, and half of it is worse than a clear refusal.
 * Without a `nodeQuery` in both rules, node metrics are not served (`nodeQueries` is undefined).
 */
import type { Config } from "../../config/schema.js";
import type { ResourceCatalog, ResourceInfo } from "../../k8s/groupResource.js";
import {
  ADAPTER_DELIMITERS,
  type CompiledTemplate,
  compileTemplate,
  TemplateError,
} from "../naming/goTemplate.js";
import { ResourceConverter } from "../naming/resourceConverter.js";
import { type ResourceQueryArgs, sampleArgs } from "./resourceQuery.js";

/** The two resources of metrics.k8s.io, in the order their usage is printed. */
export const RESOURCE_NAMES = ["cpu", "memory"] as const;
export type ResourceName = (typeof RESOURCE_NAMES)[number];

/** One rule of the config, as written (`nodeQuery` optional so either schema reads the same). */
interface ResourceRuleConfig {
  readonly containerQuery: string;
  readonly nodeQuery?: string | undefined;
  readonly resources: {
    readonly overrides: Readonly<Record<string, { readonly group: string; readonly resource: string }>>;
    readonly template?: string | undefined;
  };
  readonly containerLabel: string;
}

/** One compiled rule: what renders and reads its queries. */
export interface ResourceRule {
  readonly resource: ResourceName;
  readonly containerQuery: CompiledTemplate;
  readonly nodeQuery: CompiledTemplate | undefined;
  /** The label holding pod names, namespaces, node names (node: undefined without a nodeQuery). */
  readonly podLabel: string;
  readonly namespaceLabel: string;
  readonly nodeLabel: string | undefined;
  readonly containerLabel: string;
}

export interface ResourceRules {
  readonly cpu: ResourceRule;
  readonly memory: ResourceRule;
  /** `window` in ms (0 when not set, as prometheus-adapter reports it). */
  readonly windowMs: number;
  /** True when both rules have a nodeQuery: NodeMetrics are served. */
  readonly servesNodes: boolean;
  readonly pods: ResourceInfo;
  readonly nodes: ResourceInfo;
}

export class ResourceRulesError extends Error {
  override readonly name = "ResourceRulesError";
  constructor(readonly problems: readonly string[]) {
    super(`resourceRules cannot be served:\n  ${problems.join("\n  ")}`);
  }
}

/**
 * What a present `resourceRules` section lacks to be served: prometheus-adapter loads a section
 * with only cpu or only memory, and every request on it then fails; Foresight loads it too, serves
 * no metrics.k8s.io, and says why (a warning at load, with the line).
 */
export function missingResourceRules(config: Config["resourceRules"]): string[] {
  if (config === undefined) return [];
  return RESOURCE_NAMES.filter((name) => config[name] === undefined).map(
    (name) => `resourceRules.${name} is missing: metrics.k8s.io is served only with both cpu and memory`,
  );
}

/**
 * Compiles `config.resourceRules`; undefined when the section is absent or lacks cpu or memory
 * (missingResourceRules: metrics.k8s.io is then not served). Throws ResourceRulesError with every
 * problem found in the rules that are there.
 */
export function compileResourceRules(
  config: Config["resourceRules"],
  catalog: ResourceCatalog,
): ResourceRules | undefined {
  if (config === undefined) return undefined;
  const problems: string[] = [];
  const pods = catalog.resolve("pods");
  const nodes = catalog.resolve("nodes");
  const namespaces = catalog.resolve("namespaces");
  if (!pods || !nodes || !namespaces)
    throw new ResourceRulesError(["the resource catalog has no pods, nodes or namespaces"]);
  const compiled: Partial<Record<ResourceName, ResourceRule>> = {};
  for (const name of RESOURCE_NAMES) {
    const rule = config[name] as ResourceRuleConfig | undefined;
    if (rule === undefined) continue;
    const built = compileRule(name, rule, { pods, nodes, namespaces }, catalog, problems);
    if (built) compiled[name] = built;
  }
  if (problems.length > 0) throw new ResourceRulesError(problems);
  const { cpu, memory } = compiled;
  // One of the two missing: the section loads (as in prometheus-adapter) and serves nothing.
  if (!cpu || !memory) return undefined;
  return {
    cpu,
    memory,
    windowMs: config.window ?? 0,
    servesNodes: cpu.nodeQuery !== undefined && memory.nodeQuery !== undefined,
    pods,
    nodes,
  };
}

function compileRule(
  name: ResourceName,
  rule: ResourceRuleConfig,
  core: { pods: ResourceInfo; nodes: ResourceInfo; namespaces: ResourceInfo },
  catalog: ResourceCatalog,
  problems: string[],
): ResourceRule | undefined {
  const where = `resourceRules.${name}`;
  const before = problems.length;
  let converter: ResourceConverter | undefined;
  try {
    const result = ResourceConverter.compile(
      {
        overrides: rule.resources.overrides,
        ...(rule.resources.template !== undefined ? { template: rule.resources.template } : {}),
      },
      catalog,
      { id: where, seriesQuery: rule.containerQuery },
    );
    converter = result.converter;
    for (const unknown of result.unknownOverrides)
      problems.push(`${where}.resources.overrides.${unknown.label}: unknown resource ${unknown.resource}`);
  } catch (err) {
    problems.push(`${where}.resources: ${(err as Error).message}`);
  }
  const podLabel = converter?.labelFor(core.pods);
  const namespaceLabel = converter?.labelFor(core.namespaces);
  if (converter && podLabel === undefined)
    problems.push(
      `${where}.resources maps no label to pods; add overrides.pod: {resource: pod} or a template`,
    );
  if (converter && namespaceLabel === undefined)
    problems.push(
      `${where}.resources maps no label to namespaces; add overrides.namespace: {resource: namespace} or a template`,
    );
  const hasNodeQuery = rule.nodeQuery !== undefined && rule.nodeQuery !== "";
  const nodeLabel = hasNodeQuery ? converter?.labelFor(core.nodes) : undefined;
  if (converter && hasNodeQuery && nodeLabel === undefined)
    problems.push(
      `${where}.resources maps no label to nodes; add overrides.node: {resource: node} or a template`,
    );
  const containerQuery = compileQuery(
    `${where}.containerQuery`,
    rule.containerQuery,
    [podLabel ?? "pod", rule.containerLabel],
    problems,
  );
  const nodeQuery = hasNodeQuery
    ? compileQuery(`${where}.nodeQuery`, rule.nodeQuery as string, [nodeLabel ?? "node"], problems)
    : undefined;
  if (problems.length > before || !containerQuery || podLabel === undefined || namespaceLabel === undefined)
    return undefined;
  return {
    resource: name,
    containerQuery,
    nodeQuery,
    podLabel,
    namespaceLabel,
    nodeLabel,
    containerLabel: rule.containerLabel,
  };
}

/** Parses `text` and renders it once, so unknown fields fail at start rather than per request. */
function compileQuery(
  where: string,
  text: string,
  groupBy: readonly string[],
  problems: string[],
): CompiledTemplate | undefined {
  try {
    const template = compileTemplate(text, ADAPTER_DELIMITERS);
    const rendered = template(sampleArgs(groupBy) satisfies ResourceQueryArgs);
    if (rendered.trim() === "") {
      problems.push(`${where} renders an empty query`);
      return undefined;
    }
    return template;
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    problems.push(`${where} is not a valid template: ${err.message}`);
    return undefined;
  }
}
