/**
 * Pure mappings from the simulated cluster's views to the Kubernetes objects a live simulation keeps
 * in the store: what a pod or node object should say, and whether a stored one already says it.
 */
import type { NodeView, PodView, Resources } from "../../replay/cluster/index.js";
import type { NodeSpecInput, PodSpecInput } from "../kube/objectBuilders.js";

/** Label the cluster puts on every node of a group; also marks node objects this mirror owns. */
export const NODE_GROUP_LABEL = "foresight.sim/node-group";

/** The part of a pod object the simulation drives; two equal states need no write. */
export interface PodState {
  readonly phase: "Pending" | "Running";
  readonly ready: boolean;
  readonly nodeName: string | undefined;
}

export function podName(deployment: string, pod: PodView): string {
  return `${deployment}-${pod.id}`;
}

export function podState(pod: PodView): PodState {
  return { phase: pod.phase, ready: pod.ready, nodeName: pod.node };
}

export function samePodState(a: PodState, b: PodState): boolean {
  return a.phase === b.phase && a.ready === b.ready && a.nodeName === b.nodeName;
}

export function podInput(
  namespace: string,
  name: string,
  labels: Readonly<Record<string, string>>,
  state: PodState,
): PodSpecInput {
  return {
    namespace,
    name,
    labels,
    phase: state.phase,
    ready: state.ready,
    ...(state.nodeName !== undefined ? { nodeName: state.nodeName } : {}),
  };
}

/** Kubernetes quantity text for a count of base units, in the largest exact binary suffix. */
function binaryQuantity(bytes: number): string {
  const suffixes: readonly [string, number][] = [
    ["Ti", 2 ** 40],
    ["Gi", 2 ** 30],
    ["Mi", 2 ** 20],
    ["Ki", 2 ** 10],
  ];
  for (const [suffix, size] of suffixes) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${suffix}`;
  }
  return String(Math.round(bytes));
}

/** Resources as Kubernetes quantities: a node's capacity (= allocatable here), or a pod's requests. */
export function resourceQuantities(resources: Resources): Record<string, string> {
  const cpu =
    resources.cpuMilli % 1000 === 0
      ? String(resources.cpuMilli / 1000)
      : `${Math.round(resources.cpuMilli)}m`;
  return {
    cpu,
    memory: binaryQuantity(resources.memoryBytes),
    ...(resources.gpu > 0 ? { "nvidia.com/gpu": String(resources.gpu) } : {}),
  };
}

export interface NodeGroupInfo {
  readonly allocatable: Resources;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The node object for a cluster node. Without the group's description the object still carries the
 * group label, and the builder's default capacity.
 */
export function nodeInput(node: NodeView, group: NodeGroupInfo | undefined): NodeSpecInput {
  return {
    name: node.name,
    labels: { ...group?.labels, [NODE_GROUP_LABEL]: node.group },
    ...(group ? { capacity: resourceQuantities(group.allocatable) } : {}),
  };
}
