/**
 * Kubernetes API timeouts end to end, mode Direct and node reservations: the controller's cluster
 * port is bounded in time as in production (`withTimeout`), and the simulated API holds chosen
 * answers past that bound (`facade.faults.hold`). With `when: "after"` the write lands while its
 * answer is lost (the client timed out): the retry finds the change already in place. With
 * `when: "before"` (a slow server) the retry lands first and the late original is refused. Each
 * checks what ends up in the simulated API, in the decision log and in the Events: the object is
 * right, nothing is created twice, no error surfaces, and the change is recorded exactly once.
 * Last, a create that meets an object of its name (409 AlreadyExists) takes it when it is this
 * scaler's, and refuses it, naming it, when it is not.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CoreV1Api } from "@kubernetes/client-node";
import { capacityBufferObject } from "../../src/actuator/nodeObjects.js";
import { CLIENT_CLOSED_REQUEST } from "../../src/demo/kube/interceptor.js";
import type { HoldRule, RuleHandle } from "../harness/kubeFaults.js";
import {
  createScaler,
  deleteScaler,
  eventually,
  NS,
  PSC,
  type Rig,
  scaler,
  scalerCondition,
  scalerStatus,
  startRig,
  synced,
} from "./harness.js";

const ID = `${NS}/web`;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const TIMEOUT_MS = 400;
/** Well past the timeout: the controller has given up and retried before the answer comes. */
const HOLD_MS = 2 * TIMEOUT_MS + 200;
const NAME = "foresight-placeholder-web";
const SCALE_PATH = `/apis/apps/v1/namespaces/${NS}/deployments/web/scale`;
const DEPLOYMENTS_PATH = `/apis/apps/v1/namespaces/${NS}/deployments`;
const BUFFERS = "capacitybuffers.autoscaling.x-k8s.io";
const BUFFERS_PATH = `/apis/autoscaling.x-k8s.io/v1beta1/namespaces/${NS}/capacitybuffers`;
const REQUESTS = "provisioningrequests.autoscaling.x-k8s.io";
const REQUESTS_PATH = `/apis/autoscaling.x-k8s.io/v1/namespaces/${NS}/provisioningrequests`;
const TEMPLATES_PATH = `/api/v1/namespaces/${NS}/podtemplates`;

type Decision = ReturnType<Rig["decisions"]["list"]>["items"][number];

function entries(rig: Rig): readonly Decision[] {
  return rig.decisions.list(ID, { limit: 500 }).items;
}

/** Entries of `action`, oldest first (the log lists the newest first). */
function decisions(rig: Rig, action: string): Decision[] {
  return entries(rig)
    .filter((e) => e.action === action)
    .reverse();
}

async function events(rig: Rig) {
  return (await rig.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: NS })).items;
}

/** Events of `reason`, each counted as many times as it was recorded (a repeat bumps its count). */
async function eventCount(rig: Rig, reason: string): Promise<number> {
  return (await events(rig)).filter((e) => e.reason === reason).reduce((n, e) => n + (e.count ?? 1), 0);
}

function requests(rig: Rig, query: { method: string; path: string | RegExp; status?: number }): number {
  return rig.facade.faults.count(query);
}

/** No API error reached the scaler: no Error decision, no Warning Event, Ready not ApiError. */
async function assertNoApiError(rig: Rig): Promise<void> {
  assert.equal(decisions(rig, "Error").length, 0, JSON.stringify(entries(rig)));
  const warnings = (await events(rig)).filter((e) => e.type === "Warning");
  assert.deepEqual(
    warnings.map((e) => `${e.reason}: ${e.message}`),
    [],
  );
  const ready = scalerCondition(rig, "Ready");
  assert.notEqual(ready?.reason, "ApiError", JSON.stringify(ready));
}

/** Waits until the held request has ended (it is logged then), and reconciles once more. */
async function heldOut(rig: Rig, hold: RuleHandle): Promise<void> {
  await eventually(() => (hold.hits >= 1 ? true : undefined), 10 * HOLD_MS);
  await new Promise((resolve) => setTimeout(resolve, HOLD_MS + 100));
  await rig.settle();
  await synced(rig);
}

