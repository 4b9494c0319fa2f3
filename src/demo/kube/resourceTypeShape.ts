/**
 * What one resource type of the simulated Kubernetes API is: the discovery data (what `/api/v1` and
 * `/apis/<g>/<v>` list) plus the few per-type rules the store applies (defaults, generation,
 * selectable fields, validation, columns). Apart from the tables that list types
 * (resourceTypes.ts, extraResourceTypes.ts) and the helpers they use, so none of them import each
 * other in a circle.
 */
import type { JsonObject, StoredObject } from "./objects.js";
import type { PrintColumn } from "./printColumns.js";
import type { FieldCause } from "./status.js";

export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection";

/** Which name rule the apiserver applies: RFC 1123 subdomain, RFC 1123 label, or RFC 1035 label. */
export type NameFormat = "subdomain" | "label" | "dns1035";

export interface ResourceType {
  readonly group: string;
  readonly version: string;
  /** Lowercase plural, as in URLs. */
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly verbs: readonly Verb[];
  /** Served subresources: "status", and "scale" when `scale` says where the replicas live. */
  readonly subresources: readonly string[];
  /** Where the `/scale` subresource (autoscaling/v1 Scale) reads and writes replicas. */
  readonly scale?: ScaleMapping;
  /** DELETE answers with the deleted object (registry `ReturnDeletedObject`) rather than a Status. */
  readonly deleteReturnsObject: boolean;
  readonly nameFormat: NameFormat;
  /** Changes to these parts bump metadata.generation; empty means the type keeps no generation. */
  readonly generationFrom: readonly ("spec" | "annotations")[];
  /** Field-selector labels beyond metadata.name / metadata.namespace, read from the object. */
  readonly fieldLabels: Readonly<Record<string, (obj: StoredObject) => string>>;
  /** Defaulting the apiserver does on create, whoever the client is. Mutates `obj`. */
  readonly applyDefaults?: (obj: StoredObject) => void;
  /** Status that an API create starts with (create strategies drop client-sent status). */
  readonly initialStatus?: () => JsonObject;
  /**
   * Semantic validation beyond names, run on every create and update after defaulting (`old` is
   * the stored object on update). Problems become a 422 Invalid.
   */
  readonly validate?: (obj: StoredObject, old?: StoredObject) => FieldCause[];
  /** `kubectl get` columns (server-side Table); default Name and Created At. */
  readonly printColumns?: readonly PrintColumn[];
}

/** How a type maps onto autoscaling/v1 Scale (CRD `subresources.scale` has the same three parts). */
export interface ScaleMapping {
  /** Dotted path of the desired replicas, e.g. "spec.replicas". */
  readonly specReplicasPath: string;
  /** Dotted path of the observed replicas, e.g. "status.replicas" (0 when absent). */
  readonly statusReplicasPath: string;
  /** The label selector as a string for Scale's `status.selector`; "" when there is none. */
  readonly selector: (obj: StoredObject) => string;
}
