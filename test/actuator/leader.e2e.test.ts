/**
 * Two controller instances on one simulated cluster, each with its own LeaderElector on a
 * coordination.k8s.io/v1 Lease: only the leader acts; when it crashes the other takes over once the
 * lease runs out and carries on without doing anything twice; a graceful stop hands the lease over
 * at once. Leases run on real time (systemClock), demand on one shared simulated clock.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CustomObjectsApi } from "@kubernetes/client-node";
import type { DecisionEntry } from "../../src/actuator/decisionLog.js";
import { SimClock } from "../../src/replay/cluster/simClock.js";
import type { KubeFacade } from "../harness/kubeFacade.js";
import {
  addHpa,
  DAY,
  DemandSource,
  dailyDemand,
  eventually,
  type LeaseTiming,
  NS,
  type Replica,
  type Rig,
  START,
  scaler,
  startFacade,
  startReplica,
} from "./harness.js";

const LEASE = "foresight-controller";
const ID = `${NS}/web`;
const HPA_PATH = `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers/web`;
/** Every write that is not leader election itself. */
const NON_LEASE_WRITE = /^(?!.*\/leases(\/|$))/;
const STEP = 300_000;

type Timing = LeaseTiming;
/**
 * Short, but with room for the forecasts (CPU work on the same event loop as both electors and the
 * simulated API) on a loaded machine: with a 1 s lease and 700 ms renew deadline the leader was
 * seen losing its lease under 4 parallel runs on 2 CPUs.
 */
const SHORT: Timing = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 150 };
/** A lease long enough that a takeover well before it ends can only come from a release. */
const LONG: Timing = { leaseDurationMs: 10_000, renewDeadlineMs: 7000, retryPeriodMs: 150 };

type Instance = Replica;

function startInstance(
  facade: KubeFacade,
  clock: SimClock,
  source: DemandSource,
  identity: string,
  timing: Timing,
): Promise<Instance> {
  return startReplica(identity, timing, { facade, clock, source });
}

/** Moves the shared simulated clock once per step and lets every instance settle (followers do nothing). */
async function advanceAll(clock: SimClock, instances: readonly Instance[], ms: number): Promise<void> {
  for (let done = 0; done < ms; done += STEP) {
    clock.advance(Math.min(STEP, ms - done));
    for (const i of instances) i.rig.timers.tick();
    for (const i of instances) await i.rig.settle();
  }
}

function lease(facade: KubeFacade) {
  const spec = facade.store.get("leases.coordination.k8s.io", LEASE, NS).spec as {
    holderIdentity?: string;
    leaseTransitions?: number;
    leaseDurationSeconds?: number;
  };
  return spec;
}

function minReplicas(facade: KubeFacade): number {
  const hpa = facade.store.get("horizontalpodautoscalers.autoscaling", "web", NS);
  return (hpa.spec as { minReplicas: number }).minReplicas;
}

function entries(rig: Rig): DecisionEntry[] {
  return rig.decisions.list(ID, { limit: 500 }).items;
}

function floorActions(rig: Rig): DecisionEntry[] {
  return entries(rig).filter((e) => e.action === "SetFloor" || e.action === "RestoreFloor");
}

async function createScaler(rig: Rig): Promise<void> {
  await rig.kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: "foresight.dev",
    version: "v1alpha1",
    namespace: NS,
    plural: "predictivescalers",
    body: scaler("Floor"),
  });
}

/** Records, for every non-Lease write the API serves, which instances believed they led at that moment. */
function watchWrites(facade: KubeFacade, instances: () => readonly Instance[]): string[][] {
  const leadersAtWrite: string[][] = [];
  facade.faults.beforeRequest({
    method: ["POST", "PUT", "PATCH", "DELETE"],
    path: NON_LEASE_WRITE,
    times: Number.POSITIVE_INFINITY,
    run: () => {
      leadersAtWrite.push(
        instances()
          .filter((i) => i.elector.isLeader())
          .map((i) => i.identity),
      );
    },
  });
  return leadersAtWrite;
}

