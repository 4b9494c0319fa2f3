/**
 * Go (RE2) regular expressions from prometheus-adapter configs, on re2js (a port of Go's regexp):
 * the same syntax and semantics as the Go original (`(?P<name>…)`, `(?i)`, `(?U)`, `\pL`, `\Q…\E`,
 * `[[:alpha:]]`, ASCII `\d \w`, `$` at the end of text only), and matching in time linear in the
 * input, where a backtracking RegExp takes exponential time on patterns such as `^(a+)+$`.
 * `expandGo` is hand-written because re2js expands replacements the JavaScript or the Java way,
 * and Go reads `$1x` as the group named `1x`.
 */
import { RE2JS, RE2JSException } from "re2js";

export type GoRegex = RE2JS;

/** A match as `GoRegex.exec` returns it: the submatches, and the named ones in `groups`. */
export interface GoMatch {
  readonly [index: number]: string | undefined;
  readonly groups?: Readonly<Record<string, string | undefined>>;
}

/**
 * Compiles as Go's regexp.Compile. Unanchored: `test` is Go's MatchString, `exec` its
 * FindStringSubmatch. Throws SyntaxError with RE2's reason, e.g. "missing closing ): `(a`".
 */
export function compileGoRegex(source: string): GoRegex {
  try {
    return RE2JS.compile(source);
  } catch (err) {
    if (!(err instanceof RE2JSException)) throw err;
    throw new SyntaxError(err.message.replace(/^error parsing regexp: /, ""), { cause: err });
  }
}

/**
 * Go's Regexp.ExpandString: `$1`, `${1}`, `$name`, `${name}` are replaced by the submatch (empty when
 * absent or unmatched); `$$` is a literal `$`; a `$` not followed by a valid name stays as is.
 * Names are letters, digits and `_`, so like Go `$1x` means the group named `1x`: write `${1}x`.
 */
export function expandGo(template: string, match: GoMatch): string {
  return template.replace(
    /\$(?:\$|\{([\p{L}\p{Nd}_]+)\}|([\p{L}\p{Nd}_]+))?/gu,
    (whole, braced?: string, bare?: string) => {
      if (whole === "$$") return "$";
      const name = braced ?? bare;
      if (name === undefined) return "$";
      if (/^\d+$/.test(name)) return match[Number(name)] ?? "";
      return match.groups?.[name] ?? "";
    },
  );
}
