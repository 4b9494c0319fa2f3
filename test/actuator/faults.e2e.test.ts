/**
 * Kubernetes API faults end to end, mode Floor: a real 409 from a concurrent edit of the HPA,
 * injected 500/503/429 answers, a persistent 500, and a user changing minReplicas while a floor is
 * held. Each checks what ends up in the simulated API (the HPA, the requests it served, the status,
 * Events) and in the decision log: nothing lost, nothing applied twice.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CoreV1Api } from "@kubernetes/client-node";
import { createSynced, deleteScaler, hpaRig, NS, type Rig, scaler, scalerStatus, synced } from "./harness.js";

const STEP = 300_000;
const HPA = "horizontalpodautoscalers.autoscaling";
const _PSC = "predictivescalers.foresight.dev";
const HPA_PATH = `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers/web`;
const OWNER_ANNOTATION = "team.example/owner";

interface HpaSpec {
  minReplicas: number;
  maxReplicas: number;
}

function hpa(rig: Rig) {
  return rig.facade.store.get(HPA, "web", NS);
}

function hpaSpec(rig: Rig): HpaSpec {
  return hpa(rig).spec as HpaSpec;
}

function annotations(rig: Rig): Record<string, string> {
  return (hpa(rig).metadata.annotations ?? {}) as Record<string, string>;
}

function ready(rig: Rig): { status: string; reason: string; message: string } | undefined {
  const conditions = (scalerStatus(rig).conditions ?? []) as {
    type: string;
    status: string;
    reason: string;
    message: string;
  }[];
  return conditions.find((c) => c.type === "Ready");
}

function hpaPatches(rig: Rig, statusCode?: number): number {
  return rig.facade.faults.count({
    method: "PATCH",
    path: HPA_PATH,
    ...(statusCode !== undefined ? { status: statusCode } : {}),
  });
}

function decisions(rig: Rig, action: string) {
  return rig.decisions.list(`${NS}/web`, { limit: 500 }).items.filter((e) => e.action === action);
}

async function step(rig: Rig, n = 1): Promise<void> {
  for (let i = 0; i < n; i++) {
    await rig.advance(STEP);
    await synced(rig);
  }
}

describe("409 Conflict: the user edits the HPA just before our patch", () => {
  let rig: Rig;
  before(async () => {
    rig = await hpaRig();
    rig.facade.faults.beforeRequest({
      method: "PATCH",
      path: HPA_PATH,
      run: (store) => {
        store.patch(HPA, "web", NS, {
          metadata: { annotations: { "team.example/reviewed": "yes" } },
          spec: { maxReplicas: 18 },
        });
      },
    });
    await createSynced(rig, scaler("Floor"));
  });
  after(async () => {
    await rig?.close();
  });

  it("retries from a fresh read: the final HPA has both the user's change and the floor", () => {
    const floor = hpaSpec(rig).minReplicas;
    assert.ok(floor > 2, `floor ${floor}`);
    assert.equal(hpaSpec(rig).maxReplicas, 18, "the user's maxReplicas is kept");
    const ann = annotations(rig);
    assert.equal(ann["team.example/reviewed"], "yes", "the user's annotation is kept");
    assert.equal(ann[OWNER_ANNOTATION], "shop");
    assert.equal(ann["foresight.dev/user-min-replicas"], "2");
    assert.equal(ann["foresight.dev/floor"], String(floor));
    assert.equal(scalerStatus(rig).appliedReplicas, floor);
  });

  it("got a real 409 once and wrote the floor exactly once", () => {
    assert.equal(
      hpaPatches(rig, 409),
      1,
      JSON.stringify(rig.facade.faults.requests.filter((r) => r.method === "PATCH")),
    );
    assert.equal(hpaPatches(rig, 200), 1);
    assert.equal(hpaPatches(rig), 2);
    assert.equal(decisions(rig, "SetFloor").length, 1);
    assert.equal(ready(rig)?.status, "True", JSON.stringify(ready(rig)));
  });
});

for (const codes of [
  [500, 503],
  [429, 429],
] as const) {
  describe(`${codes.join(" then ")} on the HPA patch`, () => {
    let rig: Rig;
    before(async () => {
      rig = await hpaRig();
      for (const code of codes)
        rig.facade.faults.inject({
          method: "PATCH",
          path: HPA_PATH,
          status: code,
          ...(code === 429 ? { retryAfterSeconds: 1 } : {}),
        });
      await createSynced(rig, scaler("Floor"));
    });
    after(async () => {
      await rig?.close();
    });

    it("is retried and the floor applied once", () => {
      for (const code of new Set(codes))
        assert.equal(hpaPatches(rig, code), codes.filter((c) => c === code).length, `answers ${code}`);
      assert.equal(hpaPatches(rig, 200), 1);
      const floor = hpaSpec(rig).minReplicas;
      assert.ok(floor > 2, `floor ${floor}`);
      assert.equal(annotations(rig)["foresight.dev/user-min-replicas"], "2");
      const set = decisions(rig, "SetFloor");
      assert.equal(set.length, 1);
      assert.equal(set[0]?.to, floor);
      assert.equal(ready(rig)?.status, "True", JSON.stringify(ready(rig)));
      assert.equal(decisions(rig, "Error").length, 0);
    });
  });
}

describe("a persistent 500 on the HPA patch", () => {
  let rig: Rig;
  let fault: { remove(): void };
  before(async () => {
    rig = await hpaRig();
    fault = rig.facade.faults.inject({
      method: "PATCH",
      path: HPA_PATH,
      status: 500,
      times: Number.POSITIVE_INFINITY,
      message: "etcdserver: request timed out",
    });
    await createSynced(rig, scaler("Floor"));
  });
  after(async () => {
    await rig?.close();
  });

  it("sets Ready=False ApiError with the server's message and logs an Error decision", async () => {
    assert.ok(hpaPatches(rig, 500) >= 2, `retried: ${hpaPatches(rig, 500)} attempts`);
    assert.equal(hpaPatches(rig, 200), 0);
    assert.deepEqual(hpaSpec(rig).minReplicas, 2, "nothing half-written");
    const r = ready(rig);
    assert.equal(r?.status, "False", JSON.stringify(scalerStatus(rig)));
    assert.equal(r?.reason, "ApiError");
    assert.match(r?.message ?? "", /^floor: .*etcdserver: request timed out/s);
    const errors = decisions(rig, "Error");
    assert.ok(errors.length >= 1);
    assert.equal(errors[0]?.applied, false);
    assert.match(errors[0]?.error ?? "", /etcdserver: request timed out/);
    const events = await rig.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: NS });
    const warning = events.items.find((e) => e.type === "Warning" && e.reason === "ApiError");
    assert.equal(warning?.involvedObject.kind, "PredictiveScaler");
  });

  it("reports the error once: one Error decision, one Warning event", async () => {
    assert.equal(decisions(rig, "Error").length, 1);
    const events = await rig.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: NS });
    const warnings = events.items.filter((e) => e.type === "Warning" && e.reason === "ApiError");
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.count ?? 1, 1);
  });

  it("words the ApiError condition as the server's Status, not a dump of the HTTP response", () => {
    const message = ready(rig)?.message ?? "";
    assert.doesNotMatch(message, /Headers:|\n/, message);
    assert.match(message, /^floor: .*500.*etcdserver: request timed out$/);
  });

  it("applies the floor on the next reconcile once the fault clears", async () => {
    fault.remove();
    await step(rig);
    assert.equal(hpaPatches(rig, 200), 1);
    const floor = hpaSpec(rig).minReplicas;
    assert.ok(floor > 2, `floor ${floor}`);
    assert.equal(annotations(rig)["foresight.dev/user-min-replicas"], "2");
    assert.equal(ready(rig)?.status, "True", JSON.stringify(ready(rig)));
    assert.equal(decisions(rig, "SetFloor").length, 1);
  });

  it("keeps status.appliedReplicas while a later change fails: the floor in place did not go", async () => {
    const inPlace = hpaSpec(rig).minReplicas;
    assert.equal(scalerStatus(rig).appliedReplicas, inPlace);
    const failedBefore = hpaPatches(rig, 500);
    const again = rig.facade.faults.inject({
      method: "PATCH",
      path: HPA_PATH,
      status: 500,
      times: Number.POSITIVE_INFINITY,
    });
    try {
      // Towards noon the floor wants to rise; every attempt fails.
      await rig.advance(3 * 3_600_000);
      assert.ok(hpaPatches(rig, 500) > failedBefore, "a change was attempted and failed");
      assert.equal(ready(rig)?.reason, "ApiError");
      assert.equal(hpaSpec(rig).minReplicas, inPlace);
      assert.equal(scalerStatus(rig).appliedReplicas, inPlace, JSON.stringify(scalerStatus(rig)));
    } finally {
      again.remove();
    }
  });
});

describe("the user changes minReplicas while a floor is held", () => {
  let rig: Rig;
  let original: { spec: HpaSpec; annotations: Record<string, string> };
  before(async () => {
    rig = await hpaRig();
    original = { spec: structuredClone(hpaSpec(rig)), annotations: structuredClone(annotations(rig)) };
    await createSynced(rig, scaler("Floor"));
  });
  after(async () => {
    await rig?.close();
  });

  it("adopts the new value as the user's, keeping the floor above it", async () => {
    const floor = hpaSpec(rig).minReplicas;
    assert.ok(floor > 4, `floor ${floor} should be above the user's new 4`);
    rig.facade.store.patch(HPA, "web", NS, { spec: { minReplicas: 4 } });
    await step(rig);
    assert.equal(annotations(rig)["foresight.dev/user-min-replicas"], "4");
    assert.ok(hpaSpec(rig).minReplicas > 4, `floor ${hpaSpec(rig).minReplicas} put back above 4`);
    assert.equal(annotations(rig)["foresight.dev/floor"], String(hpaSpec(rig).minReplicas));
  });

  it("gives back 4, not 2, when the scaler is deleted", async () => {
    await deleteScaler(rig);
    assert.deepEqual(hpaSpec(rig), { ...original.spec, minReplicas: 4 });
    assert.deepEqual(annotations(rig), original.annotations);
    const restore = decisions(rig, "RestoreFloor").at(0);
    assert.equal(restore?.to, 4);
  });
});
