/**
 * PATCH bodies for the simulated API: JSON merge patch (RFC 7386), strategic merge patch, and JSON
 * patch (RFC 6902). Hand-written because none of the installed packages does this, and the rules
 * are short.
 *
 * Strategic merge patch without the OpenAPI schema: maps merge like a merge patch; a list of
 * objects merges by a merge key chosen BY FIELD NAME from `MERGE_KEYS` (the keys the built-in
 * types declare, e.g. containers by `name`); every other list is replaced. Directives honoured:
 * `$patch: replace|delete` on maps and list items, `$deleteFromPrimitiveList/<field>`; ignored:
 * `$setElementOrder/<field>` (kept order: existing items, then new ones) and `$retainKeys`.
 */
import { isDeepStrictEqual } from "node:util";
import { isPlainObject } from "./objects.js";

export const MERGE_PATCH = "application/merge-patch+json";
export const STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
export const JSON_PATCH = "application/json-patch+json";
export const PATCH_TYPES = [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH] as const;
export type PatchType = (typeof PATCH_TYPES)[number];

/** RFC 7386: objects merge key by key, null deletes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/**
 * Merge keys of the built-in types' lists, by field name. `ports` is keyed by `containerPort` in
 * pod containers and by `port` in services; the items themselves tell which.
 */
const MERGE_KEYS: Readonly<Record<string, string | ((item: Record<string, unknown>) => string)>> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  env: "name",
  volumes: "name",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  imagePullSecrets: "name",
  hostAliases: "ip",
  conditions: "type",
  ownerReferences: "uid",
  topologySpreadConstraints: "topologyKey",
  ports: (item) => ("containerPort" in item ? "containerPort" : "port"),
};

function mergeKeyFor(field: string, items: readonly unknown[]): string | undefined {
  const rule = MERGE_KEYS[field];
  const first = items.find(isPlainObject);
  if (rule === undefined || first === undefined) return undefined;
  return typeof rule === "string" ? rule : rule(first);
}

function mergeListByKey(target: unknown, patch: unknown[], key: string): unknown[] {
  const result: unknown[] = Array.isArray(target) ? [...target] : [];
  for (const item of patch) {
    if (!isPlainObject(item)) continue;
    const index = result.findIndex((t) => isPlainObject(t) && isDeepStrictEqual(t[key], item[key]));
    if (item.$patch === "delete") {
      if (index !== -1) result.splice(index, 1);
    } else if (index === -1) {
      result.push(stripDirectives(item));
    } else {
      result[index] = applyStrategicMergePatch(result[index], item);
    }
  }
  return result;
}

/** Strategic merge patch by field-name merge keys (see the file comment). */
export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return stripDirectives(patch);
  if (patch.$patch === "replace") return stripDirectives(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith("$deleteFromPrimitiveList/") && Array.isArray(value)) {
      const field = key.slice("$deleteFromPrimitiveList/".length);
      const current = result[field];
      if (Array.isArray(current))
        result[field] = current.filter((v) => !value.some((d) => isDeepStrictEqual(d, v)));
      continue;
    }
    if (key.startsWith("$")) continue;
    if (value === null || (isPlainObject(value) && value.$patch === "delete")) {
      delete result[key];
      continue;
    }
    const mergeKey = Array.isArray(value) ? mergeKeyFor(key, value) : undefined;
    if (Array.isArray(value) && mergeKey !== undefined) {
      const replace = value.some((item) => isPlainObject(item) && item.$patch === "replace");
      result[key] = replace
        ? stripDirectives(value.filter((item) => !(isPlainObject(item) && item.$patch === "replace")))
        : mergeListByKey(result[key], value, mergeKey);
    } else {
      result[key] = applyStrategicMergePatch(result[key], value);
    }
  }
  return result;
}

/** A copy without `$` directives; list items marked `$patch: delete` are dropped. */
function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.filter((item) => !(isPlainObject(item) && item.$patch === "delete")).map(stripDirectives);
  }
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !key.startsWith("$"))
      .map(([key, v]) => [key, stripDirectives(v)]),
  );
}

