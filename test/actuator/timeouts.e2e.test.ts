/**
 * Kubernetes API timeouts end to end, mode Floor: the controller's cluster port is bounded in time
 * as in production (`withTimeout`), and the simulated API holds chosen answers past that bound
 * (`facade.faults.hold`): a slow server that applies the HPA patch only after the client gave up,
 * a "lost answer" (the patch landed, its answer never came in time), and a status write held the
 * same ways. Each checks what ends up in the simulated API and in the decision log: the change is
 * retried, not lost, applied once and recorded once.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CoreV1Api } from "@kubernetes/client-node";
import type { HoldPoint } from "../../src/demo/kube/interceptor.js";
import { CLIENT_CLOSED_REQUEST } from "../../src/demo/kube/interceptor.js";
import {
  createSynced,
  deleteScaler,
  eventually,
  hpaRig,
  NS,
  PSC,
  type Rig,
  scaler,
  scalerCondition,
  scalerStatus,
  synced,
} from "./harness.js";

const TIMEOUT_MS = 400;
/** Well past the timeout: the controller has given up and retried before the answer comes. */
const HOLD_MS = 2 * TIMEOUT_MS + 200;
const HPA = "horizontalpodautoscalers.autoscaling";
const HPA_PATH = `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers/web`;
const STATUS_PATH = `/apis/foresight.dev/v1alpha1/namespaces/${NS}/predictivescalers/web/status`;

function hpa(rig: Rig) {
  return rig.facade.store.get(HPA, "web", NS);
}

function minReplicas(rig: Rig): number {
  return (hpa(rig).spec as { minReplicas: number }).minReplicas;
}

function annotations(rig: Rig): Record<string, string> {
  return (hpa(rig).metadata.annotations ?? {}) as Record<string, string>;
}

function patches(rig: Rig, path: string, status?: number): number {
  return rig.facade.faults.count({
    method: "PATCH",
    path,
    ...(status !== undefined ? { status } : {}),
  });
}

function decisions(rig: Rig, action: string) {
  return rig.decisions.list(`${NS}/web`, { limit: 500 }).items.filter((e) => e.action === action);
}

async function events(rig: Rig, reason: string) {
  const list = await rig.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: NS });
  return list.items.filter((e) => e.reason === reason);
}

/** Waits until `n` requests matching `path` were logged: a held request is logged when it ends. */
async function logged(rig: Rig, path: string, n: number): Promise<void> {
  await eventually(() => (patches(rig, path) >= n ? true : undefined), 10 * HOLD_MS);
}

/** The floor is in place once, recorded once, with the user's minReplicas (2) kept. */
async function assertFloorOnce(rig: Rig): Promise<number> {
  const floor = minReplicas(rig);
  assert.ok(floor > 2, `floor ${floor}`);
  const ann = annotations(rig);
  assert.equal(ann["foresight.dev/user-min-replicas"], "2", "the user's minReplicas is kept, not the floor");
  assert.equal(ann["foresight.dev/floor"], String(floor));
  assert.equal(ann["team.example/owner"], "shop");
  const set = decisions(rig, "SetFloor");
  assert.equal(set.length, 1, JSON.stringify(rig.decisions.list(`${NS}/web`, { limit: 500 }).items));
  assert.equal(set[0]?.from, 2);
  assert.equal(set[0]?.to, floor);
  assert.equal(decisions(rig, "Error").length, 0);
  const setEvents = await events(rig, "SetFloor");
  assert.equal(setEvents.length, 1);
  assert.equal(setEvents[0]?.count ?? 1, 1);
  const status = scalerStatus(rig);
  assert.equal(status.appliedReplicas, floor);
  assert.equal((status.lastAction as { type?: string } | undefined)?.type, "SetFloor");
  const ready = scalerCondition(rig, "Ready");
  assert.equal(ready?.status, "True", JSON.stringify(ready));
  return floor;
}

