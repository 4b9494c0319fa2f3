/**
 * Label selectors (k8s/labelSelector.ts) translated exactly into PromQL label matchers, and PromQL
 * string quoting. Hand-written: the translation is the adapter's own. It fixes a known
 * prometheus-adapter bug: values going into `=~`/`!~` are regex-escaped here.
 */

import { type Requirement, requirementString, type Selector } from "../../k8s/labelSelector.js";

/** The characters Go's regexp.QuoteMeta escapes; RE2 treats them as syntax. */
const REGEX_META = /[\\.+*?()|[\]{}^$]/g;

/** Escapes RE2 metacharacters so `value` matches literally inside `=~` / `!~`. */
export function escapeRegex(value: string): string {
  return value.replace(REGEX_META, "\\$&");
}

const NAMED_ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  '"': '\\"',
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\u0007": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\v": "\\v",
};

/** Go strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/**
 * A PromQL double-quoted string literal for `value`, escaped as Go's %q / strconv.Quote does
 * (PromQL strings use Go's escape syntax). Throws RangeError for unpaired UTF-16 surrogates,
 * which no PromQL string can carry.
 */
export function promQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const named = NAMED_ESCAPES[ch];
    if (named !== undefined) {
      out += named;
    } else if (PRINTABLE.test(ch)) {
      out += ch;
    } else {
      const code = ch.codePointAt(0) as number;
      if (code >= 0xd800 && code <= 0xdfff) {
        throw new RangeError(
          `cannot quote ${JSON.stringify(value)} for PromQL: it has an unpaired surrogate`,
        );
      }
      if (code < 0x80) out += `\\x${code.toString(16).padStart(2, "0")}`;
      else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, "0")}`;
      else out += `\\U${code.toString(16).padStart(8, "0")}`;
    }
  }
  return `${out}"`;
}

/** A selector part that has no exact PromQL equivalent; we refuse rather than approximate. */
export class UnsupportedSelectorError extends Error {
  override readonly name = "UnsupportedSelectorError";
  constructor(
    readonly requirement: Requirement,
    reason: string,
  ) {
    super(
      `cannot translate label selector requirement '${requirementString(requirement)}' to PromQL: ${reason}`,
    );
  }
}

/** Classic Prometheus label names; anything else is a syntax error inside `{...}`. */
const PROM_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * The PromQL matcher for one requirement on the series label `label` (prometheus-adapter's mapping):
 * equals `l="v"`, notEquals `l!="v"`, in `l=~"a|b"` (`l="a"` for one value), notIn `l!~"a|b"`
 * (`l!="a"`), exists `l!=""`, doesNotExist `l=""`. Set values are regex-escaped.
 * Throws UnsupportedSelectorError for gt/lt (no numeric label comparison in PromQL), for an
 * empty value in a (not-)equals/(not-)in set (see below), and for a `label` that is not a valid
 * Prometheus label name (e.g. `app.kubernetes.io/name`).
 * Prometheus has no empty-valued labels, so the result agrees with Selector.matches() on every
 * Prometheus label set; prometheus-adapter's `k=""` for `k=` does not.
 */
export function requirementToMatcher(label: string, req: Requirement): string {
  if (!PROM_LABEL_NAME.test(label)) {
    throw new UnsupportedSelectorError(
      req,
      `${JSON.stringify(label)} is not a valid Prometheus label name; map the key to one (rule overrides) or drop it from the selector`,
    );
  }
  const values = req.values;
  switch (req.operator) {
    case "exists":
      return `${label}!=""`;
    case "doesNotExist":
      return `${label}=""`;
    case "gt":
    case "lt":
      throw new UnsupportedSelectorError(req, "PromQL label matchers cannot compare numbers");
    default:
      break;
  }
  if (values.length === 0) throw new UnsupportedSelectorError(req, "it has no values");
  if (values.includes("")) {
    // In Kubernetes `k=""` needs k present with an empty value, and `k!=""` also matches k missing;
    // Prometheus has no empty-valued labels (empty = missing), so neither can be said exactly.
    throw new UnsupportedSelectorError(
      req,
      "Prometheus treats an empty label value as a missing label; use '!key' (missing) or 'key' (present) instead",
    );
  }
  const positive = req.operator === "equals" || req.operator === "in";
  if (values.length === 1) return `${label}${positive ? "=" : "!="}${promQuote(values[0] as string)}`;
  if (req.operator === "equals" || req.operator === "notEquals") {
    throw new UnsupportedSelectorError(req, "an exact match takes exactly one value");
  }
  return `${label}${positive ? "=~" : "!~"}${promQuote(values.map(escapeRegex).join("|"))}`;
}

/**
 * PromQL matchers for every requirement of `selector`, in its (key-sorted) order.
 * `labelFor` maps a selector key to the series label carrying it (identity by default).
 */
export function selectorToMatchers(
  selector: Selector,
  labelFor: (key: string) => string = (key) => key,
): string[] {
  return selector.requirements.map((req) => requirementToMatcher(labelFor(req.key), req));
}
