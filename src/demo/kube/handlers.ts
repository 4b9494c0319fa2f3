/**
 * The verbs of the simulated API for one resource route: HTTP method + query + body in, a status
 * code and JSON document (or a watch request for the streamer) out. All state lives in the store;
 * all failures are KubeApiError, which the server writes as a Status.
 */
import { parse as parseYaml } from "yaml";
import { listKindOf } from "./discovery.js";
import { finalizersOf } from "./finalizers.js";
import type { ObjectInput, StoredObject } from "./objects.js";
import { isPlainObject } from "./objects.js";
import { PATCH_TYPES, type PatchType } from "./patch.js";
import type { ResourceType, Verb } from "./resourceTypeShape.js";
import type { ApiServerRoute } from "./routes.js";
import { objectForScale, scaleOf } from "./scale.js";
import { kubeBadRequest, kubeMethodNotAllowed, unsupportedMediaType } from "./status.js";
import { type ListResult, type ObjectStore, patchedObject, type WatchOptions } from "./store.js";
import { prepareApiCreate, prepareApiUpdate } from "./strategy.js";
import { type TableRequest, toTable } from "./table.js";

export type ResourceRoute = Extract<ApiServerRoute, { to: "resource" }>;

export interface ApiRequest {
  readonly method: string;
  readonly route: ResourceRoute;
  readonly query: URLSearchParams;
  /** Media type of the body without parameters, lowercased ("" when absent). */
  readonly contentType: string;
  readonly readBody: () => Promise<Buffer>;
  /** Answer reads with a server-side printed Table (kubectl get). */
  readonly table?: TableRequest;
}

export interface WatchRequest {
  readonly type: ResourceType;
  readonly options: WatchOptions;
  /** Seconds until the server ends the stream; undefined = the server's default. */
  readonly timeoutSeconds?: number;
  readonly allowWatchBookmarks: boolean;
  /** Send ADDED for current objects then a BOOKMARK marking their end (watch-list). */
  readonly sendInitialEvents: boolean;
  readonly table?: TableRequest;
}

export type ApiResponse =
  | { readonly kind: "document"; readonly status: number; readonly body: unknown }
  | { readonly kind: "watch"; readonly watch: WatchRequest };

const BODY_TYPES = ["application/json", "application/yaml"];

/** Go's strconv.ParseBool, which is how the apiserver reads `watch` and friends. */
function parseBool(value: string | null): boolean {
  return value !== null && ["1", "t", "T", "true", "TRUE", "True"].includes(value);
}

function dryRunOf(query: URLSearchParams): boolean {
  const values = query.getAll("dryRun");
  for (const v of values) {
    if (v !== "All") throw kubeBadRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  }
  return values.length > 0;
}

function document(status: number, body: unknown): ApiResponse {
  return { kind: "document", status, body };
}

/** A typed list as the apiserver serializes it: items carry no kind/apiVersion of their own. */
export function listDocument(type: ResourceType, result: ListResult): object {
  return {
    ...listKindOf(type),
    metadata: { resourceVersion: result.resourceVersion },
    items: result.items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest),
  };
}

async function parseBody(request: ApiRequest, accepted: readonly string[]): Promise<unknown> {
  const type = request.contentType || "application/json";
  if (!accepted.includes(type)) throw unsupportedMediaType(request.contentType, accepted);
  const text = (await request.readBody()).toString("utf8");
  try {
    return type === "application/yaml" ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw kubeBadRequest(`the request body could not be decoded as ${type}: ${why}`);
  }
}

async function objectBody(request: ApiRequest): Promise<ObjectInput> {
  const body = await parseBody(request, BODY_TYPES);
  if (!isPlainObject(body)) throw kubeBadRequest("the request body must be a JSON object");
  return body as ObjectInput;
}

