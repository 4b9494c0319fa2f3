import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { ApiException, CoordinationV1Api, KubeConfig } from "@kubernetes/client-node";
import { systemClock } from "../../src/clock.js";
import { type KubeFacade, startKubeFacade } from "../../src/demo/kube/server.js";
import {
  clientNodeLeaseStore,
  formatMicroTime,
  LeaderElector,
  type LeaderElectorOptions,
  type LeaseStore,
} from "../../src/kube/leaderElection.js";

const NAMESPACE = "default";
/** Short durations for real timers. The written lease duration rounds up to 1 s. */
const TIMING = { leaseDurationMs: 600, renewDeadlineMs: 400, retryPeriodMs: 100 } as const;
const WRITTEN_LEASE_MS = 1000;

interface Candidate {
  readonly elector: LeaderElector;
  readonly events: string[];
  readonly leaders: string[];
}

/** Polls until `check` holds, failing after `timeoutMs`. */
async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await delay(10);
  }
}

/** A LeaseStore whose calls fail while `failing` is set. */
function breakable(inner: LeaseStore): LeaseStore & { failing: boolean } {
  const wrapper = {
    failing: false,
    check(): void {
      if (wrapper.failing) throw new ApiException(503, "injected failure", {}, {});
    },
    async get(namespace: string, name: string) {
      wrapper.check();
      return inner.get(namespace, name);
    },
    async create(...args: Parameters<LeaseStore["create"]>) {
      wrapper.check();
      return inner.create(...args);
    },
    async replace(...args: Parameters<LeaseStore["replace"]>) {
      wrapper.check();
      return inner.replace(...args);
    },
  };
  return wrapper;
}

