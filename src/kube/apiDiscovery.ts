/**
 * Reads the API server's discovery (as a RESTMapper does) so rules can name any resource the
 * cluster serves, CRDs included (e.g. `inferenceservices.serving.kserve.io`), not only the built-in
 * table. Run once at start; a failure leaves the built-in table in force and says so.
 */
import { ApisApi, CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import type { ResourceInfo } from "../k8s/groupResource.js";

/** Every top-level resource of every group's preferred version (subresources like `pods/log` skipped). */
export async function discoverResources(kubeConfig: KubeConfig): Promise<ResourceInfo[]> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const apis = kubeConfig.makeApiClient(ApisApi);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const out: ResourceInfo[] = [];
  const add = (
    group: string,
    version: string,
    list: { resources: { name: string; singularName?: string; kind: string; namespaced: boolean }[] },
  ) => {
    for (const r of list.resources) {
      if (r.name.includes("/")) continue;
      out.push({
        group,
        version,
        resource: r.name,
        singular: r.singularName || r.kind.toLowerCase(),
        kind: r.kind,
        namespaced: r.namespaced,
      });
    }
  };
  add("", "v1", await core.getAPIResources());
  const groups = await apis.getAPIVersions();
  await Promise.all(
    groups.groups.map(async (g) => {
      const version = g.preferredVersion?.version ?? g.versions[0]?.version;
      if (!version) return;
      add(g.name, version, await custom.getAPIResources({ group: g.name, version }));
    }),
  );
  return out;
}
