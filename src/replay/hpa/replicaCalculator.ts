/**
 * Per-metric replica proposals, after kube-controller-manager's replica_calculator.go
 * (metrics-api-and-hpa.md §4.4 and §4.4.1). Hand-written: no library emulates the HPA.
 * Milli-values are JS numbers used as integers (exact below 2^53, far above any simulated load);
 * Go's int64 division is Math.trunc, float64 ratios are JS doubles, as in the Go code. Where the
 * controller saturates a proposal at MaxInt32 (Object and External Value, External AverageValue),
 * so does this; requests come from the pod's containers and restartable init containers, or from one
 * named container for ContainerResource metrics (calculateRequests without pod-level requests).
 */
import { podRequest } from "./podRequests.js";
import type { HpaControllerConfig, SimPod } from "./types.js";

/** math.MaxInt32: the largest replica count the controller proposes. */
export const MAX_INT32 = 2_147_483_647;

/** int32(math.Ceil(x)) where the controller first clamps x > MaxInt32 to MaxInt32. */
function ceilSaturated(x: number): number {
  return x > MAX_INT32 ? MAX_INT32 : Math.ceil(x);
}

/** A metric that could not produce a proposal; the message says what was missing. */
export class ReplicaCalcError extends Error {
  override name = "ReplicaCalcError";
}

export interface Tolerances {
  up: number;
  down: number;
}

export function isWithinTolerance(ratio: number, tol: Tolerances): boolean {
  return 1 - tol.down <= ratio && ratio <= 1 + tol.up;
}

export interface Proposal {
  replicas: number;
  /** Utilization % or the raw average/total milli value, as written to status.currentMetrics. */
  current: number;
}

export interface PodGroups {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

export interface CpuSampleTiming {
  nowMs: number;
  timestampMs: number;
  windowMs: number;
}

/** groupPods: ignored (deleted/Failed), unready (Pending, or CPU readiness rules), missing, ready. */
export function groupPods(
  pods: readonly SimPod[],
  values: ReadonlyMap<string, number>,
  cpu: CpuSampleTiming | undefined,
  config: HpaControllerConfig,
): PodGroups {
  const groups: PodGroups = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    if (pod.deleted || pod.phase === "Failed") {
      groups.ignored.add(pod.name);
      continue;
    }
    if (pod.phase === "Pending") {
      groups.unready.add(pod.name);
      continue;
    }
    if (!values.has(pod.name)) {
      groups.missing.add(pod.name);
      continue;
    }
    if (cpu && isCpuUnready(pod, cpu, config)) {
      groups.unready.add(pod.name);
      continue;
    }
    groups.readyPodCount++;
  }
  return groups;
}

function isCpuUnready(pod: SimPod, cpu: CpuSampleTiming, config: HpaControllerConfig): boolean {
  if (pod.ready === undefined || pod.startTimeMs === undefined) return true;
  const transition = pod.readyTransitionTimeMs ?? pod.startTimeMs;
  if (pod.startTimeMs + config.cpuInitializationPeriodSeconds * 1000 > cpu.nowMs) {
    // Still initializing: a sample must cover a full window after the last readiness change.
    return !pod.ready || cpu.timestampMs < transition + cpu.windowMs;
  }
  // Past initialization: only pods that never became ready are unready.
  return !pod.ready && pod.startTimeMs + config.initialReadinessDelaySeconds * 1000 > transition;
}

function withoutPods(values: ReadonlyMap<string, number>, ...sets: Set<string>[]): Map<string, number> {
  const out = new Map(values);
  for (const set of sets) for (const name of set) out.delete(name);
  return out;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

function usageRatio(values: ReadonlyMap<string, number>, target: number): { ratio: number; avg: number } {
  const avg = Math.trunc(sum(values.values()) / values.size);
  return { ratio: avg / target, avg };
}

/** The shared tail of calcPlainMetricReplicas / GetResourceReplicas: missing and unready pods. */
function proposeWithPodGroups(
  counted: Map<string, number>,
  groups: PodGroups,
  currentReplicas: number,
  tol: Tolerances,
  ratioOf: (m: ReadonlyMap<string, number>) => number,
  missingAtTarget: (pod: string) => number,
): number {
  const ratio = ratioOf(counted);
  const scaleUpWithUnready = groups.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (isWithinTolerance(ratio, tol)) return currentReplicas;
    return Math.ceil(ratio * groups.readyPodCount);
  }
  // Missing pods: at target on scale-down, idle on scale-up (dampens both directions); at a ratio
  // of exactly 1 they are left out, so the ratio stays 1 and the count is kept.
  if (ratio < 1) for (const pod of groups.missing) counted.set(pod, missingAtTarget(pod));
  else if (ratio > 1) for (const pod of groups.missing) counted.set(pod, 0);
  if (scaleUpWithUnready) for (const pod of groups.unready) counted.set(pod, 0);
  const newRatio = ratioOf(counted);
  const flipped = (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1);
  if (isWithinTolerance(newRatio, tol) || flipped) return currentReplicas;
  const proposed = Math.ceil(newRatio * counted.size);
  if ((newRatio < 1 && proposed > currentReplicas) || (newRatio > 1 && proposed < currentReplicas)) {
    return currentReplicas;
  }
  return proposed;
}

