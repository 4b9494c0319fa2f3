/**
 * CustomResourceDefinitions (apiextensions.k8s.io/v1), reduced: a CRD becomes one served
 * `ResourceType`, for its storage version (one version per group/resource is what the registry
 * holds; other served versions are not served and no conversion happens). Schemas are not
 * enforced (no OpenAPI validation, no pruning, no defaulting); `subresources.status`,
 * `subresources.scale` and `additionalPrinterColumns` (dotted paths, indices and `[?(@.f=="v")]` filters;
 * date columns printed as ages) are honoured.
 */
import type { JsonObject, StoredObject } from "./objects.js";
import { isPlainObject } from "./objects.js";
import { at, column, DEFAULT_COLUMNS, humanDuration, NAME, type PrintColumn } from "./printColumns.js";
import type { ResourceType } from "./resourceTypeShape.js";
import type { FieldCause } from "./status.js";
import { ALL_VERBS, valueAt } from "./typeHelpers.js";

export const CRD_GROUP = "apiextensions.k8s.io";
export const CRD_RESOURCE = "customresourcedefinitions";

export function isCrdType(type: { group: string; resource: string }): boolean {
  return type.group === CRD_GROUP && type.resource === CRD_RESOURCE;
}

function str(obj: unknown, path: string): string {
  const v = valueAt(obj, path);
  return typeof v === "string" ? v : "";
}

function strings(obj: unknown, path: string): string[] {
  const v = valueAt(obj, path);
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
}

function versions(crd: unknown): Record<string, unknown>[] {
  const v = valueAt(crd, "spec.versions");
  return Array.isArray(v) ? v.filter(isPlainObject) : [];
}

/** The version the simulator serves: the storage version if served, else the first served one. */
function servedVersion(crd: unknown): Record<string, unknown> | undefined {
  const served = versions(crd).filter((v) => v.served === true);
  return served.find((v) => v.storage === true) ?? served[0];
}

/** `ValidateCustomResourceDefinition`, reduced to what decides how the type is served. */
export function validateCrd(crd: StoredObject, old?: StoredObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const required = (field: string): void => {
    causes.push({ reason: "FieldValueRequired", message: "Required value", field });
  };
  const group = str(crd, "spec.group");
  const plural = str(crd, "spec.names.plural");
  if (!group) required("spec.group");
  else if (!group.includes(".")) {
    causes.push({
      reason: "FieldValueInvalid",
      message: `Invalid value: "${group}": should be a domain with at least one dot`,
      field: "spec.group",
    });
  }
  if (!plural) required("spec.names.plural");
  if (!str(crd, "spec.names.kind")) required("spec.names.kind");
  if (group && plural && crd.metadata.name !== `${plural}.${group}`) {
    causes.push({
      reason: "FieldValueInvalid",
      message: `Invalid value: "${crd.metadata.name}": must be spec.names.plural+"."+spec.group`,
      field: "metadata.name",
    });
  }
  const scope = valueAt(crd, "spec.scope");
  if (scope !== "Namespaced" && scope !== "Cluster") {
    causes.push({
      reason: "FieldValueNotSupported",
      message: `Unsupported value: ${JSON.stringify(scope ?? "")}: supported values: "Cluster", "Namespaced"`,
      field: "spec.scope",
    });
  }
  const all = versions(crd);
  if (all.length === 0) required("spec.versions");
  else {
    if (all.filter((v) => v.storage === true).length !== 1) {
      causes.push({
        reason: "FieldValueInvalid",
        message: "Invalid value: must have exactly one version marked as storage version",
        field: "spec.versions",
      });
    }
    all.forEach((v, i) => {
      if (typeof v.name !== "string" || v.name === "") required(`spec.versions[${i}].name`);
    });
  }
  if (old) {
    for (const path of ["spec.group", "spec.names.plural", "spec.scope"]) {
      if (str(old, path) !== str(crd, path)) {
        causes.push({
          reason: "FieldValueInvalid",
          message: "Invalid value: field is immutable in this simulator",
          field: path,
        });
      }
    }
  }
  return causes;
}

/** ".spec.replicas" → "spec.replicas" (simple jsonPaths only; others read as absent). */
function dotted(jsonPath: string): string {
  return jsonPath.replace(/^\./, "");
}

/**
 * A printer column's JSONPath: dotted fields, `[n]` indices and `[?(@.field=="value")]` filters
 * (the first match), which is what CRDs' additionalPrinterColumns use in practice (e.g. a condition's
 * status). Hand-written: the apiserver's full JSONPath is more than a simulator needs.
 */