function deploymentReplicas(rig: Rig): number {
  return (rig.facade.store.get("deployments.apps", "web", NS).spec as { replicas: number }).replicas;
}

function specOf(o: unknown): Record<string, unknown> {
  return ((o as { spec?: unknown } | undefined)?.spec ?? {}) as Record<string, unknown>;
}

/** Gives the Deployment's pods cpu and memory requests: what reservations are sized by. */
function requestResources(rig: Rig): void {
  const deployment = rig.facade.store.get("deployments.apps", "web", NS);
  const template = (deployment.spec as { template: { spec: { containers: Record<string, unknown>[] } } })
    .template;
  const container = template.spec.containers[0] as Record<string, unknown>;
  rig.facade.store.patch("deployments.apps", "web", NS, {
    spec: {
      template: {
        spec: { containers: [{ ...container, resources: { requests: { cpu: "500m", memory: "1Gi" } } }] },
      },
    },
  });
}

/**
 * A rig at 06:00 (demand rising to the noon peak) with a 400 ms bound on every API call. Mode
 * Metric for node reservations: it writes nothing to the workload, whose replicas stay 2, so the
 * forecast's rise is all reserved.
 */
async function rigAt6(): Promise<Rig> {
  const rig = await startRig({ apiTimeoutMs: TIMEOUT_MS });
  requestResources(rig);
  rig.clock.advance(6 * HOUR);
  return rig;
}

function nodeScaler(mode: string, nodesMode: string): Record<string, unknown> {
  return scaler(mode, { leadTime: "5m", horizon: "1h", nodes: { mode: nodesMode, leadTime: "1h" } });
}

async function create(rig: Rig, body: Record<string, unknown>): Promise<void> {
  await createScaler(rig, body);
  await synced(rig);
}

function hold(rig: Rig, rule: HoldRule): RuleHandle {
  return rig.facade.faults.hold(rule);
}

/** Each value change of `values` (from the first, which starts at `start`) recorded once, in order. */
function assertChangesRecorded(
  recorded: readonly Decision[],
  start: number,
  values: readonly number[],
): void {
  const changes: [number, number][] = [];
  let last = start;
  for (const v of values) {
    if (v !== last) changes.push([last, v]);
    last = v;
  }
  assert.deepEqual(
    recorded.map((d) => [d.from, d.to]),
    changes,
  );
}

// ---- mode Direct ---------------------------------------------------------------------------------

for (const when of ["after", "before"] as const) {
  describe(`mode Direct: the /scale write is held ${when} it is served, past the client's timeout`, () => {
    let rig: Rig;
    let hits = 0;
    before(async () => {
      rig = await rigAt6();
      const held = hold(rig, { method: "PATCH", path: SCALE_PATH, when, ms: HOLD_MS });
      await create(rig, scaler("Direct"));
      await heldOut(rig, held);
      hits = held.hits;
    });
    after(async () => {
      await rig?.close();
    });

    it("scales once, to the decided replicas, and records the change exactly once", async () => {
      assert.equal(hits, 1);
      const replicas = deploymentReplicas(rig);
      assert.ok(replicas > 2, `replicas ${replicas}`);
      assert.equal(scalerStatus(rig).appliedReplicas, replicas);
      const scales = decisions(rig, "Scale");
      assert.equal(scales.length, 1, JSON.stringify(entries(rig)));
      assert.equal(scales[0]?.from, 2);
      assert.equal(scales[0]?.to, replicas);
      assert.equal(await eventCount(rig, "Scale"), 1);
      assert.equal((scalerStatus(rig).lastAction as { type?: string } | undefined)?.type, "Scale");
      assert.equal(
        scalerCondition(rig, "Ready")?.status,
        "True",
        JSON.stringify(scalerCondition(rig, "Ready")),
      );
      await assertNoApiError(rig);
      const statuses = rig.facade.faults.requests
        .filter((r) => r.method === "PATCH" && r.path === SCALE_PATH)
        .map((r) => r.status);
      if (when === "after") assert.deepEqual(statuses, [200], "the retry finds the scale in place");
      else
        assert.deepEqual(
          statuses,
          [CLIENT_CLOSED_REQUEST, 200],
          "the original is cancelled at the client's timeout and never served; the retry lands",
        );
    });
  });
}

