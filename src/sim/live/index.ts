/** The simulated cluster running live behind the Kubernetes facade. */
export {
  type HpaSyncReport,
  LiveHpaController,
  type LiveHpaControllerOptions,
  type ResourceMetricsPort,
} from "./hpaController.js";
export {
  type DescribedResource,
  type HpaMetricsClient,
  type HttpMetricsClientOptions,
  httpMetricsClient,
} from "./hpaMetricsClient.js";
export {
  LiveSimulation,
  type LiveSimulationOptions,
  MIN_TICK_MS,
  type RunOptions,
} from "./liveSimulation.js";
export { capacityOf, NODE_GROUP_LABEL, podName } from "./mirror.js";
