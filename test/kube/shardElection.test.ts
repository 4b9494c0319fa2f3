/**
 * Sharded leader election on the simulated API server, on real time with short Leases (the written
 * duration rounds up to 1 s): replicas split the shards, a replica that dies loses its shards to the
 * others within the lease duration, a new replica gets its share while no shard stays unheld for
 * longer than a retry period, and a replica never acts beside one that splits the scalers otherwise.
 * At every sample, no shard is believed held by two replicas.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { systemClock } from "../../src/clock.js";
import { type KubeFacade, startKubeFacade } from "../../src/demo/kube/server.js";
import { clientNodeLeaseStore, formatMicroTime, LeaderElector } from "../../src/kube/leaderElection.js";
import {
  memberLeaseName,
  SHARD_COUNT_LABEL,
  ShardElection,
  shardLeaseName,
} from "../../src/kube/shardElection.js";
import { type UnheldWatch, watchUnheld } from "../harness/unheldShards.js";

const NAMESPACE = "default";
const TIMING = { leaseDurationMs: 1000, renewDeadlineMs: 700, retryPeriodMs: 100 } as const;
/** Rebalancing is judged against the retry period: a longer one, so the machine's load is small beside it. */
const REBALANCE_TIMING = { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 400 } as const;
/** What a loaded machine's event loop (tests of other files, other processes) may add to a bound. */
const SLACK_MS = 400;
const SHARDS = 8;

interface Replica {
  readonly identity: string;
  readonly election: ShardElection;
  readonly events: string[];
}

async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await delay(10);
  }
}

