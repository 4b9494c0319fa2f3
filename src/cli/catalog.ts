/**
 * The resource catalog that `serve`, `demo` and `check-config` name rules' resources with: the
 * built-in table, plus whatever the cluster's discovery adds (CRDs), when a cluster is reachable.
 */

import { BUILTIN_RESOURCES, StaticResourceCatalog } from "../k8s/resourceCatalog.js";
import { discoverResources } from "../kube/apiDiscovery.js";
import type { KubeConfigChoice } from "../kube/kubeconfig.js";
import type { Logger } from "../telemetry/logger.js";

/** A catalog and where it came from. */
export interface CatalogChoice {
  readonly catalog: StaticResourceCatalog;
  /** Resources the API server's discovery listed; undefined when it was not asked or failed. */
  readonly discovered?: number;
  /** Why discovery failed (the catalog is then the built-in table). */
  readonly error?: string;
}

/** The built-in table extended by the cluster's discovery; the table alone without a cluster or when discovery fails. */
export async function discoverCatalog(kube: KubeConfigChoice | undefined): Promise<CatalogChoice> {
  const builtin = new StaticResourceCatalog(BUILTIN_RESOURCES);
  if (!kube) return { catalog: builtin };
  try {
    const discovered = await discoverResources(kube.kubeConfig);
    return { catalog: builtin.withResources(discovered), discovered: discovered.length };
  } catch (err) {
    return { catalog: builtin, error: (err as Error).message };
  }
}

/** discoverCatalog, logging what it found. */
export async function resourceCatalog(
  kube: KubeConfigChoice | undefined,
  logger: Logger,
): Promise<StaticResourceCatalog> {
  const choice = await discoverCatalog(kube);
  if (choice.error !== undefined) {
    logger.warn({ err: choice.error }, "API discovery failed: only built-in resources can be named in rules");
  } else if (choice.discovered !== undefined) {
    logger.info({ resources: choice.discovered }, "read the API server's resource discovery");
  }
  return choice.catalog;
}
