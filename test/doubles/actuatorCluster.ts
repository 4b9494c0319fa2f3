/**
 * An in-memory ActuatorCluster (src/actuator/cluster.ts) for actuator tests that need no HTTP: the
 * port's calls applied straight to the simulated API's object store (src/demo/kube/store.ts), with
 * the rules its HTTP handlers apply (handlers.ts, strategy.ts, scale.ts), so it behaves as the
 * client-node implementation against the simulated API does wherever the port can see it
 * (test/contracts/actuatorCluster.contract.ts):
 * - failures are client-node's ApiException: `code` the HTTP status, `body` the Status as JSON
 *   text, `headers` with a content-type (what src/kube/retry.ts and apiErrors.ts read);
 * - get/getScale of a missing object → undefined; delete of a missing one is fine; patch,
 *   patchStatus and setScale of a missing one → 404; create of an existing one → 409 AlreadyExists;
 * - a patch or /scale write carrying a stale metadata.resourceVersion → 409 Conflict;
 * - patch of the object leaves its status alone (types with a status subresource), patchStatus
 *   changes only status, and is 404 for a type without the subresource; getScale is undefined for a
 *   type without /scale;
 * - finalizers hold a deleted object (deletionTimestamp set) until a patch removes the last one;
 * - generation, resourceVersion, uid and creationTimestamp are kept as the store keeps them;
 * - a call whose signal is already aborted rejects with the signal's reason and changes nothing.
 * Seed and inspect it through `store` (e.g. `store.addDeployment`, `store.create`).
 *
 * One difference the port does not promise either way: client-node turns the timestamps of the
 * objects it knows (metadata.creationTimestamp, deletionTimestamp) into Date objects; this double
 * returns the RFC 3339 strings of the wire, as the port's types say.
 */
import { ApiException } from "@kubernetes/client-node";
import {
  type ActuatorCluster,
  type ClusterObject,
  isRecord,
  type ObjectRef,
  type RequestOptions,
  type ScaleView,
} from "../../src/actuator/cluster.js";
import type { ObjectInput, StoredObject } from "../../src/demo/kube/objects.js";
import { MERGE_PATCH } from "../../src/demo/kube/patch.js";
import type { ResourceType } from "../../src/demo/kube/resourceTypeShape.js";
import { apiVersionOf } from "../../src/demo/kube/resourceTypes.js";
import { objectForScale, scaleOf } from "../../src/demo/kube/scale.js";
import { KubeApiError, unknownPath } from "../../src/demo/kube/status.js";
import { ObjectStore, type ObjectStoreOptions, patchedObject } from "../../src/demo/kube/store.js";
import { prepareApiCreate, prepareApiUpdate } from "../../src/demo/kube/strategy.js";

export interface MemoryActuatorClusterOptions {
  /** The store to serve; default a new one (with the default namespaces) from storeOptions. */
  readonly store?: ObjectStore;
  readonly storeOptions?: ObjectStoreOptions;
  /** Namespace of refs and objects that name none (a kubeconfig context's). Default "default". */
  readonly defaultNamespace?: string;
}

export class MemoryActuatorCluster implements ActuatorCluster {
  readonly store: ObjectStore;
  readonly #defaultNamespace: string;

  constructor(options: MemoryActuatorClusterOptions = {}) {
    this.store = options.store ?? new ObjectStore(options.storeOptions);
    this.#defaultNamespace = options.defaultNamespace ?? "default";
  }

