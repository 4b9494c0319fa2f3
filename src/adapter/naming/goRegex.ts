/**
 * Go (RE2) regular expressions from prometheus-adapter configs, run as JavaScript RegExps, and Go's
 * `Regexp.Expand` for `name.as`. JavaScript with the `u` flag agrees with RE2 on what configs use
 * (ASCII `\d \w \b`, `.` not matching newline, `$` at the end of text); the RE2-only spellings are
 * translated: `(?P<name>`, leading `(?i)`/`(?s)`/`(?m)` flags, `\A`, `\z` and `[[:alpha:]]` classes.
 * Lazy-by-default `(?U)` has no JavaScript equivalent and is refused.
 */

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  digit: "0-9",
  lower: "a-z",
  upper: "A-Z",
  space: "\\t\\n\\v\\f\\r ",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
  punct: "!-\\/:-@\\[-`{-~",
};

/** Compile an RE2 expression as a JavaScript RegExp (unanchored, like Go's MatchString). Throws SyntaxError. */
export function compileGoRegex(source: string): RegExp {
  let flags = "u";
  let body = source;
  const leading = /^\(\?([a-zA-Z]+)\)/.exec(body);
  if (leading) {
    for (const flag of leading[1] as string) {
      if (!"ism".includes(flag)) throw new SyntaxError(`regex flag (?${flag}) is not supported in ${source}`);
      if (!flags.includes(flag)) flags += flag;
    }
    body = body.slice(leading[0].length);
  }
  body = body
    .replaceAll("(?P<", "(?<")
    .replace(/(?<!\\)((?:\\\\)*)\\A/g, "$1^")
    .replace(/(?<!\\)((?:\\\\)*)\\z/g, "$1$")
    .replace(/\[:(\w+):\]/g, (whole, name: string) => POSIX_CLASSES[name] ?? whole);
  return new RegExp(body, flags);
}

/** Number of capture groups (named or not) in `re`, as Go's NumSubexp. */
export function countGroups(re: RegExp): number {
  return (new RegExp(`${re.source}|`, re.flags).exec("") as RegExpExecArray).length - 1;
}

/**
 * Go's Regexp.ExpandString: `$1`, `${1}`, `$name`, `${name}` are replaced by the submatch (empty when
 * absent or unmatched); `$$` is a literal `$`; a `$` not followed by a valid name stays as is.
 * Like Go, `$1x` means the group named `1x`, so write `${1}x`.
 */
export function expandGo(template: string, match: RegExpExecArray): string {
  return template.replace(/\$(?:\$|\{(\w+)\}|(\w+))?/g, (whole, braced?: string, bare?: string) => {
    if (whole === "$$") return "$";
    const name = braced ?? bare;
    if (name === undefined) return "$";
    if (/^\d+$/.test(name)) return match[Number(name)] ?? "";
    return match.groups?.[name] ?? "";
  });
}