function requireCounted(values: ReadonlyMap<string, number>, pods: readonly SimPod[], groups: PodGroups) {
  if (pods.length === 0)
    throw new ReplicaCalcError("no pods returned by selector while calculating replica count");
  const counted = withoutPods(values, groups.ignored, groups.unready);
  if (counted.size === 0) {
    throw new ReplicaCalcError("did not receive metrics for targeted pods (pods might be unready)");
  }
  return counted;
}

/** Pods AverageValue and Resource AverageValue ("plain" math). `cpu` enables CPU readiness rules. */
export function plainMetricReplicas(
  values: ReadonlyMap<string, number>,
  pods: readonly SimPod[],
  currentReplicas: number,
  targetMilli: number,
  tol: Tolerances,
  cpu: CpuSampleTiming | undefined,
  config: HpaControllerConfig,
): Proposal {
  if (values.size === 0) throw new ReplicaCalcError("no metrics returned from the metrics API");
  const groups = groupPods(pods, values, cpu, config);
  const counted = requireCounted(values, pods, groups);
  const { avg } = usageRatio(counted, targetMilli);
  const replicas = proposeWithPodGroups(
    counted,
    groups,
    currentReplicas,
    tol,
    (m) => usageRatio(m, targetMilli).ratio,
    () => targetMilli,
  );
  return { replicas, current: avg };
}

/**
 * Resource and ContainerResource Utilization: util% = trunc(100·Σusage / Σrequest) over the pods
 * with metrics; requests are the pod's (`container` "") or the one container's.
 */
export function utilizationReplicas(
  resource: string,
  values: ReadonlyMap<string, number>,
  pods: readonly SimPod[],
  currentReplicas: number,
  targetUtilization: number,
  tol: Tolerances,
  cpu: CpuSampleTiming | undefined,
  config: HpaControllerConfig,
  container = "",
): Proposal {
  if (values.size === 0) throw new ReplicaCalcError("no metrics returned from resource metrics API");
  const groups = groupPods(pods, values, cpu, config);
  const counted = requireCounted(values, pods, groups);
  const requests = new Map<string, number>();
  for (const pod of pods) {
    const request = podRequest(pod, resource, container);
    if (typeof request === "string") throw new ReplicaCalcError(request);
    requests.set(pod.name, request);
  }
  const utilization = (m: ReadonlyMap<string, number>): number => {
    let usage = 0;
    let requested = 0;
    for (const [pod, value] of m) {
      const request = requests.get(pod);
      if (request === undefined) continue; // extraneous metric, as in the Go code
      usage += value;
      requested += request;
    }
    if (requested === 0) throw new ReplicaCalcError("no metrics returned matched known pods");
    return Math.trunc((usage * 100) / requested);
  };
  const current = utilization(counted);
  const fallbackPercent = Math.max(100, targetUtilization);
  const replicas = proposeWithPodGroups(
    counted,
    groups,
    currentReplicas,
    tol,
    (m) => utilization(m) / targetUtilization,
    (pod) => Math.trunc(((requests.get(pod) ?? 0) * fallbackPercent) / 100),
  );
  return { replicas, current };
}

function readyPodCount(pods: readonly SimPod[]): number {
  if (pods.length === 0) {
    throw new ReplicaCalcError(
      "unable to calculate ready pods: no pods returned by selector while calculating replica count",
    );
  }
  return pods.filter((p) => p.phase === "Running" && p.ready === true).length;
}

/** Object Value and External Value: r = value/target, scaled by the ready pod count. */
export function valueReplicas(
  valueMilli: number,
  targetMilli: number,
  currentReplicas: number,
  pods: readonly SimPod[],
  tol: Tolerances,
): Proposal {
  const ratio = valueMilli / targetMilli;
  if (currentReplicas === 0) return { replicas: Math.ceil(ratio), current: valueMilli };
  if (isWithinTolerance(ratio, tol)) return { replicas: currentReplicas, current: valueMilli };
  return { replicas: ceilSaturated(ratio * readyPodCount(pods)), current: valueMilli };
}

/**
 * Object AverageValue and External AverageValue: based on scale.status.replicas. `saturate` is the
 * External path's clamp at MaxInt32 (GetExternalPerPodMetricReplicas); the Object path has none.
 */
export function averageValueReplicas(
  valueMilli: number,
  targetAverageMilli: number,
  statusReplicas: number,
  tol: Tolerances,
  saturate = false,
): Proposal {
  const ratio = valueMilli / (targetAverageMilli * statusReplicas);
  const proposed = valueMilli / targetAverageMilli;
  const replicas = isWithinTolerance(ratio, tol)
    ? statusReplicas
    : saturate
      ? ceilSaturated(proposed)
      : Math.ceil(proposed);
  // getPerPodUsage: no replicas means no per-pod usage (not a division by zero).
  return { replicas, current: statusReplicas === 0 ? 0 : Math.ceil(valueMilli / statusReplicas) };
}
