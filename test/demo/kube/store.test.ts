import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { WatchEvent } from "../../../src/demo/kube/objects.js";
import { KubeApiError } from "../../../src/demo/kube/status.js";
import { ObjectStore } from "../../../src/demo/kube/store.js";

function fixedClock(iso = "2026-01-01T12:00:00.000Z") {
  return () => new Date(iso);
}

function newStore(options: ConstructorParameters<typeof ObjectStore>[0] = {}) {
  return new ObjectStore({ now: fixedClock(), seedNamespaces: ["default"], ...options });
}

/** Runs `fn` and returns the KubeApiError it throws (fails if it does not). */
function apiError(fn: () => unknown): KubeApiError {
  try {
    fn();
  } catch (error) {
    if (error instanceof KubeApiError) return error;
    throw error;
  }
  assert.fail("expected a KubeApiError");
}

function names(events: readonly WatchEvent[]): string[] {
  return events.map((e) => `${e.type} ${(e.object.metadata as { name?: string }).name ?? ""}`);
}

describe("ObjectStore writes", () => {
  it("stamps one global, increasing resourceVersion across resource types", () => {
    const store = newStore();
    const ns = store.addNamespace("team");
    const pod = store.addPod({ namespace: "team", name: "web-1", labels: { app: "web" } });
    const deploy = store.addDeployment({
      namespace: "team",
      name: "web",
      replicas: 2,
      selector: { app: "web" },
    });
    const rvs = [ns, pod, deploy].map((o) => Number(o.metadata.resourceVersion));
    assert.deepEqual(rvs, [rvs[0], (rvs[0] ?? 0) + 1, (rvs[0] ?? 0) + 2]);
    assert.equal(store.resourceVersion(), String(rvs[2]));
    assert.match(pod.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.notEqual(pod.metadata.uid, deploy.metadata.uid);
    assert.equal(pod.metadata.creationTimestamp, "2026-01-01T12:00:00Z");
    assert.equal(pod.apiVersion, "v1");
    assert.equal(deploy.apiVersion, "apps/v1");
    assert.equal(deploy.kind, "Deployment");
  });

  it("applies the apiserver's defaults (namespace label and phase, deployment replicas)", () => {
    const store = newStore();
    const ns = store.addNamespace("team");
    assert.equal(ns.metadata.labels?.["kubernetes.io/metadata.name"], "team");
    assert.deepEqual(ns.status, { phase: "Active" });
    const d = store.create("deployments.apps", {
      metadata: { name: "x", namespace: "team" },
      spec: { selector: { matchLabels: { a: "b" } } },
    });
    assert.equal((d.spec as { replicas: number }).replicas, 1);
  });

  it("bumps a deployment's generation on spec or annotation changes only", () => {
    const store = newStore();
    store.addNamespace("team");
    const d = store.addDeployment({ namespace: "team", name: "web", replicas: 2, selector: { app: "web" } });
    assert.equal(d.metadata.generation, 1);
    const labelled = store.patch("deployments", "web", "team", { metadata: { labels: { extra: "1" } } });
    assert.equal(labelled.metadata.generation, 1);
    const status = store.patch("deployments", "web", "team", { status: { readyReplicas: 2 } });
    assert.equal(status.metadata.generation, 1);
    const scaled = store.patch("deployments", "web", "team", { spec: { replicas: 5 } });
    assert.equal(scaled.metadata.generation, 2);
    const annotated = store.patch("deployments", "web", "team", { metadata: { annotations: { a: "b" } } });
    assert.equal(annotated.metadata.generation, 3);
    assert.equal(store.get("deploy", "web", "team").metadata.generation, 3);
  });

  it("treats an update that changes nothing as a no-op (same resourceVersion, no event)", () => {
    const store = newStore();
    const pod = store.addPod({ namespace: "default", name: "p" });
    const events: WatchEvent[] = [];
    store.watch("pods", { resourceVersion: store.resourceVersion() }, (e) => events.push(e));
    const same = store.update("pods", pod);
    assert.equal(same.metadata.resourceVersion, pod.metadata.resourceVersion);
    assert.equal(events.length, 0);
  });

  it("rejects a stale resourceVersion with 409 Conflict and accepts an unset one", () => {
    const store = newStore();
    const pod = store.addPod({ namespace: "default", name: "p", labels: { v: "1" } });
    store.patch("pods", "p", "default", { metadata: { labels: { v: "2" } } });
    const stale = apiError(() =>
      store.update("pods", { ...pod, metadata: { ...pod.metadata, labels: { v: "3" } } }),
    );
    assert.equal(stale.code, 409);
    assert.equal(stale.reason, "Conflict");
    assert.equal(
      stale.message,
      'Operation cannot be fulfilled on pods "p": the object has been modified; please apply your changes to the latest version and try again',
    );
    const { resourceVersion: _rv, ...meta } = pod.metadata;
    const forced = store.update("pods", { ...pod, metadata: { ...meta, labels: { v: "3" } } });
    assert.equal(forced.metadata.labels?.v, "3");
    assert.equal(forced.metadata.uid, pod.metadata.uid);
  });

  it("fails like the apiserver: AlreadyExists, NotFound, missing namespace, Invalid names", () => {
    const store = newStore();
    store.addPod({ namespace: "default", name: "p" });
    const cases: { what: string; run: () => unknown; code: number; reason: string; message: string }[] = [
      {
        what: "duplicate",
        run: () => store.addPod({ namespace: "default", name: "p" }),
        code: 409,
        reason: "AlreadyExists",
        message: 'pods "p" already exists',
      },
      {
        what: "missing object",
        run: () => store.get("deployments.apps", "nope", "default"),
        code: 404,
        reason: "NotFound",
        message: 'deployments.apps "nope" not found',
      },
      {
        what: "missing namespace",
        run: () => store.addPod({ namespace: "ghost", name: "p" }),
        code: 404,
        reason: "NotFound",
        message: 'namespaces "ghost" not found',
      },
      {
        what: "no name",
        run: () => store.create("pods", { metadata: { namespace: "default" } }),
        code: 422,
        reason: "Invalid",
        message: 'Pod "" is invalid: metadata.name: Required value: name or generateName is required',
      },
      {
        what: "bad name",
        run: () => store.addNamespace("Not_Valid"),
        code: 422,
        reason: "Invalid",
        message: "",
      },
      {
        what: "wrong kind",
        run: () => store.create("pods", { kind: "Service", metadata: { name: "s", namespace: "default" } }),
        code: 400,
        reason: "BadRequest",
        message: "",
      },
    ];
    for (const c of cases) {
      const error = apiError(c.run);
      assert.equal(error.code, c.code, c.what);
      assert.equal(error.reason, c.reason, c.what);
      if (c.message) assert.equal(error.message, c.message, c.what);
    }
  });

  it("generates names from generateName", () => {
    const store = newStore();
    const a = store.create("pods", { metadata: { generateName: "web-", namespace: "default" } });
    const b = store.create("pods", { metadata: { generateName: "web-", namespace: "default" } });
    assert.match(a.metadata.name, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.notEqual(a.metadata.name, b.metadata.name);
  });

  it("does not store dry-run writes", () => {
    const store = newStore();
    const before = store.resourceVersion();
    const result = store.create("namespaces", { metadata: { name: "dry" } }, { dryRun: true });
    assert.equal(result.metadata.name, "dry");
    assert.equal(store.find("namespaces", "dry"), undefined);
    assert.equal(store.resourceVersion(), before);
  });

  it("deleting a namespace deletes what is in it, each with its own event", () => {
    const store = newStore();
    store.addNamespace("team");
    store.addPod({ namespace: "team", name: "a" });
    store.addPod({ namespace: "default", name: "b" });
    const events: WatchEvent[] = [];
    store.watch("pods", { resourceVersion: store.resourceVersion() }, (e) => events.push(e));
    store.delete("namespaces", "team");
    assert.deepEqual(names(events), ["DELETED a"]);
    assert.deepEqual(
      store.list("pods").items.map((p) => p.metadata.name),
      ["b"],
    );
    assert.equal(store.find("namespaces", "team"), undefined);
  });

  it("checks delete preconditions", () => {
    const store = newStore();
    const pod = store.addPod({ namespace: "default", name: "p" });
    const wrong = apiError(() => store.delete("pods", "p", "default", { preconditions: { uid: "other" } }));
    assert.equal(wrong.code, 409);
    const gone = store.delete("pods", "p", "default", { preconditions: { uid: pod.metadata.uid } });
    assert.equal(gone.metadata.uid, pod.metadata.uid);
  });
});

describe("ObjectStore lists", () => {
  const store = newStore();
  store.addNamespace("a");
  store.addNamespace("b");
  store.addPod({ namespace: "b", name: "web-2", labels: { app: "web", tier: "fe" }, nodeName: "n1" });
  store.addPod({ namespace: "a", name: "web-1", labels: { app: "web" }, nodeName: "n2" });
  store.addPod({ namespace: "a", name: "db-1", labels: { app: "db" }, phase: "Pending" });
  store.addPod({ namespace: "a", name: "job-1", labels: {}, phase: "Succeeded" });

  const table: { labelSelector?: string; fieldSelector?: string; namespace?: string; expect: string[] }[] = [
    { expect: ["a/db-1", "a/job-1", "a/web-1", "b/web-2"] },
    { namespace: "a", expect: ["a/db-1", "a/job-1", "a/web-1"] },
    { labelSelector: "app=web", expect: ["a/web-1", "b/web-2"] },
    { labelSelector: "app==web,tier", expect: ["b/web-2"] },
    { labelSelector: "app!=web", expect: ["a/db-1", "a/job-1"] },
    { labelSelector: "app in (db, web)", expect: ["a/db-1", "a/web-1", "b/web-2"] },
    { labelSelector: "app notin (web)", expect: ["a/db-1", "a/job-1"] },
    { labelSelector: "!app", expect: ["a/job-1"] },
    { labelSelector: "app,!tier", expect: ["a/db-1", "a/web-1"] },
    { fieldSelector: "metadata.name=web-1", expect: ["a/web-1"] },
    { fieldSelector: "metadata.namespace!=a", expect: ["b/web-2"] },
    { fieldSelector: "spec.nodeName=n1", expect: ["b/web-2"] },
    { fieldSelector: "status.phase!=Running", expect: ["a/db-1", "a/job-1"] },
    { fieldSelector: "status.phase=Running", labelSelector: "app=web", namespace: "a", expect: ["a/web-1"] },
  ];
  for (const row of table) {
    it(`labelSelector=${row.labelSelector ?? ""} fieldSelector=${row.fieldSelector ?? ""} ns=${row.namespace ?? "*"}`, () => {
      const { items } = store.list("pods", row);
      assert.deepEqual(
        items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
        row.expect,
      );
    });
  }

  it("rejects bad selectors and unsupported field labels with 400", () => {
    for (const options of [
      { labelSelector: "app in (" },
      { fieldSelector: "spec.bogus=1" },
      { fieldSelector: "x" },
    ]) {
      const error = apiError(() => store.list("pods", options));
      assert.equal(error.code, 400, JSON.stringify(options));
    }
    assert.match(
      apiError(() => store.list("pods", { fieldSelector: "spec.bogus=1" })).message,
      /field label not supported: spec.bogus/,
    );
  });
});

describe("ObjectStore watch", () => {
  it("sends current objects as ADDED for resourceVersion '' and '0', then live changes in order", () => {
    for (const resourceVersion of ["", "0"]) {
      const store = newStore();
      store.addPod({ namespace: "default", name: "old" });
      const events: WatchEvent[] = [];
      const handle = store.watch("pods", { resourceVersion }, (e) => events.push(e));
      store.addPod({ namespace: "default", name: "new" });
      store.patch("pods", "new", "default", { metadata: { labels: { x: "1" } } });
      store.delete("pods", "old", "default");
      handle.stop();
      store.addPod({ namespace: "default", name: "after-stop" });
      assert.deepEqual(names(events), ["ADDED old", "ADDED new", "MODIFIED new", "DELETED old"]);
    }
  });

  it("replays changes after a resourceVersion, and stamps DELETED with the deletion's version", () => {
    const store = newStore();
    store.addPod({ namespace: "default", name: "a" });
    const from = store.resourceVersion();
    store.addPod({ namespace: "default", name: "b" });
    store.delete("pods", "a", "default");
    const events: WatchEvent[] = [];
    store.watch("pods", { resourceVersion: from }, (e) => events.push(e));
    assert.deepEqual(names(events), ["ADDED b", "DELETED a"]);
    const deleted = events[1]?.object as { metadata: { resourceVersion: string } };
    assert.equal(deleted.metadata.resourceVersion, store.resourceVersion());
  });

  it("answers a resourceVersion older than the kept history with 410 Expired", () => {
    const store = newStore({ historySize: 2 });
    const first = store.addPod({ namespace: "default", name: "a" }).metadata.resourceVersion;
    store.addPod({ namespace: "default", name: "b" });
    store.addPod({ namespace: "default", name: "c" });
    store.addPod({ namespace: "default", name: "d" });
    const error = apiError(() =>
      store.watch("pods", { resourceVersion: String(Number(first) - 1) }, () => {}),
    );
    assert.equal(error.code, 410);
    assert.equal(error.reason, "Expired");
    assert.match(error.message, /^too old resource version: \d+ \(\d+\)$/);
    const events: WatchEvent[] = [];
    store.watch("pods", { resourceVersion: String(Number(first) + 1) }, (e) => events.push(e));
    assert.deepEqual(names(events), ["ADDED c", "ADDED d"]);
  });

  it("turns selector transitions into ADDED / DELETED for a filtered watcher", () => {
    const store = newStore();
    store.addPod({ namespace: "default", name: "p", labels: { app: "db" } });
    const events: WatchEvent[] = [];
    store.watch("pods", { labelSelector: "app=web" }, (e) => events.push(e));
    store.patch("pods", "p", "default", { metadata: { labels: { app: "web" } } });
    store.patch("pods", "p", "default", { metadata: { labels: { app: "web", v: "2" } } });
    store.patch("pods", "p", "default", { metadata: { labels: { app: "db" } } });
    store.patch("pods", "p", "default", { metadata: { labels: { app: "db", v: "3" } } });
    assert.deepEqual(names(events), ["ADDED p", "MODIFIED p", "DELETED p"]);
    const leaving = events[2]?.object as {
      metadata: { labels: Record<string, string>; resourceVersion: string };
    };
    // The watcher sees the last state it matched, at the version of the change that excluded it.
    assert.equal(leaving.metadata.labels.app, "web");
    assert.equal(Number(leaving.metadata.resourceVersion), Number(store.resourceVersion()) - 1);
  });

  it("hands each listener its own copy", () => {
    const store = newStore();
    const seen: WatchEvent[] = [];
    store.watch("pods", {}, (e) => {
      (e.object.metadata as { name: string }).name = "mutated";
      seen.push(e);
    });
    store.addPod({ namespace: "default", name: "p" });
    assert.equal(seen.length, 1);
    assert.equal(store.get("pods", "p", "default").metadata.name, "p");
  });
});