// ---- nodes.mode CapacityBuffer -------------------------------------------------------------------

describe("nodes.mode CapacityBuffer: lost answers of its create, patch and delete", () => {
  let rig: Rig;
  /** The buffer's replicas after each reconcile. */
  const seen: number[] = [];
  const bufferReplicas = () =>
    (specOf(rig.facade.store.find(BUFFERS, NAME, NS)).replicas as number | undefined) ?? 0;
  before(async () => {
    rig = await rigAt6();
  });
  after(async () => {
    await rig?.close();
  });

  it("creates the PodTemplate and the buffer once, and records the buffer once", async () => {
    const template = hold(rig, { method: "POST", path: TEMPLATES_PATH, when: "after", ms: HOLD_MS });
    const buffer = hold(rig, { method: "POST", path: BUFFERS_PATH, when: "after", ms: HOLD_MS });
    await create(rig, nodeScaler("Metric", "CapacityBuffer"));
    await heldOut(rig, buffer);
    assert.equal(template.hits, 1);
    assert.equal(buffer.hits, 1);
    seen.push(bufferReplicas());
    assert.ok((seen[0] ?? 0) > 0, "a buffer is in place");
    assert.equal(requests(rig, { method: "POST", path: BUFFERS_PATH }), 1, "created once");
    assert.equal(requests(rig, { method: "POST", path: TEMPLATES_PATH }), 1, "created once");
    assert.ok(rig.facade.store.find("podtemplates", NAME, NS), "the template is in place");
    const set = decisions(rig, "SetCapacityBuffer");
    assert.equal(set.length, 1, JSON.stringify(entries(rig)));
    assert.equal(set[0]?.from, 0);
    assert.equal(set[0]?.to, seen[0]);
    assert.equal(await eventCount(rig, "SetCapacityBuffer"), 1);
    await assertNoApiError(rig);
  });

  it("resizes it through a lost answer and records each resize once", async () => {
    const path = `${BUFFERS_PATH}/${NAME}`;
    const patched = hold(rig, { method: "PATCH", path, when: "after", ms: HOLD_MS });
    for (let i = 0; i < 12 && patched.hits === 0; i++) {
      await rig.advance(10 * MINUTE, 10 * MINUTE);
      seen.push(bufferReplicas());
    }
    assert.equal(patched.hits, 1, `the buffer was resized: ${seen}`);
    await heldOut(rig, patched);
    seen.push(bufferReplicas());
    assertChangesRecorded(decisions(rig, "SetCapacityBuffer"), 0, seen);
    assert.equal(await eventCount(rig, "SetCapacityBuffer"), decisions(rig, "SetCapacityBuffer").length);
    assert.equal(requests(rig, { method: "POST", path: BUFFERS_PATH }), 1);
    await assertNoApiError(rig);
  });

  it("removes it through a lost answer and records the removal once", async () => {
    const path = `${BUFFERS_PATH}/${NAME}`;
    const deleted = hold(rig, { method: "DELETE", path, when: "after", ms: HOLD_MS });
    // Past the peak the replicas (raised by hand, as the HPA would) cover the forecast.
    rig.facade.store.patch("deployments.apps", "web", NS, { spec: { replicas: 20 } });
    await rig.advance(30 * MINUTE, 30 * MINUTE);
    await heldOut(rig, deleted);
    assert.equal(deleted.hits, 1);
    assert.equal(rig.facade.store.find(BUFFERS, NAME, NS), undefined);
    assert.equal(rig.facade.store.find("podtemplates", NAME, NS), undefined);
    const removed = decisions(rig, "RemoveCapacityBuffer");
    assert.equal(removed.length, 1, JSON.stringify(entries(rig)));
    assert.equal(removed[0]?.to, 0);
    assert.equal(await eventCount(rig, "RemoveCapacityBuffer"), 1);
    await assertNoApiError(rig);
  });
});

