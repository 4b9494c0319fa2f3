/** The HorizontalPodAutoscalers that scale a workload, found the way the HPA controller binds them. */
import type { ActuatorCluster, ClusterObject } from "../cluster.js";
import { isRecord } from "../cluster.js";
import type { TargetRef } from "../types.js";

export const HPA_API_VERSION = "autoscaling/v2";

function group(apiVersion: string | undefined): string {
  if (!apiVersion) return "";
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** HPAs in `namespace` whose scaleTargetRef names the target (same kind, name and API group). */
export async function hpasFor(
  cluster: ActuatorCluster,
  namespace: string,
  target: TargetRef,
): Promise<ClusterObject[]> {
  const hpas = await cluster.list(HPA_API_VERSION, "HorizontalPodAutoscaler", namespace);
  return hpas.filter((hpa) => {
    const ref = isRecord(hpa.spec) && isRecord(hpa.spec.scaleTargetRef) ? hpa.spec.scaleTargetRef : {};
    if (ref.kind !== target.kind || ref.name !== target.name) return false;
    return target.apiVersion === undefined || group(ref.apiVersion as string) === group(target.apiVersion);
  });
}

export function hpaNames(hpas: readonly ClusterObject[]): string {
  return hpas.map((h) => h.metadata.name).join(", ");
}
