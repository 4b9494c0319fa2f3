/**
 * The replay loop: workloads whose demand comes from traces, each scaled by its own policy, on one
 * simulated cluster (SimCluster: pod start-up, node provisioning, cluster autoscaler). Every 15 s
 * step: the cluster advances (pods become ready, nodes join), each policy decides from the past
 * only and its replicas are applied, a settle step 1 ms later lets new pods bind (and, when nodes are
 * always available, lets the autoscaler add them at once); then the step is scored against the
 * replicas that serve it and the metric takes its sample (the HPA sees it a scrape later). Pod start-up is `leadTime − 1 ms` so that a pod requested at step t is Ready at
 * step t + leadTime / 15 s exactly, whichever of the two moments it bound at.
 */

import { SimCluster } from "./cluster/simCluster.js";
import type { Resources } from "./cluster/types.js";
import type { SimPod } from "./hpa/types.js";
import { LaggedSignal, type MetricLag, utilizationPercent } from "./metricSignal.js";
import { POD_CPU_REQUEST_MILLI } from "./policies/hpaDriver.js";
import type { Policy, PolicyContext, PolicyFactory, StepView } from "./policies/types.js";
import { type CostCounters, type LatencySlo, type RawScores, ScoreAccumulator } from "./scores.js";

const GIB = 1024 ** 3;
/** The HPA's target as a fraction of saturation when none is given (a common HPA target). */
export const DEFAULT_TARGET_UTILIZATION = 0.7;
/** Pods of one replica's shape a node holds when not given. */
export const DEFAULT_PODS_PER_NODE = 4;
const SETTLE_MS = 1;
/** Steps between progress reports (a day at 15 s steps is 5,760). */
const PROGRESS_EVERY = 2_000;

export interface WorkloadInput {
  readonly name: string;
  /** Demand per step from `startMs`. */
  readonly demand: Float64Array;
  /** Demand one ready replica serves at 100 % utilization (the pod's size). */
  readonly saturationPerReplica: number;
}

export interface ReplayOptions {
  readonly startMs: number;
  readonly stepMs: number;
  /** Pod start-up plus warm-up. */
  readonly leadTimeMs: number;
  /** Node provisioning delay; 0 (default) means nodes are always available. */
  readonly nodeLeadTimeMs?: number;
  /** HPA target as a fraction of saturation (default 0.7). */
  readonly targetUtilization?: number;
  /** Steps before scoring starts. */
  readonly warmupSteps: number;
  /** Pods of one replica's shape a node holds (default 4). */
  readonly podsPerNode?: number;
  readonly minReplicas?: number;
  /** Default: 4 × the replicas the p100 demand needs. */
  readonly maxReplicas?: number;
  readonly metricLag?: MetricLag;
  /** Keep ready replicas per step (for plots). */
  readonly recordReady?: boolean;
  /** The latency SLO scored (default M/M/c, 2× the unloaded p95). */
  readonly slo?: LatencySlo;
  /** GPUs one replica requests (default 1: nodes hold podsPerNode of them). */
  readonly gpusPerReplica?: number;
  /** Called every few thousand steps and at the end with the steps done. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface WorkloadRun {
  readonly name: string;
  readonly policy: string;
  readonly scores: RawScores;
  /** Ready replicas per step, when recorded. */
  readonly ready?: Int32Array;
  readonly forecastMs: number;
}

export interface ReplayResult {
  readonly workloads: WorkloadRun[];
  /** Node-hours of the whole cluster over the evaluation window (joined and provisioning nodes). */
  readonly clusterNodeHours: number;
  readonly steps: number;
  readonly scoredSteps: number;
}

interface PodTimes {
  startMs: number;
  readyMs: number | undefined;
}

interface Lane {
  readonly input: WorkloadInput;
  readonly policy: Policy;
  readonly context: PolicyContext;
  readonly signal: LaggedSignal;
  readonly scores: ScoreAccumulator;
  readonly ready: Int32Array | undefined;
  times: Map<number, PodTimes>;
  start: CostCounters | undefined;
  hasBuffer: boolean;
}

