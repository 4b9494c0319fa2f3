/**
 * The resource types the simulated Kubernetes API serves, in one table, and the registry that looks
 * them up. What a `ResourceType` holds is resourceTypeShape.ts. Adding a type is adding an entry to
 * `CORE_RESOURCE_TYPES` (or `EXTRA_RESOURCE_TYPES`), creating a CRD, or `registry.register(type)`.
 */
import type { GroupResource } from "../../k8s/groupResource.js";
import { EXTRA_RESOURCE_TYPES } from "./extraResourceTypes.js";
import {
  DEPLOYMENT_COLUMNS,
  NAMESPACE_COLUMNS,
  NODE_COLUMNS,
  POD_COLUMNS,
  SERVICE_COLUMNS,
} from "./printColumns.js";
import type { ResourceType } from "./resourceTypeShape.js";
import { ALL_VERBS, fieldLabels, labelSelectorString, nonNegativeInteger, section } from "./typeHelpers.js";

export const CORE_RESOURCE_TYPES: readonly ResourceType[] = [
  {
    group: "",
    version: "v1",
    resource: "namespaces",
    kind: "Namespace",
    printColumns: NAMESPACE_COLUMNS,
    namespaced: false,
    singular: "namespace",
    shortNames: ["ns"],
    categories: [],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    subresources: ["status"],
    deleteReturnsObject: true,
    nameFormat: "label",
    generationFrom: [],
    fieldLabels: fieldLabels(["status.phase"]),
    applyDefaults: (obj) => {
      // Since 1.21 every namespace carries its own name as an immutable label.
      obj.metadata.labels = { ...obj.metadata.labels, "kubernetes.io/metadata.name": obj.metadata.name };
      const spec = section(obj, "spec");
      if (!Array.isArray(spec.finalizers)) spec.finalizers = ["kubernetes"];
      const status = section(obj, "status");
      if (typeof status.phase !== "string") status.phase = "Active";
    },
    initialStatus: () => ({ phase: "Active" }),
  },
  {
    group: "",
    version: "v1",
    resource: "pods",
    kind: "Pod",
    printColumns: POD_COLUMNS,
    namespaced: true,
    singular: "pod",
    shortNames: ["po"],
    categories: ["all"],
    verbs: ALL_VERBS,
    subresources: ["status"],
    deleteReturnsObject: true,
    nameFormat: "subdomain",
    generationFrom: [],
    fieldLabels: fieldLabels([
      "spec.nodeName",
      "spec.restartPolicy",
      "spec.schedulerName",
      "spec.serviceAccountName",
      "status.phase",
      "status.podIP",
      "status.nominatedNodeName",
    ]),
    applyDefaults: (obj) => {
      const spec = section(obj, "spec");
      spec.restartPolicy ??= "Always";
      spec.schedulerName ??= "default-scheduler";
      spec.terminationGracePeriodSeconds ??= 30;
    },
    initialStatus: () => ({ phase: "Pending", qosClass: "BestEffort" }),
  },
  {
    group: "",
    version: "v1",
    resource: "nodes",
    kind: "Node",
    printColumns: NODE_COLUMNS,
    namespaced: false,
    singular: "node",
    shortNames: ["no"],
    categories: [],
    verbs: ALL_VERBS,
    subresources: ["status"],
    deleteReturnsObject: false,
    nameFormat: "subdomain",
    generationFrom: [],
    fieldLabels: fieldLabels(["spec.unschedulable"]),
    // No initialStatus: nodes are the one kind whose create keeps client-sent status (kubelet registration).
  },
  {
    group: "",
    version: "v1",
    resource: "services",
    kind: "Service",
    printColumns: SERVICE_COLUMNS,
    namespaced: true,
    singular: "service",
    shortNames: ["svc"],
    categories: ["all"],
    verbs: ALL_VERBS,
    subresources: ["status"],
    deleteReturnsObject: true,
    nameFormat: "dns1035",
    generationFrom: [],
    fieldLabels: fieldLabels(["spec.clusterIP", "spec.type"]),
    applyDefaults: (obj) => {
      const spec = section(obj, "spec");
      spec.type ??= "ClusterIP";
      spec.sessionAffinity ??= "None";
    },
    initialStatus: () => ({ loadBalancer: {} }),
  },
  {
    group: "apps",
    version: "v1",
    resource: "deployments",
    kind: "Deployment",
    printColumns: DEPLOYMENT_COLUMNS,
    namespaced: true,
    singular: "deployment",
    shortNames: ["deploy"],
    categories: ["all"],
    verbs: ALL_VERBS,
    subresources: ["status", "scale"],
    scale: {
      specReplicasPath: "spec.replicas",
      statusReplicasPath: "status.replicas",
      selector: (obj) => labelSelectorString((obj.spec as Record<string, unknown> | undefined)?.selector),
    },
    validate: (obj) => nonNegativeInteger(obj, "spec.replicas"),
    deleteReturnsObject: false,
    nameFormat: "subdomain",
    // Annotations bump it too: the controller copies them onto ReplicaSets.
    generationFrom: ["spec", "annotations"],
    fieldLabels: {},
    applyDefaults: (obj) => {
      const spec = section(obj, "spec");
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      spec.strategy ??= { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } };
    },
    initialStatus: () => ({}),
  },
];

