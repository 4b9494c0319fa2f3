/** Faithful emulation of the Kubernetes HPA controller's per-sync decision (see controller.ts). */
export { syncHpa } from "./controller.js";
export {
  type NormalizeResult,
  normalizeLegacy,
  normalizeWithBehavior,
  recordScaleEvent,
  resolveBehavior,
  type ScaleEvents,
  scaleDownLimit,
  scaleUpLimit,
} from "./normalize.js";
export {
  averageValueReplicas,
  groupPods,
  isWithinTolerance,
  type PodGroups,
  plainMetricReplicas,
  ReplicaCalcError,
  type Tolerances,
  utilizationReplicas,
  valueReplicas,
} from "./replicaCalculator.js";
export * from "./types.js";
