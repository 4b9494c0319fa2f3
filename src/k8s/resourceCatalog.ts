/**
 * A ResourceCatalog over a fixed list of resources: the built-in table below, later extended with
 * what the API server's discovery reports (withResources). Resolution follows a RESTMapper
 * (`schema.ParseGroupResource` splits on the first dot; a name without a group matches any group,
 * core first) and also accepts the kind, case-insensitively.
 */
import { groupResourceString, type ResourceCatalog, type ResourceInfo } from "./groupResource.js";

const info = (
  group: string,
  version: string,
  resource: string,
  singular: string,
  kind: string,
  namespaced: boolean,
): ResourceInfo => Object.freeze({ group, version, resource, singular, kind, namespaced });

/** The namespaces resource: the one every namespaced query is scoped by. */
export const NAMESPACES_RESOURCE: ResourceInfo = info(
  "",
  "v1",
  "namespaces",
  "namespace",
  "Namespace",
  false,
);

/** Resources every cluster serves, so rules resolve before (or without) API discovery. */
export const BUILTIN_RESOURCES: readonly ResourceInfo[] = Object.freeze([
  info("", "v1", "pods", "pod", "Pod", true),
  info("", "v1", "services", "service", "Service", true),
  NAMESPACES_RESOURCE,
  info("", "v1", "nodes", "node", "Node", false),
  info("", "v1", "persistentvolumes", "persistentvolume", "PersistentVolume", false),
  info("", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true),
  info("", "v1", "endpoints", "endpoints", "Endpoints", true),
  info("", "v1", "configmaps", "configmap", "ConfigMap", true),
  info("", "v1", "replicationcontrollers", "replicationcontroller", "ReplicationController", true),
  info("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true),
  info("apps", "v1", "deployments", "deployment", "Deployment", true),
  info("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true),
  info("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true),
  info("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true),
  info("batch", "v1", "jobs", "job", "Job", true),
  info("batch", "v1", "cronjobs", "cronjob", "CronJob", true),
  info("networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", true),
  info(
    "autoscaling",
    "v2",
    "horizontalpodautoscalers",
    "horizontalpodautoscaler",
    "HorizontalPodAutoscaler",
    true,
  ),
  info("coordination.k8s.io", "v1", "leases", "lease", "Lease", true),
  info("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", true),
]);

export class StaticResourceCatalog implements ResourceCatalog {
  private readonly entries: readonly ResourceInfo[];
  /** Lowercase plural, singular and kind → entries, in catalog order. */
  private readonly byName = new Map<string, ResourceInfo[]>();

  constructor(resources: readonly ResourceInfo[] = BUILTIN_RESOURCES) {
    // Discovery may leave singularName empty (older CRDs); RESTMappers fall back to the lowercase kind.
    this.entries = resources.map((r) =>
      r.singular === "" ? Object.freeze({ ...r, singular: r.kind.toLowerCase() }) : r,
    );
    for (const entry of this.entries) {
      const names = new Set([entry.resource, entry.singular, entry.kind].map((n) => n.toLowerCase()));
      for (const name of names) {
        const list = this.byName.get(name) ?? [];
        list.push(entry);
        this.byName.set(name, list);
      }
    }
  }

  resolve(name: string, group?: string): ResourceInfo | undefined {
    let bare = name.toLowerCase();
    let wanted = group?.toLowerCase() ?? "";
    // An empty group means "any group" (RESTMapper semantics), so `deployments.apps` may still carry one.
    const dot = bare.indexOf(".");
    if (wanted === "" && dot > 0) {
      wanted = bare.slice(dot + 1);
      bare = bare.slice(0, dot);
    }
    const candidates = this.byName.get(bare) ?? [];
    if (wanted !== "") return candidates.find((c) => c.group === wanted);
    return candidates.find((c) => c.group === "") ?? candidates[0];
  }

  /** Every resource, in catalog order. */
  list(): readonly ResourceInfo[] {
    return this.entries;
  }

  /** A new catalog where `extra` replaces entries of the same group-resource and adds the others. */
  withResources(extra: readonly ResourceInfo[]): StaticResourceCatalog {
    const byKey = new Map(this.entries.map((e) => [groupResourceString(e), e]));
    for (const e of extra) byKey.set(groupResourceString(e), e);
    return new StaticResourceCatalog([...byKey.values()]);
  }
}
