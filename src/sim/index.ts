/**
 * The simulated cluster: its Kubernetes REST facade (a simulator, not a real API server). The other
 * parts have their own entry points: ./hpa (HPA emulation), ./cluster (pods, nodes, autoscaler),
 * ./live (the cluster mirrored into the facade), ./replay and ./policies (backtests).
 */
export {
  BUILTIN_RESOURCE_TYPES,
  DEFAULT_NAMESPACES,
  type DeploymentSpecInput,
  KubeApiError,
  type KubeFacade,
  type KubeFacadeOptions,
  kubeconfigYaml,
  type ListOptions,
  type NodeSpecInput,
  ObjectStore,
  type ObjectStoreOptions,
  type PodSpecInput,
  type ResourceRef,
  ResourceRegistry,
  type ResourceType,
  type StoredObject,
  startKubeFacade,
  type WatchEvent,
  type WatchOptions,
} from "./kube/index.js";
