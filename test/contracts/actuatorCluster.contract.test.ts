/**
 * Every ActuatorCluster implementation against the port's contract (actuatorCluster.contract.ts):
 * the client-node implementation against the simulated Kubernetes API over HTTP, and the in-memory
 * double over the simulator's object store.
 */
import { KubeConfig } from "@kubernetes/client-node";
import { startKubeFacade } from "../../src/demo/kube/server.js";
import { ClientNodeActuatorCluster } from "../../src/kube/actuatorClient.js";
import { MemoryActuatorCluster } from "../doubles/actuatorCluster.js";
import { actuatorClusterContract } from "./actuatorCluster.contract.js";

actuatorClusterContract("client-node against the simulated API (ClientNodeActuatorCluster)", async () => {
  const facade = await startKubeFacade();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(facade.kubeconfig());
  return { cluster: new ClientNodeActuatorCluster(kubeConfig), close: () => facade.close() };
});

actuatorClusterContract("in-memory double (test/doubles/actuatorCluster.ts)", async () => ({
  cluster: new MemoryActuatorCluster(),
}));
