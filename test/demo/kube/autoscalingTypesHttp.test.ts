import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type KubeFacade, startKubeFacade } from "../../../src/demo/kube/server.js";

interface Doc {
  kind?: string;
  apiVersion?: string;
  reason?: string;
  message?: string;
  metadata: { name: string; namespace?: string; resourceVersion: string; generation?: number };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  items?: Doc[];
}

interface WatchLine {
  type: string;
  object: { kind?: string; apiVersion?: string; metadata: { name?: string; resourceVersion: string } };
}

/** Reads watch lines until `count` arrived (or fails after `ms`), then aborts the stream. */
async function watchLines(url: string, count: number, during: () => void, ms = 3000): Promise<WatchLine[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  const res = await fetch(url, { signal: abort.signal });
  const reader = res.body?.getReader();
  assert.ok(reader);
  const decoder = new TextDecoder();
  const lines: WatchLine[] = [];
  let buffered = "";
  during();
  try {
    while (lines.length < count) {
      const chunk = await reader.read();
      if (chunk.done) break;
      buffered += decoder.decode(chunk.value, { stream: true });
      let newline = buffered.indexOf("\n");
      while (newline !== -1) {
        lines.push(JSON.parse(buffered.slice(0, newline)) as WatchLine);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf("\n");
      }
    }
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return lines;
}

describe("autoscaling-related types over HTTP", () => {
  let facade: KubeFacade;
  before(async () => {
    facade = await startKubeFacade({ bookmarkIntervalSeconds: 0.05 });
    facade.store.addNamespace("hp");
  });
  after(() => facade.close());

  async function call(method: string, path: string, body?: unknown, contentType = "application/json") {
    const init: RequestInit = { method, headers: { "content-type": contentType } };
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(`${facade.url}${path}`, init);
    return { status: res.status, body: (await res.json()) as Doc };
  }

  const HPAS = "/apis/autoscaling/v2/namespaces/hp/horizontalpodautoscalers";
  const hpa = {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web" },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        {
          type: "Pods",
          pods: { metric: { name: "rps" }, target: { type: "AverageValue", averageValue: "10" } },
        },
      ],
    },
    status: { currentReplicas: 99 },
  };

  it("HPAs: create drops client status, /status writes only status, the main resource keeps it", async () => {
    const created = await call("POST", HPAS, hpa);
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.status, { currentReplicas: 0, desiredReplicas: 0 });
    const status = {
      currentReplicas: 3,
      desiredReplicas: 4,
      currentMetrics: [{ type: "Pods", pods: { metric: { name: "rps" }, current: { averageValue: "12" } } }],
    };
    const put = await call("PUT", `${HPAS}/web/status`, {
      ...created.body,
      spec: { ...hpa.spec, maxReplicas: 1 },
      status,
    });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body.status, status);
    assert.equal(put.body.spec?.maxReplicas, 10, "spec changes through /status are ignored");
    const patched = await call(
      "PATCH",
      `${HPAS}/web`,
      { spec: { maxReplicas: 20 }, status: { desiredReplicas: 0 } },
      "application/merge-patch+json",
    );
    assert.equal(patched.body.spec?.maxReplicas, 20);
    assert.equal(patched.body.status?.desiredReplicas, 4);
    assert.equal(patched.body.metadata.generation, 2);
  });

  it("HPAs: maxReplicas below minReplicas is 422, a stale resourceVersion 409", async () => {
    const invalid = await call(
      "PATCH",
      `${HPAS}/web`,
      { spec: { maxReplicas: 1 } },
      "application/merge-patch+json",
    );
    assert.equal(invalid.status, 422);
    assert.match(
      invalid.body.message ?? "",
      /HorizontalPodAutoscaler.autoscaling "web" is invalid: spec.maxReplicas/,
    );
    const current = (await call("GET", `${HPAS}/web`)).body;
    await call("PATCH", `${HPAS}/web`, { metadata: { labels: { a: "b" } } }, "application/merge-patch+json");
    const stale = await call("PUT", `${HPAS}/web`, current);
    assert.equal(stale.status, 409);
    assert.equal(stale.body.reason, "Conflict");
  });

  it("PriorityClasses live at the cluster path; ConfigMaps and PodTemplates under /api/v1", async () => {
    const pc = await call("POST", "/apis/scheduling.k8s.io/v1/priorityclasses", {
      metadata: { name: "overprovisioning" },
      value: -10,
      description: "placeholder pods",
    });
    assert.equal(pc.status, 201);
    assert.equal((await call("GET", "/apis/scheduling.k8s.io/v1/namespaces/hp/priorityclasses")).status, 404);
    const cm = await call("POST", "/api/v1/namespaces/hp/configmaps", {
      metadata: { name: "cfg" },
      data: { k: "v" },
    });
    assert.equal(cm.status, 201);
    const tpl = await call("POST", "/api/v1/namespaces/hp/podtemplates", {
      metadata: { name: "gpu" },
      template: { spec: { containers: [{ name: "c", image: "pause" }] } },
    });
    assert.equal(tpl.status, 201);
    const list = await call("GET", "/api/v1/podtemplates");
    assert.deepEqual(
      list.body.items?.map((t) => `${t.metadata.namespace}/${t.metadata.name}`),
      ["hp/gpu"],
    );
    assert.equal(list.body.kind, "PodTemplateList");
  });

  it("watches Leases with bookmarks: changes after the given resourceVersion, then BOOKMARKs", async () => {
    const LEASES = "/apis/coordination.k8s.io/v1/namespaces/hp/leases";
    const from = facade.store.resourceVersion();
    const lines = await watchLines(
      `${facade.url}${LEASES}?watch=true&allowWatchBookmarks=true&resourceVersion=${from}`,
      3,
      () => {
        const lease = facade.store.create("leases", {
          metadata: { name: "leader", namespace: "hp" },
          spec: { holderIdentity: "a", leaseDurationSeconds: 15 },
        });
        facade.store.update("leases", { ...lease, spec: { holderIdentity: "b", leaseDurationSeconds: 15 } });
      },
    );
    assert.deepEqual(
      lines.map((l) => `${l.type} ${l.object.metadata.name ?? ""}`.trim()),
      ["ADDED leader", "MODIFIED leader", "BOOKMARK"],
    );
    assert.deepEqual(lines[2]?.object, {
      kind: "Lease",
      apiVersion: "coordination.k8s.io/v1",
      metadata: { resourceVersion: facade.store.resourceVersion() },
    });
  });
});
