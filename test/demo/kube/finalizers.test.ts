import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from "@kubernetes/client-node";
import type { StoredObject, WatchEvent } from "../../../src/demo/kube/objects.js";
import { type KubeFacade, startKubeFacade } from "../../../src/demo/kube/server.js";
import { ObjectStore } from "../../../src/demo/kube/store.js";

const NS = "fin";

/** Resolves once `predicate` holds for the items pushed to `queue`; fails after `ms`. */
function waitUntil<T>(queue: T[], predicate: (items: T[]) => boolean, ms = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      if (predicate(queue)) resolve();
      else if (Date.now() - started > ms)
        reject(new Error(`not seen within ${ms} ms: ${JSON.stringify(queue)}`));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

async function apiError(call: Promise<unknown>): Promise<ApiException<string>> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) return error as ApiException<string>;
    throw error;
  }
  assert.fail("expected the call to fail with an ApiException");
}

const widgetCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget" },
    versions: [{ name: "v1", served: true, storage: true }],
  },
};

describe("finalizers over HTTP (client-node)", () => {
  let facade: KubeFacade;
  let kc: KubeConfig;
  let core: CoreV1Api;
  before(async () => {
    facade = await startKubeFacade();
    facade.store.addNamespace(NS);
    kc = new KubeConfig();
    kc.loadFromString(facade.kubeconfig());
    core = kc.makeApiClient(CoreV1Api);
  });
  after(() => facade.close());

  it("DELETE of a ConfigMap with finalizers marks it, answers 200 with it, and a second DELETE changes nothing", async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: "held", finalizers: ["example.com/hold"] }, data: { a: "1" } },
    });
    const createdRv = Number(created.metadata?.resourceVersion);

    const path = `${facade.url}/api/v1/namespaces/${NS}/configmaps/held`;
    const first = await fetch(path, { method: "DELETE" });
    assert.equal(first.status, 200);
    const marked = (await first.json()) as StoredObject;
    assert.equal(marked.kind, "ConfigMap");
    assert.match(String(marked.metadata.deletionTimestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(marked.metadata.deletionGracePeriodSeconds, 0);
    assert.ok(Number(marked.metadata.resourceVersion) > createdRv, "resourceVersion bumped");

    const read = await core.readNamespacedConfigMap({ name: "held", namespace: NS });
    assert.equal(read.metadata?.resourceVersion, marked.metadata.resourceVersion);
    assert.ok(read.metadata?.deletionTimestamp instanceof Date);
    assert.deepEqual(read.metadata?.finalizers, ["example.com/hold"]);

    const second = await fetch(path, { method: "DELETE" });
    assert.equal(second.status, 200);
    assert.deepEqual(await second.json(), marked);
    assert.equal(
      facade.store.get("configmaps", "held", NS).metadata.resourceVersion,
      marked.metadata.resourceVersion,
    );
  });

  it("a watch sees MODIFIED on DELETE and DELETED when the last finalizer is removed by replace", async () => {
    await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: "watched", finalizers: ["a.example.com/x", "b.example.com/y"] } },
    });
    const seen: string[] = [];
    const objects: { metadata?: { finalizers?: string[]; deletionTimestamp?: string } }[] = [];
    const watch = await new Watch(kc).watch(
      `/api/v1/namespaces/${NS}/configmaps`,
      { fieldSelector: "metadata.name=watched" },
      (phase, obj) => {
        seen.push(phase);
        objects.push(obj);
      },
      () => {},
    );
    try {
      await waitUntil(seen, (s) => s.length === 1);
      await core.deleteNamespacedConfigMap({ name: "watched", namespace: NS });
      await waitUntil(seen, (s) => s.length === 2);

      // Removing one of two finalizers keeps the object (another MODIFIED).
      const current = await core.readNamespacedConfigMap({ name: "watched", namespace: NS });
      current.metadata = { ...current.metadata, finalizers: ["b.example.com/y"] };
      const kept = await core.replaceNamespacedConfigMap({ name: "watched", namespace: NS, body: current });
      assert.deepEqual(kept.metadata?.finalizers, ["b.example.com/y"]);
      await waitUntil(seen, (s) => s.length === 3);

      kept.metadata = { ...kept.metadata, finalizers: [] };
      const last = await core.replaceNamespacedConfigMap({ name: "watched", namespace: NS, body: kept });
      assert.equal(last.metadata?.name, "watched");
      assert.deepEqual(last.metadata?.finalizers ?? [], []);
      await waitUntil(seen, (s) => s.length === 4);

      assert.deepEqual(seen, ["ADDED", "MODIFIED", "MODIFIED", "DELETED"]);
      assert.equal(objects[1]?.metadata?.deletionTimestamp !== undefined, true);
      assert.equal(objects[3]?.metadata?.deletionTimestamp !== undefined, true);
      const gone = await apiError(core.readNamespacedConfigMap({ name: "watched", namespace: NS }));
      assert.equal(gone.code, 404);
    } finally {
      watch.abort();
    }
  });

  it("no new finalizers once terminating (422), and clients cannot change or clear deletionTimestamp", async () => {
    await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: "locked", finalizers: ["example.com/hold"] } },
    });
    await core.deleteNamespacedConfigMap({ name: "locked", namespace: NS });
    const marked = facade.store.get("configmaps", "locked", NS);

    const added = await apiError(
      core.patchNamespacedConfigMap(
        {
          name: "locked",
          namespace: NS,
          body: { metadata: { finalizers: ["example.com/hold", "example.com/new"] } },
        },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      ),
    );
    assert.equal(added.code, 422);
    const status = JSON.parse(String(added.body)) as { reason: string; message: string };
    assert.equal(status.reason, "Invalid");
    assert.match(
      status.message,
      /metadata\.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers \[\]string\{"example\.com\/new"\}/,
    );

    // Clearing deletionTimestamp (with a label change) keeps the stored one; the label goes in.
    const cleared = await core.patchNamespacedConfigMap({
      name: "locked",
      namespace: NS,
      body: [
        { op: "remove", path: "/metadata/deletionTimestamp" },
        { op: "add", path: "/metadata/labels", value: { touched: "yes" } },
      ],
    });
    assert.equal(cleared.metadata?.labels?.touched, "yes");
    const stored = facade.store.get("configmaps", "locked", NS);
    assert.equal(stored.metadata.deletionTimestamp, marked.metadata.deletionTimestamp);
    assert.equal(stored.metadata.deletionGracePeriodSeconds, 0);

    // Changing it alone is a no-op write.
    const changed = await core.patchNamespacedConfigMap(
      { name: "locked", namespace: NS, body: { metadata: { deletionTimestamp: "2001-01-01T00:00:00Z" } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    assert.equal(changed.metadata?.resourceVersion, stored.metadata.resourceVersion);
    assert.equal(
      facade.store.get("configmaps", "locked", NS).metadata.deletionTimestamp,
      marked.metadata.deletionTimestamp,
    );
  });

  it("a Deployment held by a finalizer answers DELETE with the object (not a Status) and bumps generation", async () => {
    facade.store.addDeployment({ namespace: NS, name: "web", replicas: 1, selector: { app: "web" } });
    facade.store.patch("deployments.apps", "web", NS, { metadata: { finalizers: ["example.com/hold"] } });
    const before = facade.store.get("deployments.apps", "web", NS);
    const res = await fetch(`${facade.url}/apis/apps/v1/namespaces/${NS}/deployments/web`, {
      method: "DELETE",
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as StoredObject;
    assert.equal(body.kind, "Deployment");
    assert.equal(body.metadata.generation, (before.metadata.generation ?? 0) + 1);
    assert.equal(typeof body.metadata.deletionTimestamp, "string");

    const apps = kc.makeApiClient(AppsV1Api);
    await apps.patchNamespacedDeployment({
      name: "web",
      namespace: NS,
      body: [{ op: "remove", path: "/metadata/finalizers" }],
    });
    assert.equal(facade.store.find("deployments.apps", "web", NS), undefined);
    // Without finalizers a DELETE is immediate and answers with a Status, as before.
    facade.store.addDeployment({ namespace: NS, name: "plain", replicas: 1, selector: { app: "plain" } });
    const plain = await fetch(`${facade.url}/apis/apps/v1/namespaces/${NS}/deployments/plain`, {
      method: "DELETE",
    });
    assert.equal(((await plain.json()) as { kind: string }).kind, "Status");
    assert.equal(facade.store.find("deployments.apps", "plain", NS), undefined);
  });

  it("custom objects: CustomObjectsApi delete marks, patch removing the finalizer deletes", async () => {
    facade.store.create("customresourcedefinitions.apiextensions.k8s.io", widgetCrd);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const ref = { group: "example.com", version: "v1", namespace: NS, plural: "widgets" };
    await custom.createNamespacedCustomObject({
      ...ref,
      body: {
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { name: "w1", finalizers: ["example.com/cleanup"] },
      },
    });
    const marked = (await custom.deleteNamespacedCustomObject({ ...ref, name: "w1" })) as StoredObject;
    assert.equal(marked.kind, "Widget");
    assert.equal(typeof marked.metadata.deletionTimestamp, "string");
    const read = (await custom.getNamespacedCustomObject({ ...ref, name: "w1" })) as StoredObject;
    assert.equal(read.metadata.deletionTimestamp, marked.metadata.deletionTimestamp);

    const final = (await custom.patchNamespacedCustomObject(
      { ...ref, name: "w1", body: { metadata: { finalizers: null } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    )) as StoredObject;
    assert.equal(final.metadata.name, "w1");
    assert.equal(final.metadata.finalizers, undefined);
    const gone = await apiError(custom.getNamespacedCustomObject({ ...ref, name: "w1" }));
    assert.equal(gone.code, 404);
  });
});

describe("finalizers in the store (programmatic writes)", () => {
  function storeWithEvents(): { store: ObjectStore; events: string[] } {
    const store = new ObjectStore({ now: () => new Date("2030-05-06T07:08:09.500Z") });
    store.addNamespace(NS);
    const events: string[] = [];
    store.watch("configmaps", { namespace: NS, resourceVersion: store.resourceVersion() }, (e: WatchEvent) =>
      events.push(`${e.type} ${(e.object as StoredObject).metadata.name}`),
    );
    return { store, events };
  }

  it("delete marks, update removing the last finalizer deletes and returns the final state", () => {
    const { store, events } = storeWithEvents();
    store.create("configmaps", { metadata: { name: "c", namespace: NS, finalizers: ["x/y"] } });
    const marked = store.delete("configmaps", "c", NS);
    assert.equal(marked.metadata.deletionTimestamp, "2030-05-06T07:08:09Z");
    assert.equal(store.get("configmaps", "c", NS).metadata.resourceVersion, marked.metadata.resourceVersion);
    const final = store.patch("configmaps", "c", NS, { metadata: { finalizers: [] } });
    assert.deepEqual(final.metadata.finalizers, []);
    assert.equal(Number(final.metadata.resourceVersion), Number(marked.metadata.resourceVersion) + 1);
    assert.equal(store.find("configmaps", "c", NS), undefined);
    assert.deepEqual(events, ["ADDED c", "MODIFIED c", "DELETED c"]);
  });

  it("a dry-run delete marks nothing; an object without finalizers goes at once", () => {
    const { store, events } = storeWithEvents();
    store.create("configmaps", { metadata: { name: "d", namespace: NS, finalizers: ["x/y"] } });
    const preview = store.delete("configmaps", "d", NS, { dryRun: true });
    assert.equal(typeof preview.metadata.deletionTimestamp, "string");
    assert.equal(store.get("configmaps", "d", NS).metadata.deletionTimestamp, undefined);
    store.create("configmaps", { metadata: { name: "e", namespace: NS } });
    store.delete("configmaps", "e", NS);
    assert.equal(store.find("configmaps", "e", NS), undefined);
    assert.deepEqual(events, ["ADDED d", "ADDED e", "DELETED e"]);
  });

  it("create ignores a client's deletionTimestamp; a non-terminating object cannot be given one", () => {
    const { store } = storeWithEvents();
    const created = store.create("configmaps", {
      metadata: { name: "f", namespace: NS, deletionTimestamp: "2001-01-01T00:00:00Z", finalizers: ["x/y"] },
    });
    assert.equal(created.metadata.deletionTimestamp, undefined);
    store.patch("configmaps", "f", NS, { metadata: { deletionTimestamp: "2001-01-01T00:00:00Z" } });
    assert.equal(store.get("configmaps", "f", NS).metadata.deletionTimestamp, undefined);
    // Finalizers may still be added before deletion.
    store.patch("configmaps", "f", NS, { metadata: { finalizers: ["x/y", "x/z"] } });
    assert.deepEqual(store.get("configmaps", "f", NS).metadata.finalizers, ["x/y", "x/z"]);
  });

  it("deleting a namespace still removes its objects at once, finalizers or not", () => {
    const { store, events } = storeWithEvents();
    store.create("configmaps", { metadata: { name: "g", namespace: NS, finalizers: ["x/y"] } });
    store.delete("namespaces", NS);
    assert.equal(store.find("configmaps", "g", NS), undefined);
    assert.deepEqual(events, ["ADDED g", "DELETED g"]);
  });
});
