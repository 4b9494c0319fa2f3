import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  ApiException,
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { type KubeFacade, startKubeFacade } from "../../harness/kubeFacade.js";
import { FaultInjector, type FaultRequest } from "../../harness/kubeFaults.js";

const NS = "faults";
const HPA = "horizontalpodautoscalers.autoscaling";

interface StatusBody {
  kind: string;
  code: number;
  reason?: string;
  message: string;
  details?: { retryAfterSeconds?: number };
}

async function apiError(
  call: Promise<unknown>,
): Promise<{ code: number; status: StatusBody; headers: Record<string, string> }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) {
      const e = error as ApiException<string>;
      return { code: e.code, status: JSON.parse(String(e.body)) as StatusBody, headers: e.headers };
    }
    throw error;
  }
  assert.fail("expected the call to fail with an ApiException");
}

describe("fault injection (facade.faults) seen by client-node", () => {
  let facade: KubeFacade;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let autoscaling: AutoscalingV2Api;
  before(async () => {
    facade = await startKubeFacade();
    facade.store.addNamespace(NS);
    facade.store.addDeployment({ namespace: NS, name: "web", replicas: 2, selector: { app: "web" } });
    facade.store.create(HPA, {
      metadata: { name: "web", namespace: NS },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        minReplicas: 1,
        maxReplicas: 5,
      },
    });
    const kc = new KubeConfig();
    kc.loadFromString(facade.kubeconfig());
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    autoscaling = kc.makeApiClient(AutoscalingV2Api);
  });
  beforeEach(() => facade.faults.clear());
  after(() => facade.close());

  it("500 InternalError once (times defaults to 1), then the request is served again", async () => {
    const rule = facade.faults.inject({ method: "GET", path: "/deployments/web", status: 500 });
    const failed = await apiError(apps.readNamespacedDeployment({ name: "web", namespace: NS }));
    assert.equal(failed.code, 500);
    assert.equal(failed.status.kind, "Status");
    assert.equal(failed.status.reason, "InternalError");
    assert.equal(failed.status.code, 500);
    assert.equal(rule.hits, 1);
    const read = await apps.readNamespacedDeployment({ name: "web", namespace: NS });
    assert.equal(read.metadata?.name, "web");
    assert.equal(rule.hits, 1);
  });

  it("503 ServiceUnavailable `times` times, with a custom message", async () => {
    const rule = facade.faults.inject({
      path: /\/namespaces\/faults\/pods$/,
      status: 503,
      message: "etcd is on a break",
      times: 2,
    });
    for (let i = 0; i < 2; i++) {
      const failed = await apiError(core.listNamespacedPod({ namespace: NS }));
      assert.equal(failed.code, 503);
      assert.equal(failed.status.reason, "ServiceUnavailable");
      assert.equal(failed.status.message, "etcd is on a break");
    }
    const list = await core.listNamespacedPod({ namespace: NS });
    assert.deepEqual(list.items, []);
    assert.equal(rule.hits, 2);
  });

  it("429 TooManyRequests carries Retry-After: 1 and details.retryAfterSeconds", async () => {
    facade.faults.inject({ method: ["get", "list"], path: "/configmaps", status: 429 });
    const failed = await apiError(core.listNamespacedConfigMap({ namespace: NS }));
    assert.equal(failed.code, 429);
    assert.equal(failed.status.reason, "TooManyRequests");
    assert.equal(failed.headers["retry-after"], "1");
    assert.equal(failed.status.details?.retryAfterSeconds, 1);
  });

  it("an injected 409 Conflict on PATCH leaves the store untouched; `before` sees the request", async () => {
    const rvBefore = facade.store.get(HPA, "web", NS).metadata.resourceVersion;
    const seen: FaultRequest[] = [];
    const rule = facade.faults.inject({
      method: "PATCH",
      path: "/horizontalpodautoscalers/web",
      status: 409,
      before: (request) => seen.push(request),
    });
    const failed = await apiError(
      autoscaling.patchNamespacedHorizontalPodAutoscaler(
        { name: "web", namespace: NS, body: { spec: { maxReplicas: 9 } } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      ),
    );
    assert.equal(failed.code, 409);
    assert.equal(failed.status.reason, "Conflict");
    assert.equal(rule.hits, 1);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.method, "PATCH");
    assert.equal(seen[0]?.path, `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers/web`);
    const stored = facade.store.get(HPA, "web", NS);
    assert.equal(stored.metadata.resourceVersion, rvBefore);
    assert.equal((stored.spec as { maxReplicas: number }).maxReplicas, 5);
  });

  it("rules match by method and path; remove() retires a rule before it is used up", async () => {
    const rule = facade.faults.inject({
      method: "DELETE",
      path: "/pods/",
      status: 500,
      times: Number.POSITIVE_INFINITY,
    });
    // A GET on the same path and a DELETE elsewhere are not matched.
    await core.listNamespacedPod({ namespace: NS });
    facade.store.create("configmaps", { metadata: { name: "tmp", namespace: NS } });
    await core.deleteNamespacedConfigMap({ name: "tmp", namespace: NS });
    assert.equal(rule.hits, 0);
    facade.store.addPod({ namespace: NS, name: "p" });
    assert.equal((await apiError(core.deleteNamespacedPod({ name: "p", namespace: NS }))).code, 500);
    assert.equal((await apiError(core.deleteNamespacedPod({ name: "p", namespace: NS }))).code, 500);
    assert.ok(facade.store.find("pods", "p", NS), "the pod survives the injected failures");
    rule.remove();
    await core.deleteNamespacedPod({ name: "p", namespace: NS });
    assert.equal(facade.store.find("pods", "p", NS), undefined);
    assert.equal(rule.hits, 2);
  });

  it("beforeRequest changes the object under the client: a stale replace gets a real 409 from the store", async () => {
    const current = await apps.readNamespacedDeployment({ name: "web", namespace: NS });
    const rule = facade.faults.beforeRequest({
      method: "PUT",
      path: "/deployments/web",
      run: (store) => store.patch("deployments.apps", "web", NS, { metadata: { labels: { bumped: "yes" } } }),
    });
    current.spec = { ...(current.spec as NonNullable<typeof current.spec>), replicas: 4 };
    const failed = await apiError(
      apps.replaceNamespacedDeployment({ name: "web", namespace: NS, body: current }),
    );
    assert.equal(failed.code, 409);
    assert.equal(failed.status.reason, "Conflict");
    assert.match(failed.status.message, /the object has been modified/);
    assert.equal(rule.hits, 1);
    const stored = facade.store.get("deployments.apps", "web", NS);
    assert.equal(stored.metadata.labels?.bumped, "yes");
    assert.equal((stored.spec as { replicas: number }).replicas, 2);

    // Used up: a retry with the fresh object goes through.
    const fresh = await apps.readNamespacedDeployment({ name: "web", namespace: NS });
    fresh.spec = { ...(fresh.spec as NonNullable<typeof fresh.spec>), replicas: 4 };
    const replaced = await apps.replaceNamespacedDeployment({ name: "web", namespace: NS, body: fresh });
    assert.equal(replaced.spec?.replicas, 4);
    assert.equal(rule.hits, 1);
  });

  it("the request log counts writes, with their statuses, injected faults included; clear() forgets", async () => {
    const hpaPath = "/horizontalpodautoscalers/web";
    await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: "web", namespace: NS });
    await autoscaling.patchNamespacedHorizontalPodAutoscaler(
      { name: "web", namespace: NS, body: { spec: { maxReplicas: 6 } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    await apiError(core.readNamespacedConfigMap({ name: "missing", namespace: NS }));
    facade.faults.inject({ method: "PATCH", path: hpaPath, status: 500 });
    await apiError(
      autoscaling.patchNamespacedHorizontalPodAutoscaler(
        { name: "web", namespace: NS, body: { spec: { maxReplicas: 7 } } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      ),
    );

    assert.equal(facade.faults.count({ method: "PATCH", path: hpaPath }), 2);
    assert.equal(facade.faults.count({ method: "PATCH", path: hpaPath, status: 200 }), 1);
    assert.equal(facade.faults.count({ method: "PATCH", path: hpaPath, status: 500 }), 1);
    assert.equal(facade.faults.count({ method: "GET", path: hpaPath }), 1);
    assert.deepEqual(
      facade.faults.requests.map((r) => `${r.method} ${r.path} ${r.status}`),
      [
        `GET /apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers/web 200`,
        `PATCH /apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers/web 200`,
        `GET /api/v1/namespaces/${NS}/configmaps/missing 404`,
        `PATCH /apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers/web 500`,
      ],
    );
    facade.faults.inject({ status: 500, times: 5 });
    facade.faults.clear();
    assert.deepEqual(facade.faults.requests, []);
    await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: "web", namespace: NS });
    assert.equal(facade.faults.count(), 1);
  });
});