export function jsonPathValue(obj: unknown, jsonPath: string): unknown {
  const tokens = jsonPath.match(/\[\?\(@\.[^=\]]+==\s*(?:"[^"]*"|'[^']*')\s*\)\]|\[\d+\]|[^.[\]]+/g) ?? [];
  let cur: unknown = obj;
  for (const token of tokens) {
    if (cur === undefined) return undefined;
    const filter = /^\[\?\(@\.([^=\]]+?)\s*==\s*(?:"([^"]*)"|'([^']*)')\s*\)\]$/.exec(token);
    if (filter) {
      const [, field, dq, sq] = filter;
      cur = Array.isArray(cur) ? cur.find((item) => at(item, field as string) === (dq ?? sq)) : undefined;
    } else if (/^\[\d+\]$/.test(token)) {
      cur = Array.isArray(cur) ? cur[Number(token.slice(1, -1))] : undefined;
    } else cur = isPlainObject(cur) ? cur[token] : undefined;
  }
  return cur;
}

function printColumns(version: Record<string, unknown>): readonly PrintColumn[] {
  const extra = Array.isArray(version.additionalPrinterColumns)
    ? version.additionalPrinterColumns.filter(isPlainObject)
    : [];
  if (extra.length === 0) return DEFAULT_COLUMNS;
  return [
    NAME,
    ...extra.map((c) => {
      const type = (["integer", "number", "boolean", "date"] as const).find((t) => t === c.type) ?? "string";
      const path = String(c.jsonPath ?? "");
      return column(
        String(c.name ?? path),
        (obj, now) => {
          const v = jsonPathValue(obj, path);
          // The apiserver prints date columns as an age, as kubectl's AGE.
          if (type === "date" && typeof v === "string" && Number.isFinite(Date.parse(v)))
            return humanDuration(now.getTime() - Date.parse(v));
          return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : "";
        },
        { type, priority: c.priority === 1 ? 1 : 0, description: String(c.description ?? c.name ?? "") },
      );
    }),
  ];
}

/** The ResourceType a valid CRD serves, or undefined when it serves no version. */
export function customResourceType(crd: StoredObject): ResourceType | undefined {
  const version = servedVersion(crd);
  if (!version) return undefined;
  const kind = str(crd, "spec.names.kind");
  const subs = isPlainObject(version.subresources) ? version.subresources : {};
  const scale = isPlainObject(subs.scale) ? subs.scale : undefined;
  const labelSelectorPath = scale ? dotted(String(scale.labelSelectorPath ?? "")) : "";
  return {
    group: str(crd, "spec.group"),
    version: String(version.name),
    resource: str(crd, "spec.names.plural"),
    kind,
    namespaced: valueAt(crd, "spec.scope") === "Namespaced",
    singular: str(crd, "spec.names.singular") || kind.toLowerCase(),
    shortNames: strings(crd, "spec.names.shortNames"),
    categories: strings(crd, "spec.names.categories"),
    verbs: ALL_VERBS,
    subresources: [...(subs.status !== undefined ? ["status"] : []), ...(scale ? ["scale"] : [])],
    ...(scale
      ? {
          scale: {
            specReplicasPath: dotted(String(scale.specReplicasPath ?? ".spec.replicas")),
            statusReplicasPath: dotted(String(scale.statusReplicasPath ?? ".status.replicas")),
            selector: (obj: StoredObject) => {
              const v = labelSelectorPath ? at(obj, labelSelectorPath) : undefined;
              return typeof v === "string" ? v : "";
            },
          },
        }
      : {}),
    deleteReturnsObject: false,
    nameFormat: "subdomain",
    generationFrom: ["spec"],
    fieldLabels: {},
    printColumns: printColumns(version),
    ...(subs.status !== undefined ? { initialStatus: () => ({}) } : {}),
  };
}

/** The status the apiextensions controllers would set once the names are accepted. */
export function establishedStatus(crd: StoredObject, now: string): JsonObject {
  const condition = (type: string, reason: string, message: string): JsonObject => ({
    type,
    status: "True",
    lastTransitionTime: now,
    reason,
    message,
  });
  const storage = versions(crd).find((v) => v.storage === true);
  return {
    conditions: [
      condition("NamesAccepted", "NoConflicts", "no conflicts found"),
      condition("Established", "InitialNamesAccepted", "the initial names have been accepted"),
    ],
    acceptedNames: structuredClone((valueAt(crd, "spec.names") ?? {}) as JsonObject),
    storedVersions: storage ? [String(storage.name)] : [],
  };
}
