/**
 * A stalled leader must not write after a new leader took over. Two replicas
 * with production fencing (every write bounded by the leader's term, Events included) and Lease
 * timing 3 s / 2 s / 500 ms; each round holds every request of the current leader for 10 s (a
 * partition: the simulated API serves them when it ends, as a healed network delivers them) while
 * the scaler's spec changes, so both replicas have something to write. Every write the API serves
 * is checked against the Lease's holder at that moment: zero writes from a replica that is not the
 * leader. Leases run on real time, demand on a shared simulated clock.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { SimClock } from "../../src/replay/cluster/simClock.js";
import type { KubeFacade } from "../harness/kubeFacade.js";
import type { FaultRequest } from "../harness/kubeFaults.js";
import {
  addHpa,
  DAY,
  DemandSource,
  dailyDemand,
  eventually,
  NS,
  PSC,
  postScaler,
  type Replica,
  START,
  scaler,
  startFacade,
  startReplica,
} from "./harness.js";

const LEASE = "foresight-controller";
const LEASES = "leases.coordination.k8s.io";
const TIMING = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 } as const;
const PARTITION_MS = 10_000;
const ROUNDS = 3;

interface ServedWrite {
  readonly writer: string;
  readonly holder: string | undefined;
  /** Replicas that believed they led when the write was served. */
  readonly believers: readonly string[];
  readonly method: string;
  readonly path: string;
}

/** The replica a request came from: each replica's kubeconfig carries its identity as token. */
function clientOf(request: FaultRequest): string {
  return (request.headers.authorization ?? "").replace(/^Bearer /, "");
}

function start(facade: KubeFacade, clock: SimClock, source: DemandSource, identity: string) {
  // Production fencing, and a periodic reconcile in real time so both replicas keep acting.
  return startReplica(identity, TIMING, {
    facade,
    clock,
    source,
    apiTimeoutMs: 10_000,
    tickMs: 250,
    fenced: true,
  });
}

describe("a stalled leader and the new leader never both write", () => {
  let facade: KubeFacade;
  let clock: SimClock;
  let replicas: Replica[];
  const writes: ServedWrite[] = [];

  before(async () => {
    facade = await startFacade();
    addHpa(facade, 2, 15);
    clock = new SimClock(START);
    clock.advance(DAY / 4);
    const source = new DemandSource(clock, dailyDemand);
    replicas = [
      await start(facade, clock, source, "replica-a"),
      await start(facade, clock, source, "replica-b"),
    ];
    facade.faults.beforeRequest({
      method: ["POST", "PUT", "PATCH", "DELETE"],
      path: /^(?!.*\/leases(\/|$))/,
      times: Number.POSITIVE_INFINITY,
      run: (store, request) => {
        const lease = store.find(LEASES, LEASE, NS)?.spec as { holderIdentity?: string } | undefined;
        writes.push({
          writer: clientOf(request),
          holder: lease?.holderIdentity,
          believers: replicas.filter((r) => r.elector.isLeader()).map((r) => r.identity),
          method: request.method,
          path: request.path,
        });
      },
    });
  });
  after(async () => {
    for (const r of replicas ?? []) await r.elector.stop();
    for (const r of replicas ?? []) await r.rig.close();
    await facade?.close();
  });

  it("the first replica leads and sets the floor", async () => {
    const [a, b] = replicas as [Replica, Replica];
    a.elector.start();
    await eventually(() => (a.elector.isLeader() ? true : undefined));
    b.elector.start();
    await eventually(() => (b.elector.leader() === a.identity ? true : undefined));
    await postScaler(a.rig, scaler("Floor"));
    for (const r of replicas) await r.rig.seen("web");
    // Three simulated hours towards noon: a forecast, and a floor above the user's 2.
    for (let h = 0; h < 36; h++) {
      clock.advance(300_000);
      for (const r of replicas) r.rig.timers.tick();
      await a.rig.settle();
    }
    const hpa = facade.store.get("horizontalpodautoscalers.autoscaling", "web", NS);
    assert.ok((hpa.spec as { minReplicas: number }).minReplicas > 2, "the leader raised the floor");
    assert.ok(writes.some((w) => w.writer === a.identity && w.path.includes("horizontalpodautoscalers")));
  });

  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: the leader's traffic is held for 10 s while the spec changes`, async () => {
      const leader = replicas.find((r) => r.elector.isLeader());
      assert.ok(leader, "one replica leads before the partition");
      const other = replicas.find((r) => r !== leader) as Replica;
      const writesBefore = writes.length;
      const endsAt = Date.now() + PARTITION_MS;
      const partition = facade.faults.hold({
        when: "before",
        ms: () => endsAt - Date.now(),
        times: Number.POSITIVE_INFINITY,
        match: (request) => clientOf(request) === leader.identity,
      });
      try {
        await delay(300);
        // A new spec while the leader still believes it leads: both have a floor to write.
        facade.store.patch(PSC, "web", NS, { spec: { capacityPerReplica: round % 2 === 1 ? 40 : 50 } });
        await eventually(() => (other.elector.isLeader() ? true : undefined), PARTITION_MS);
        await other.rig.seen("web", (o) => o.metadata.generation === round + 1);
        await other.rig.settle();
        await delay(Math.max(0, endsAt - Date.now()));
      } finally {
        partition.remove();
      }
      // The held requests are served now (those not cancelled): give them time to land.
      await delay(2 * TIMING.leaseDurationMs);
      await other.rig.settle();

      assert.equal(other.elector.isLeader(), true, "the replica that took over still leads");
      assert.equal(leader.elector.isLeader(), false, "the stalled leader follows after the partition");
      const lease = facade.store.get(LEASES, LEASE, NS).spec as { holderIdentity?: string };
      assert.equal(lease.holderIdentity, other.identity);
      const served = writes.slice(writesBefore);
      assert.ok(
        served.some((w) => w.writer === other.identity),
        "the new leader wrote (the floor for the new spec, its status)",
      );
      const foreign = served.filter((w) => w.writer !== w.holder);
      assert.deepEqual(
        foreign,
        [],
        `writes served while the writer did not hold the Lease: ${JSON.stringify(foreign)}`,
      );
      const doubled = served.filter((w) => w.believers.length > 1);
      assert.deepEqual(doubled, [], "never two replicas that believe they lead at a write");
    });
  }
});