describe("FaultInjector on its own", () => {
  const request = (method: string, path: string): FaultRequest => ({
    method,
    path,
    query: new URLSearchParams(),
    headers: {},
  });

  it("rejects rules that make no sense, naming the field", () => {
    const faults = new FaultInjector();
    assert.throws(() => faults.inject({ status: 200 }), /status must be an HTTP error code 400-599, got 200/);
    assert.throws(() => faults.inject({ status: 500, times: 0 }), /times must be a positive integer/);
    assert.throws(() => faults.inject({ status: 429, retryAfterSeconds: -1 }), /retryAfterSeconds/);
    assert.throws(() => new FaultInjector({ maxRequests: 0 }), /maxRequests must be a positive integer/);
  });

  it("keeps only the newest maxRequests records", () => {
    const faults = new FaultInjector({ maxRequests: 3 });
    for (let i = 1; i <= 10; i++) faults.record({ method: "GET", path: `/r${i}`, status: 200 });
    assert.deepEqual(
      faults.requests.map((r) => r.path),
      ["/r8", "/r9", "/r10"],
    );
    assert.equal(faults.count({ path: "/r9" }), 1);
  });

  it("the first matching fault rule answers; an explicit reason and Retry-After are used", () => {
    const faults = new FaultInjector();
    const first = faults.inject({
      path: "/a",
      status: 503,
      reason: "ServiceUnavailable",
      retryAfterSeconds: 7,
    });
    const second = faults.inject({ path: "/a", status: 500 });
    const answer = faults.takeFault(request("GET", "/a/b"));
    assert.equal(answer?.status, 503);
    assert.deepEqual(answer?.headers, { "Retry-After": "7" });
    assert.equal(faults.takeFault(request("GET", "/a/b"))?.status, 500);
    assert.equal(faults.takeFault(request("GET", "/a/b")), undefined);
    assert.deepEqual([first.hits, second.hits], [1, 1]);
  });
});

