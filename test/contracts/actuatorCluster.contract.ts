/**
 * The ActuatorCluster port's contract (src/actuator/cluster.ts), run against every implementation:
 * client-node against the simulated API, and the in-memory double (actuatorCluster.contract.test.ts).
 * Like test/forecast/models/contract.ts: a function that takes a factory and registers the tests.
 *
 * It pins what the controller and its executors rely on, through the port alone:
 * - reads of missing objects are undefined, deletes of missing objects are fine, writes to missing
 *   objects fail with 404, creates of existing ones with 409 AlreadyExists;
 * - failures are client-node ApiExceptions (`code`, the Status as the body), so retry.ts's
 *   kubeStatusCode and apiErrors.ts's errorText read them the same from every implementation;
 * - patches are JSON merge patches (null removes a key: floor.ts clears its annotations so), and
 *   one carrying a stale metadata.resourceVersion fails with 409 Conflict and changes nothing;
 * - a patch of the object leaves the status alone, patchStatus changes only the status (and is
 *   404 for a type without the subresource); generation follows spec changes only;
 * - the scale subresource: replicas from spec, current replicas from status, the object's
 *   resourceVersion, guarded writes; undefined for a type without /scale;
 * - finalizers hold a deleted object, with deletionTimestamp set, until a patch removes the last;
 * - lists carry apiVersion and kind on their items, filter by namespace ("" for all) and labels;
 * - a call whose signal is already aborted rejects with the signal's reason and changes nothing.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ApiException } from "@kubernetes/client-node";
import { parse as parseYaml } from "yaml";
import { errorText } from "../../src/actuator/apiErrors.js";
import type { ActuatorCluster, ClusterObject, ObjectRef } from "../../src/actuator/cluster.js";
import { kubeStatusCode } from "../../src/kube/retry.js";

export interface ActuatorClusterFixture {
  readonly cluster: ActuatorCluster;
  close?(): Promise<void>;
}

const NS = "contract";
const OTHER_NS = "contract-other";
const PSC_API = "foresight.dev/v1alpha1";
const CRD = parseYaml(
  readFileSync(new URL("../../deploy/crd/predictivescalers.foresight.dev.yaml", import.meta.url), "utf8"),
) as ClusterObject;

const configMapRef = (name: string, namespace = NS): ObjectRef => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  namespace,
  name,
});
const scalerRef = (name: string): ObjectRef => ({
  apiVersion: PSC_API,
  kind: "PredictiveScaler",
  namespace: NS,
  name,
});
const deploymentRef = (name: string): ObjectRef => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  namespace: NS,
  name,
});

function configMap(name: string, extra: Partial<ClusterObject> = {}, namespace = NS): ClusterObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace },
    data: { a: "1" },
    ...extra,
  } as ClusterObject;
}

function scaler(name: string, finalizers?: string[]): ClusterObject {
  return {
    apiVersion: PSC_API,
    kind: "PredictiveScaler",
    metadata: { name, namespace: NS, ...(finalizers ? { finalizers } : {}) },
    spec: {
      targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
      demand: { query: "sum(rate(http_requests_total[2m]))" },
      capacityPerReplica: 50,
      mode: "Floor",
      minReplicas: 1,
      maxReplicas: 10,
    },
  };
}

function deployment(name: string, replicas: number): ClusterObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "app", image: "registry.example/app:1" }] },
      },
    },
  };
}

/** The call fails as the API server's answer `code` (and `reason`), read as production reads it. */
async function failsWith(call: Promise<unknown>, code: number, reason: string): Promise<void> {
  await assert.rejects(call, (err: unknown) => {
    assert.ok(err instanceof ApiException, `expected an ApiException, got ${String(err)}`);
    assert.equal(kubeStatusCode(err), code);
    const text = errorText(err);
    assert.ok(text.startsWith(`HTTP ${code} ${reason}: `), `errorText: ${text}`);
    return true;
  });
}

