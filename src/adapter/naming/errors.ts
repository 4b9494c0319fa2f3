/**
 * Errors of the naming layer. Each names the rule it belongs to (`rules[2] (seriesQuery "...")`)
 * and, for config problems, the config path of the field at fault, so `check-config` and the logs
 * point at the line to fix. `code` says what kind of problem it is, for status mapping and tests.
 */

/** Identifies a rule in messages: its position and its seriesQuery. */
export interface RuleRef {
  /** `rules[3]` / `externalRules[0]`. */
  readonly id: string;
  readonly seriesQuery: string;
}

/**
 * - `template`: a Go template (resources.template, metricsQuery) does not parse or render.
 * - `regex`: a seriesFilters / name.matches expression does not compile.
 * - `name`: name.as is missing where it is required.
 * - `resources`: a custom rule maps no label to any known resource, or an override is unknown.
 * - `scope`: a request cannot be scoped exactly (no label for the resource or the namespace).
 * - `selector`: a label selector has no exact PromQL translation (gt/lt, empty values, bad keys).
 * - `query`: metricsQuery rendered nothing or failed for this request.
 */
export type NamingErrorCode = "template" | "regex" | "name" | "resources" | "scope" | "selector" | "query";

export class NamingError extends Error {
  override readonly name = "NamingError";
  /** Config path of the field at fault, e.g. `rules[2].name.as`; undefined for request-time errors. */
  readonly path: string | undefined;

  constructor(
    readonly rule: RuleRef,
    readonly code: NamingErrorCode,
    /** What is wrong and what to do, without the rule prefix. */
    readonly detail: string,
    options: { field?: string; cause?: unknown } = {},
  ) {
    super(`${describeRule(rule)}: ${detail}`, options.cause === undefined ? {} : { cause: options.cause });
    this.path = options.field === undefined ? undefined : `${rule.id}.${options.field}`;
  }
}

/** `rules[2] (seriesQuery "DCGM_FI_DEV_GPU_UTIL")`. */
export function describeRule(rule: RuleRef): string {
  return `${rule.id} (seriesQuery ${JSON.stringify(rule.seriesQuery)})`;
}