describe("raw answers, per-client rules and partition holds", () => {
  let facade: KubeFacade;
  before(async () => {
    facade = await startKubeFacade();
  });
  after(async () => {
    await facade?.close();
  });
  const get = (path: string, token: string) =>
    fetch(`${facade.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

  it("respond sends the body as is; match singles out one client by its token", async () => {
    const rule = facade.faults.respond({
      path: "/api/v1/namespaces",
      status: 200,
      body: '{"type":"ADDED"}\n',
      match: (r: FaultRequest) => r.headers.authorization === "Bearer replica-a",
    });
    const other = await get("/api/v1/namespaces", "replica-b");
    assert.equal(
      ((await other.json()) as { kind: string }).kind,
      "NamespaceList",
      "another client is served",
    );
    const mine = await get("/api/v1/namespaces", "replica-a");
    assert.equal(mine.status, 200);
    assert.equal(await mine.text(), '{"type":"ADDED"}\n');
    assert.equal(rule.hits, 1);
  });

  it("a hold whose ms is a function of the request releases every request at the same moment", async () => {
    const healsAt = Date.now() + 300;
    facade.faults.hold({ when: "before", ms: () => healsAt - Date.now(), times: 2 });
    const done: number[] = [];
    const first = get("/version", "x").then(() => done.push(Date.now()));
    await new Promise((r) => setTimeout(r, 150));
    const second = get("/version", "x").then(() => done.push(Date.now()));
    await Promise.all([first, second]);
    for (const t of done) assert.ok(t >= healsAt, `answered ${healsAt - t} ms before the partition healed`);
  });

  it("refuses a raw answer with an impossible status", () => {
    assert.throws(() => facade.faults.respond({ status: 99, body: "" }), /respond: status must be/);
  });
});
