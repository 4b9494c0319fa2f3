/**
 * Field selectors of the resource metrics API: metrics-server filters the listed pods and nodes by
 * their object-meta fields (`metadata.name`, and `metadata.namespace` for pods) with `=`, `==` and
 * `!=` terms joined by commas, as apimachinery's `fields.ParseSelector` reads them. Other fields
 * are refused with a 400, as kube-apiserver refuses a field label a resource does not support.
 */
import { badRequest } from "../../k8s/status.js";

export interface FieldTerm {
  readonly field: string;
  readonly operator: "=" | "!=";
  readonly value: string;
}

export interface FieldSelector {
  readonly terms: readonly FieldTerm[];
  /** The name a `metadata.name=` (or `==`) term requires, as kube-apiserver reads it for authorization. */
  readonly name: string | undefined;
  matches(fields: Readonly<Record<string, string>>): boolean;
}

const TERM = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/;

/** Parses `text` (null or empty: everything) for a resource whose fields are `allowed`. */
export function parseFieldSelector(text: string | null, allowed: readonly string[]): FieldSelector {
  const terms: FieldTerm[] = [];
  if (text !== null && text.trim() !== "") {
    for (const raw of text.split(",")) {
      const m = TERM.exec(raw);
      if (!m)
        throw badRequest(
          `invalid fieldSelector "${text}": "${raw}" is not <field>=<value> or <field>!=<value>`,
        );
      const [, field = "", op = "", value = ""] = m;
      if (!allowed.includes(field))
        throw badRequest(`"${field}" is not a known field selector: only "${allowed.join('", "')}"`);
      terms.push({ field, operator: op === "!=" ? "!=" : "=", value });
    }
  }
  const named = terms.find((t) => t.field === "metadata.name" && t.operator === "=");
  return {
    terms,
    name: named?.value,
    matches: (fields) => terms.every((t) => ((fields[t.field] ?? "") === t.value) === (t.operator === "=")),
  };
}