describe("LeaderElector on the simulated API server", () => {
  let facade: KubeFacade;
  let kc: KubeConfig;
  let coordination: CoordinationV1Api;
  const started: LeaderElector[] = [];
  let leaseCounter = 0;

  before(async () => {
    facade = await startKubeFacade();
    kc = new KubeConfig();
    kc.loadFromString(facade.kubeconfig());
    coordination = kc.makeApiClient(CoordinationV1Api);
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((e) => e.stop({ release: false })));
  });

  after(async () => {
    await facade.close();
  });

  function candidate(
    identity: string,
    leaseName: string,
    extra: Partial<LeaderElectorOptions> = {},
  ): Candidate {
    const events: string[] = [];
    const leaders: string[] = [];
    const elector = new LeaderElector({
      store: clientNodeLeaseStore(kc),
      namespace: NAMESPACE,
      name: leaseName,
      identity,
      ...TIMING,
      clock: systemClock,
      onStartedLeading: () => events.push("started"),
      onStoppedLeading: () => events.push("stopped"),
      onNewLeader: (id) => leaders.push(id),
      ...extra,
    });
    started.push(elector);
    return { elector, events, leaders };
  }

  function newLeaseName(): string {
    leaseCounter++;
    return `foresight-test-${leaseCounter}`;
  }

  async function readLease(name: string) {
    return coordination.readNamespacedLease({ name, namespace: NAMESPACE });
  }

  it("one elector acquires; the Lease names it and its renewTime advances", async () => {
    const name = newLeaseName();
    const a = candidate("pod-a", name);
    a.elector.start();
    await waitFor("pod-a to lead", () => a.elector.isLeader());
    assert.deepEqual(a.events, ["started"]);
    assert.equal(a.elector.leader(), "pod-a");
    assert.deepEqual(a.leaders, ["pod-a"]);

    const first = await readLease(name);
    assert.equal(first.spec?.holderIdentity, "pod-a");
    assert.equal(first.spec?.leaseDurationSeconds, 1);
    assert.equal(first.spec?.leaseTransitions, 0);
    const firstRenew = String(first.spec?.renewTime);
    assert.match(firstRenew, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // The raw object in the store carries the MicroTime text.
    const stored = facade.store.get(
      { group: "coordination.k8s.io", resource: "leases" },
      name,
      NAMESPACE,
    ) as {
      spec?: { renewTime?: unknown };
    };
    assert.match(String(stored.spec?.renewTime), /\.\d{6}Z$/);

    await waitFor("renewTime to advance", async () => {
      const later = await readLease(name);
      return later.spec?.holderIdentity === "pod-a" && String(later.spec?.renewTime) > firstRenew;
    });
    assert.equal(a.elector.isLeader(), true);
    await a.elector.stop();
    assert.equal(a.elector.isLeader(), false);
    assert.deepEqual(a.events, ["started", "stopped"]);
  });

  it("two electors: never both leaders at a sampled moment, and exactly one leads", async () => {
    const name = newLeaseName();
    const a = candidate("pod-a", name);
    const b = candidate("pod-b", name);
    a.elector.start();
    b.elector.start();
    let both = 0;
    let someoneLed = 0;
    for (let i = 0; i < 75; i++) {
      const la = a.elector.isLeader();
      const lb = b.elector.isLeader();
      if (la && lb) both++;
      if (la || lb) someoneLed++;
      await delay(20);
    }
    assert.equal(both, 0, "both electors believed they lead");
    assert.ok(someoneLed > 50, `a leader existed in only ${someoneLed} of 75 samples`);
    const holder = (await readLease(name)).spec?.holderIdentity;
    const leader = a.elector.isLeader() ? "pod-a" : "pod-b";
    assert.equal(holder, leader);
    // The follower sees the leader too.
    const follower = leader === "pod-a" ? b : a;
    assert.equal(follower.elector.leader(), leader);
    assert.deepEqual(follower.events, []);
  });

  it("a crashed leader (stopped without release) is replaced after the lease expires", async () => {
    const name = newLeaseName();
    const a = candidate("pod-a", name);
    a.elector.start();
    await waitFor("pod-a to lead", () => a.elector.isLeader());
    const b = candidate("pod-b", name);
    b.elector.start();
    await delay(300);
    assert.equal(b.elector.isLeader(), false);
    assert.equal(b.elector.leader(), "pod-a");

    const crashedAt = Date.now();
    await a.elector.stop({ release: false });
    assert.equal(a.elector.isLeader(), false);
    const holderAfterCrash = (await readLease(name)).spec?.holderIdentity;
    assert.equal(holderAfterCrash, "pod-a", "a crash must not release the lease");

    await waitFor("pod-b to take over", () => b.elector.isLeader(), WRITTEN_LEASE_MS + 3000);
    const tookMs = Date.now() - crashedAt;
    // Not before the lease could have expired (minus the time pod-b last saw a renewal before the crash).
    assert.ok(tookMs >= WRITTEN_LEASE_MS - TIMING.retryPeriodMs * 3, `took over after only ${tookMs} ms`);
    const lease = await readLease(name);
    assert.equal(lease.spec?.holderIdentity, "pod-b");
    assert.equal(lease.spec?.leaseTransitions, 1);
    assert.deepEqual(b.events, ["started"]);
    assert.deepEqual(b.leaders, ["pod-a", "pod-b"]);
  });

  it("a released lease is taken over at once, before it could have expired", async () => {
    const name = newLeaseName();
    const a = candidate("pod-a", name);
    a.elector.start();
    await waitFor("pod-a to lead", () => a.elector.isLeader());
    const b = candidate("pod-b", name);
    b.elector.start();
    await waitFor("pod-b to see pod-a", () => b.elector.leader() === "pod-a");

    const releasedAt = Date.now();
    await a.elector.stop({ release: true });
    assert.deepEqual(a.events, ["started", "stopped"]);
    await waitFor("pod-b to take over", () => b.elector.isLeader());
    const tookMs = Date.now() - releasedAt;
    assert.ok(tookMs < WRITTEN_LEASE_MS / 2, `took ${tookMs} ms: the release was not honoured`);
    const lease = await readLease(name);
    assert.equal(lease.spec?.holderIdentity, "pod-b");
    assert.equal(lease.spec?.leaseTransitions, 1);
  });

  it("a leader that cannot renew stops leading within renewDeadline and another takes over", async () => {
    const name = newLeaseName();
    const store = breakable(clientNodeLeaseStore(kc));
    const a = candidate("pod-a", name, { store });
    a.elector.start();
    await waitFor("pod-a to lead", () => a.elector.isLeader());
    const b = candidate("pod-b", name);
    b.elector.start();

    store.failing = true;
    const brokeAt = Date.now();
    // isLeader() turns false by the clock, even before a timer fires.
    await waitFor(
      "pod-a to stop believing it leads",
      () => !a.elector.isLeader(),
      TIMING.renewDeadlineMs + 1000,
    );
    assert.ok(Date.now() - brokeAt <= TIMING.renewDeadlineMs + 500);
    await waitFor("onStoppedLeading", () => a.events.includes("stopped"), 2000);
    assert.deepEqual(a.events, ["started", "stopped"]);
    await waitFor("pod-b to take over", () => b.elector.isLeader(), WRITTEN_LEASE_MS + 3000);
    assert.equal(a.elector.isLeader(), false);

    // Once the API answers again, pod-a stays a follower of pod-b.
    store.failing = false;
    await waitFor("pod-a to see pod-b", () => a.elector.leader() === "pod-b", 2000);
    assert.equal(a.elector.isLeader(), false);
  });

  it("racing creates: one wins, the other's 409 is handled and it follows", async () => {
    const name = newLeaseName();
    // Both read "no lease" before either creates, so both try to create.
    let bothRead: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      bothRead = resolve;
    });
    let misses = 0;
    const createErrors: unknown[] = [];
    function racing(): LeaseStore {
      const inner = clientNodeLeaseStore(kc);
      return {
        async get(ns, n) {
          const found = await inner.get(ns, n);
          if (found === undefined && misses < 2) {
            misses++;
            if (misses === 2) bothRead();
            await gate;
          }
          return found;
        },
        async create(ns, n, spec) {
          try {
            return await inner.create(ns, n, spec);
          } catch (err) {
            createErrors.push(err);
            throw err;
          }
        },
        replace: (...args) => inner.replace(...args),
      };
    }
    const a = candidate("pod-a", name, { store: racing() });
    const b = candidate("pod-b", name, { store: racing() });
    a.elector.start();
    b.elector.start();
    await waitFor("a leader", () => a.elector.isLeader() || b.elector.isLeader());
    await delay(300);
    assert.equal(createErrors.length, 1);
    assert.ok(createErrors[0] instanceof ApiException);
    assert.equal((createErrors[0] as ApiException<unknown>).code, 409);
    assert.notEqual(a.elector.isLeader(), b.elector.isLeader());
    const winner = a.elector.isLeader() ? "pod-a" : "pod-b";
    assert.equal((await readLease(name)).spec?.holderIdentity, winner);
    assert.equal(a.elector.leader(), winner);
    assert.equal(b.elector.leader(), winner);
  });
});

