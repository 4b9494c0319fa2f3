/**
 * Read-only view of Kubernetes objects kept in memory by an informer (client-go's lister).
 * The serving hot path reads names and labels from here; it never lists from the API server per request.
 */

import type { GroupResource } from "./groupResource.js";

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly uid?: string;
  readonly resourceVersion?: string;
}

export interface KubeObject {
  readonly metadata: ObjectMeta;
}

export interface Lister<T extends KubeObject = KubeObject> {
  /** Objects in `namespace`, or in every namespace when omitted. */
  list(namespace?: string): readonly T[];
  get(name: string, namespace?: string): T | undefined;
  /** True once the initial list has been loaded (HasSynced). */
  hasSynced(): boolean;
}

/** Gives listers by group-resource. Unknown or unlisted resources yield undefined. */
export interface ListerFactory {
  listerFor(gr: GroupResource): Lister | undefined;
}
