/**
 * Builders for the objects tests and the simulator create most: namespaces, pods, deployments and
 * nodes, shaped like what a real cluster returns (ready conditions, container statuses), so code
 * that reads them in production reads them here unchanged.
 */
import type { ObjectInput } from "./objects.js";

/** A placeholder image; nothing pulls it. */
export const SIM_IMAGE = "registry.k8s.io/pause:3.10";

export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";

export interface PodSpecInput {
  readonly namespace: string;
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** Default "Running". */
  readonly phase?: PodPhase;
  /** Ready condition and container readiness; default true when Running. */
  readonly ready?: boolean;
  readonly nodeName?: string;
  readonly podIP?: string;
  /** Owner (e.g. a ReplicaSet) to record in ownerReferences. */
  readonly owner?: {
    readonly kind: string;
    readonly name: string;
    readonly uid: string;
    readonly apiVersion: string;
  };
}

export interface DeploymentSpecInput {
  readonly namespace: string;
  readonly name: string;
  readonly replicas: number;
  /** spec.selector.matchLabels; also the pod template's labels. */
  readonly selector: Readonly<Record<string, string>>;
  /** The Deployment's own labels; default the selector. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Resource requests of the pod template's container, e.g. { cpu: "4", "nvidia.com/gpu": "1" }. */
  readonly requests?: Readonly<Record<string, string>>;
}

export interface NodeSpecInput {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** Resource name → quantity, e.g. { cpu: "8", memory: "32Gi", "nvidia.com/gpu": "4" }. */
  readonly capacity?: Readonly<Record<string, string>>;
  /** Default true. */
  readonly ready?: boolean;
}

const CONTAINER = "main";

export function namespaceObject(name: string, labels?: Readonly<Record<string, string>>): ObjectInput {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, ...(labels ? { labels: { ...labels } } : {}) },
  };
}

export function podObject(input: PodSpecInput, now: string): ObjectInput {
  const phase = input.phase ?? "Running";
  const ready = input.ready ?? phase === "Running";
  const truth = (b: boolean) => (b ? "True" : "False");
  const scheduled = input.nodeName !== undefined || phase !== "Pending";
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: { ...input.labels },
      ...(input.owner
        ? { ownerReferences: [{ ...input.owner, controller: true, blockOwnerDeletion: true }] }
        : {}),
    },
    spec: {
      containers: [{ name: CONTAINER, image: SIM_IMAGE }],
      ...(input.nodeName !== undefined ? { nodeName: input.nodeName } : {}),
    },
    status: {
      phase,
      conditions: [
        { type: "PodScheduled", status: truth(scheduled), lastTransitionTime: now },
        { type: "Initialized", status: "True", lastTransitionTime: now },
        { type: "ContainersReady", status: truth(ready), lastTransitionTime: now },
        { type: "Ready", status: truth(ready), lastTransitionTime: now },
      ],
      ...(input.podIP !== undefined ? { podIP: input.podIP, podIPs: [{ ip: input.podIP }] } : {}),
      ...(phase !== "Pending" ? { startTime: now } : {}),
      containerStatuses: [
        {
          name: CONTAINER,
          image: SIM_IMAGE,
          imageID: "",
          ready,
          started: phase === "Running",
          restartCount: 0,
          state:
            phase === "Running"
              ? { running: { startedAt: now } }
              : { waiting: { reason: "ContainerCreating" } },
        },
      ],
      qosClass: "BestEffort",
    },
  };
}

export function deploymentObject(input: DeploymentSpecInput): ObjectInput {
  if (!Number.isInteger(input.replicas) || input.replicas < 0) {
    throw new Error(`deployment ${input.namespace}/${input.name}: replicas must be a whole number ≥ 0`);
  }
  if (Object.keys(input.selector).length === 0) {
    throw new Error(`deployment ${input.namespace}/${input.name}: give a non-empty selector (matchLabels)`);
  }
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: { ...(input.labels ?? input.selector) },
    },
    spec: {
      replicas: input.replicas,
      selector: { matchLabels: { ...input.selector } },
      template: {
        metadata: { labels: { ...input.selector } },
        spec: {
          containers: [
            {
              name: CONTAINER,
              image: SIM_IMAGE,
              ...(input.requests ? { resources: { requests: { ...input.requests } } } : {}),
            },
          ],
        },
      },
    },
    status: {},
  };
}

export function nodeObject(input: NodeSpecInput, now: string): ObjectInput {
  const ready = input.ready ?? true;
  const capacity = { cpu: "8", memory: "32Gi", pods: "110", ...input.capacity };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: input.name,
      labels: {
        "kubernetes.io/hostname": input.name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        ...input.labels,
      },
    },
    spec: {},
    status: {
      capacity,
      allocatable: { ...capacity },
      conditions: [
        {
          type: "Ready",
          status: ready ? "True" : "False",
          reason: ready ? "KubeletReady" : "KubeletNotReady",
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
      nodeInfo: { kubeletVersion: "v1.32.0-sim", architecture: "amd64", operatingSystem: "linux" },
    },
  };
}