  async get(ref: ObjectRef, options?: RequestOptions): Promise<ClusterObject | undefined> {
    return this.#call(options, () => {
      const type = this.#type(ref.apiVersion, ref.kind);
      const found = this.store.find(type, ref.name, this.#namespace(type, ref.namespace));
      return found === undefined ? undefined : asClusterObject(found);
    });
  }

  async list(
    apiVersion: string,
    kind: string,
    namespace: string,
    labelSelector?: string,
    options?: RequestOptions,
  ): Promise<ClusterObject[]> {
    return this.#call(options, () => {
      const type = this.#type(apiVersion, kind);
      const { items } = this.store.list(type, {
        ...(type.namespaced && namespace !== "" ? { namespace } : {}),
        ...(labelSelector !== undefined ? { labelSelector } : {}),
      });
      return items.map(asClusterObject);
    });
  }

  async create(object: ClusterObject, options?: RequestOptions): Promise<ClusterObject> {
    return this.#call(options, () => {
      const type = this.#type(object.apiVersion, object.kind);
      const namespace = this.#namespace(type, object.metadata.namespace);
      const created = this.store.create(
        type,
        prepareApiCreate(type, structuredClone(object) as ObjectInput),
        {
          ...(namespace !== undefined ? { namespace } : {}),
        },
      );
      return asClusterObject(created);
    });
  }

  async patch(
    ref: ObjectRef,
    patch: Record<string, unknown>,
    options?: RequestOptions,
  ): Promise<ClusterObject> {
    return this.#call(options, () => {
      // As the client-node implementation sends it: the ref's identity merged into the patch.
      const meta = isRecord(patch.metadata) ? patch.metadata : {};
      const namespace = ref.namespace !== undefined ? { namespace: ref.namespace } : {};
      const body = {
        ...patch,
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { ...meta, name: ref.name, ...namespace },
      };
      return this.#patch(ref, body, undefined);
    });
  }

  async patchStatus(
    ref: ObjectRef,
    patch: Record<string, unknown>,
    options?: RequestOptions,
  ): Promise<ClusterObject> {
    return this.#call(options, () => {
      const type = this.#type(ref.apiVersion, ref.kind);
      if (!type.subresources.includes("status")) throw unknownPath();
      return this.#patch(ref, patch, "status");
    });
  }

  async delete(ref: ObjectRef, options?: RequestOptions): Promise<void> {
    return this.#call(options, () => {
      const type = this.#type(ref.apiVersion, ref.kind);
      const namespace = this.#namespace(type, ref.namespace);
      if (this.store.find(type, ref.name, namespace) === undefined) return;
      this.store.delete(type, ref.name, namespace);
    });
  }

  async getScale(ref: ObjectRef, options?: RequestOptions): Promise<ScaleView | undefined> {
    return this.#call(options, () => {
      const type = this.#type(ref.apiVersion, ref.kind);
      if (!type.scale) return undefined;
      const found = this.store.find(type, ref.name, this.#namespace(type, ref.namespace));
      if (found === undefined) return undefined;
      const scale = scaleOf(type, found);
      const spec = scale.spec as { replicas: number };
      const status = scale.status as { replicas: number };
      return {
        replicas: spec.replicas,
        currentReplicas: status.replicas,
        ...(scale.metadata.resourceVersion !== undefined
          ? { resourceVersion: scale.metadata.resourceVersion }
          : {}),
      };
    });
  }

  async setScale(
    ref: ObjectRef,
    replicas: number,
    resourceVersion?: string,
    options?: RequestOptions,
  ): Promise<void> {
    return this.#call(options, () => {
      const type = this.#type(ref.apiVersion, ref.kind);
      if (!type.scale) throw unknownPath();
      const namespace = this.#namespace(type, ref.namespace);
      const existing = this.store.get(type, ref.name, namespace);
      const patch = {
        spec: { replicas },
        ...(resourceVersion !== undefined ? { metadata: { resourceVersion } } : {}),
      };
      const scale = patchedObject(type, scaleOf(type, existing), patch, MERGE_PATCH);
      this.store.update(type, objectForScale(type, existing, scale), {
        ...(namespace !== undefined ? { namespace } : {}),
      });
    });
  }

  #patch(ref: ObjectRef, patch: Record<string, unknown>, subresource: "status" | undefined): ClusterObject {
    const type = this.#type(ref.apiVersion, ref.kind);
    const namespace = this.#namespace(type, ref.namespace);
    const existing = this.store.get(type, ref.name, namespace);
    const patched = patchedObject(type, existing, patch, MERGE_PATCH);
    const next = prepareApiUpdate(type, subresource, existing, patched);
    return asClusterObject(
      this.store.update(type, next, { ...(namespace !== undefined ? { namespace } : {}) }),
    );
  }

  /** Runs `call` unless the signal is already aborted; the store's failures as client-node's. */
  async #call<T>(options: RequestOptions | undefined, call: () => T): Promise<T> {
    options?.signal?.throwIfAborted();
    try {
      return call();
    } catch (err) {
      if (err instanceof KubeApiError) throw apiException(err);
      throw err;
    }
  }

  #type(apiVersion: string, kind: string): ResourceType {
    const type = this.store.registry.all().find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
    if (!type) throw new Error(`the API server does not serve kind ${kind} in ${apiVersion}`);
    return type;
  }

  #namespace(type: ResourceType, namespace: string | undefined): string | undefined {
    return type.namespaced ? (namespace ?? this.#defaultNamespace) : undefined;
  }
}

function asClusterObject(object: StoredObject): ClusterObject {
  return object as unknown as ClusterObject;
}

/** A store failure as client-node's ApiException for that answer. */
function apiException(err: KubeApiError): ApiException<string> {
  return new ApiException(err.code, "Unsuccessful HTTP Request", JSON.stringify(err.status), {
    "content-type": "application/json",
  });
}
