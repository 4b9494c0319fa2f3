/**
 * The in-memory object store of the simulated Kubernetes API (a simulator, not etcd nor a real
 * apiserver). It keeps plain JSON objects for every registered resource type, stamps them with one
 * global, monotonically increasing resourceVersion (as etcd's revision), and feeds watches from a
 * bounded per-type history. Every mutation, HTTP or programmatic, goes through here and fires
 * watch events. Single-threaded JavaScript makes each method atomic.
 */
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { parseLabelSelector, SelectorParseError } from "../../k8s/labelSelector.js";
import { type ChangeEvent, ChangeLog, eventForWatcher, type ObjectFilter } from "./changeLog.js";
import { CRD_GROUP, customResourceType, establishedStatus, isCrdType } from "./crd.js";
import { FieldSelectorParseError, parseFieldSelector } from "./fieldSelector.js";
import {
  finalizersOf,
  isTerminating,
  keepDeletionFields,
  markedForDeletion,
  newFinalizerProblems,
} from "./finalizers.js";
import {
  type DeploymentSpecInput,
  deploymentObject,
  type NodeSpecInput,
  namespaceObject,
  nodeObject,
  type PodSpecInput,
  podObject,
} from "./objectBuilders.js";
import type { ObjectInput, StoredObject, WatchEvent } from "./objects.js";
import { isPlainObject } from "./objects.js";
import { applyPatch, MERGE_PATCH, PatchError, type PatchType } from "./patch.js";
import type { ResourceType } from "./resourceTypeShape.js";
import { apiVersionOf, type ResourceRef, ResourceRegistry, typeKey } from "./resourceTypes.js";
import {
  alreadyExists,
  conflict,
  expired,
  invalid,
  kubeBadRequest,
  objectNotFound,
  STALE_OBJECT_MESSAGE,
} from "./status.js";
import { NAME_REQUIRED, nameProblems } from "./validation.js";

export interface ObjectStoreOptions {
  readonly registry?: ResourceRegistry;
  /** Wall clock for creationTimestamp; the simulator passes its own clock. */
  readonly now?: () => Date;
  readonly newUid?: () => string;
  /** Changes kept per resource type for watches from an old resourceVersion. Default 1000. */
  readonly historySize?: number;
  /** Namespaces that exist from the start, as in every real cluster. */
  readonly seedNamespaces?: readonly string[];
  /** Where a throwing watch listener's error goes; default: rethrown asynchronously (loud). */
  readonly onListenerError?: (error: unknown) => void;
}

export const DEFAULT_NAMESPACES: readonly string[] = [
  "default",
  "kube-system",
  "kube-public",
  "kube-node-lease",
];

export interface ListOptions {
  /** Only objects in this namespace (namespaced types); all namespaces when omitted. */
  readonly namespace?: string;
  /** Label selector text, full apimachinery grammar. */
  readonly labelSelector?: string;
  /** Field selector text: metadata.name, metadata.namespace and the type's field labels. */
  readonly fieldSelector?: string;
}

export interface WatchOptions extends ListOptions {
  /**
   * "" or "0" (or omitted): ADDED for every current object, then live changes.
   * "N": the kept changes after N, then live ones; older than the history → 410 Expired.
   */
  readonly resourceVersion?: string;
}

export interface MutateOptions {
  /** Validate and compute the result without storing it (`?dryRun=All`). */
  readonly dryRun?: boolean;
}

export interface DeleteOptions extends MutateOptions {
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
}

export interface ListResult {
  readonly items: StoredObject[];
  readonly resourceVersion: string;
}

export type WatchListener = (event: WatchEvent) => void;

export interface WatchHandle {
  stop(): void;
}

interface Subscriber {
  readonly wants: ObjectFilter;
  readonly listener: WatchListener;
}