describe("ShardElection on the simulated API server", () => {
  let facade: KubeFacade;
  let kc: KubeConfig;
  let group = 0;
  const started: ShardElection[] = [];
  /** Shards two replicas believed they held at once, as samples found them. */
  const doubles: string[] = [];
  let sampler: NodeJS.Timeout | undefined;

  before(async () => {
    facade = await startKubeFacade();
    kc = new KubeConfig();
    kc.loadFromString(facade.kubeconfig());
  });
  afterEach(async () => {
    clearInterval(sampler);
    await Promise.all(started.splice(0).map((e) => e.stop({ release: false })));
    assert.deepEqual(doubles.splice(0), [], "no shard held by two replicas at once");
  });
  after(async () => {
    await facade.close();
  });

  function names() {
    group++;
    return `shards-${group}`;
  }

  function replica(
    name: string,
    identity: string,
    shards = SHARDS,
    timing: typeof TIMING | typeof REBALANCE_TIMING = TIMING,
  ): Replica {
    const events: string[] = [];
    const election = new ShardElection({
      store: clientNodeLeaseStore(kc),
      namespace: NAMESPACE,
      name,
      identity,
      shards,
      ...timing,
      clock: systemClock,
      onAcquired: (s) => events.push(`+${s}`),
      onLost: (s) => events.push(`-${s}`),
    });
    started.push(election);
    return { identity, election, events };
  }

  function sample(replicas: () => readonly Replica[]): void {
    sampler = setInterval(() => {
      for (let s = 0; s < SHARDS; s++) {
        const holders = replicas().filter((r) => r.election.holds(s));
        if (holders.length > 1) doubles.push(`shard ${s}: ${holders.map((r) => r.identity).join(", ")}`);
      }
    }, 5);
  }

  function storedHolder(name: string, shard: number): string | undefined {
    const lease = facade.store.find("leases.coordination.k8s.io", shardLeaseName(name, shard), NAMESPACE);
    return (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity || undefined;
  }

  const allHeld = (rs: readonly Replica[]) =>
    rs.reduce((n, r) => n + r.election.heldShards().length, 0) === SHARDS ? true : undefined;

  it("three replicas split the shards (3, 3, 2), each shard's Lease naming its holder", async () => {
    const name = names();
    const rs = ["a", "b", "c"].map((id) => replica(name, id));
    sample(() => rs);
    for (const r of rs) r.election.start();
    await waitFor("every shard held, 2 or 3 each", () =>
      allHeld(rs) && rs.every((r) => r.election.heldShards().length >= 2) ? true : undefined,
    );
    for (const r of rs) {
      assert.ok(r.election.heldShards().length <= 3);
      for (const s of r.election.heldShards()) assert.equal(storedHolder(name, s), r.identity);
      const status = r.election.status();
      assert.deepEqual(status.members, ["a", "b", "c"]);
      assert.equal(status.shards, SHARDS);
      const member = facade.store.find(
        "leases.coordination.k8s.io",
        memberLeaseName(name, r.identity),
        NAMESPACE,
      );
      assert.equal(member?.metadata.labels?.[SHARD_COUNT_LABEL], String(SHARDS));
    }
    // Every replica sees the same holders.
    const views = rs.map((r) => JSON.stringify(r.election.status().holders));
    await waitFor("one view of the holders", () =>
      new Set(rs.map((r) => JSON.stringify(r.election.status().holders))).size === 1 ? true : undefined,
    );
    assert.ok(views.length === 3);
  });

  it("a replica that dies loses its shards to the others within the lease duration", async () => {
    const name = names();
    const rs = ["a", "b", "c"].map((id) => replica(name, id));
    sample(() => rs);
    for (const r of rs) r.election.start();
    await waitFor("settled", () =>
      allHeld(rs) && rs.every((r) => r.election.heldShards().length >= 2) ? true : undefined,
    );
    const [dead, ...alive] = rs as [Replica, Replica, Replica];
    const lost = dead.election.heldShards();
    // A crash: no renewal, no release.
    await dead.election.stop({ release: false });
    const crashedAt = Date.now();
    await waitFor("the dead replica's shards taken", () => (allHeld(alive) ? true : undefined));
    const tookMs = Date.now() - crashedAt;
    // The lease (1 s) plus the rounds in which membership and the Leases are seen to run out.
    assert.ok(tookMs < TIMING.leaseDurationMs + 4 * TIMING.retryPeriodMs + 2 * SLACK_MS, `took ${tookMs} ms`);
    for (const s of lost) assert.notEqual(storedHolder(name, s), "a");
    assert.deepEqual(alive.map((r) => r.election.heldShards().length).sort(), [4, 4]);
  });

  it("a new replica gets its share; no shard stays unheld for longer than a retry period", async () => {
    const name = names();
    const rs = ["a", "b"].map((id) => replica(name, id, SHARDS, REBALANCE_TIMING));
    sample(() => rs);
    for (const r of rs) r.election.start();
    await waitFor("two replicas hold 4 each", () =>
      allHeld(rs) && rs.every((r) => r.election.heldShards().length === 4) ? true : undefined,
    );
    // Unheld spans per shard as the Leases in the store show them.
    const watch = watchUnheld(SHARDS, (s) => storedHolder(name, s));
    let seen: ReturnType<UnheldWatch["stop"]>;
    try {
      const c = replica(name, "c", SHARDS, REBALANCE_TIMING);
      rs.push(c);
      c.election.start();
      await waitFor("c holds 2 or 3 and the others at most 3", () =>
        allHeld(rs) &&
        c.election.heldShards().length >= 2 &&
        rs.every((r) => r.election.heldShards().length <= 3)
          ? true
          : undefined,
      );
    } finally {
      seen = watch.stop();
    }
    assert.deepEqual(seen.unheld, [], "every shard held at the end");
    // One retry period, and slack for a loaded machine's event loop.
    assert.ok(
      seen.longestMs <= REBALANCE_TIMING.retryPeriodMs + SLACK_MS,
      `a shard was unheld for ${seen.longestMs} ms`,
    );
    const a = rs[0] as Replica;
    assert.ok(
      a.events.some((e) => e.startsWith("-")),
      "a handed a shard over",
    );
  });

  it("a replica that is counted but never takes a shard does not make the others hand shards back and forth", async () => {
    const name = names();
    // A member that renews its membership Lease and never takes a shard (stuck, or failing its writes).
    const leases = "leases.coordination.k8s.io";
    const stuck = memberLeaseName(name, "stuck");
    const renewed = () => ({
      holderIdentity: "stuck",
      leaseDurationSeconds: 1,
      renewTime: formatMicroTime(Date.now()),
    });
    facade.store.create(leases, {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: stuck, namespace: NAMESPACE, labels: { [SHARD_COUNT_LABEL]: String(SHARDS) } },
      spec: renewed(),
    });
    const beat = setInterval(() => {
      const lease = facade.store.get(leases, stuck, NAMESPACE);
      facade.store.update(leases, { ...lease, spec: renewed() });
    }, 100);
    try {
      const a = replica(name, "a");
      sample(() => [a]);
      a.election.start();
      // Its share is 4, but shards nobody took for a lease duration are taken whatever the share.
      await waitFor("a holds every shard", () =>
        a.election.heldShards().length === SHARDS ? true : undefined,
      );
      const handed = () => a.events.filter((e) => e.startsWith("-")).length;
      const before = handed();
      await delay(4 * (TIMING.leaseDurationMs + TIMING.retryPeriodMs));
      // Above its share it hands one shard over; taken by nobody, it takes it back and stops trying.
      assert.ok(handed() - before <= 1, `${handed() - before} shards handed over in 4 lease durations`);
      await waitFor("a holds every shard again", () =>
        a.election.heldShards().length === SHARDS ? true : undefined,
      );
      assert.deepEqual(a.election.status().members, ["a", "stuck"]);
    } finally {
      clearInterval(beat);
    }
  });

  it("a graceful stop hands the shards over at once and leaves", async () => {
    const name = names();
    const rs = ["a", "b"].map((id) => replica(name, id));
    sample(() => rs);
    for (const r of rs) r.election.start();
    await waitFor("settled", () =>
      allHeld(rs) && rs.every((r) => r.election.heldShards().length === 4) ? true : undefined,
    );
    const [a, b] = rs as [Replica, Replica];
    const stoppedAt = Date.now();
    await a.election.stop({ release: true });
    assert.equal(
      facade.store.find("leases.coordination.k8s.io", memberLeaseName(name, "a"), NAMESPACE),
      undefined,
    );
    await waitFor("b holds all", () => (b.election.heldShards().length === SHARDS ? true : undefined));
    assert.ok(Date.now() - stoppedAt < 1000, "well before the 1 s lease would run out");
    assert.equal(a.events.filter((e) => e.startsWith("-")).length, 4);
  });

  it("takes no shard while a single leader holds the plain Lease, then takes them all", async () => {
    const name = names();
    const legacy = new LeaderElector({
      store: clientNodeLeaseStore(kc),
      namespace: NAMESPACE,
      name,
      identity: "old",
      ...TIMING,
      clock: systemClock,
      onStartedLeading: () => {},
      onStoppedLeading: () => {},
    });
    legacy.start();
    await waitFor("the old leader", () => (legacy.isLeader() ? true : undefined));
    const a = replica(name, "a");
    a.election.start();
    await waitFor("a held back", () => a.election.status().blocked);
    await delay(5 * TIMING.retryPeriodMs);
    assert.deepEqual(a.election.heldShards(), []);
    assert.match(a.election.status().blocked ?? "", /held by old/);
    await legacy.stop({ release: true });
    await waitFor("a holds every shard", () =>
      a.election.heldShards().length === SHARDS ? true : undefined,
    );
    assert.equal(a.election.status().blocked, undefined);
  });

  it("takes no shard beside a replica that splits the scalers into another number of shards", async () => {
    const name = names();
    const a = replica(name, "a");
    a.election.start();
    await waitFor("a holds every shard", () =>
      a.election.heldShards().length === SHARDS ? true : undefined,
    );
    const b = replica(name, "b", 4);
    b.election.start();
    await waitFor("both held back", () =>
      a.election.status().blocked && b.election.status().blocked && a.election.heldShards().length === 0
        ? true
        : undefined,
    );
    assert.match(a.election.status().blocked ?? "", /b splits the scalers into 4 shards/);
    assert.deepEqual(b.election.heldShards(), []);
    await b.election.stop({ release: true });
    await waitFor("a takes them back", () => (a.election.heldShards().length === SHARDS ? true : undefined));
  });
});
