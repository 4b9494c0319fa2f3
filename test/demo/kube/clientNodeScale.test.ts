import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AppsV1Api,
  CoordinationV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { type KubeFacade, startKubeFacade } from "../../../src/demo/kube/server.js";

describe("@kubernetes/client-node 1.4: deployment scale and leases", () => {
  let facade: KubeFacade;
  let apps: AppsV1Api;
  let coordination: CoordinationV1Api;
  before(async () => {
    facade = await startKubeFacade();
    const kc = new KubeConfig();
    kc.loadFromString(facade.kubeconfig());
    apps = kc.makeApiClient(AppsV1Api);
    coordination = kc.makeApiClient(CoordinationV1Api);
    facade.store.addNamespace("cn");
    facade.store.addDeployment({ namespace: "cn", name: "web", replicas: 2, selector: { app: "web" } });
    facade.store.patch("deployments.apps", "web", "cn", { status: { replicas: 2 } });
  });
  after(() => facade.close());

  it("readNamespacedDeploymentScale returns a typed V1Scale", async () => {
    const scale = await apps.readNamespacedDeploymentScale({ name: "web", namespace: "cn" });
    assert.equal(scale.kind, "Scale");
    assert.equal(scale.apiVersion, "autoscaling/v1");
    assert.equal(scale.spec?.replicas, 2);
    assert.equal(scale.status?.replicas, 2);
    assert.equal(scale.status?.selector, "app=web");
  });

  it("patchNamespacedDeploymentScale with a merge patch sets the replicas", async () => {
    const scale = await apps.patchNamespacedDeploymentScale(
      { name: "web", namespace: "cn", body: { spec: { replicas: 6 } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    assert.equal(scale.spec?.replicas, 6);
    const deployment = await apps.readNamespacedDeployment({ name: "web", namespace: "cn" });
    assert.equal(deployment.spec?.replicas, 6);
    assert.equal(deployment.metadata?.resourceVersion, scale.metadata?.resourceVersion);
  });

  it("replaceNamespacedDeploymentScale with a stale resourceVersion is rejected with 409", async () => {
    const stale = await apps.readNamespacedDeploymentScale({ name: "web", namespace: "cn" });
    const fresh = await apps.replaceNamespacedDeploymentScale({
      name: "web",
      namespace: "cn",
      body: { ...stale, spec: { replicas: 3 } },
    });
    assert.equal(fresh.spec?.replicas, 3);
    await assert.rejects(
      apps.replaceNamespacedDeploymentScale({
        name: "web",
        namespace: "cn",
        body: { ...stale, spec: { replicas: 9 } },
      }),
      (err: { code?: number; body?: string }) => err.code === 409 && /Conflict/.test(String(err.body)),
    );
    const now = await apps.readNamespacedDeploymentScale({ name: "web", namespace: "cn" });
    assert.equal(now.spec?.replicas, 3);
  });

  it("creates and updates a Lease; a stale update is 409", async () => {
    const created = await coordination.createNamespacedLease({
      namespace: "cn",
      body: {
        metadata: { name: "foresight-leader" },
        spec: {
          holderIdentity: "pod-a",
          leaseDurationSeconds: 15,
          acquireTime: new Date("2026-01-01T00:00:00Z"),
        },
      },
    });
    assert.equal(created.spec?.holderIdentity, "pod-a");
    // MicroTime round-trips (client-node hands it back as the wire string).
    assert.equal(Date.parse(String(created.spec?.acquireTime)), Date.parse("2026-01-01T00:00:00Z"));

    const renewed = await coordination.replaceNamespacedLease({
      name: "foresight-leader",
      namespace: "cn",
      body: { ...created, spec: { ...created.spec, holderIdentity: "pod-b", leaseTransitions: 1 } },
    });
    assert.equal(renewed.spec?.holderIdentity, "pod-b");
    assert.notEqual(renewed.metadata?.resourceVersion, created.metadata?.resourceVersion);

    await assert.rejects(
      coordination.replaceNamespacedLease({
        name: "foresight-leader",
        namespace: "cn",
        body: { ...created, spec: { ...created.spec, holderIdentity: "pod-c" } },
      }),
      (err: { code?: number }) => err.code === 409,
    );
    const read = await coordination.readNamespacedLease({ name: "foresight-leader", namespace: "cn" });
    assert.equal(read.spec?.holderIdentity, "pod-b");
    assert.equal(read.spec?.leaseTransitions, 1);
  });
});
