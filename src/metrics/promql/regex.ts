/**
 * Regular expressions as Prometheus runs them: Go's RE2 syntax and semantics (re2js), compiled
 * once per pattern (re2js compiles slowly and queries repeat their patterns), and Go's
 * `Regexp.ExpandString` for label_replace's `$1`/`${name}` templates.
 */
import { RE2JS } from "re2js";

const CACHE_SIZE = 2_000;
const cache = new Map<string, RE2JS>();

/**
 * `pattern` compiled as Go's `regexp.Compile` would; throws re2js' error (Go's message, e.g.
 * "error parsing regexp: missing closing ): `(`") for what RE2 refuses. `flags` are RE2JS flags.
 */
export function compileRE2(pattern: string, flags = 0): RE2JS {
  const key = `${flags}\u0000${pattern}`;
  let re = cache.get(key);
  if (re === undefined) {
    re = RE2JS.compile(pattern, flags);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(key, re);
  }
  return re;
}

/** The flag that makes `.` match newlines (Prometheus 3's label matchers imply `(?s)`). */
export const DOTALL = RE2JS.DOTALL;

/**
 * Go's `Regexp.ExpandString(nil, template, src, match)`: `$n`, `${n}`, `$name`, `${name}` are
 * replaced by the submatch (empty when it did not take part or does not exist), `$$` is `$`, and a
 * malformed reference leaves its `$` as text. `groups` is an exec() result, `names` the pattern's
 * named groups.
 */
export function expandTemplate(
  template: string,
  groups: ArrayLike<string | undefined>,
  names: Readonly<Record<string, number>>,
): string {
  let out = "";
  let rest = template;
  for (;;) {
    const dollar = rest.indexOf("$");
    if (dollar < 0) break;
    out += rest.slice(0, dollar);
    rest = rest.slice(dollar + 1);
    if (rest.startsWith("$")) {
      out += "$";
      rest = rest.slice(1);
      continue;
    }
    const ref = extractReference(rest);
    if (ref === undefined) {
      out += "$";
      continue;
    }
    rest = ref.rest;
    const index = ref.num >= 0 ? ref.num : names[ref.name];
    if (index !== undefined && index < groups.length) out += groups[index] ?? "";
  }
  return out + rest;
}

/** Go's regexp `extract`: a leading `name` or `{name}` (letters, digits, `_`); num is -1 unless decimal. */
function extractReference(str: string): { name: string; num: number; rest: string } | undefined {
  if (str === "") return undefined;
  let s = str;
  const brace = s[0] === "{";
  if (brace) s = s.slice(1);
  const m = /^[\p{L}\p{Nd}_]+/u.exec(s);
  if (!m) return undefined;
  const name = m[0];
  let i = name.length;
  if (brace) {
    if (s[i] !== "}") return undefined;
    i++;
  }
  let num = 0;
  for (const ch of name) {
    if (ch < "0" || ch > "9" || num >= 1e8) {
      num = -1;
      break;
    }
    num = num * 10 + (ch.charCodeAt(0) - 48);
  }
  if (name[0] === "0" && name.length > 1) num = -1;
  return { name, num, rest: s.slice(i) };
}