describe("two controllers with Lease leader election: only one acts, a crash is taken over", () => {
  let facade: KubeFacade;
  let clock: SimClock;
  let a: Instance;
  let b: Instance;
  let leadersAtWrite: string[][];
  let floorBeforeCrash = 0;

  before(async () => {
    facade = await startFacade();
    addHpa(facade, 2, 15);
    clock = new SimClock(START);
    clock.advance(DAY / 4); // 06:00, demand rising towards noon
    const source = new DemandSource(clock, dailyDemand);
    a = await startInstance(facade, clock, source, "a", SHORT);
    b = await startInstance(facade, clock, source, "b", SHORT);
    leadersAtWrite = watchWrites(facade, () => [a, b]);
  });
  after(async () => {
    await a?.elector.stop();
    await b?.elector.stop();
    await a?.rig.close();
    await b?.rig.close();
    await facade?.close();
  });

  it("elects the first candidate and shows it as the holder of the Lease", async () => {
    a.elector.start();
    await eventually(() => (a.elector.isLeader() ? true : undefined));
    b.elector.start();
    await eventually(() => (b.elector.leader() === "a" ? true : undefined));
    assert.equal(b.elector.isLeader(), false);
    const spec = lease(facade);
    assert.equal(spec.holderIdentity, "a");
    assert.equal(spec.leaseTransitions, 0);
    assert.equal(spec.leaseDurationSeconds, 3);
  });

  it("lets only the leader act as simulated time passes", async () => {
    await createScaler(a.rig);
    await a.rig.seen("web");
    await b.rig.seen("web");
    const patchesBefore = facade.faults.count({ method: "PATCH", path: HPA_PATH });
    await advanceAll(clock, [a, b], 3 * 3_600_000);

    const patches = facade.faults.count({ method: "PATCH", path: HPA_PATH });
    assert.ok(patches > patchesBefore, "the leader patched the HPA floor");
    floorBeforeCrash = minReplicas(facade);
    assert.ok(floorBeforeCrash > 2, `floor ${floorBeforeCrash} raised above the user's 2 ahead of noon`);
    assert.ok(leadersAtWrite.length > 0, "writes were watched");
    for (const leaders of leadersAtWrite) assert.deepEqual(leaders, ["a"], "every write while only a leads");
    assert.ok(floorActions(a.rig).some((e) => e.action === "SetFloor" && e.to === floorBeforeCrash));
    assert.deepEqual(entries(b.rig), [], "the follower decided nothing");
    assert.deepEqual(b.rig.forecaster.names(), [], "the follower trains no forecast");
    const status = facade.store.get("predictivescalers.foresight.dev", "web", NS).status as {
      appliedReplicas?: number;
    };
    assert.equal(status.appliedReplicas, floorBeforeCrash);
  });

  let patchesAtCrash = 0;

  it("after the leader crashes, the other takes over within the lease duration", async () => {
    patchesAtCrash = facade.faults.count({ method: "PATCH", path: HPA_PATH });
    // A crash: the elector stops renewing without handing the lease back, the controller stops.
    await a.elector.stop({ release: false });
    await a.rig.controller.stop();
    const crashedAt = Date.now();
    // The lease a renewed moments ago is still valid: b must not lead yet.
    assert.equal(b.elector.isLeader(), false, "no takeover while the crashed leader's lease is valid");

    await eventually(() => (b.elector.isLeader() ? true : undefined), 10_000);
    const tookMs = Date.now() - crashedAt;
    const spec = lease(facade);
    assert.equal(spec.holderIdentity, "b");
    assert.equal(spec.leaseTransitions, 1);
    // Lease 3 s plus at most one jittered retry (150 ms × 2.2); generous slack for a loaded machine.
    assert.ok(tookMs < 3000 + 330 + 3000, `took over after ${tookMs} ms`);
    await eventually(() => (b.rig.forecaster.names().includes(ID) ? true : undefined));
    await b.rig.settle();
    assert.equal(a.elector.isLeader(), false);
    for (const leaders of leadersAtWrite) assert.deepEqual(leaders.length, 1, "never two leaders at a write");
  });

  it("the new leader's first reconcile finds the floor already right and changes nothing", async () => {
    assert.equal(minReplicas(facade), floorBeforeCrash, "the floor stays where the old leader left it");
    assert.deepEqual(floorActions(b.rig), [], "no SetFloor/RestoreFloor for an unchanged floor");
    assert.equal(
      facade.faults.count({ method: "PATCH", path: HPA_PATH }) - patchesAtCrash,
      0,
      "no extra PATCH of the HPA for an unchanged value",
    );
  });

  it("the new leader keeps the floor following the forecast", async () => {
    const writesBefore = leadersAtWrite.length;
    const seen: number[] = [];
    for (let h = 0; h < 9; h++) {
      await advanceAll(clock, [b], 3_600_000);
      seen.push(minReplicas(facade));
    }
    const peak = Math.max(...seen);
    assert.ok(peak >= 11, `floor near noon ${peak}: demand 600 ÷ 50 = 12`);
    assert.ok((seen.at(-1) as number) < peak, `evening floor ${seen.at(-1)} below the peak ${peak}`);
    assert.ok(
      floorActions(b.rig).some((e) => e.action === "SetFloor" && (e.to as number) < (e.from as number)),
      "b lowered the floor after the peak",
    );
    assert.ok(leadersAtWrite.length > writesBefore, "b wrote");
    for (const leaders of leadersAtWrite.slice(writesBefore)) assert.deepEqual(leaders, ["b"]);
  });

  it("across both leaders each floor change starts where the last ended, none twice", () => {
    // Oldest first (the logs list newest first; the sort is stable for equal times).
    const chain = [...floorActions(a.rig).reverse(), ...floorActions(b.rig).reverse()].sort(
      (x, y) => x.atMs - y.atMs,
    );
    assert.ok(chain.length >= 2);
    for (let i = 1; i < chain.length; i++) {
      const prev = chain[i - 1] as DecisionEntry;
      const cur = chain[i] as DecisionEntry;
      assert.notEqual(cur.from, cur.to, `action ${i} changes something`);
      assert.equal(cur.from, prev.to, `action ${i} (${cur.from} → ${cur.to}) starts at ${prev.to}`);
      assert.ok(cur.atMs > prev.atMs, `no two floor actions at ${new Date(cur.atMs).toISOString()}`);
    }
  });
});

