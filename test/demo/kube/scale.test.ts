import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type KubeFacade, startKubeFacade } from "../../../src/demo/kube/server.js";

interface Doc {
  kind?: string;
  apiVersion?: string;
  reason?: string;
  message?: string;
  code?: number;
  details?: { kind?: string; group?: string; causes?: { field: string }[] };
  metadata: { name: string; namespace?: string; resourceVersion: string; uid: string };
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string; readyReplicas?: number };
}

describe("deployments /scale subresource (autoscaling/v1 Scale)", () => {
  let facade: KubeFacade;
  const SCALE = "/apis/apps/v1/namespaces/sc/deployments/web/scale";
  before(async () => {
    facade = await startKubeFacade();
    facade.store.addNamespace("sc");
    facade.store.addDeployment({
      namespace: "sc",
      name: "web",
      replicas: 2,
      selector: { app: "web", tier: "fe" },
    });
    // What a bridge from the simulated cluster does: write observed status programmatically.
    facade.store.patch("deployments.apps", "web", "sc", { status: { replicas: 2, readyReplicas: 1 } });
  });
  after(() => facade.close());

  async function call(method: string, path: string, body?: unknown, contentType = "application/json") {
    const init: RequestInit = { method, headers: { "content-type": contentType } };
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(`${facade.url}${path}`, init);
    return { status: res.status, body: (await res.json()) as Doc };
  }

  it("GET maps the deployment to a Scale with its selector and observed replicas", async () => {
    const deployment = facade.store.get("deployments.apps", "web", "sc");
    const { status, body } = await call("GET", SCALE);
    assert.equal(status, 200);
    assert.deepEqual(body, {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: {
        name: "web",
        namespace: "sc",
        uid: deployment.metadata.uid,
        resourceVersion: deployment.metadata.resourceVersion,
        creationTimestamp: deployment.metadata.creationTimestamp,
      },
      spec: { replicas: 2 },
      status: { replicas: 2, selector: "app=web,tier=fe" },
    });
  });

  it("PUT with the current resourceVersion changes spec.replicas only and bumps generation", async () => {
    const before = facade.store.get("deployments.apps", "web", "sc");
    const { body: scale } = await call("GET", SCALE);
    const { status, body } = await call("PUT", SCALE, { ...scale, spec: { replicas: 5 } });
    assert.equal(status, 200);
    assert.equal(body.kind, "Scale");
    assert.equal(body.spec?.replicas, 5);
    const after = facade.store.get("deployments.apps", "web", "sc");
    assert.equal((after.spec as { replicas: number }).replicas, 5);
    assert.equal(after.metadata.generation, (before.metadata.generation ?? 0) + 1);
    assert.deepEqual(after.status, before.status, "status is untouched");
    assert.equal(body.metadata.resourceVersion, after.metadata.resourceVersion);
    assert.notEqual(after.metadata.resourceVersion, before.metadata.resourceVersion);
  });

  it("PUT with a stale resourceVersion is 409 Conflict and changes nothing", async () => {
    const { body: stale } = await call("GET", SCALE);
    facade.store.patch("deployments.apps", "web", "sc", { metadata: { labels: { touched: "yes" } } });
    const { status, body } = await call("PUT", SCALE, { ...stale, spec: { replicas: 9 } });
    assert.equal(status, 409);
    assert.equal(body.reason, "Conflict");
    assert.match(body.message ?? "", /deployments.apps "web": the object has been modified/);
    assert.equal(
      (facade.store.get("deployments.apps", "web", "sc").spec as { replicas: number }).replicas,
      5,
    );
  });

  const patches: [string, string, unknown][] = [
    ["merge patch", "application/merge-patch+json", { spec: { replicas: 3 } }],
    ["JSON patch", "application/json-patch+json", [{ op: "replace", path: "/spec/replicas", value: 4 }]],
    ["strategic merge patch", "application/strategic-merge-patch+json", { spec: { replicas: 6 } }],
  ];
  for (const [what, contentType, patch] of patches) {
    it(`PATCH with a ${what} sets the replicas`, async () => {
      const { status, body } = await call("PATCH", SCALE, patch, contentType);
      assert.equal(status, 200, JSON.stringify(body));
      const want = JSON.stringify(patch).match(/(\d)/)?.[1];
      assert.equal(String(body.spec?.replicas), want);
      assert.equal(
        String((facade.store.get("deployments.apps", "web", "sc").spec as { replicas: number }).replicas),
        want,
      );
    });
  }

  it("PATCH carrying a stale resourceVersion is 409", async () => {
    const { status } = await call(
      "PATCH",
      SCALE,
      { metadata: { resourceVersion: "1" }, spec: { replicas: 1 } },
      "application/merge-patch+json",
    );
    assert.equal(status, 409);
  });

  it("negative replicas are 422 Invalid on the Scale kind", async () => {
    const { status, body } = await call(
      "PATCH",
      SCALE,
      { spec: { replicas: -1 } },
      "application/merge-patch+json",
    );
    assert.equal(status, 422);
    assert.equal(body.reason, "Invalid");
    assert.deepEqual(
      {
        kind: body.details?.kind,
        group: body.details?.group,
        fields: body.details?.causes?.map((c) => c.field),
      },
      { kind: "Scale", group: "autoscaling", fields: ["spec.replicas"] },
    );
  });

  it("a body naming another object is 400; a missing deployment 404; DELETE 405; no scale on pods 404", async () => {
    const { body: scale } = await call("GET", SCALE);
    const renamed = { ...scale, metadata: { ...scale.metadata, name: "other" } };
    assert.equal((await call("PUT", SCALE, renamed)).status, 400);
    assert.equal((await call("GET", "/apis/apps/v1/namespaces/sc/deployments/missing/scale")).status, 404);
    assert.equal((await call("DELETE", SCALE)).status, 405);
    facade.store.addPod({ namespace: "sc", name: "p", labels: {} });
    assert.equal((await call("GET", "/api/v1/namespaces/sc/pods/p/scale")).status, 404);
  });

  it("dryRun=All answers the new Scale without storing it", async () => {
    const before = facade.store.get("deployments.apps", "web", "sc");
    const { status, body } = await call(
      "PATCH",
      `${SCALE}?dryRun=All`,
      { spec: { replicas: 8 } },
      "application/merge-patch+json",
    );
    assert.equal(status, 200);
    assert.equal(body.spec?.replicas, 8);
    assert.deepEqual(facade.store.get("deployments.apps", "web", "sc"), before);
  });
});
