/**
 * Label matchers as Prometheus applies them: a missing label has the value "", and regular
 * expressions are Go's RE2 syntax (re2js), fully anchored (`^(?:re)$`), so everything `=~` accepts
 * in Prometheus works here too: inline flags such as `(?i)`, POSIX classes (`[[:alpha:]]`),
 * `\pL`, `(?P<name>…)`, and RE2's own meaning of `\s` and friends. `.` matches newlines, as in
 * Prometheus 3 (`(?s)` is implied; Prometheus 2 did not imply it). Compiled expressions are cached
 * (src/metrics/promql/regex.ts).
 */

import { compileRE2, DOTALL } from "../promql/regex.js";
import type { LabelMatcher } from "../promql/storage.js";
import type { Labels } from "../source.js";

export interface CompiledMatcher {
  readonly name: string;
  readonly type: LabelMatcher["type"];
  readonly value: string;
  /** True when the matcher accepts `value` (use "" for a missing label). */
  matches(value: string): boolean;
}

/** Compiles one matcher; a bad regular expression throws an Error naming the matcher. */
export function compileMatcher(m: LabelMatcher): CompiledMatcher {
  switch (m.type) {
    case "=":
      return { ...pick(m), matches: (v) => v === m.value };
    case "!=":
      return { ...pick(m), matches: (v) => v !== m.value };
    case "=~": {
      const re = anchored(m);
      return { ...pick(m), matches: (v) => re.testExact(v) };
    }
    case "!~": {
      const re = anchored(m);
      return { ...pick(m), matches: (v) => !re.testExact(v) };
    }
    default:
      throw new Error(`label matcher ${m.name}: unknown match type ${String((m as LabelMatcher).type)}`);
  }
}

export function compileMatchers(matchers: readonly LabelMatcher[]): CompiledMatcher[] {
  return matchers.map(compileMatcher);
}

/** True when every matcher accepts the label set (missing labels count as ""). */
export function matchesAll(matchers: readonly CompiledMatcher[], labels: Labels): boolean {
  for (const m of matchers) if (!m.matches(labels[m.name] ?? "")) return false;
  return true;
}

function pick(m: LabelMatcher): Pick<CompiledMatcher, "name" | "type" | "value"> {
  return { name: m.name, type: m.type, value: m.value };
}

function anchored(m: LabelMatcher): ReturnType<typeof compileRE2> {
  try {
    return compileRE2(`^(?:${m.value})$`, DOTALL);
  } catch (error) {
    throw new Error(
      `label matcher ${m.name}${m.type}"${m.value}": invalid regular expression (${(error as Error).message})`,
      { cause: error },
    );
  }
}
