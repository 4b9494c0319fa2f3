/**
 * Every Lister implementation against the port's contract (lister.contract.ts): the informers
 * (InformerFactory: a list+watch per resource) against the simulated Kubernetes API, and the
 * in-memory double.
 */
import { KubeConfig } from "@kubernetes/client-node";
import { systemClock } from "../../src/clock.js";
import { startKubeFacade } from "../../src/demo/kube/server.js";
import type { ObjectStore } from "../../src/demo/kube/store.js";
import type { GroupResource } from "../../src/k8s/groupResource.js";
import type { KubeObject } from "../../src/k8s/lister.js";
import { StaticResourceCatalog } from "../../src/k8s/resourceCatalog.js";
import { InformerFactory } from "../../src/kube/informers.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { MemoryListerFactory } from "../doubles/lister.js";
import { type ContractObject, listerContract } from "./lister.contract.js";

const storeRef = (gr: GroupResource) => (gr.group === "" ? gr.resource : `${gr.resource}.${gr.group}`);

/** Creates or replaces `object` in the simulated API's store (its namespace made when missing). */
function put(store: ObjectStore, gr: GroupResource, object: ContractObject): void {
  const { name, namespace } = object.metadata;
  if (namespace !== undefined && !store.find("namespaces", namespace)) store.addNamespace(namespace);
  const existing = store.find(storeRef(gr), name, namespace);
  if (existing)
    store.update(storeRef(gr), { ...existing, metadata: { ...existing.metadata, ...object.metadata } });
  else store.create(storeRef(gr), structuredClone(object) as never);
}

listerContract("informers against the simulated API (InformerFactory)", async (initial) => {
  const facade = await startKubeFacade();
  for (const { gr, object } of initial) put(facade.store, gr, object);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(facade.kubeconfig());
  const catalog = new StaticResourceCatalog();
  const informers = new InformerFactory({
    kubeConfig,
    resolve: (gr) => catalog.resolve(gr.resource, gr.group),
    logger: silentLogger(),
    clock: systemClock,
  });
  return {
    listers: informers,
    put: async (gr, object) => put(facade.store, gr, object),
    remove: async (gr, name, namespace) => {
      facade.store.delete(storeRef(gr), name, namespace);
    },
    close: async () => {
      await informers.stop();
      await facade.close();
    },
  };
});

listerContract("in-memory double (test/doubles/lister.ts)", async (initial) => {
  const listers = new MemoryListerFactory();
  for (const { gr, object } of initial) listers.lister(gr).put(structuredClone(object) as KubeObject);
  return {
    listers,
    put: async (gr, object) => {
      listers.lister(gr).put(structuredClone(object) as KubeObject);
    },
    remove: async (gr, name, namespace) => {
      listers.lister(gr).remove(name, namespace);
    },
  };
});