/** Thrown for a JSON patch that cannot apply; the HTTP edge maps it to 422 or 400. */
export class PatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PatchError";
  }
}

interface JsonPatchOp {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  value?: unknown;
  from?: string;
}

function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new PatchError(`JSON pointer "${pointer}" must start with "/"`);
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function containerAt(doc: unknown, tokens: readonly string[], pointer: string): unknown {
  let cur = doc;
  for (const token of tokens) {
    if (Array.isArray(cur)) cur = cur[Number(token)];
    else if (isPlainObject(cur)) cur = cur[token];
    else cur = undefined;
    if (cur === undefined) throw new PatchError(`path "${pointer}" does not exist`);
  }
  return cur;
}

function readAt(doc: unknown, pointer: string): unknown {
  return containerAt(doc, parsePointer(pointer), pointer);
}

function arrayIndex(arr: unknown[], token: string, pointer: string, forInsert: boolean): number {
  if (forInsert && token === "-") return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new PatchError(`path "${pointer}" has a bad array index`);
  const index = Number(token);
  if (index > arr.length || (!forInsert && index === arr.length)) {
    throw new PatchError(`path "${pointer}" is out of range`);
  }
  return index;
}

function removeAt(doc: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  const last = tokens.pop();
  if (last === undefined) throw new PatchError("cannot remove the whole document");
  const parent = containerAt(doc, tokens, pointer);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, last, pointer, false), 1)[0];
  if (isPlainObject(parent) && last in parent) {
    const old = parent[last];
    delete parent[last];
    return old;
  }
  throw new PatchError(`path "${pointer}" does not exist`);
}

function addAt(doc: unknown, pointer: string, value: unknown, replace: boolean): unknown {
  const tokens = parsePointer(pointer);
  const last = tokens.pop();
  if (last === undefined) return structuredClone(value);
  const parent = containerAt(doc, tokens, pointer);
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, last, pointer, !replace);
    parent.splice(index, replace ? 1 : 0, structuredClone(value));
  } else if (isPlainObject(parent)) {
    if (replace && !(last in parent)) throw new PatchError(`path "${pointer}" does not exist`);
    parent[last] = structuredClone(value);
  } else {
    throw new PatchError(`path "${pointer}" does not exist`);
  }
  return doc;
}

/** RFC 6902 over a copy of `target`. */
export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError("a JSON patch must be an array of operations");
  let doc = structuredClone(target);
  for (const raw of ops) {
    if (!isPlainObject(raw) || typeof raw.op !== "string" || typeof raw.path !== "string") {
      throw new PatchError(`bad JSON patch operation ${JSON.stringify(raw)}: needs "op" and "path"`);
    }
    const op = raw as unknown as JsonPatchOp;
    switch (op.op) {
      case "add":
        doc = addAt(doc, op.path, op.value, false);
        break;
      case "replace":
        doc = addAt(doc, op.path, op.value, true);
        break;
      case "remove":
        removeAt(doc, op.path);
        break;
      case "move":
      case "copy": {
        if (typeof op.from !== "string") throw new PatchError(`"${op.op}" needs "from"`);
        const value = op.op === "move" ? removeAt(doc, op.from) : structuredClone(readAt(doc, op.from));
        doc = addAt(doc, op.path, value, false);
        break;
      }
      case "test":
        if (!isDeepStrictEqual(readAt(doc, op.path), op.value)) {
          throw new PatchError(`test operation failed at "${op.path}"`);
        }
        break;
      default:
        throw new PatchError(`unknown JSON patch op "${String(op.op)}"`);
    }
  }
  return doc;
}

export function applyPatch(type: PatchType, target: unknown, patch: unknown): unknown {
  switch (type) {
    case MERGE_PATCH:
      return applyMergePatch(target, patch);
    case STRATEGIC_MERGE_PATCH:
      return applyStrategicMergePatch(target, patch);
    case JSON_PATCH:
      return applyJsonPatch(target, patch);
  }
}