export async function replay(
  workloads: readonly WorkloadInput[],
  factory: PolicyFactory,
  options: ReplayOptions,
): Promise<ReplayResult> {
  if (workloads.length === 0) throw new RangeError("replay: no workloads given");
  const { startMs, stepMs, leadTimeMs } = options;
  const nodeLead = options.nodeLeadTimeMs ?? 0;
  const target = options.targetUtilization ?? DEFAULT_TARGET_UTILIZATION;
  const podsPerNode = options.podsPerNode ?? DEFAULT_PODS_PER_NODE;
  const minReplicas = options.minReplicas ?? 1;
  if (!(stepMs > 0 && leadTimeMs >= 0 && nodeLead >= 0))
    throw new RangeError("replay: step must be > 0 and lead times ≥ 0");
  if (!(target > 0 && target <= 1))
    throw new RangeError(`replay: target utilization ${target} must be in (0, 1]`);
  const steps = Math.min(...workloads.map((w) => w.demand.length));
  const warmup = Math.min(Math.max(0, options.warmupSteps), steps);
  const gpus = options.gpusPerReplica ?? 1;
  const requests: Resources = { cpuMilli: POD_CPU_REQUEST_MILLI, memoryBytes: GIB, gpu: gpus };

  const initial = workloads.map((w) =>
    Math.max(minReplicas, Math.ceil((w.demand[0] as number) / (w.saturationPerReplica * target) - 1e-9)),
  );
  const initialPods = initial.reduce((a, b) => a + b, 0);
  const clusterStart = startMs - leadTimeMs - SETTLE_MS;
  const cluster = new SimCluster({
    startMs: clusterStart,
    nodeGroups: [
      {
        name: "pool",
        allocatable: {
          cpuMilli: podsPerNode * POD_CPU_REQUEST_MILLI,
          memoryBytes: podsPerNode * GIB,
          gpu: podsPerNode * gpus,
        },
        maxNodes: 10_000_000,
        initialNodes: Math.ceil(initialPods / podsPerNode),
        provisioningDelayMs: nodeLead,
      },
    ],
    // Always-available nodes: the autoscaler reacts within the settle step.
    scanIntervalMs: nodeLead > 0 ? 10_000 : SETTLE_MS,
  });

  const lanes: Lane[] = workloads.map((input, k) => {
    let peak = 0;
    for (const d of input.demand) peak = Math.max(peak, d);
    if (!(input.saturationPerReplica > 0))
      throw new RangeError(`replay: workload ${input.name}'s saturation capacity must be > 0`);
    const capacityPerReplica = input.saturationPerReplica * target;
    const context: PolicyContext = {
      stepMs,
      startMs,
      capacityPerReplica,
      saturationPerReplica: input.saturationPerReplica,
      targetUtilization: target,
      leadTimeMs,
      nodeLeadTimeMs: nodeLead,
      minReplicas,
      maxReplicas: options.maxReplicas ?? Math.max(minReplicas, 4 * Math.ceil(peak / capacityPerReplica)),
      futureDemand: input.demand,
    };
    cluster.addDeployment({
      name: input.name,
      requests,
      replicas: initial[k] as number,
      startupMs: Math.max(0, leadTimeMs - SETTLE_MS),
    });
    return {
      input,
      policy: factory(context),
      context,
      signal: new LaggedSignal(stepMs, options.metricLag),
      scores: new ScoreAccumulator({
        saturationPerReplica: input.saturationPerReplica,
        targetUtilization: target,
        ...(options.slo ? { slo: options.slo } : {}),
        gpusPerNode: podsPerNode * gpus,
      }),
      ready: options.recordReady ? new Int32Array(steps) : undefined,
      times: new Map(),
      start: undefined,
      hasBuffer: false,
    };
  });

  const counters = (lane: Lane): CostCounters => {
    const status = cluster.deploymentStatus(lane.input.name);
    return { podSeconds: status.podSeconds, nodeSeconds: 0, scaleEvents: status.scaleEvents };
  };
  const clusterNodeSeconds = () => cluster.nodeSeconds() + cluster.provisioningNodeSeconds();
  let nodeStart = 0;

  for (let i = 0; i < steps; i++) {
    const now = startMs + i * stepMs;
    cluster.step(now);
    if (i === warmup) {
      nodeStart = clusterNodeSeconds();
      for (const lane of lanes) lane.start = counters(lane);
    }
    for (const lane of lanes) {
      const name = lane.input.name;
      const status = cluster.deploymentStatus(name);
      const view: StepView = {
        nowMs: now,
        step: i,
        stepMs,
        history: lane.input.demand.subarray(0, i + 1),
        utilization: lane.signal.value(),
        metricTimestampMs: now - lane.signal.delaySteps * stepMs,
        metricWindowMs: lane.signal.windowMs,
        pods: () => podsOf(cluster, lane, now, leadTimeMs),
        desired: status.desired,
        ready: status.ready,
        allocated: status.running,
      };
      const answer = lane.policy.decide(view);
      const decision = answer instanceof Promise ? await answer : answer;
      const replicas = clampReplicas(decision.replicas, lane.context);
      if (replicas !== status.desired) cluster.setReplicas(name, replicas);
      if (decision.bufferReplicas !== undefined)
        applyBuffer(cluster, lane, requests, decision.bufferReplicas);
    }
    cluster.step(now + SETTLE_MS);
    // The step's demand meets the replicas that serve it: those ready at the step, less any the
    // decision deleted (new pods are not ready yet).
    for (const lane of lanes) {
      const demand = lane.input.demand[i] as number;
      const ready = cluster.readyReplicas(lane.input.name);
      if (lane.ready) lane.ready[i] = ready;
      if (i >= warmup) lane.scores.observe(demand, ready);
      lane.signal.push(utilizationPercent(demand, ready, lane.input.saturationPerReplica));
    }
    if (options.onProgress && (i % PROGRESS_EVERY === 0 || i === steps - 1)) options.onProgress(i + 1, steps);
  }
  const endMs = startMs + steps * stepMs;
  cluster.step(endMs);
  const nodeHours = warmup < steps ? (clusterNodeSeconds() - nodeStart) / 3600 : 0;
  const empty: CostCounters = { podSeconds: 0, nodeSeconds: 0, scaleEvents: 0 };
  return {
    steps,
    scoredSteps: steps - warmup,
    clusterNodeHours: nodeHours,
    workloads: lanes.map((lane) => {
      const end = lane.start === undefined ? empty : counters(lane);
      const raw = lane.scores.finish(lane.start ?? empty, end);
      return {
        name: lane.input.name,
        policy: lane.policy.name,
        // Node-hours belong to the cluster; with one workload they are its own.
        scores: { ...raw, nodeHours, gpuHours: nodeHours * podsPerNode * gpus },
        ...(lane.ready ? { ready: lane.ready } : {}),
        forecastMs: lane.policy.forecastMs ?? 0,
      };
    }),
  };
}