function verbOf(request: ApiRequest): Verb {
  const { route, method, query } = request;
  const named = route.name !== undefined;
  switch (method) {
    case "GET":
      if (route.watchPrefix || parseBool(query.get("watch"))) return "watch";
      return named ? "get" : "list";
    case "POST":
      if (!named) return "create";
      break;
    case "PUT":
      if (named) return "update";
      break;
    case "PATCH":
      if (named) return "patch";
      break;
    case "DELETE":
      if (route.subresource === undefined) return named ? "delete" : "deletecollection";
      break;
    default:
      break;
  }
  throw kubeMethodNotAllowed();
}

function watchRequest(
  route: ResourceRoute,
  query: URLSearchParams,
  table: TableRequest | undefined,
): WatchRequest {
  const fieldSelector = [query.get("fieldSelector") ?? "", route.name ? `metadata.name=${route.name}` : ""]
    .filter((s) => s !== "")
    .join(",");
  const timeoutText = query.get("timeoutSeconds");
  let timeoutSeconds: number | undefined;
  if (timeoutText !== null && timeoutText !== "") {
    timeoutSeconds = Number(timeoutText);
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 0) {
      throw kubeBadRequest(`timeoutSeconds must be a whole number of seconds, got "${timeoutText}"`);
    }
    if (timeoutSeconds === 0) timeoutSeconds = undefined;
  }
  const sendInitialEvents = parseBool(query.get("sendInitialEvents"));
  return {
    type: route.type,
    options: {
      ...(route.namespace !== undefined ? { namespace: route.namespace } : {}),
      labelSelector: query.get("labelSelector") ?? "",
      fieldSelector,
      // Watch-list streams the current state first, whatever version was asked for.
      resourceVersion: sendInitialEvents ? "" : (query.get("resourceVersion") ?? ""),
    },
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    allowWatchBookmarks: parseBool(query.get("allowWatchBookmarks")),
    sendInitialEvents,
    ...(table ? { table } : {}),
  };
}

/** Serves one request on a resource route. Throws KubeApiError for every failure. */
export async function handleResource(store: ObjectStore, request: ApiRequest): Promise<ApiResponse> {
  const { route, query } = request;
  const type = route.type;
  const verb = verbOf(request);
  if (!type.verbs.includes(verb)) throw kubeMethodNotAllowed();
  const dryRun = dryRunOf(query);
  const namespace = route.namespace;
  const name = route.name as string;

  if (route.subresource === "scale") return handleScale(store, request, verb, dryRun);

  switch (verb) {
    case "get": {
      const found = store.get(type, name, namespace);
      const table = request.table;
      if (!table) return document(200, found);
      return document(200, toTable(type, [found], found.metadata.resourceVersion, store.now(), table));
    }
    case "list": {
      const result = store.list(type, {
        ...(namespace !== undefined ? { namespace } : {}),
        labelSelector: query.get("labelSelector") ?? "",
        fieldSelector: query.get("fieldSelector") ?? "",
      });
      const table = request.table;
      if (!table) return document(200, listDocument(type, result));
      return document(200, toTable(type, result.items, result.resourceVersion, store.now(), table));
    }
    case "watch":
      return { kind: "watch", watch: watchRequest(route, query, request.table) };
    case "create": {
      const body = await objectBody(request);
      const created = store.create(type, prepareApiCreate(type, body), {
        dryRun,
        ...(namespace !== undefined ? { namespace } : {}),
      });
      return document(201, created);
    }
    case "update": {
      const body = await objectBody(request);
      const bodyName = body.metadata?.name;
      if (bodyName !== name) {
        throw kubeBadRequest(
          `the name of the object (${bodyName ?? ""}) does not match the name on the URL (${name})`,
        );
      }
      const existing = store.get(type, name, namespace);
      const next = prepareApiUpdate(type, route.subresource, existing, body);
      return document(
        200,
        store.update(type, next, { dryRun, ...(namespace !== undefined ? { namespace } : {}) }),
      );
    }
    case "patch": {
      const patchType = request.contentType as PatchType;
      if (!PATCH_TYPES.includes(patchType)) throw unsupportedMediaType(request.contentType, PATCH_TYPES);
      const patch = await parseBody(request, [patchType]);
      const existing = store.get(type, name, namespace);
      const patched = patchedObject(type, existing, patch, patchType);
      const next = prepareApiUpdate(type, route.subresource, existing, patched);
      return document(
        200,
        store.update(type, next, { dryRun, ...(namespace !== undefined ? { namespace } : {}) }),
      );
    }
    case "delete": {
      const options = await deleteOptions(request);
      const deleted = store.delete(type, name, namespace, { ...options, dryRun: dryRun || options.dryRun });
      // Held by finalizers: every type answers with the object, as the apiserver does.
      const pending = finalizersOf(deleted).length > 0;
      return document(200, type.deleteReturnsObject || pending ? deleted : deletedStatus(type, deleted));
    }
    case "deletecollection": {
      const options = await deleteOptions(request);
      const matching = store.list(type, {
        ...(namespace !== undefined ? { namespace } : {}),
        labelSelector: query.get("labelSelector") ?? "",
        fieldSelector: query.get("fieldSelector") ?? "",
      });
      const items = matching.items.map((obj) =>
        store.delete(type, obj.metadata.name, obj.metadata.namespace, { dryRun: dryRun || options.dryRun }),
      );
      return document(200, listDocument(type, { items, resourceVersion: store.resourceVersion() }));
    }
  }
}

