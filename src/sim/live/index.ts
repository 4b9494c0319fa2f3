/** The simulated cluster running live behind the Kubernetes facade. */
export {
  LiveSimulation,
  type LiveSimulationOptions,
  MIN_TICK_MS,
  type RunOptions,
} from "./liveSimulation.js";
export { capacityOf, NODE_GROUP_LABEL, podName } from "./mirror.js";