describe("LeaderElector with a fake clock and timers", () => {
  /** A manual clock and timer queue: advance() fires due timers in order. */
  function fakeTime() {
    let now = Date.parse("2026-01-01T00:00:00Z");
    let nextId = 1;
    const pending = new Map<number, { at: number; callback: () => void }>();
    return {
      clock: { now: () => now },
      timers: {
        setTimeout: (callback: () => void, ms: number) => {
          const id = nextId++;
          pending.set(id, { at: now + ms, callback });
          return id;
        },
        clearTimeout: (handle: unknown) => void pending.delete(handle as number),
      },
      async advance(ms: number): Promise<void> {
        const end = now + ms;
        for (;;) {
          let due: [number, { at: number; callback: () => void }] | undefined;
          for (const entry of pending)
            if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
          if (!due) break;
          pending.delete(due[0]);
          now = Math.max(now, due[1].at);
          due[1].callback();
          for (let i = 0; i < 5; i++) await Promise.resolve();
        }
        now = end;
      },
      /** Moves the clock without firing timers. */
      jump(ms: number): void {
        now += ms;
      },
    };
  }

  /** An in-memory LeaseStore with resourceVersion checks. */
  function memoryStore(): LeaseStore & { spec(): unknown } {
    let record: { spec: Record<string, unknown>; resourceVersion: string } | undefined;
    let version = 0;
    const conflict = () => new ApiException(409, "Conflict", {}, {});
    return {
      spec: () => record?.spec,
      async get() {
        return record && { spec: { ...record.spec }, resourceVersion: record.resourceVersion };
      },
      async create(_ns, _n, spec) {
        if (record) throw conflict();
        record = { spec: { ...spec }, resourceVersion: String(++version) };
        return { spec: { ...spec }, resourceVersion: record.resourceVersion };
      },
      async replace(_ns, _n, spec, resourceVersion) {
        if (!record || record.resourceVersion !== resourceVersion) throw conflict();
        record = { spec: { ...spec }, resourceVersion: String(++version) };
        return { spec: { ...spec }, resourceVersion: record.resourceVersion };
      },
    };
  }

  it("judges expiry by its own observation time, not the holder's renewTime (clock skew)", async () => {
    const time = fakeTime();
    const store = memoryStore();
    // Another holder wrote a renewTime an hour in the past (its clock is behind ours).
    await store.create(NAMESPACE, "l", {
      holderIdentity: "skewed",
      leaseDurationSeconds: 15,
      renewTime: formatMicroTime(time.clock.now() - 3_600_000),
      acquireTime: formatMicroTime(time.clock.now() - 3_600_000),
      leaseTransitions: 4,
    });
    const events: string[] = [];
    const elector = new LeaderElector({
      store,
      namespace: NAMESPACE,
      name: "l",
      identity: "me",
      clock: time.clock,
      timers: time.timers,
      random: () => 0,
      onStartedLeading: () => events.push("started"),
      onStoppedLeading: () => events.push("stopped"),
    });
    elector.start();
    await time.advance(10_000);
    assert.equal(elector.isLeader(), false, "took a lease that was only old by the holder's clock");
    assert.equal(elector.leader(), "skewed");
    await time.advance(6_000);
    assert.equal(elector.isLeader(), true);
    const taken = store.spec() as { holderIdentity: string; leaseTransitions: number; acquireTime: string };
    assert.equal(taken.holderIdentity, "me");
    assert.equal(taken.leaseTransitions, 5);
    assert.equal(taken.acquireTime, formatMicroTime(Date.parse("2026-01-01T00:00:16Z")));
    await elector.stop({ release: true });
    assert.deepEqual(events, ["started", "stopped"]);
    const released = store.spec() as { holderIdentity: string; leaseDurationSeconds: number };
    assert.equal(released.holderIdentity, "");
    assert.equal(released.leaseDurationSeconds, 1);
  });

  it("an attempt abandoned at the deadline changes nothing when its late answer comes", async () => {
    const time = fakeTime();
    const store = memoryStore();
    const renewBy = (ms: number) => formatMicroTime(time.clock.now() + ms);
    await store.create(NAMESPACE, "l", {
      holderIdentity: "other",
      leaseDurationSeconds: 15,
      renewTime: renewBy(0),
      acquireTime: renewBy(0),
      leaseTransitions: 0,
    });
    // While `held` is set, reads wait until released: a partition that heals all at once.
    let held: (() => void)[] | undefined;
    const partitioned: LeaseStore = {
      get: (...a) =>
        held
          ? new Promise((resolve, reject) => held?.push(() => store.get(...a).then(resolve, reject)))
          : store.get(...a),
      create: (...a) => store.create(...a),
      replace: (...a) => store.replace(...a),
    };
    const events: string[] = [];
    const elector = new LeaderElector({
      store: partitioned,
      namespace: NAMESPACE,
      name: "l",
      identity: "me",
      clock: time.clock,
      timers: time.timers,
      random: () => 0,
      onStartedLeading: () => events.push("started"),
      onStoppedLeading: () => events.push("stopped"),
    });
    elector.start();
    await time.advance(0);
    assert.equal(elector.leader(), "other");
    held = [];
    await time.advance(2_000); // an attempt starts; its read hangs
    // The holder renews while we cannot hear it.
    const current = await store.get(NAMESPACE, "l");
    await store.replace(
      NAMESPACE,
      "l",
      { ...current?.spec, renewTime: renewBy(0) },
      current?.resourceVersion as string,
    );
    await time.advance(11_000); // abandoned at the 10 s deadline
    const release = held;
    held = undefined;
    for (const r of release) r(); // the late answer: the holder's renewal, read 12 s after the attempt began
    await time.advance(0);
    // A read stamped with the abandoned attempt's start would make the lease look expired by now.
    await time.advance(6_000);
    assert.equal((store.spec() as { holderIdentity: string }).holderIdentity, "other", "not taken over");
    assert.equal(elector.isLeader(), false);
    assert.deepEqual(events, []);
    await elector.stop();
  });

  it("isLeader() turns false by the clock when renewals stall, before any timer fires", async () => {
    const time = fakeTime();
    const store = memoryStore();
    let hang = false;
    const stalling: LeaseStore = {
      get: (...a) => (hang ? new Promise(() => {}) : store.get(...a)),
      create: (...a) => store.create(...a),
      replace: (...a) => (hang ? new Promise(() => {}) : store.replace(...a)),
    };
    const events: string[] = [];
    const elector = new LeaderElector({
      store: stalling,
      namespace: NAMESPACE,
      name: "l",
      identity: "me",
      clock: time.clock,
      timers: time.timers,
      onStartedLeading: () => events.push("started"),
      onStoppedLeading: () => events.push("stopped"),
    });
    elector.start();
    await time.advance(0);
    assert.equal(elector.isLeader(), true);
    hang = true;
    await time.advance(2_000); // a renewal starts and hangs
    assert.equal(elector.isLeader(), true);
    // Move the clock without firing timers: the stalled leader no longer believes it leads.
    time.jump(8_001);
    assert.equal(elector.isLeader(), false);
    assert.deepEqual(events, ["started"]);
    await time.advance(0); // the deadline timer fires onStoppedLeading though the request still hangs
    assert.deepEqual(events, ["started", "stopped"]);
    await time.advance(3_000); // the hung attempt times out, so the loop (and stop) can go on
    hang = false;
    await elector.stop();
  });

  it("rejects inconsistent timings with the field names", () => {
    const base = {
      store: memoryStore(),
      namespace: NAMESPACE,
      name: "l",
      identity: "me",
      clock: systemClock,
      onStartedLeading: () => {},
      onStoppedLeading: () => {},
    };
    assert.throws(
      () => new LeaderElector({ ...base, leaseDurationMs: 5000, renewDeadlineMs: 5000 }),
      /leaseDurationMs/,
    );
    assert.throws(
      () => new LeaderElector({ ...base, renewDeadlineMs: 1000, retryPeriodMs: 1000 }),
      /renewDeadlineMs/,
    );
    assert.throws(() => new LeaderElector({ ...base, identity: "" }), /identity/);
    assert.throws(() => new LeaderElector({ ...base, retryPeriodMs: 0 }), /retryPeriodMs/);
  });
});
