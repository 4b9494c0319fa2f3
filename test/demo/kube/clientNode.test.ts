import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppsV1Api, CoreV1Api, KubeConfig, makeInformer, type V1Pod } from "@kubernetes/client-node";
import { startKubeFacade } from "../../../src/demo/kube/server.js";

/** Resolves with the next value pushed to `queue` (or already in it); fails after `ms`. */
function waitFor<T>(queue: T[], predicate: (item: T) => boolean, ms = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      const found = queue.find(predicate);
      if (found !== undefined) resolve(found);
      else if (Date.now() - started > ms) reject(new Error(`not seen within ${ms} ms`));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

describe("@kubernetes/client-node 1.4 against the simulated API", () => {
  for (const tls of [false, true]) {
    it(`makeInformer lists, then sees ADDED and DELETED pods (${tls ? "https" : "http"})`, async () => {
      const facade = await startKubeFacade({ tls });
      const kc = new KubeConfig();
      kc.loadFromString(facade.kubeconfig());
      const core = kc.makeApiClient(CoreV1Api);
      facade.store.addNamespace("inf");
      facade.store.addPod({ namespace: "inf", name: "before", labels: { app: "web" } });
      facade.store.addPod({ namespace: "inf", name: "other-app", labels: { app: "db" } });

      const informer = makeInformer(
        kc,
        "/api/v1/namespaces/inf/pods",
        () => core.listNamespacedPod({ namespace: "inf", labelSelector: "app=web" }),
        "app=web",
      );
      const events: string[] = [];
      const errors: unknown[] = [];
      informer.on("add", (pod: V1Pod) => events.push(`add ${pod.metadata?.name}`));
      informer.on("update", (pod: V1Pod) => events.push(`update ${pod.metadata?.name}`));
      informer.on("delete", (pod: V1Pod) => events.push(`delete ${pod.metadata?.name}`));
      informer.on("error", (err: unknown) => errors.push(err));
      try {
        await informer.start();
        await waitFor(events, (e) => e === "add before");

        facade.store.addPod({ namespace: "inf", name: "during", labels: { app: "web" } });
        await waitFor(events, (e) => e === "add during");
        facade.store.delete("pods", "during", "inf");
        await waitFor(events, (e) => e === "delete during");

        assert.deepEqual(events, ["add before", "add during", "delete during"]);
        assert.deepEqual(
          informer.list("inf").map((p) => p.metadata?.name),
          ["before"],
        );
        assert.equal(informer.get("before", "inf")?.metadata?.labels?.app, "web");
        assert.deepEqual(errors, []);
      } finally {
        await informer.stop();
        await facade.close();
      }
    });
  }

  it("typed clients read, create and patch through the facade", async () => {
    const facade = await startKubeFacade();
    try {
      const kc = new KubeConfig();
      kc.loadFromString(facade.kubeconfig());
      const apps = kc.makeApiClient(AppsV1Api);
      facade.store.addNamespace("typed");
      await apps.createNamespacedDeployment({
        namespace: "typed",
        body: {
          metadata: { name: "web" },
          spec: {
            replicas: 2,
            selector: { matchLabels: { app: "web" } },
            template: {
              metadata: { labels: { app: "web" } },
              spec: { containers: [{ name: "c", image: "x" }] },
            },
          },
        },
      });
      const read = await apps.readNamespacedDeployment({ namespace: "typed", name: "web" });
      assert.equal(read.spec?.replicas, 2);
      assert.equal(read.metadata?.generation, 1);

      const list = await apps.listDeploymentForAllNamespaces();
      assert.deepEqual(
        list.items.map((d) => `${d.metadata?.namespace}/${d.metadata?.name}`),
        ["typed/web"],
      );

      await assert.rejects(
        apps.readNamespacedDeployment({ namespace: "typed", name: "missing" }),
        (err: { code?: number }) => err.code === 404,
      );
    } finally {
      await facade.close();
    }
  });
});