/** get, update and patch of `/scale`: the object seen and written as an autoscaling/v1 Scale. */
async function handleScale(
  store: ObjectStore,
  request: ApiRequest,
  verb: Verb,
  dryRun: boolean,
): Promise<ApiResponse> {
  const { type, namespace } = request.route;
  const name = request.route.name as string;
  if (verb !== "get" && verb !== "update" && verb !== "patch") throw kubeMethodNotAllowed();
  const existing = store.get(type, name, namespace);
  if (verb === "get") return document(200, scaleOf(type, existing));
  let scale: unknown;
  if (verb === "update") {
    scale = await parseBody(request, BODY_TYPES);
  } else {
    const patchType = request.contentType as PatchType;
    if (!PATCH_TYPES.includes(patchType)) throw unsupportedMediaType(request.contentType, PATCH_TYPES);
    const patch = await parseBody(request, [patchType]);
    scale = patchedObject(type, scaleOf(type, existing), patch, patchType);
  }
  const next = objectForScale(type, existing, scale);
  const written = store.update(type, next, { dryRun, ...(namespace !== undefined ? { namespace } : {}) });
  return document(200, scaleOf(type, written));
}

/** metav1.Status Success for deletes of types that do not return the object. */
function deletedStatus(type: ResourceType, deleted: StoredObject): object {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: {
      name: deleted.metadata.name,
      ...(type.group ? { group: type.group } : {}),
      kind: type.resource,
      uid: deleted.metadata.uid,
    },
  };
}

async function deleteOptions(
  request: ApiRequest,
): Promise<{ dryRun: boolean; preconditions?: { uid?: string; resourceVersion?: string } }> {
  const raw = await request.readBody();
  if (raw.length === 0) return { dryRun: false };
  const body = await parseBody({ ...request, readBody: async () => raw }, BODY_TYPES);
  if (!isPlainObject(body)) throw kubeBadRequest("DeleteOptions must be a JSON object");
  const dryRun = Array.isArray(body.dryRun) && body.dryRun.includes("All");
  const pre = isPlainObject(body.preconditions) ? body.preconditions : undefined;
  if (!pre) return { dryRun };
  return {
    dryRun,
    preconditions: {
      ...(typeof pre.uid === "string" ? { uid: pre.uid } : {}),
      ...(typeof pre.resourceVersion === "string" ? { resourceVersion: pre.resourceVersion } : {}),
    },
  };
}
