/**
 * Names of Kubernetes resources: a group-resource, what discovery says about a resource, and the
 * RESTMapper-like port that resolves a name to it.
 */

/** Identifies a Kubernetes resource by API group and plural name ("" is the core group). */
export interface GroupResource {
  readonly group: string;
  readonly resource: string;
}

/** What the API server (or the built-in table) says about one resource. */
export interface ResourceInfo {
  /** API group, "" for core. */
  readonly group: string;
  /** Preferred version, e.g. "v1". */
  readonly version: string;
  /** Lowercase plural, e.g. "pods", "deployments". */
  readonly resource: string;
  /** Lowercase singular, e.g. "pod". */
  readonly singular: string;
  /** Kind, e.g. "Pod". */
  readonly kind: string;
  readonly namespaced: boolean;
}

/** Resolves resource names the way a RESTMapper does. */
export interface ResourceCatalog {
  /**
   * `name` may be plural or singular, bare (`pods`, `pod`) or group-qualified (`deployments.apps`,
   * `deployment.apps`); case-insensitive. `group` (when given) is the group from a config override,
   * and `name` is then bare. Returns undefined for unknown resources.
   */
  resolve(name: string, group?: string): ResourceInfo | undefined;
}

/** The group-resource string as Kubernetes prints it: `pods`, `deployments.apps`. */
export function groupResourceString(info: Pick<ResourceInfo, "group" | "resource">): string {
  return info.group === "" ? info.resource : `${info.resource}.${info.group}`;
}
