/**
 * The PodLister port on the Kubernetes API through client-node: lists pods (in one namespace or
 * all) and keeps what scrape discovery reads. `podFromObject` converts any V1Pod-shaped object, so
 * an informer's cache can feed discovery too.
 */
import { CoreV1Api, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import type { DiscoveredPod, PodLister } from "./podTargets.js";

export interface KubePodListerOptions {
  /** Only this namespace; default all namespaces. */
  readonly namespace?: string;
  /** A label selector narrowing the pods listed. */
  readonly labelSelector?: string;
}

export function kubePodLister(kc: KubeConfig, options: KubePodListerOptions = {}): PodLister {
  const core = kc.makeApiClient(CoreV1Api);
  const selector = options.labelSelector !== undefined ? { labelSelector: options.labelSelector } : {};
  return {
    async listPods() {
      const list =
        options.namespace !== undefined
          ? await core.listNamespacedPod({ namespace: options.namespace, ...selector })
          : await core.listPodForAllNamespaces(selector);
      const out: DiscoveredPod[] = [];
      for (const item of list.items) {
        const pod = podFromObject(item);
        if (pod) out.push(pod);
      }
      return out;
    },
  };
}

/** The discovery view of a pod object; undefined when it lacks a name or namespace. */
export function podFromObject(pod: V1Pod): DiscoveredPod | undefined {
  const name = pod.metadata?.name;
  const namespace = pod.metadata?.namespace;
  if (!name || !namespace) return undefined;
  const ports: number[] = [];
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) ports.push(p.containerPort);
  return {
    namespace,
    name,
    ...(pod.status?.podIP ? { ip: pod.status.podIP } : {}),
    ...(pod.status?.phase ? { phase: pod.status.phase } : {}),
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    labels: { ...pod.metadata?.labels },
    annotations: { ...pod.metadata?.annotations },
    containerPorts: ports,
  };
}
