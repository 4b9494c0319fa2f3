import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { type KubeFacade, startKubeFacade } from "../../../src/demo/kube/server.js";

/** The parts of objects, lists and Status documents these tests read. */
interface Doc {
  kind?: string;
  apiVersion?: string;
  status?: unknown;
  reason?: string;
  message?: string;
  code?: number;
  details?: { name?: string; kind?: string; group?: string; causes?: { field: string }[] };
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion: string;
    uid: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  items: Doc[];
  rows: { cells: unknown[] }[];
}

interface Reply {
  status: number;
  body: Doc;
}

describe("Kubernetes REST facade: CRUD over HTTP", () => {
  let facade: KubeFacade;
  before(async () => {
    facade = await startKubeFacade();
  });
  after(() => facade.close());

  async function call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    const init: RequestInit = { method, headers: { "content-type": "application/json", ...headers } };
    if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
    const res = await fetch(`${facade.url}${path}`, init);
    assert.equal(res.headers.get("content-type"), "application/json", `${method} ${path}`);
    return { status: res.status, body: (await res.json()) as Doc };
  }

  const PODS = "/api/v1/namespaces/crud/pods";
  const DEPLOYS = "/apis/apps/v1/namespaces/crud/deployments";
  const pod = (name: string, labels: Record<string, string> = {}) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels },
    spec: { containers: [{ name: "main", image: "x" }] },
    status: { phase: "Running" },
  });

  beforeEach(() => {
    if (facade.store.find("namespaces", "crud")) facade.store.delete("namespaces", "crud");
    facade.store.addNamespace("crud");
  });

  it("creates (201), gets and lists a pod; list items carry no kind/apiVersion", async () => {
    const created = await call("POST", PODS, pod("web-1", { app: "web" }));
    assert.equal(created.status, 201);
    assert.equal(created.body.kind, "Pod");
    assert.equal(created.body.metadata.namespace, "crud");
    assert.match(created.body.metadata.uid, /^[0-9a-f-]{36}$/);
    // Create strategies drop client-sent status: a new pod is Pending.
    assert.deepEqual((created.body.status as { phase: string }).phase, "Pending");

    const got = await call("GET", `${PODS}/web-1`);
    assert.equal(got.status, 200);
    assert.equal(got.body.metadata.resourceVersion, created.body.metadata.resourceVersion);

    const list = await call("GET", PODS);
    assert.equal(list.body.kind, "PodList");
    assert.equal(list.body.apiVersion, "v1");
    assert.equal(list.body.metadata.resourceVersion, facade.store.resourceVersion());
    assert.deepEqual(
      list.body.items.map((i) => i.metadata.name),
      ["web-1"],
    );
    assert.equal(list.body.items[0]?.kind, undefined);
    assert.equal(list.body.items[0]?.apiVersion, undefined);
  });

  it("lists across namespaces and filters by labelSelector and fieldSelector", async () => {
    facade.store.addNamespace("crud-other");
    try {
      facade.store.addPod({ namespace: "crud", name: "web-1", labels: { app: "web" } });
      facade.store.addPod({ namespace: "crud", name: "db-1", labels: { app: "db" }, phase: "Pending" });
      facade.store.addPod({ namespace: "crud-other", name: "web-2", labels: { app: "web", tier: "fe" } });
      const cases: [string, string[]][] = [
        // etcd key order: "crud-other/" sorts before "crud/".
        ["/api/v1/pods", ["crud-other/web-2", "crud/db-1", "crud/web-1"]],
        [`/api/v1/pods?labelSelector=${encodeURIComponent("app=web")}`, ["crud-other/web-2", "crud/web-1"]],
        [`/api/v1/pods?labelSelector=${encodeURIComponent("app in (web),!tier")}`, ["crud/web-1"]],
        [`${PODS}?labelSelector=${encodeURIComponent("app notin (web)")}`, ["crud/db-1"]],
        [`/api/v1/pods?fieldSelector=${encodeURIComponent("status.phase=Pending")}`, ["crud/db-1"]],
        [
          `/api/v1/pods?fieldSelector=${encodeURIComponent("metadata.namespace=crud-other")}`,
          ["crud-other/web-2"],
        ],
        [`${PODS}?limit=1`, ["crud/db-1", "crud/web-1"]],
      ];
      for (const [path, expect] of cases) {
        const { status, body } = await call("GET", path);
        assert.equal(status, 200, path);
        assert.deepEqual(
          body.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`),
          expect,
          path,
        );
      }
      const bad = await call("GET", `/api/v1/pods?labelSelector=${encodeURIComponent("app in (")}`);
      assert.equal(bad.status, 400);
      assert.equal(bad.body.reason, "BadRequest");
    } finally {
      facade.store.delete("namespaces", "crud-other");
    }
  });

  it("answers failures with faithful Status documents", async () => {
    await call("POST", PODS, pod("dup"));
    const cases: { what: string; reply: Promise<Reply>; code: number; reason: string; message?: RegExp }[] = [
      {
        what: "missing pod",
        reply: call("GET", `${PODS}/missing`),
        code: 404,
        reason: "NotFound",
        message: /^pods "missing" not found$/,
      },
      {
        what: "missing deployment",
        reply: call("GET", `${DEPLOYS}/missing`),
        code: 404,
        reason: "NotFound",
        message: /^deployments.apps "missing" not found$/,
      },
      {
        what: "duplicate",
        reply: call("POST", PODS, pod("dup")),
        code: 409,
        reason: "AlreadyExists",
        message: /^pods "dup" already exists$/,
      },
      {
        what: "namespace missing",
        reply: call("POST", "/api/v1/namespaces/ghost/pods", pod("x")),
        code: 404,
        reason: "NotFound",
        message: /^namespaces "ghost" not found$/,
      },
      {
        what: "no name",
        reply: call("POST", PODS, { metadata: {} }),
        code: 422,
        reason: "Invalid",
        message: /metadata.name: Required value/,
      },
      { what: "bad JSON", reply: call("POST", PODS, "{not json"), code: 400, reason: "BadRequest" },
      {
        what: "namespace mismatch",
        reply: call("POST", PODS, { metadata: { name: "x", namespace: "other" } }),
        code: 400,
        reason: "BadRequest",
      },
      {
        what: "PUT name mismatch",
        reply: call("PUT", `${PODS}/dup`, pod("other")),
        code: 400,
        reason: "BadRequest",
        message: /does not match the name on the URL/,
      },
      {
        what: "POST to a name",
        reply: call("POST", `${PODS}/dup`, pod("dup")),
        code: 405,
        reason: "MethodNotAllowed",
      },
      {
        what: "deletecollection on namespaces",
        reply: call("DELETE", "/api/v1/namespaces"),
        code: 405,
        reason: "MethodNotAllowed",
      },
      {
        what: "server-side apply",
        reply: call("PATCH", `${PODS}/dup`, "{}", { "content-type": "application/apply-patch+yaml" }),
        code: 415,
        reason: "UnsupportedMediaType",
      },
      {
        what: "PUT to missing",
        reply: call("PUT", `${PODS}/nope`, pod("nope")),
        code: 404,
        reason: "NotFound",
      },
    ];
    for (const c of cases) {
      const { status, body } = await c.reply;
      assert.equal(status, c.code, c.what);
      assert.equal(body.kind, "Status", c.what);
      assert.equal(body.apiVersion, "v1", c.what);
      assert.equal(body.status, "Failure", c.what);
      assert.equal(body.code, c.code, c.what);
      assert.equal(body.reason, c.reason, c.what);
      if (c.message) assert.match(body.message ?? "", c.message, c.what);
    }
    const notFound = await call("GET", `${DEPLOYS}/missing`);
    assert.deepEqual(notFound.body.details, { name: "missing", group: "apps", kind: "deployments" });
  });

  it("PUT with a stale resourceVersion is a 409 Conflict; PUT keeps status (status subresource)", async () => {
    const created = (await call("POST", PODS, pod("web"))).body;
    const first = await call("PUT", `${PODS}/web`, {
      ...created,
      metadata: { ...created.metadata, labels: { v: "1" } },
      status: { phase: "Failed" },
    });
    assert.equal(first.status, 200);
    assert.equal(first.body.metadata.labels?.v, "1");
    assert.equal((first.body.status as { phase: string }).phase, "Pending");
    assert.ok(Number(first.body.metadata.resourceVersion) > Number(created.metadata.resourceVersion));

    const stale = await call("PUT", `${PODS}/web`, {
      ...created,
      metadata: { ...created.metadata, labels: { v: "2" } },
    });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.reason, "Conflict");

    const status = await call("PUT", `${PODS}/web/status`, { ...first.body, status: { phase: "Running" } });
    assert.equal(status.status, 200);
    assert.equal((status.body.status as { phase: string }).phase, "Running");
    assert.equal(status.body.metadata.labels?.v, "1");
  });

  it("patches with merge, strategic-merge and JSON patch, bumping deployment generation", async () => {
    facade.store.addDeployment({ namespace: "crud", name: "web", replicas: 2, selector: { app: "web" } });
    const merge = await call(
      "PATCH",
      `${DEPLOYS}/web`,
      { spec: { replicas: 4 }, metadata: { labels: { a: "1" } } },
      { "content-type": "application/merge-patch+json" },
    );
    assert.equal(merge.status, 200);
    assert.equal(merge.body.spec?.replicas, 4);
    assert.equal(merge.body.metadata.generation, 2);
    assert.equal(merge.body.metadata.labels?.a, "1");

    const strategic = await call(
      "PATCH",
      `${DEPLOYS}/web`,
      { metadata: { labels: { a: null, b: "2" } } },
      { "content-type": "application/strategic-merge-patch+json" },
    );
    assert.deepEqual(strategic.body.metadata.labels, { app: "web", b: "2" });
    assert.equal(strategic.body.metadata.generation, 2);

    const json = await call(
      "PATCH",
      `${DEPLOYS}/web`,
      [{ op: "replace", path: "/spec/replicas", value: 1 }],
      {
        "content-type": "application/json-patch+json",
      },
    );
    assert.equal(json.body.spec?.replicas, 1);
    assert.equal(json.body.metadata.generation, 3);

    const stale = await call(
      "PATCH",
      `${DEPLOYS}/web`,
      { metadata: { resourceVersion: "1" }, spec: { replicas: 9 } },
      { "content-type": "application/merge-patch+json" },
    );
    assert.equal(stale.status, 409);
    const failedTest = await call(
      "PATCH",
      `${DEPLOYS}/web`,
      [{ op: "test", path: "/spec/replicas", value: 7 }],
      {
        "content-type": "application/json-patch+json",
      },
    );
    assert.equal(failedTest.status, 422);
    const stored = facade.store.get("deployments.apps", "web", "crud");
    assert.equal((stored.spec as { replicas: number }).replicas, 1);
  });

  it("DELETE returns the pod itself but a Success Status for a deployment", async () => {
    await call("POST", PODS, pod("gone"));
    const deletedPod = await call("DELETE", `${PODS}/gone`);
    assert.equal(deletedPod.status, 200);
    assert.equal(deletedPod.body.kind, "Pod");
    assert.equal(deletedPod.body.metadata.name, "gone");
    assert.equal((await call("GET", `${PODS}/gone`)).status, 404);

    facade.store.addDeployment({ namespace: "crud", name: "web", replicas: 1, selector: { app: "web" } });
    const deletedDeploy = await call("DELETE", `${DEPLOYS}/web`);
    assert.equal(deletedDeploy.body.kind, "Status");
    assert.equal(deletedDeploy.body.status, "Success");
    assert.equal(deletedDeploy.body.details?.name, "web");
    assert.equal((await call("DELETE", `${DEPLOYS}/web`)).status, 404);
  });

  it("DELETE on a list path deletes what the selector matches", async () => {
    facade.store.addPod({ namespace: "crud", name: "a", labels: { app: "web" } });
    facade.store.addPod({ namespace: "crud", name: "b", labels: { app: "db" } });
    const { status, body } = await call("DELETE", `${PODS}?labelSelector=app%3Dweb`);
    assert.equal(status, 200);
    assert.deepEqual(
      body.items.map((i) => i.metadata.name),
      ["a"],
    );
    assert.deepEqual(
      facade.store.list("pods", { namespace: "crud" }).items.map((p) => p.metadata.name),
      ["b"],
    );
  });

  it("dryRun=All validates without storing", async () => {
    const dry = await call("POST", `${PODS}?dryRun=All`, pod("dry"));
    assert.equal(dry.status, 201);
    assert.equal(facade.store.find("pods", "dry", "crud"), undefined);
    const bad = await call("POST", `${PODS}?dryRun=Some`, pod("dry"));
    assert.equal(bad.status, 400);
  });

  it("creates cluster-scoped objects and YAML bodies", async () => {
    const created = await call(
      "POST",
      "/api/v1/nodes",
      "apiVersion: v1\nkind: Node\nmetadata:\n  name: node-a\n",
      {
        "content-type": "application/yaml",
      },
    );
    assert.equal(created.status, 201);
    assert.equal(created.body.metadata.namespace, undefined);
    const deleted = await call("DELETE", "/api/v1/nodes/node-a");
    assert.equal(deleted.body.kind, "Status");
  });

  it("answers kubectl's Table request with server-side printed rows", async () => {
    facade.store.addDeployment({ namespace: "crud", name: "web", replicas: 3, selector: { app: "web" } });
    const { body } = await call("GET", DEPLOYS, undefined, {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
    });
    assert.equal(body.kind, "Table");
    assert.deepEqual(body.rows[0]?.cells.slice(0, 4), ["web", "0/3", 0, 0]);
  });

  it("rejects bodies over the size limit with 413", async () => {
    const small = await startKubeFacade({ maxBodyBytes: 100 });
    try {
      small.store.addNamespace("crud");
      const res = await fetch(`${small.url}${PODS}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(pod("big", { filler: "x".repeat(200) })),
      });
      assert.equal(res.status, 413);
    } finally {
      await small.close();
    }
  });
});