describe("a graceful stop hands the lease over at once", () => {
  let facade: KubeFacade;
  let clock: SimClock;
  let a: Instance;
  let b: Instance;
  let leadersAtWrite: string[][];

  before(async () => {
    facade = await startFacade();
    addHpa(facade, 2, 15);
    clock = new SimClock(START);
    clock.advance(DAY / 4);
    const source = new DemandSource(clock, dailyDemand);
    a = await startInstance(facade, clock, source, "a", LONG);
    b = await startInstance(facade, clock, source, "b", LONG);
    leadersAtWrite = watchWrites(facade, () => [a, b]);
    a.elector.start();
    await eventually(() => (a.elector.isLeader() ? true : undefined));
    b.elector.start();
    await eventually(() => (b.elector.leader() === "a" ? true : undefined));
    await createScaler(a.rig);
    await a.rig.seen("web");
    await b.rig.seen("web");
    await advanceAll(clock, [a, b], 3_600_000);
  });
  after(async () => {
    await a?.elector.stop();
    await b?.elector.stop();
    await a?.rig.close();
    await b?.rig.close();
    await facade?.close();
  });

  it("takes over well before the 10 s lease would expire, and the Lease counts the transition", async () => {
    assert.ok(minReplicas(facade) > 2, "a raised the floor");
    assert.equal(lease(facade).leaseDurationSeconds, 10);
    const stoppedAt = Date.now();
    await a.elector.stop({ release: true });
    await a.rig.controller.stop();
    await eventually(() => (b.elector.isLeader() ? true : undefined), 8000);
    const tookMs = Date.now() - stoppedAt;
    assert.ok(tookMs < 5000, `took over after ${tookMs} ms, well before the 10 s lease`);
    const spec = lease(facade);
    assert.equal(spec.holderIdentity, "b");
    assert.equal(spec.leaseTransitions, 1);
    assert.equal(spec.leaseDurationSeconds, 10);
  });

  it("the new leader acts and the old one no longer does", async () => {
    const writesBefore = leadersAtWrite.length;
    const before = minReplicas(facade);
    await advanceAll(clock, [a, b], 3 * 3_600_000);
    assert.ok(minReplicas(facade) > before, `floor ${minReplicas(facade)} rose from ${before} towards noon`);
    assert.ok(floorActions(b.rig).some((e) => e.action === "SetFloor"));
    assert.ok(leadersAtWrite.length > writesBefore);
    for (const leaders of leadersAtWrite.slice(writesBefore)) assert.deepEqual(leaders, ["b"]);
    assert.equal(a.elector.isLeader(), false);
  });
});
