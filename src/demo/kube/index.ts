/**
 * The simulated cluster's Kubernetes REST facade (a simulator, not a real API server): an
 * in-memory object store and an HTTP(S) server speaking the Kubernetes API over it.
 */

export { CRD_GROUP, CRD_RESOURCE, customResourceType } from "./crd.js";
export { EXTRA_RESOURCE_TYPES } from "./extraResourceTypes.js";
export { finalizersOf, isTerminating } from "./finalizers.js";
export {
  CLIENT_CLOSED_REQUEST,
  type HoldAnswer,
  type HoldPoint,
  type InjectedResponse,
  type InterceptedRequest,
  type RawAnswer,
  type RequestInterceptor,
  type RequestRecord,
} from "./interceptor.js";
export { type KubeconfigOptions, kubeconfigYaml } from "./kubeconfig.js";
export {
  type DeploymentSpecInput,
  type NodeSpecInput,
  type PodPhase,
  type PodSpecInput,
  SIM_IMAGE,
} from "./objectBuilders.js";
export type {
  JsonObject,
  JsonValue,
  ObjectInput,
  StoredMeta,
  StoredObject,
  WatchEvent,
  WatchEventType,
} from "./objects.js";
export { JSON_PATCH, MERGE_PATCH, type PatchType, STRATEGIC_MERGE_PATCH } from "./patch.js";
export type { NameFormat, ResourceType, ScaleMapping, Verb } from "./resourceTypeShape.js";
export {
  BUILTIN_RESOURCE_TYPES,
  CORE_RESOURCE_TYPES,
  type ResourceRef,
  ResourceRegistry,
} from "./resourceTypes.js";
export {
  type AccessDecision,
  type AccessReviewSpec,
  NO_REVIEW_AUTHORITY,
  type ReviewAuthority,
  type SimUser,
  SUBJECT_ACCESS_REVIEW_PATH,
  TOKEN_REVIEW_PATH,
} from "./reviews.js";
export { objectForScale, scaleOf } from "./scale.js";
export { type KubeFacade, type KubeFacadeOptions, startKubeFacade } from "./server.js";
export { KubeApiError } from "./status.js";
export {
  DEFAULT_NAMESPACES,
  type DeleteOptions,
  type ListOptions,
  type ListResult,
  type MutateOptions,
  ObjectStore,
  type ObjectStoreOptions,
  type WatchHandle,
  type WatchListener,
  type WatchOptions,
} from "./store.js";
export { INITIAL_EVENTS_END_ANNOTATION } from "./watchStream.js";