const rv = (o: ClusterObject | undefined): string => {
  assert.ok(o?.metadata.resourceVersion, "a resourceVersion");
  return o.metadata.resourceVersion;
};

export function actuatorClusterContract(name: string, start: () => Promise<ActuatorClusterFixture>): void {
  describe(`ActuatorCluster contract: ${name}`, { timeout: 30_000 }, () => {
    let fixture: ActuatorClusterFixture | undefined;
    let cluster: ActuatorCluster;

    before(async () => {
      fixture = await start();
      cluster = fixture.cluster;
      for (const ns of [NS, OTHER_NS])
        await cluster.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
      await cluster.create(structuredClone(CRD));
    });
    after(async () => {
      await fixture?.close?.();
    });

    describe("missing objects", () => {
      it("reads as undefined, deletes without error, and refuses writes with 404 NotFound", async () => {
        const ref = configMapRef("missing");
        assert.equal(await cluster.get(ref), undefined);
        assert.equal(await cluster.getScale(deploymentRef("missing")), undefined);
        await cluster.delete(ref);
        await failsWith(cluster.patch(ref, { data: { a: "2" } }), 404, "NotFound");
        await failsWith(cluster.patchStatus(scalerRef("missing"), { status: {} }), 404, "NotFound");
        await failsWith(cluster.setScale(deploymentRef("missing"), 3), 404, "NotFound");
        assert.equal(await cluster.get(ref), undefined, "nothing was created by the writes");
      });
    });

    describe("create and get", () => {
      it("stamps uid, resourceVersion and creationTimestamp; get answers the same version", async () => {
        const created = await cluster.create(
          configMap("created", { metadata: { name: "created", namespace: NS, labels: { app: "x" } } }),
        );
        assert.equal(created.metadata.name, "created");
        assert.equal(created.metadata.namespace, NS);
        assert.ok(created.metadata.uid);
        assert.ok(created.metadata.creationTimestamp);
        assert.deepEqual(created.metadata.labels, { app: "x" });
        const read = await cluster.get(configMapRef("created"));
        assert.equal(read?.apiVersion, "v1");
        assert.equal(read?.kind, "ConfigMap");
        assert.equal(rv(read), rv(created));
        assert.equal(read?.metadata.uid, created.metadata.uid);
        assert.deepEqual(read?.data, { a: "1" });
      });

      it("refuses to create an object that exists with 409 AlreadyExists", async () => {
        await cluster.create(configMap("twice"));
        await failsWith(cluster.create(configMap("twice")), 409, "AlreadyExists");
      });

      it("starts generation at 1 on a type that keeps one, and drops status sent on create", async () => {
        const created = await cluster.create({ ...scaler("fresh"), status: { observedGeneration: 7 } });
        assert.equal(created.metadata.generation, 1);
        assert.equal(
          (created.status as { observedGeneration?: number } | undefined)?.observedGeneration,
          undefined,
        );
      });
    });

    describe("list", () => {
      before(async () => {
        await cluster.create(
          configMap("l-a", { metadata: { name: "l-a", namespace: NS, labels: { tier: "list", n: "1" } } }),
        );
        await cluster.create(
          configMap("l-b", { metadata: { name: "l-b", namespace: NS, labels: { tier: "list", n: "2" } } }),
        );
        await cluster.create(
          configMap(
            "l-c",
            { metadata: { name: "l-c", namespace: OTHER_NS, labels: { tier: "list", n: "3" } } },
            OTHER_NS,
          ),
        );
      });

      it("lists one namespace, filtered by a label selector, items carrying apiVersion and kind", async () => {
        const items = await cluster.list("v1", "ConfigMap", NS, "tier=list");
        assert.deepEqual(items.map((o) => o.metadata.name).sort(), ["l-a", "l-b"]);
        for (const item of items) {
          assert.equal(item.apiVersion, "v1");
          assert.equal(item.kind, "ConfigMap");
          assert.equal(item.metadata.namespace, NS);
        }
        const one = await cluster.list("v1", "ConfigMap", NS, "tier=list,n in (2,3)");
        assert.deepEqual(
          one.map((o) => o.metadata.name),
          ["l-b"],
        );
      });

      it('lists every namespace for "" and answers [] when nothing matches', async () => {
        const all = await cluster.list("v1", "ConfigMap", "", "tier=list");
        assert.deepEqual(
          all.map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort(),
          [`${NS}/l-a`, `${NS}/l-b`, `${OTHER_NS}/l-c`].sort(),
        );
        assert.deepEqual(await cluster.list("v1", "ConfigMap", NS, "tier=none"), []);
      });
    });

    describe("patch", () => {
      it("merges (null removes a key), moves the resourceVersion, and returns the new object", async () => {
        const created = await cluster.create(
          configMap("merge", {
            metadata: { name: "merge", namespace: NS, annotations: { keep: "1", drop: "1" } },
            data: { a: "1", b: "1" },
          }),
        );
        const patched = await cluster.patch(configMapRef("merge"), {
          metadata: { annotations: { drop: null, added: "1" } },
          data: { b: "2" },
        });
        assert.deepEqual(patched.metadata.annotations, { keep: "1", added: "1" });
        assert.deepEqual(patched.data, { a: "1", b: "2" });
        assert.notEqual(rv(patched), rv(created));
        assert.equal(rv(await cluster.get(configMapRef("merge"))), rv(patched));
      });

      it("succeeds with the current resourceVersion and fails with a stale one (409 Conflict, unchanged)", async () => {
        const created = await cluster.create(configMap("guarded"));
        const first = await cluster.patch(configMapRef("guarded"), {
          metadata: { resourceVersion: rv(created) },
          data: { a: "2" },
        });
        await failsWith(
          cluster.patch(configMapRef("guarded"), {
            metadata: { resourceVersion: rv(created) },
            data: { a: "3" },
          }),
          409,
          "Conflict",
        );
        const now = await cluster.get(configMapRef("guarded"));
        assert.deepEqual(now?.data, { a: "2" });
        assert.equal(rv(now), rv(first));
      });

      it("bumps generation on a spec change only, and leaves the status alone", async () => {
        const ref = scalerRef("gen");
        await cluster.create(scaler("gen"));
        await cluster.patchStatus(ref, { status: { observedGeneration: 1 } });
        const labelled = await cluster.patch(ref, {
          metadata: { labels: { a: "b" } },
          status: { observedGeneration: 9 },
        });
        assert.equal(labelled.metadata.generation, 1);
        assert.deepEqual(labelled.status, { observedGeneration: 1 }, "status through the object is ignored");
        const changed = await cluster.patch(ref, { spec: { maxReplicas: 12 } });
        assert.equal(changed.metadata.generation, 2);
        assert.equal((changed.spec as { maxReplicas: number }).maxReplicas, 12);
        assert.equal((changed.spec as { minReplicas: number }).minReplicas, 1, "merged, not replaced");
      });
    });

    describe("patchStatus", () => {
      it("changes only the status, not spec nor generation, guarded by resourceVersion", async () => {
        const ref = scalerRef("status");
        const created = await cluster.create(scaler("status"));
        const written = await cluster.patchStatus(ref, {
          metadata: { resourceVersion: rv(created) },
          status: { observedGeneration: 1, conditions: [] },
          spec: { maxReplicas: 99 },
        });
        assert.deepEqual(written.status, { observedGeneration: 1, conditions: [] });
        assert.equal((written.spec as { maxReplicas: number }).maxReplicas, 10);
        assert.equal(written.metadata.generation, 1);
        assert.notEqual(rv(written), rv(created));
        await failsWith(
          cluster.patchStatus(ref, {
            metadata: { resourceVersion: rv(created) },
            status: { observedGeneration: 5 },
          }),
          409,
          "Conflict",
        );
        const merged = await cluster.patchStatus(ref, { status: { lastDecision: "x" } });
        assert.deepEqual(merged.status, { observedGeneration: 1, conditions: [], lastDecision: "x" });
      });

      it("is 404 for a type without a status subresource", async () => {
        await cluster.create(configMap("no-status"));
        await failsWith(
          cluster.patchStatus(configMapRef("no-status"), { status: { a: 1 } }),
          404,
          "NotFound",
        );
      });
    });

    describe("scale", () => {
      it("reads replicas from spec, current replicas from status, and the object's resourceVersion", async () => {
        const ref = deploymentRef("scaled");
        await cluster.create(deployment("scaled", 2));
        await cluster.patchStatus(ref, { status: { replicas: 3 } });
        const scale = await cluster.getScale(ref);
        assert.equal(scale?.replicas, 2);
        assert.equal(scale?.currentReplicas, 3);
        assert.equal(scale?.resourceVersion, rv(await cluster.get(ref)));
      });

      it("writes spec.replicas, guarded by the resourceVersion when given (409 Conflict)", async () => {
        const ref = deploymentRef("rescaled");
        await cluster.create(deployment("rescaled", 2));
        const before = await cluster.getScale(ref);
        await cluster.setScale(ref, 4, before?.resourceVersion);
        assert.equal((await cluster.getScale(ref))?.replicas, 4);
        await failsWith(cluster.setScale(ref, 5, before?.resourceVersion), 409, "Conflict");
        await cluster.setScale(ref, 6);
        const after = await cluster.get(ref);
        assert.equal((after?.spec as { replicas?: number } | undefined)?.replicas, 6);
        assert.equal(after?.metadata.generation, 3, "each replicas change is a spec change");
      });

      it("is undefined for a type without a scale subresource", async () => {
        await cluster.create(configMap("no-scale"));
        assert.equal(await cluster.getScale(configMapRef("no-scale")), undefined);
      });
    });

    describe("delete", () => {
      it("removes an object without finalizers", async () => {
        await cluster.create(configMap("doomed"));
        await cluster.delete(configMapRef("doomed"));
        assert.equal(await cluster.get(configMapRef("doomed")), undefined);
      });

      it("holds an object with finalizers (deletionTimestamp set) until a patch removes the last", async () => {
        const ref = scalerRef("held");
        await cluster.create(scaler("held", ["foresight.dev/a", "foresight.dev/b"]));
        await cluster.delete(ref);
        const marked = await cluster.get(ref);
        assert.ok(marked?.metadata.deletionTimestamp, "deletionTimestamp set");
        await cluster.delete(ref); // again: nothing changes
        assert.equal(rv(await cluster.get(ref)), rv(marked));
        await cluster.patch(ref, {
          metadata: { resourceVersion: rv(marked), finalizers: ["foresight.dev/b"] },
        });
        assert.deepEqual((await cluster.get(ref))?.metadata.finalizers, ["foresight.dev/b"]);
        await cluster.patch(ref, { metadata: { finalizers: [] } });
        assert.equal(await cluster.get(ref), undefined);
      });
    });

    describe("cancellation", () => {
      it("rejects a call whose signal is already aborted with its reason, and changes nothing", async () => {
        const controller = new AbortController();
        const reason = new Error("caller gone");
        controller.abort(reason);
        const options = { signal: controller.signal };
        const isReason = (err: unknown) => err === reason;
        await assert.rejects(cluster.create(configMap("aborted"), options), isReason);
        assert.equal(await cluster.get(configMapRef("aborted")), undefined);
        await cluster.create(configMap("kept"));
        await assert.rejects(cluster.patch(configMapRef("kept"), { data: { a: "9" } }, options), isReason);
        await assert.rejects(cluster.delete(configMapRef("kept"), options), isReason);
        assert.deepEqual((await cluster.get(configMapRef("kept")))?.data, { a: "1" });
        await assert.rejects(cluster.get(configMapRef("kept"), options), isReason);
      });
    });
  });
}
