/**
 * Discovery documents of the simulated API, built from the resource registry: `/api` (APIVersions),
 * `/api/v1` and `/apis/<g>/<v>` (APIResourceList), `/apis` (APIGroupList), `/apis/<g>` (APIGroup),
 * `/version`. Legacy (unaggregated) discovery only: clients that ask for aggregated discovery get
 * plain `application/json`, and client-go / kubectl fall back to these documents on that content type.
 */
import { createHash } from "node:crypto";
import type { ResourceType } from "./resourceTypeShape.js";
import type { ResourceRegistry } from "./resourceTypes.js";
import { apiVersionOf } from "./resourceTypes.js";

export interface APIResource {
  readonly name: string;
  readonly singularName: string;
  readonly namespaced: boolean;
  readonly kind: string;
  /** Set when a subresource's kind is in another group-version (`deployments/scale`). */
  readonly group?: string;
  readonly version?: string;
  readonly verbs: readonly string[];
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly storageVersionHash?: string;
}

interface GroupVersionForDiscovery {
  readonly groupVersion: string;
  readonly version: string;
}

export interface APIGroup {
  readonly name: string;
  readonly versions: readonly GroupVersionForDiscovery[];
  readonly preferredVersion: GroupVersionForDiscovery;
}

/** The Kubernetes release the simulator claims to speak. */
export const SIMULATED_KUBE_VERSION = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.0+foresight-sim",
} as const;

/** apiserver's storageVersionHash: base64 of the first 8 bytes of sha256("group/version/Kind"). */
function storageVersionHash(t: ResourceType): string {
  return createHash("sha256")
    .update(`${t.group}/${t.version}/${t.kind}`)
    .digest()
    .subarray(0, 8)
    .toString("base64");
}

function resourcesOf(t: ResourceType): APIResource[] {
  const main: APIResource = {
    name: t.resource,
    singularName: t.singular,
    namespaced: t.namespaced,
    kind: t.kind,
    verbs: t.verbs,
    ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
    ...(t.categories.length > 0 ? { categories: t.categories } : {}),
    storageVersionHash: storageVersionHash(t),
  };
  const subresources = t.subresources.map((sub) => ({
    name: `${t.resource}/${sub}`,
    singularName: "",
    namespaced: t.namespaced,
    // The scale subresource speaks autoscaling/v1 Scale, whatever the parent's group.
    ...(sub === "scale" ? { group: "autoscaling", version: "v1", kind: "Scale" } : { kind: t.kind }),
    verbs: ["get", "patch", "update"],
  }));
  return [main, ...subresources];
}

export function apiVersions(serverAddress: string): object {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

/** APIResourceList for one group-version, or undefined when nothing is served there. */
export function apiResourceList(
  registry: ResourceRegistry,
  group: string,
  version: string,
): object | undefined {
  const types = registry.inGroupVersion(group, version);
  if (types.length === 0 && !(group === "" && version === "v1")) return undefined;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group === "" ? version : `${group}/${version}`,
    resources: types.flatMap(resourcesOf),
  };
}

function apiGroupOf(name: string, versions: readonly string[]): APIGroup {
  const entries = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  const preferred = entries[0];
  if (!preferred) throw new Error(`API group ${name} has no versions`);
  return { name, versions: entries, preferredVersion: preferred };
}

export function apiGroupList(registry: ResourceRegistry): object {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: registry.groups().map((g) => apiGroupOf(g.name, g.versions)),
  };
}

export function apiGroup(registry: ResourceRegistry, name: string): object | undefined {
  const group = registry.groups().find((g) => g.name === name);
  return group
    ? { kind: "APIGroup", apiVersion: "v1", ...apiGroupOf(group.name, group.versions) }
    : undefined;
}

/** version.Info as `/version` serves it. */
export function versionInfo(): object {
  return {
    ...SIMULATED_KUBE_VERSION,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2025-01-01T00:00:00Z",
    goVersion: `node${process.versions.node}`,
    compiler: "foresight-sim",
    platform: `${process.platform}/${process.arch === "x64" ? "amd64" : process.arch}`,
  };
}

/** What a type's objects look like on the wire, for list documents. */
export function listKindOf(t: ResourceType): { kind: string; apiVersion: string } {
  return { kind: `${t.kind}List`, apiVersion: apiVersionOf(t) };
}
