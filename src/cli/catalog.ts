/** The resource catalog `serve` and `demo` name rules' resources with. */

import { BUILTIN_RESOURCES, StaticResourceCatalog } from "../k8s/resourceCatalog.js";
import { discoverResources } from "../kube/apiDiscovery.js";
import type { KubeConfigChoice } from "../kube/kubeconfig.js";
import type { Logger } from "../telemetry/logger.js";

/** The built-in resource table, plus whatever the cluster's discovery adds (CRDs), when reachable. */
export async function resourceCatalog(
  kube: KubeConfigChoice | undefined,
  logger: Logger,
): Promise<StaticResourceCatalog> {
  const builtin = new StaticResourceCatalog(BUILTIN_RESOURCES);
  if (!kube) return builtin;
  try {
    const discovered = await discoverResources(kube.kubeConfig);
    logger.info({ resources: discovered.length }, "read the API server's resource discovery");
    return builtin.withResources(discovered);
  } catch (err) {
    logger.warn(
      { err: (err as Error).message },
      "API discovery failed: only built-in resources can be named in rules",
    );
    return builtin;
  }
}
