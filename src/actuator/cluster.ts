/**
 * The actuator's port to the Kubernetes API: the few reads and writes the controller and its
 * executors make, with Kubernetes' own semantics (a merge patch carrying metadata.resourceVersion
 * fails with 409 when the object changed; deletes of missing objects are not errors). The
 * implementation over @kubernetes/client-node is src/kube/actuatorClient.ts; every write is made
 * with the field manager `foresight`.
 */

export const FIELD_MANAGER = "foresight";

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** The metadata of a ClusterObject (the lister's read-only view is k8s/lister.ts's ObjectMeta). */
export interface ClusterObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  ownerReferences?: unknown[];
  [key: string]: unknown;
}

/**
 * Any Kubernetes object as the actuator reads and writes it, whole and loosely typed: executors
 * read the fields they need defensively (the serving path's listers hold k8s/lister.ts's KubeObject,
 * metadata only).
 */
export interface ClusterObject {
  apiVersion: string;
  kind: string;
  metadata: ClusterObjectMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ScaleView {
  /** spec.replicas of the scale subresource. */
  readonly replicas: number;
  /** status.replicas (pods that exist). */
  readonly currentReplicas: number;
  readonly resourceVersion?: string;
}

/**
 * Per call: a signal that cancels the request. A request cancelled before the API server served it
 * is never served (see src/kube/requestSignals.ts); doubles may ignore it.
 */
export interface RequestOptions {
  readonly signal?: AbortSignal;
}

export interface ActuatorCluster {
  /** The object, or undefined when it does not exist. */
  get(ref: ObjectRef, options?: RequestOptions): Promise<ClusterObject | undefined>;
  list(
    apiVersion: string,
    kind: string,
    namespace: string,
    labelSelector?: string,
    options?: RequestOptions,
  ): Promise<ClusterObject[]>;
  create(object: ClusterObject, options?: RequestOptions): Promise<ClusterObject>;
  /** JSON merge patch; put metadata.resourceVersion in the patch for optimistic concurrency (409). */
  patch(ref: ObjectRef, patch: Record<string, unknown>, options?: RequestOptions): Promise<ClusterObject>;
  /** Merge patch of the status subresource. */
  patchStatus(
    ref: ObjectRef,
    patch: Record<string, unknown>,
    options?: RequestOptions,
  ): Promise<ClusterObject>;
  /** Deletes; a missing object is fine. */
  delete(ref: ObjectRef, options?: RequestOptions): Promise<void>;
  getScale(ref: ObjectRef, options?: RequestOptions): Promise<ScaleView | undefined>;
  /** Sets spec.replicas through /scale, guarded by resourceVersion when given. */
  setScale(
    ref: ObjectRef,
    replicas: number,
    resourceVersion?: string,
    options?: RequestOptions,
  ): Promise<void>;
}

export function refOf(object: ClusterObject): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace !== undefined ? { namespace: object.metadata.namespace } : {}),
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