// ---- a create meeting an object of that name (409 AlreadyExists) ---------------------------------

for (const ours of [true, false]) {
  describe(`nodes.mode CapacityBuffer: the buffer's create gets 409 AlreadyExists, the object ${ours ? "being" : "not being"} this scaler's`, () => {
    let rig: Rig;
    before(async () => {
      rig = await rigAt6();
      // As if an earlier create had landed unseen (its answer lost, a read behind it): the object
      // is in the store just before the POST is served, which then finds it there.
      rig.facade.faults.beforeRequest({
        method: "POST",
        path: BUFFERS_PATH,
        run: (store) => {
          const uid = store.get(PSC, "web", NS).metadata.uid;
          const object = capacityBufferObject({
            namespace: NS,
            scaler: "web",
            ...(ours ? { uid } : {}),
            podTemplateName: NAME,
            replicas: 1,
          });
          if (!ours) object.metadata.labels = { app: "someone-else" };
          store.create(BUFFERS, object as unknown as Parameters<typeof store.create>[1]);
        },
      });
      await create(rig, nodeScaler("Metric", "CapacityBuffer"));
    });
    after(async () => {
      await rig?.close();
    });

    it(
      ours
        ? "takes it as its own: sized right, recorded once, no error"
        : "refuses to take it over, naming the object",
      async () => {
        assert.equal(requests(rig, { method: "POST", path: BUFFERS_PATH, status: 409 }), 1);
        const buffer = rig.facade.store.find(BUFFERS, NAME, NS);
        if (ours) {
          const replicas = specOf(buffer).replicas as number;
          assert.ok(replicas > 1, `resized from 1 to what is wanted: ${replicas}`);
          const set = decisions(rig, "SetCapacityBuffer");
          assert.equal(set.length, 1, JSON.stringify(entries(rig)));
          assert.deepEqual([set[0]?.from, set[0]?.to], [0, replicas]);
          assert.equal(await eventCount(rig, "SetCapacityBuffer"), 1);
          await assertNoApiError(rig);
        } else {
          // The create is refused, naming the object (a later reconcile finds it by name and, as
          // before this change, resizes it: only the create's 409 is checked for ownership).
          assert.ok(buffer, "the object is there");
          const errors = decisions(rig, "Error");
          assert.ok(errors.length >= 1, JSON.stringify(entries(rig)));
          assert.match(
            errors[0]?.reason ?? "",
            /CapacityBuffer shop\/foresight-placeholder-web already exists and is not this scaler's/,
          );
        }
      },
    );
  });
}

// ---- nodes.mode Placeholder ----------------------------------------------------------------------

describe("nodes.mode Placeholder: the placeholder Deployment's create answer is lost", () => {
  let rig: Rig;
  let hits = 0;
  before(async () => {
    rig = await rigAt6();
    const held = hold(rig, { method: "POST", path: DEPLOYMENTS_PATH, when: "after", ms: HOLD_MS });
    await create(rig, nodeScaler("Metric", "Placeholder"));
    await heldOut(rig, held);
    hits = held.hits;
  });
  after(async () => {
    await rig?.close();
  });

  it("creates the placeholders once and records them once", async () => {
    assert.equal(hits, 1);
    const placeholders = rig.facade.store.find("deployments.apps", NAME, NS);
    const replicas = specOf(placeholders).replicas as number;
    assert.ok(replicas > 0, `placeholder replicas ${replicas}`);
    assert.equal(requests(rig, { method: "POST", path: DEPLOYMENTS_PATH }), 1, "created once");
    const set = decisions(rig, "SetPlaceholders");
    assert.equal(set.length, 1, JSON.stringify(entries(rig)));
    assert.equal(set[0]?.from, 0);
    assert.equal(set[0]?.to, replicas);
    assert.equal(await eventCount(rig, "SetPlaceholders"), 1);
    await assertNoApiError(rig);
  });

  it("removes them when the scaler is deleted, recorded once", async () => {
    const path = `${DEPLOYMENTS_PATH}/${NAME}`;
    const deleted = hold(rig, { method: "DELETE", path, when: "after", ms: HOLD_MS });
    await deleteScaler(rig);
    await eventually(() => (requests(rig, { method: "DELETE", path }) >= 1 ? true : undefined), 10 * HOLD_MS);
    assert.equal(deleted.hits, 1);
    assert.equal(rig.facade.store.find("deployments.apps", NAME, NS), undefined);
    assert.equal(decisions(rig, "RemovePlaceholders").length, 1, JSON.stringify(entries(rig)));
    assert.equal(await eventCount(rig, "RemovePlaceholders"), 1);
  });
});

