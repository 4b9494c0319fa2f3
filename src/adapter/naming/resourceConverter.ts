/**
 * Prometheus label ↔ Kubernetes resource for one rule (prometheus-adapter `resource_converter.go` and
 * `lbl_res.go`). `overrides` map named labels to resources; `template` (`<<.Resource>>`,
 * `kube_<<.Group>>_<<.Resource>>`) maps every other resource, with `.Group` sanitized (`.`/`-` → `_`)
 * and `.Resource` singular. The reverse direction renders the template with placeholders and turns
 * the result into an anchored RE2 regex (linear time on any label), as prometheus-adapter does, with
 * three fixes: literal template text is escaped, the core group (rendered as "") round-trips, and a
 * placeholder used twice must capture the same text twice.
 * Labels naming resources the catalog does not know are not resources: undefined, never an error.
 */

import { compileGoRegex, type GoRegex } from "../../config/goRegex.js";
import type { DiscoveryRule } from "../../config/schema.js";
import { groupResourceString, type ResourceCatalog, type ResourceInfo } from "../../k8s/groupResource.js";
import { NamingError, type RuleRef } from "./errors.js";
import { ADAPTER_DELIMITERS, type CompiledTemplate, compileTemplate, TemplateError } from "./goTemplate.js";

/** Private-use characters: no config template contains them, and no regex treats them specially. */
const GROUP_MARK = "\uE000";
const RESOURCE_MARK = "\uE001";

/** One reverse regex: the template with each placeholder a capture group, and where they are. */
class Extractor {
  constructor(
    private readonly re: GoRegex,
    private readonly groupIndexes: readonly number[],
    private readonly resourceIndexes: readonly number[],
  ) {}

  /** The group and resource `label` names, if it has the template's form. */
  extract(label: string): { group: string; resource: string } | undefined {
    const match = this.re.exec(label);
    if (match === null) return undefined;
    const same = (indexes: readonly number[]) => {
      const first = indexes.length === 0 ? "" : (match[indexes[0] as number] as string);
      return indexes.every((i) => match[i] === first) ? first : undefined;
    };
    const group = same(this.groupIndexes);
    const resource = same(this.resourceIndexes);
    return group === undefined || resource === undefined ? undefined : { group, resource };
  }
}

/**
 * `marked` (the template rendered with the marks) as an anchored RE2 regex: literal text escaped,
 * each placeholder a capture (`groupPattern` for groups, lazy `.+?` for resources). RE2 has no
 * backreferences, so a placeholder used twice is captured twice and `extract` checks they agree.
 */
function compileExtractor(marked: string, groupPattern: string): Extractor {
  const groupIndexes: number[] = [];
  const resourceIndexes: number[] = [];
  let captures = 0;
  const pattern = [...marked]
    .map((ch) => {
      if (ch === GROUP_MARK) {
        groupIndexes.push(++captures);
        return `(${groupPattern})`;
      }
      if (ch === RESOURCE_MARK) {
        resourceIndexes.push(++captures);
        return "(.+?)";
      }
      return /[\\^$.*+?()[\]{}|/]/u.test(ch) ? `\\${ch}` : ch;
    })
    .join("");
  return new Extractor(compileGoRegex(`^${pattern}$`), groupIndexes, resourceIndexes);
}

export interface CompiledResources {
  readonly converter: ResourceConverter;
  /** Overrides whose resource the catalog does not know; they map nothing until it does. */
  readonly unknownOverrides: readonly { label: string; resource: string }[];
}

export class ResourceConverter {
  private constructor(
    private readonly catalog: ResourceCatalog,
    /** Override label → resource, in config order. */
    private readonly overrides: ReadonlyMap<string, ResourceInfo>,
    private readonly template: CompiledTemplate | undefined,
    /** Lazy-group then greedy-group reverse regexes (`kube_a_b_c` splits both ways). */
    private readonly extractors: readonly Extractor[],
  ) {}

  static compile(
    resources: DiscoveryRule["resources"],
    catalog: ResourceCatalog,
    ref: RuleRef,
  ): CompiledResources {
    const overrides = new Map<string, ResourceInfo>();
    const unknownOverrides: { label: string; resource: string }[] = [];
    for (const [label, gr] of Object.entries(resources.overrides)) {
      const info = catalog.resolve(gr.resource, gr.group);
      if (info) overrides.set(label, info);
      else
        unknownOverrides.push({
          label,
          resource: gr.group === "" ? gr.resource : `${gr.resource}.${gr.group}`,
        });
    }
    if (resources.template === undefined || resources.template === "") {
      return { converter: new ResourceConverter(catalog, overrides, undefined, []), unknownOverrides };
    }
    const source = resources.template;
    const fail = (detail: string, cause?: unknown): never => {
      throw new NamingError(ref, "template", `resources.template ${JSON.stringify(source)} ${detail}`, {
        field: "resources.template",
        cause,
      });
    };
    let template: CompiledTemplate | undefined;
    let marked = "";
    try {
      template = compileTemplate(source, ADAPTER_DELIMITERS);
      marked = template({ Group: GROUP_MARK, Resource: RESOURCE_MARK });
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      fail(`is not a valid template: ${err.message}`, err);
    }
    if (!marked.includes(RESOURCE_MARK)) fail("must contain <<.Resource>>");
    const extractors = [".*?", ".*"].map((groupPattern) => compileExtractor(marked, groupPattern));
    return {
      converter: new ResourceConverter(
        catalog,
        overrides,
        template,
        marked.includes(GROUP_MARK) ? extractors : extractors.slice(0, 1),
      ),
      unknownOverrides,
    };
  }

  /** True when the rule can map at least one label to a resource. */
  get mapsAnything(): boolean {
    return this.overrides.size > 0 || this.template !== undefined;
  }

  /** The label holding names of `resource` objects: the first override for it, else the template's. */
  labelFor(resource: ResourceInfo): string | undefined {
    const key = groupResourceString(resource);
    for (const [label, info] of this.overrides) if (groupResourceString(info) === key) return label;
    if (this.template === undefined) return undefined;
    let label: string;
    try {
      label = this.template({ Group: resource.group.replace(/[.-]/g, "_"), Resource: resource.singular });
    } catch {
      return undefined; // the template refuses this resource (it rendered fine with placeholders)
    }
    return label === "" ? undefined : label;
  }

  /** The resource whose object names `label` holds, or undefined when it is not a resource label. */
  resourceFor(label: string): ResourceInfo | undefined {
    const override = this.overrides.get(label);
    if (override) return override;
    for (const extractor of this.extractors) {
      const captured = extractor.extract(label);
      if (captured === undefined) continue;
      const { resource, group } = captured;
      // The template sanitized the group's dots to `_`; try it as captured, then with dots back.
      const info =
        group === ""
          ? this.catalog.resolve(resource)
          : (this.catalog.resolve(resource, group) ??
            this.catalog.resolve(resource, group.replace(/_/g, ".")));
      if (info) return info;
    }
    return undefined;
  }

  /** The distinct resources named by `labelNames` (Prometheus-internal `__` labels skipped). */
  resourcesFor(labelNames: Iterable<string>): ResourceInfo[] {
    const found = new Map<string, ResourceInfo>();
    for (const label of labelNames) {
      if (label.startsWith("__")) continue;
      const info = this.resourceFor(label);
      if (info && !found.has(groupResourceString(info))) found.set(groupResourceString(info), info);
    }
    return [...found.values()];
  }
}
