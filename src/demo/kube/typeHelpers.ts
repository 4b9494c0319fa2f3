/**
 * Small helpers shared by the resource-type tables: dotted-path field labels, get-or-create of an
 * object section for defaulting, and the full verb list.
 */
import type { StoredObject } from "./objects.js";
import { isPlainObject } from "./objects.js";
import { at as valueAt } from "./printColumns.js";
import type { Verb } from "./resourceTypeShape.js";
import type { FieldCause } from "./status.js";

/** The dotted path reader used by field labels: missing or non-scalar values read as "". */
export function field(obj: StoredObject, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (!isPlainObject(cur)) return "";
    cur = cur[part];
  }
  return typeof cur === "string" || typeof cur === "number" || typeof cur === "boolean" ? String(cur) : "";
}

export function fieldLabels(paths: readonly string[]): Record<string, (obj: StoredObject) => string> {
  return Object.fromEntries(paths.map((p) => [p, (obj: StoredObject) => field(obj, p)]));
}

/** `obj[key]` as an object, created (and attached) when missing, for defaulting. */
export function section(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const current = obj[key];
  if (isPlainObject(current)) return current;
  const fresh: Record<string, unknown> = {};
  obj[key] = fresh;
  return fresh;
}

export const ALL_VERBS: readonly Verb[] = [
  "create",
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "update",
  "watch",
];

/** metav1.LabelSelector as its string form (`LabelSelectorAsSelector(...).String()`), "" when empty. */
export function labelSelectorString(selector: unknown): string {
  if (!isPlainObject(selector)) return "";
  const parts: { key: string; text: string }[] = [];
  if (isPlainObject(selector.matchLabels)) {
    for (const [k, v] of Object.entries(selector.matchLabels))
      parts.push({ key: k, text: `${k}=${String(v)}` });
  }
  if (Array.isArray(selector.matchExpressions)) {
    for (const e of selector.matchExpressions) {
      if (!isPlainObject(e) || typeof e.key !== "string") continue;
      const values = Array.isArray(e.values) ? [...e.values].map(String).sort().join(",") : "";
      const op = String(e.operator);
      const text =
        op === "In"
          ? `${e.key} in (${values})`
          : op === "NotIn"
            ? `${e.key} notin (${values})`
            : op === "Exists"
              ? e.key
              : `!${e.key}`;
      parts.push({ key: e.key, text });
    }
  }
  // apimachinery sorts requirements by key.
  return parts
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((p) => p.text)
    .join(",");
}

/** Sets the value at a dotted path, creating objects on the way. */
export function setValueAt(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  const last = parts.pop() as string;
  let cur = obj;
  for (const part of parts) cur = section(cur, part);
  cur[last] = value;
}

export { valueAt };

/** A 422 cause for `path` when it is set and not a whole number ≥ 0. */
export function nonNegativeInteger(obj: unknown, path: string): FieldCause[] {
  const v = valueAt(obj, path);
  if (v === undefined || (Number.isInteger(v) && (v as number) >= 0)) return [];
  return [
    {
      reason: "FieldValueInvalid",
      message: `Invalid value: ${JSON.stringify(v)}: must be greater than or equal to 0`,
      field: path,
    },
  ];
}