function clampReplicas(replicas: number, context: PolicyContext): number {
  if (!Number.isFinite(replicas))
    throw new RangeError(`policy returned ${replicas} replicas; need a finite number`);
  return Math.min(context.maxReplicas, Math.max(context.minReplicas, Math.round(replicas)));
}

function applyBuffer(cluster: SimCluster, lane: Lane, requests: Resources, replicas: number): void {
  const name = `${lane.input.name}-buffer`;
  const count = Math.max(0, Math.round(replicas));
  if (!lane.hasBuffer) {
    cluster.addCapacityBuffer({ name, requests, replicas: count });
    lane.hasBuffer = true;
  } else cluster.setBufferReplicas(name, count);
}

/**
 * The deployment's pods as the HPA lists them. Start and readiness times are those first observed
 * (the replay only sees the cluster at steps); pods ready when first seen started one lead time before.
 */
function podsOf(cluster: SimCluster, lane: Lane, now: number, leadTimeMs: number): SimPod[] {
  const previous = lane.times;
  const times = new Map<number, PodTimes>();
  const out: SimPod[] = [];
  for (const p of cluster.pods(lane.input.name)) {
    let t = previous.get(p.id);
    if (p.phase === "Running") {
      if (t === undefined)
        t = p.ready ? { startMs: now - leadTimeMs, readyMs: now } : { startMs: now, readyMs: undefined };
      else if (p.ready && t.readyMs === undefined) t.readyMs = now;
      times.set(p.id, t);
    }
    const pod: SimPod = {
      name: `p${p.id}`,
      phase: p.phase,
      ready: p.ready,
      requests: { cpu: POD_CPU_REQUEST_MILLI },
      ...(t ? { startTimeMs: t.startMs } : {}),
      ...(t?.readyMs !== undefined ? { readyTransitionTimeMs: t.readyMs } : {}),
    };
    out.push(pod);
  }
  lane.times = times;
  return out;
}