// ---- nodes.mode ProvisioningRequest --------------------------------------------------------------

describe("nodes.mode ProvisioningRequest: lost answers of a step-up's create and of the old request's delete", () => {
  let rig: Rig;
  const list = () =>
    rig.facade.store.list(REQUESTS, { namespace: NS, labelSelector: "foresight.dev/scaler=web" }).items;
  const countOf = (o: unknown) => (specOf(o).podSets as { count: number }[] | undefined)?.[0]?.count ?? 0;
  const names = new Set<string>();
  const observe = () => {
    for (const r of list()) names.add(r.metadata.name);
  };
  before(async () => {
    rig = await rigAt6();
  });
  after(async () => {
    await rig?.close();
  });

  /** Steps 10 minutes at a time until the held request has been taken. */
  async function stepUntil(held: RuleHandle): Promise<void> {
    for (let i = 0; i < 12 && held.hits === 0; i++) {
      await rig.advance(10 * MINUTE, 10 * MINUTE);
      observe();
    }
    assert.equal(held.hits, 1, `a step-up came: ${[...names]}`);
  }

  function assertOneRequestRecordedOnce(): void {
    const now = list();
    assert.equal(now.length, 1, `one request at a time: ${now.map((r) => r.metadata.name)}`);
    const created = decisions(rig, "CreateProvisioningRequest");
    assert.equal(created.length, names.size, JSON.stringify(entries(rig)));
    assert.equal(requests(rig, { method: "POST", path: REQUESTS_PATH }), names.size, "each created once");
    assert.equal(requests(rig, { method: "POST", path: REQUESTS_PATH, status: 409 }), 0);
    assert.equal(created.at(-1)?.to, countOf(now[0]));
  }

  it("a step-up's create whose answer is lost is created and recorded once", async () => {
    await create(rig, nodeScaler("Metric", "ProvisioningRequest"));
    observe();
    assert.equal(names.size, 1, "a first request");
    const held = hold(rig, { method: "POST", path: REQUESTS_PATH, when: "after", ms: HOLD_MS });
    await stepUntil(held);
    await heldOut(rig, held);
    observe();
    assertOneRequestRecordedOnce();
    assert.equal(await eventCount(rig, "CreateProvisioningRequest"), names.size);
    await assertNoApiError(rig);
  });

  it("a lost answer of the old request's delete still removes it and records the step-up once", async () => {
    const held = hold(rig, { method: "DELETE", path: `${REQUESTS_PATH}/`, when: "after", ms: HOLD_MS });
    await stepUntil(held);
    await heldOut(rig, held);
    observe();
    assertOneRequestRecordedOnce();
    assert.equal(await eventCount(rig, "CreateProvisioningRequest"), names.size);
    await assertNoApiError(rig);
  });

  it("a lost answer of the last request's removal is recorded once", async () => {
    const held = hold(rig, { method: "DELETE", path: `${REQUESTS_PATH}/`, when: "after", ms: HOLD_MS });
    rig.facade.store.patch("deployments.apps", "web", NS, { spec: { replicas: 20 } });
    await rig.advance(30 * MINUTE, 30 * MINUTE);
    await heldOut(rig, held);
    assert.deepEqual(list(), []);
    assert.equal(decisions(rig, "RemoveProvisioningRequest").length, 1, JSON.stringify(entries(rig)));
    assert.equal(await eventCount(rig, "RemoveProvisioningRequest"), 1);
    await assertNoApiError(rig);
  });
});
