/**
 * A pod's request for one resource as the replica calculator divides usage by it
 * (calculatePodRequestsFromContainers in replica_calculator.go): the sum over the pod's containers
 * and its restartable init containers (sidecars, `restartPolicy: Always`), or, for a ContainerResource
 * metric, the one named container's. Plain init containers never count: they have finished before
 * the pod runs. Pod-level requests (the PodLevelResources gate) are not emulated.
 */
import type { SimContainer, SimPod } from "./types.js";

/** The containers whose requests count, in the controller's order: spec.containers, then sidecars. */
function countedContainers(pod: SimPod): SimContainer[] {
  const containers = pod.containers ?? [];
  return [
    ...containers.filter((c) => !c.init),
    ...containers.filter((c) => c.init && c.restartPolicy === "Always"),
  ];
}

/**
 * The pod's request of `resource` in milli-units, or the controller's error text: a counted container
 * without that request, or (`container` set) no container of that name. A pod given without
 * `containers` is read as one container whose requests are `pod.requests`.
 */
export function podRequest(pod: SimPod, resource: string, container = ""): number | string {
  if (!pod.containers) {
    if (container !== "") return `container ${container} not found in Pod ${pod.name}`;
    const request = pod.requests?.[resource];
    return request ?? `missing request for ${resource} in Pod ${pod.name}`;
  }
  let total = 0;
  for (const c of countedContainers(pod)) {
    if (container === "" || container === c.name) {
      const request = c.requests?.[resource];
      if (request === undefined) {
        return `missing request for ${resource} in container ${c.name} of Pod ${pod.name}`;
      }
      total += request;
    }
    // Container names are unique inside a pod.
    if (container === c.name) return total;
  }
  if (container !== "") return `container ${container} not found in Pod ${pod.name}`;
  return total;
}