const NAME_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** RFC 3339 with whole seconds, as metav1.Time serializes. */
function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ""}/${name}`;
}

export class ObjectStore {
  readonly registry: ResourceRegistry;
  readonly #now: () => Date;
  readonly #newUid: () => string;
  readonly #historySize: number;
  readonly #onListenerError: (error: unknown) => void;
  #rv = 0;
  readonly #objects = new Map<string, Map<string, StoredObject>>();
  readonly #logs = new Map<string, ChangeLog>();
  readonly #subscribers = new Map<string, Set<Subscriber>>();

  constructor(options: ObjectStoreOptions = {}) {
    this.registry = options.registry ?? new ResourceRegistry();
    this.#now = options.now ?? (() => new Date());
    this.#newUid = options.newUid ?? randomUUID;
    this.#historySize = options.historySize ?? 1000;
    this.#onListenerError =
      options.onListenerError ??
      ((error) =>
        queueMicrotask(() => {
          throw error;
        }));
    if (!Number.isInteger(this.#historySize) || this.#historySize < 1) {
      throw new Error(`historySize must be a positive integer, got ${options.historySize}`);
    }
    for (const ns of options.seedNamespaces ?? DEFAULT_NAMESPACES) this.addNamespace(ns);
  }

  /** The store's clock (creationTimestamp, and the AGE column of tables). */
  now(): Date {
    return this.#now();
  }

  /** The latest resourceVersion written (what a list returns). */
  resourceVersion(): string {
    return String(this.#rv);
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  find(ref: ResourceRef, name: string, namespace?: string): StoredObject | undefined {
    const type = this.registry.resolve(ref);
    const found = this.#bucket(type).get(objectKey(this.#scope(type, namespace), name));
    return found ? structuredClone(found) : undefined;
  }

  get(ref: ResourceRef, name: string, namespace?: string): StoredObject {
    const type = this.registry.resolve(ref);
    const found = this.find(type, name, namespace);
    if (!found) throw objectNotFound(type, name);
    return found;
  }

  /** Objects sorted by namespace then name (etcd key order). Bad selectors → 400 KubeApiError. */
  list(ref: ResourceRef, options: ListOptions = {}): ListResult {
    const type = this.registry.resolve(ref);
    const wants = this.#filter(type, options);
    const items = [...this.#bucket(type).entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, obj]) => obj)
      .filter(wants)
      .map((obj) => structuredClone(obj));
    return { items, resourceVersion: this.resourceVersion() };
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  /**
   * Creates an object. Namespaced types need a namespace (argument or metadata) that exists.
   * Fails with KubeApiError: 404 (namespace missing), 409 AlreadyExists, 422 Invalid (name), 400.
   */
  create(
    ref: ResourceRef,
    input: ObjectInput,
    options: MutateOptions & { namespace?: string } = {},
  ): StoredObject {
    const type = this.registry.resolve(ref);
    const obj = this.#normalize(type, input, options.namespace);
    const meta = obj.metadata;
    if (type.namespaced) this.#requireNamespace(meta.namespace as string);
    if (meta.resourceVersion) {
      throw kubeBadRequest("resourceVersion should not be set on objects to be created");
    }
    if (!meta.name) {
      if (!meta.generateName) throw invalid(type, "", [NAME_REQUIRED]);
      meta.name = this.#generateName(type, meta.generateName, meta.namespace);
    }
    const problems = nameProblems(meta.name, type.nameFormat);
    if (problems.length > 0) throw invalid(type, meta.name, problems);
    const bucket = this.#bucket(type);
    const key = objectKey(meta.namespace, meta.name);
    if (bucket.has(key)) throw alreadyExists(type, meta.name);

    meta.uid = this.#newUid();
    meta.creationTimestamp = timestamp(this.#now());
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (type.generationFrom.length > 0) meta.generation = 1;
    else delete meta.generation;
    type.applyDefaults?.(obj);
    this.#validate(type, obj);
    if (isCrdType(type)) obj.status = establishedStatus(obj, meta.creationTimestamp);
    if (options.dryRun) return obj;
    if (isCrdType(type)) this.#serveCrd(obj);

    obj.metadata.resourceVersion = String(++this.#rv);
    bucket.set(key, obj);
    this.#record(type, { rv: this.#rv, type: "ADDED", object: obj });
    return structuredClone(obj);
  }

  /**
   * Replaces an object (PUT semantics, whole object including status). A set, stale
   * metadata.resourceVersion → 409 Conflict; unset means unconditional. uid and creationTimestamp
   * are kept; generation bumps when the type's generation-bearing parts change. A write that
   * changes nothing is a no-op, as in the apiserver (no new resourceVersion, no event).
   * deletionTimestamp and deletionGracePeriodSeconds keep their stored values whatever is sent.
   * On an object being deleted, adding a finalizer is 422, and the write that leaves it with no
   * finalizers deletes it (DELETED event) and returns that last state at the deletion's version.
   */
  update(
    ref: ResourceRef,
    input: ObjectInput,
    options: MutateOptions & { namespace?: string } = {},
  ): StoredObject {
    const type = this.registry.resolve(ref);
    const next = this.#normalize(type, input, options.namespace);
    const meta = next.metadata;
    if (!meta.name) throw invalid(type, "", [NAME_REQUIRED]);
    const bucket = this.#bucket(type);
    const key = objectKey(meta.namespace, meta.name);
    const existing = bucket.get(key);
    if (!existing) throw objectNotFound(type, meta.name);
    if (meta.uid && meta.uid !== existing.metadata.uid) {
      throw conflict(
        type,
        meta.name,
        `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${existing.metadata.uid}`,
      );
    }
    if (meta.resourceVersion && meta.resourceVersion !== existing.metadata.resourceVersion) {
      throw conflict(type, meta.name, STALE_OBJECT_MESSAGE);
    }

    meta.uid = existing.metadata.uid;
    meta.creationTimestamp = existing.metadata.creationTimestamp;
    if (existing.metadata.generateName !== undefined && meta.generateName === undefined) {
      meta.generateName = existing.metadata.generateName;
    }
    type.applyDefaults?.(next);
    if (type.generationFrom.length > 0) {
      const changed = type.generationFrom.some((part) =>
        part === "spec"
          ? !isDeepStrictEqual(next.spec, existing.spec)
          : !isDeepStrictEqual(next.metadata.annotations ?? {}, existing.metadata.annotations ?? {}),
      );
      meta.generation = (existing.metadata.generation ?? 1) + (changed ? 1 : 0);
    } else {
      delete meta.generation;
    }
    meta.resourceVersion = existing.metadata.resourceVersion;
    keepDeletionFields(next, existing);
    if (isDeepStrictEqual(next, existing)) return structuredClone(existing);
    const forbidden = newFinalizerProblems(next, existing);
    if (forbidden.length > 0) throw invalid(type, meta.name, forbidden);
    this.#validate(type, next, existing);
    if (options.dryRun) return next;
    if (isTerminating(existing) && finalizersOf(next).length === 0) {
      return this.#remove(type, key, existing, next);
    }
    if (isCrdType(type) && !isDeepStrictEqual(next.spec, existing.spec)) this.#serveCrd(next, existing);

    meta.resourceVersion = String(++this.#rv);
    bucket.set(key, next);
    this.#record(type, { rv: this.#rv, type: "MODIFIED", object: next, prevObject: existing });
    return structuredClone(next);
  }

  /** Applies a patch (merge patch by default) to the current object and writes it with update(). */
  patch(
    ref: ResourceRef,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    options: MutateOptions & { type?: PatchType } = {},
  ): StoredObject {
    const type = this.registry.resolve(ref);
    const current = this.get(type, name, namespace);
    return this.update(type, patchedObject(type, current, patch, options.type ?? MERGE_PATCH), options);
  }

  /**
   * Deletes an object and returns its last state. An object with metadata.finalizers is only marked
   * (deletionTimestamp = now, deletionGracePeriodSeconds = 0, a MODIFIED event) and returned as
   * marked; deleting it again changes nothing; the update that removes its last finalizer deletes
   * it. Without finalizers it goes at once (no graceful deletion). Deleting a namespace first
   * deletes every object in it at once, finalizers or not, each with its own DELETED event.
   */
  delete(ref: ResourceRef, name: string, namespace?: string, options: DeleteOptions = {}): StoredObject {
    const type = this.registry.resolve(ref);
    const bucket = this.#bucket(type);
    const key = objectKey(this.#scope(type, namespace), name);
    const existing = bucket.get(key);
    if (!existing) throw objectNotFound(type, name);
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== existing.metadata.uid) {
      throw conflict(
        type,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${existing.metadata.uid}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== existing.metadata.resourceVersion) {
      throw conflict(
        type,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${existing.metadata.resourceVersion}`,
      );
    }
    if (finalizersOf(existing).length > 0) {
      if (isTerminating(existing)) return structuredClone(existing);
      const marked = markedForDeletion(existing, timestamp(this.#now()));
      if (options.dryRun) return marked;
      marked.metadata.resourceVersion = String(++this.#rv);
      bucket.set(key, marked);
      this.#record(type, { rv: this.#rv, type: "MODIFIED", object: marked, prevObject: existing });
      return structuredClone(marked);
    }
    if (options.dryRun) return structuredClone(existing);
    this.#remove(type, key, existing, existing);
    return structuredClone(existing);
  }

  // ---------------------------------------------------------------------------------------------
  // Watch

  /**
   * Subscribes to changes of one type under the given selectors. Initial or replayed events are
   * delivered synchronously before this returns. Throws KubeApiError 410 Expired when
   * `resourceVersion` is older than the kept history, 400 for a malformed one or a bad selector.
   */
  watch(ref: ResourceRef, options: WatchOptions, listener: WatchListener): WatchHandle {
    const type = this.registry.resolve(ref);
    const wants = this.#filter(type, options);
    const rv = options.resourceVersion ?? "";
    let backlog: WatchEvent[];
    if (rv === "" || rv === "0") {
      backlog = this.list(type, options).items.map((object) => ({ type: "ADDED", object }));
    } else {
      if (!/^[0-9]+$/.test(rv)) throw kubeBadRequest(`invalid resourceVersion "${rv}": must be an integer`);
      const changes = this.#log(type).since(Number(rv));
      if (!changes) throw expired(rv, String(this.#log(type).floor()));
      backlog = changes.flatMap((change) => {
        const event = eventForWatcher(change, wants);
        return event ? [event] : [];
      });
    }
    const subscriber: Subscriber = { wants, listener };
    for (const event of backlog) this.#deliver(subscriber, event);
    const subscribers = this.#subscribersOf(type);
    subscribers.add(subscriber);
    return { stop: () => subscribers.delete(subscriber) };
  }

  // ---------------------------------------------------------------------------------------------
  // Convenience for tests and the simulator

  addNamespace(name: string, labels?: Readonly<Record<string, string>>): StoredObject {
    return this.create("namespaces", namespaceObject(name, labels));
  }

  addPod(input: PodSpecInput): StoredObject {
    return this.create("pods", podObject(input, timestamp(this.#now())));
  }

  addDeployment(input: DeploymentSpecInput): StoredObject {
    return this.create("deployments.apps", deploymentObject(input));
  }

  addNode(input: NodeSpecInput): StoredObject {
    return this.create("nodes", nodeObject(input, timestamp(this.#now())));
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  /**
   * Takes `existing` out of the store now, with a DELETED event carrying `last` at a new
   * resourceVersion (returned). Removing a namespace or a CRD first removes what it holds.
   */
  #remove(type: ResourceType, key: string, existing: StoredObject, last: StoredObject): StoredObject {
    if (type.group === "" && type.resource === "namespaces") {
      this.#deleteNamespaceContents(existing.metadata.name);
    }
    if (isCrdType(type)) this.#stopServingCrd(existing);
    this.#bucket(type).delete(key);
    const gone = structuredClone(last);
    gone.metadata.resourceVersion = String(++this.#rv);
    this.#record(type, { rv: this.#rv, type: "DELETED", object: gone, prevObject: existing });
    return structuredClone(gone);
  }

  #bucket(type: ResourceType): Map<string, StoredObject> {
    const key = typeKey(type);
    let bucket = this.#objects.get(key);
    if (!bucket) {
      bucket = new Map();
      this.#objects.set(key, bucket);
    }
    return bucket;
  }

  #log(type: ResourceType): ChangeLog {
    const key = typeKey(type);
    let log = this.#logs.get(key);
    if (!log) {
      log = new ChangeLog(this.#historySize);
      this.#logs.set(key, log);
    }
    return log;
  }

  #subscribersOf(type: ResourceType): Set<Subscriber> {
    const key = typeKey(type);
    let set = this.#subscribers.get(key);
    if (!set) {
      set = new Set();
      this.#subscribers.set(key, set);
    }
    return set;
  }

  /** The namespace part of a key: required for namespaced types, ignored for cluster-scoped. */
  #scope(type: ResourceType, namespace: string | undefined): string | undefined {
    if (!type.namespaced) return undefined;
    if (!namespace) {
      throw kubeBadRequest(
        `${type.resource} are namespaced: give a namespace (argument or metadata.namespace)`,
      );
    }
    return namespace;
  }

  /** A detached copy of `input` with apiVersion/kind checked and filled, namespace settled. */
  #normalize(type: ResourceType, input: ObjectInput, namespace: string | undefined): StoredObject {
    if (!isPlainObject(input))
      throw kubeBadRequest(`the request body must be a JSON object (a ${type.kind})`);
    const obj = structuredClone(input) as StoredObject;
    const apiVersion = apiVersionOf(type);
    if (obj.kind !== undefined && obj.kind !== "" && obj.kind !== type.kind) {
      throw kubeBadRequest(
        `the kind in the object (${obj.kind}) does not match ${type.resource}, which holds ${type.kind}`,
      );
    }
    if (obj.apiVersion !== undefined && obj.apiVersion !== "" && obj.apiVersion !== apiVersion) {
      throw kubeBadRequest(
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersion})`,
      );
    }
    obj.apiVersion = apiVersion;
    obj.kind = type.kind;
    if (obj.metadata === undefined) obj.metadata = {} as StoredObject["metadata"];
    if (!isPlainObject(obj.metadata)) throw kubeBadRequest("metadata must be a JSON object");
    const meta = obj.metadata;
    if (type.namespaced) {
      if (namespace && meta.namespace && meta.namespace !== namespace) {
        throw kubeBadRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      }
      meta.namespace = this.#scope(type, namespace || meta.namespace);
    } else {
      delete meta.namespace;
    }
    return obj;
  }

  #validate(type: ResourceType, obj: StoredObject, old?: StoredObject): void {
    const causes = type.validate?.(obj, old) ?? [];
    if (causes.length > 0) throw invalid(type, obj.metadata.name, causes);
  }

  /** Starts (or, on update, re-derives) serving a CRD's type, as the apiextensions server does. */
  #serveCrd(crd: StoredObject, previous?: StoredObject): void {
    const served = customResourceType(crd);
    const before = previous ? customResourceType(previous) : undefined;
    if (before) this.registry.unregister(before);
    try {
      if (served) this.registry.register(served);
    } catch (error) {
      if (before) this.registry.register(before);
      const why = error instanceof Error ? error.message : String(error);
      throw invalid({ group: CRD_GROUP, kind: "CustomResourceDefinition" }, crd.metadata.name, [
        { reason: "FieldValueDuplicate", message: `Duplicate value: ${why}`, field: "spec.names" },
      ]);
    }
  }

  /** Deleting a CRD deletes its objects (each with a DELETED event) and stops serving the type. */
  #stopServingCrd(crd: StoredObject): void {
    const served = customResourceType(crd);
    if (!served) return;
    const registered = this.registry.all().find((t) => typeKey(t) === typeKey(served));
    if (!registered) return;
    for (const [key, obj] of [...this.#bucket(registered).entries()]) {
      this.#remove(registered, key, obj, obj);
    }
    this.registry.unregister(registered);
    const key = typeKey(registered);
    this.#objects.delete(key);
    this.#logs.delete(key);
    this.#subscribers.delete(key);
  }

  #requireNamespace(namespace: string): void {
    const namespaces = this.registry.resolve({ group: "", resource: "namespaces" });
    if (!this.#bucket(namespaces).has(objectKey(undefined, namespace)))
      throw objectNotFound(namespaces, namespace);
  }

  #generateName(type: ResourceType, prefix: string, namespace: string | undefined): string {
    const bucket = this.#bucket(type);
    for (let attempt = 0; attempt < 100; attempt++) {
      let suffix = "";
      for (let i = 0; i < 5; i++) {
        suffix += NAME_SUFFIX_ALPHABET[Math.floor(Math.random() * NAME_SUFFIX_ALPHABET.length)];
      }
      const name = `${prefix}${suffix}`;
      if (!bucket.has(objectKey(namespace, name))) return name;
    }
    throw alreadyExists(type, `${prefix}*****`);
  }

  #deleteNamespaceContents(namespace: string): void {
    for (const type of this.registry.all()) {
      if (!type.namespaced) continue;
      for (const [key, obj] of [...this.#bucket(type).entries()]) {
        if (obj.metadata.namespace === namespace) this.#remove(type, key, obj, obj);
      }
    }
  }

  #filter(type: ResourceType, options: ListOptions): ObjectFilter {
    let labels: ReturnType<typeof parseLabelSelector>;
    let fields: ReturnType<typeof parseFieldSelector>;
    try {
      labels = parseLabelSelector(options.labelSelector ?? "");
    } catch (error) {
      if (error instanceof SelectorParseError) throw kubeBadRequest(error.message);
      throw error;
    }
    try {
      fields = parseFieldSelector(options.fieldSelector);
    } catch (error) {
      if (error instanceof FieldSelectorParseError) throw kubeBadRequest(error.message);
      throw error;
    }
    for (const r of fields.requirements) {
      const known = r.field === "metadata.name" || (type.namespaced && r.field === "metadata.namespace");
      if (!known && !(r.field in type.fieldLabels)) {
        throw kubeBadRequest(`field label not supported: ${r.field}`);
      }
    }
    const namespace = type.namespaced ? options.namespace : undefined;
    return (obj) => {
      if (namespace && obj.metadata.namespace !== namespace) return false;
      if (!labels.matches(obj.metadata.labels ?? {})) return false;
      if (fields.requirements.length === 0) return true;
      const values: Record<string, string> = { "metadata.name": obj.metadata.name };
      if (type.namespaced) values["metadata.namespace"] = obj.metadata.namespace ?? "";
      for (const [label, read] of Object.entries(type.fieldLabels)) values[label] = read(obj);
      return fields.matches(values);
    };
  }

  #record(type: ResourceType, change: ChangeEvent): void {
    this.#log(type).append(change);
    for (const subscriber of [...this.#subscribersOf(type)]) {
      const event = eventForWatcher(change, subscriber.wants);
      if (event) this.#deliver(subscriber, event);
    }
  }

  #deliver(subscriber: Subscriber, event: WatchEvent): void {
    try {
      subscriber.listener({ type: event.type, object: structuredClone(event.object) });
    } catch (error) {
      this.#onListenerError(error);
    }
  }
}

/**
 * `current` with `patch` applied, checked to still name the same object. Shared by the store's
 * programmatic patch and the HTTP PATCH handler. Bad patches → 400 / 422 KubeApiError.
 */
export function patchedObject(
  type: ResourceType,
  current: StoredObject,
  patch: unknown,
  patchType: PatchType,
): ObjectInput {
  let result: unknown;
  try {
    result = applyPatch(patchType, current, patch);
  } catch (error) {
    if (error instanceof PatchError) {
      throw invalid(type, current.metadata.name, [
        { reason: "FieldValueInvalid", message: error.message, field: "" },
      ]);
    }
    throw error;
  }
  if (!isPlainObject(result) || !isPlainObject(result.metadata)) {
    throw kubeBadRequest("the patch must leave a JSON object with metadata");
  }
  const patchedName = result.metadata.name;
  if (patchedName !== current.metadata.name) {
    throw kubeBadRequest(
      `the name of the object (${String(patchedName)}) does not match the name on the URL (${current.metadata.name})`,
    );
  }
  return result as ObjectInput;
}
