/** Shapes the simulated cluster is built from: resources, workloads, node groups, options. */

/** Requests or allocatable: CPU in millicores, memory in bytes, `nvidia.com/gpu` as a count. */
export interface Resources {
  readonly cpuMilli: number;
  readonly memoryBytes: number;
  readonly gpu: number;
}

export interface DeploymentSpec {
  readonly name: string;
  /** Requests of one pod (the pod template's). */
  readonly requests: Resources;
  /** Initial desired replicas; default 0. */
  readonly replicas?: number;
  /** Bind → Ready (container start, model load, readiness probe); default 0. */
  readonly startupMs?: number;
  /** Pod priority; negative marks placeholder (pause) pods that real pods preempt. Default 0. */
  readonly priority?: number;
  /** Node labels a pod requires (nodeSelector); default none. */
  readonly nodeSelector?: Readonly<Record<string, string>>;
}

/**
 * A CapacityBuffer (autoscaling.x-k8s.io, active-capacity strategy): `replicas` chunks of the template's
 * shape kept as fake pods the autoscaler provisions for.
 */
export interface CapacityBufferSpec {
  readonly name: string;
  readonly requests: Resources;
  readonly replicas: number;
  readonly nodeSelector?: Readonly<Record<string, string>>;
}

export interface NodeGroupSpec {
  readonly name: string;
  /** Allocatable of each node. */
  readonly allocatable: Resources;
  readonly labels?: Readonly<Record<string, string>>;
  readonly minNodes?: number;
  readonly maxNodes: number;
  /** Nodes present at the start; default `minNodes`. */
  readonly initialNodes?: number;
  /** Scale-up request → node schedulable (boot, join, device plugin); default 0. */
  readonly provisioningDelayMs?: number;
}

export interface SimClusterOptions {
  readonly startMs?: number;
  readonly nodeGroups: readonly NodeGroupSpec[];
  /** Cluster-autoscaler loop period (`--scan-interval`); default 10 s. */
  readonly scanIntervalMs?: number;
  /** How long a node must stay empty before removal (`--scale-down-unneeded-time`); default 10 min. */
  readonly scaleDownUnneededMs?: number;
  /** No scale-down this long after a scale-up (`--scale-down-delay-after-add`); default 0 here (CA: 10 min). */
  readonly scaleDownDelayAfterAddMs?: number;
  /** Pods below this priority neither trigger scale-up nor keep nodes (`--expendable-pods-priority-cutoff`); default −10. */
  readonly expendablePriorityCutoff?: number;
  /** Priority of CapacityBuffer placeholder pods; default −1. */
  readonly bufferPriority?: number;
}
