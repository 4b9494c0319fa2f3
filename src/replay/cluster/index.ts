/** The simulated cluster core: clock, demand from traces, and the pod/node/autoscaler state machine. */
export { resample, resampleTrace, SIM_STEP_MS, TraceDemand } from "./demand.js";
export { Integral } from "./integral.js";
export { SimClock } from "./simClock.js";
export {
  type ClusterCounters,
  type NodeView,
  type PodView,
  SimCluster,
  type WorkloadStatus,
} from "./simCluster.js";
export type {
  CapacityBufferSpec,
  DeploymentSpec,
  NodeGroupSpec,
  Resources,
  SimClusterOptions,
} from "./types.js";