/** Every type the simulator serves out of the box: core ones, then the autoscaling-related ones. */
export const BUILTIN_RESOURCE_TYPES: readonly ResourceType[] = [
  ...CORE_RESOURCE_TYPES,
  ...EXTRA_RESOURCE_TYPES,
];

/** A resource named by its type, its group-resource, or a string as kubectl accepts it. */
export type ResourceRef = ResourceType | GroupResource | string;

export function typeKey(t: GroupResource): string {
  return `${t.group}/${t.resource}`;
}

export function apiVersionOf(t: ResourceType): string {
  return t.group === "" ? t.version : `${t.group}/${t.version}`;
}

/** The set of served resource types. Built from a table; `register` adds one (CRDs), `unregister` removes it. */
export class ResourceRegistry {
  readonly #types = new Map<string, ResourceType>();

  constructor(types: readonly ResourceType[] = BUILTIN_RESOURCE_TYPES) {
    for (const t of types) this.register(t);
  }

  register(type: ResourceType): void {
    const key = typeKey(type);
    if (this.#types.has(key)) {
      throw new Error(`resource type ${key} is already registered; register each group/resource once`);
    }
    for (const other of this.#types.values()) {
      if (other.group === type.group && other.version === type.version && other.kind === type.kind) {
        throw new Error(`kind ${type.kind} is already served by ${typeKey(other)} in ${apiVersionOf(type)}`);
      }
    }
    this.#types.set(key, type);
  }

  /** Stops serving a type (a deleted CRD). Returns whether it was registered. */
  unregister(ref: GroupResource): boolean {
    return this.#types.delete(typeKey(ref));
  }

  all(): readonly ResourceType[] {
    return [...this.#types.values()];
  }

  lookup(group: string, version: string, resource: string): ResourceType | undefined {
    const t = this.#types.get(`${group}/${resource}`);
    return t && t.version === version ? t : undefined;
  }

  /** Non-core groups in registration order, each with its versions. */
  groups(): readonly { name: string; versions: readonly string[] }[] {
    const byGroup = new Map<string, string[]>();
    for (const t of this.#types.values()) {
      if (t.group === "") continue;
      const versions = byGroup.get(t.group) ?? [];
      if (!versions.includes(t.version)) versions.push(t.version);
      byGroup.set(t.group, versions);
    }
    return [...byGroup].map(([name, versions]) => ({ name, versions }));
  }

  inGroupVersion(group: string, version: string): readonly ResourceType[] {
    return this.all().filter((t) => t.group === group && t.version === version);
  }

  /**
   * Finds a type from a ResourceType, a GroupResource, or a string: plural (`pods`), qualified
   * (`deployments.apps`), singular, short name or Kind. Throws naming the known resources.
   */
  resolve(ref: ResourceRef): ResourceType {
    if (typeof ref !== "string") {
      const found = this.#types.get(typeKey(ref));
      if (found) return found;
      throw new Error(`resource ${typeKey(ref)} is not registered; known: ${this.#known()}`);
    }
    const text = ref.trim();
    const dot = text.indexOf(".");
    const name = (dot === -1 ? text : text.slice(0, dot)).toLowerCase();
    const group = dot === -1 ? undefined : text.slice(dot + 1);
    const matches = this.all().filter(
      (t) =>
        (group === undefined || t.group === group) &&
        (t.resource === name ||
          t.singular === name ||
          t.kind.toLowerCase() === name ||
          t.shortNames.includes(name)),
    );
    if (matches.length === 1 && matches[0]) return matches[0];
    if (matches.length > 1) {
      throw new Error(
        `resource "${ref}" is ambiguous (${matches.map(typeKey).join(", ")}); qualify it as resource.group`,
      );
    }
    throw new Error(`resource "${ref}" is not registered; known: ${this.#known()}`);
  }

  #known(): string {
    return this.all()
      .map((t) => (t.group ? `${t.resource}.${t.group}` : t.resource))
      .join(", ");
  }
}