describe("a slow server: the HPA patch is served only after the client timed out", () => {
  let rig: Rig;
  let hits = 0;
  before(async () => {
    rig = await hpaRig({ apiTimeoutMs: TIMEOUT_MS });
    const hold = rig.facade.faults.hold({ method: "PATCH", path: HPA_PATH, when: "before", ms: HOLD_MS });
    await createSynced(rig, scaler("Floor"));
    await logged(rig, HPA_PATH, 2);
    hits = hold.hits;
  });
  after(async () => {
    await rig?.close();
  });

  it("retries from a fresh read and the floor is written once", async () => {
    assert.equal(hits, 1);
    assert.deepEqual(
      rig.facade.faults.requests
        .filter((r) => r.path === HPA_PATH && r.method === "PATCH")
        .map((r) => r.status),
      [CLIENT_CLOSED_REQUEST, 200],
      "the original is cancelled at the client's timeout and never served; the retry lands",
    );
    await assertFloorOnce(rig);
  });

  it("gives back the user's 2 when the scaler is deleted", async () => {
    await deleteScaler(rig);
    assert.equal(minReplicas(rig), 2);
    assert.equal(annotations(rig)["foresight.dev/user-min-replicas"], undefined);
    assert.equal(decisions(rig, "RestoreFloor").at(0)?.to, 2);
  });
});

describe("a lost answer: the HPA patch lands but its answer comes after the client timed out", () => {
  let rig: Rig;
  let hits = 0;
  before(async () => {
    rig = await hpaRig({ apiTimeoutMs: TIMEOUT_MS });
    const hold = rig.facade.faults.hold({ method: "PATCH", path: HPA_PATH, when: "after", ms: HOLD_MS });
    await createSynced(rig, scaler("Floor"));
    await logged(rig, HPA_PATH, 1);
    hits = hold.hits;
  });
  after(async () => {
    await rig?.close();
  });

  it("the retry finds the floor in place and writes nothing more", () => {
    assert.equal(hits, 1);
    assert.equal(patches(rig, HPA_PATH), 1, JSON.stringify(rig.facade.faults.requests));
    assert.equal(patches(rig, HPA_PATH, 200), 1);
  });

  it("records the change once, keeping the user's minReplicas (not the floor) as the user's", async () => {
    await assertFloorOnce(rig);
  });

  it("gives back the user's 2, not the floor, when the scaler is deleted", async () => {
    await deleteScaler(rig);
    assert.equal(minReplicas(rig), 2);
    assert.equal(annotations(rig)["foresight.dev/floor"], undefined);
    const restore = decisions(rig, "RestoreFloor");
    assert.equal(restore.length, 1);
    assert.equal(restore[0]?.to, 2);
  });
});

for (const when of ["before", "after"] as const satisfies readonly HoldPoint[]) {
  describe(`the status write is held ${when} it is served, past the client's timeout`, () => {
    let rig: Rig;
    let hits = 0;
    before(async () => {
      rig = await hpaRig({ apiTimeoutMs: TIMEOUT_MS });
      const hold = rig.facade.faults.hold({ method: "PATCH", path: STATUS_PATH, when, ms: HOLD_MS });
      await createSynced(rig, scaler("Floor"));
      // The held write arrived before the client gave up: past its hold it has ended (a late
      // "before" write has landed); then one more reconcile.
      await new Promise((resolve) => setTimeout(resolve, HOLD_MS + 100));
      await rig.settle();
      await synced(rig);
      hits = hold.hits;
    });
    after(async () => {
      await rig?.close();
    });

    it("ends with the right status, and the floor applied and recorded once", async () => {
      assert.equal(hits, 1);
      const floor = await assertFloorOnce(rig);
      const status = scalerStatus(rig);
      assert.equal(status.recommendedReplicas, floor);
      assert.equal(status.observedGeneration, rig.facade.store.get(PSC, "web", NS).metadata.generation);
      assert.equal(patches(rig, HPA_PATH), 1);
      if (when === "before")
        assert.ok(
          patches(rig, STATUS_PATH, 409) >= 1,
          "the late write is refused, not served over a newer one",
        );
    });
  });
}
