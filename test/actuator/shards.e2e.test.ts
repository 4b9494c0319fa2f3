/**
 * Sharded controllers on one simulated cluster: six scalers (each with its Deployment and HPA) over
 * four shards, three replicas with production fencing (every write under the Lease of its scaler's
 * shard). Every write the API serves is checked against the Leases at that moment: the writer holds
 * the shard of the scaler written, and no other replica believes it does. Then a replica dies (its
 * shards move within the lease duration; the new holders find each floor already right and start
 * from the forecast it saved), and a replica is added (it gets a share, no shard unheld for longer
 * than a retry period). Across all replicas each floor change starts where the last ended.
 * Leases run on real time, demand on one shared simulated clock.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { DecisionEntry } from "../../src/actuator/decisionLog.js";
import { shardOf } from "../../src/actuator/shards.js";
import { shardLeaseName } from "../../src/kube/shardElection.js";
import { SimClock } from "../../src/replay/cluster/simClock.js";
import type { KubeFacade } from "../harness/kubeFacade.js";
import type { FaultRequest } from "../harness/kubeFaults.js";
import { type UnheldWatch, watchUnheld } from "../harness/unheldShards.js";
import {
  DAY,
  DemandSource,
  dailyDemand,
  eventually,
  NS,
  PSC,
  postScaler,
  type ShardedReplica,
  START,
  scaler,
  startFacade,
  startShardedReplica,
} from "./harness.js";

const SHARDS = 4;
const TIMING = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 } as const;
const LEASES = "leases.coordination.k8s.io";
const NAMES = ["w0", "w1", "w2", "w3", "w4", "w5"];
const STEP = 300_000;
const HPAS = "horizontalpodautoscalers.autoscaling";

const idOf = (name: string) => `${NS}/${name}`;
const shardOfName = (name: string) => shardOf(idOf(name), SHARDS);

interface ServedWrite {
  readonly writer: string;
  /** The scaler the write is about, when its path names it. */
  readonly scaler: string | undefined;
  /** Holder of the scaler's shard Lease in the store when the write was served (or every holder). */
  readonly holders: readonly string[];
  /** Replicas that believed they held the scaler's shard then. */
  readonly believers: readonly string[];
  readonly path: string;
}

function clientOf(request: FaultRequest): string {
  return (request.headers.authorization ?? "").replace(/^Bearer /, "");
}

/** The scaler a write's path names: its HPA, its status, its forecast ConfigMap. */
function scalerOfPath(path: string): string | undefined {
  const m =
    /\/horizontalpodautoscalers\/(w\d)$/.exec(path) ??
    /\/predictivescalers\/(w\d)(\/status)?$/.exec(path) ??
    /\/configmaps\/foresight-forecast-(w\d)$/.exec(path);
  return m?.[1];
}

function addWorkload(facade: KubeFacade, name: string): void {
  facade.store.addDeployment({ namespace: NS, name, replicas: 2, selector: { app: name } });
  facade.store.create(HPAS, {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name, namespace: NS },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
      minReplicas: 2,
      maxReplicas: 15,
      metrics: [
        {
          type: "Pods",
          pods: {
            metric: { name: "http_requests_per_second" },
            target: { type: "AverageValue", averageValue: "50" },
          },
        },
      ],
    },
  });
}

function scalerNamed(name: string): Record<string, unknown> {
  const body = scaler("Floor") as { metadata: object; spec: Record<string, unknown> };
  return {
    ...body,
    metadata: { name, namespace: NS },
    spec: { ...body.spec, targetRef: { apiVersion: "apps/v1", kind: "Deployment", name } },
  };
}

function minReplicas(facade: KubeFacade, name: string): number {
  return (facade.store.get(HPAS, name, NS).spec as { minReplicas: number }).minReplicas;
}

function holderOf(facade: KubeFacade, shard: number): string | undefined {
  const spec = facade.store.find(LEASES, shardLeaseName("foresight-controller", shard), NS)?.spec as
    | { holderIdentity?: string }
    | undefined;
  return spec?.holderIdentity || undefined;
}

function floorActions(replicas: readonly ShardedReplica[], name: string): DecisionEntry[] {
  return replicas
    .flatMap((r) => [...r.rig.decisions.list(idOf(name), { limit: 500 }).items].reverse())
    .filter((e) => e.action === "SetFloor" || e.action === "RestoreFloor")
    .sort((x, y) => x.atMs - y.atMs);
}

describe("three sharded controllers: each scaler acted for by one replica, a crash and a new replica", () => {
  let facade: KubeFacade;
  let clock: SimClock;
  let source: DemandSource;
  const everyone: ShardedReplica[] = [];
  let live: ShardedReplica[] = [];
  const writes: ServedWrite[] = [];

  const start = (identity: string) =>
    startShardedReplica(identity, TIMING, SHARDS, { facade, clock, source, apiTimeoutMs: 10_000 });
  const heldTotal = () => live.reduce((n, r) => n + r.election.heldShards().length, 0);

  /** Moves the shared simulated clock a step at a time; each live replica reconciles what it holds. */
  async function advance(ms: number): Promise<void> {
    for (let done = 0; done < ms; done += STEP) {
      clock.advance(Math.min(STEP, ms - done));
      for (const r of live) r.rig.timers.tick();
      for (const r of live) await r.rig.settle();
    }
  }

  /** Every write since `from`: by the holder of its scaler's shard, believed held by it alone. */
  function assertWritesByHolders(from: number): void {
    const served = writes.slice(from);
    assert.ok(served.length > 0, "writes were watched");
    const foreign = served.filter((w) => !w.holders.includes(w.writer));
    assert.deepEqual(
      foreign,
      [],
      `writes by a replica not holding the scaler's shard: ${JSON.stringify(foreign)}`,
    );
    const doubled = served.filter((w) => w.scaler !== undefined && w.believers.length > 1);
    assert.deepEqual(doubled, [], "never two replicas believing they hold a scaler's shard at its write");
  }

  /** Each scaler's forecast is trained by exactly one live replica, the holder of its shard. */
  function assertTrainedByHolders(): void {
    const trained = live.flatMap((r) => r.rig.forecaster.names()).sort();
    assert.deepEqual(trained, NAMES.map(idOf).sort(), "each scaler trained by exactly one replica");
    for (const r of live)
      for (const id of r.rig.forecaster.names())
        assert.ok(r.election.holds(shardOf(id, SHARDS)), `${r.identity} trains ${id} only with its shard`);
  }

  before(async () => {
    facade = await startFacade();
    for (const name of NAMES) addWorkload(facade, name);
    clock = new SimClock(START);
    clock.advance(DAY / 4); // 06:00, demand rising towards noon
    source = new DemandSource(clock, dailyDemand);
    for (const id of ["replica-a", "replica-b", "replica-c"]) everyone.push(await start(id));
    live = [...everyone];
    facade.faults.beforeRequest({
      method: ["POST", "PUT", "PATCH", "DELETE"],
      path: /^(?!.*\/leases(\/|$))/,
      times: Number.POSITIVE_INFINITY,
      run: (_store, request) => {
        const name = scalerOfPath(request.path);
        const shards = name === undefined ? [...Array(SHARDS).keys()] : [shardOfName(name)];
        writes.push({
          writer: clientOf(request),
          scaler: name,
          holders: shards.flatMap((s) => holderOf(facade, s) ?? []),
          believers:
            name === undefined
              ? []
              : everyone.filter((r) => r.election.holds(shardOfName(name))).map((r) => r.identity),
          path: `${request.method} ${request.path}`,
        });
      },
    });
  });
  after(async () => {
    for (const r of everyone) await r.election.stop();
    for (const r of everyone) await r.rig.close();
    await facade?.close();
  });

  it("the replicas split the shards and each scaler is reconciled and trained by its shard's holder only", async () => {
    for (const r of live) r.election.start();
    await eventually(
      () =>
        heldTotal() === SHARDS && live.every((r) => r.election.heldShards().length >= 1) ? true : undefined,
      15_000,
    );
    const first = live[0] as ShardedReplica;
    for (const name of NAMES) await postScaler(first.rig, scalerNamed(name));
    for (const r of live) for (const name of NAMES) await r.rig.seen(name);
    await advance(3 * 3_600_000);

    for (const name of NAMES) assert.ok(minReplicas(facade, name) > 2, `${name}: floor raised ahead of noon`);
    assertWritesByHolders(0);
    assertTrainedByHolders();
  });

  it("a replica that dies loses its shards within the lease duration; the new holders start from its forecasts", async () => {
    // The replica acting for the most scalers dies: no renewal, no release, no more reconciles.
    const victim = [...live].sort(
      (x, y) => y.rig.forecaster.names().length - x.rig.forecaster.names().length,
    )[0] as ShardedReplica;
    const moved = victim.rig.forecaster.names();
    assert.ok(moved.length > 0, "the victim acted for some scalers");
    const patchesBefore = facade.faults.count({ method: "PATCH", path: /horizontalpodautoscalers/ });
    const floors = new Map(NAMES.map((n) => [n, minReplicas(facade, n)]));
    // Ready reasons the moved scalers show meanwhile: a holder without the saved forecast says Pending.
    const readyReasons = new Set<string>();
    const sampleReady = setInterval(() => {
      for (const id of moved) {
        const status = facade.store.get(PSC, id.split("/")[1] as string, NS).status as
          | { conditions?: { type: string; reason: string }[] }
          | undefined;
        const ready = status?.conditions?.find((c) => c.type === "Ready");
        if (ready) readyReasons.add(ready.reason);
      }
    }, 5);
    await victim.election.stop({ release: false });
    await victim.rig.controller.stop();
    const crashedAt = Date.now();
    live = live.filter((r) => r !== victim);
    const writesAtCrash = writes.length;

    await eventually(() => (heldTotal() === SHARDS ? true : undefined), 15_000);
    const tookMs = Date.now() - crashedAt;
    // The 3 s lease, the rounds that see it (and the dead membership) run out; slack for a loaded machine.
    assert.ok(tookMs < 3000 + 2 * TIMING.retryPeriodMs + 3000, `shards moved after ${tookMs} ms`);
    for (let s = 0; s < SHARDS; s++) assert.notEqual(holderOf(facade, s), victim.identity);

    for (const r of live) await r.rig.settle();
    clearInterval(sampleReady);
    assert.ok(!readyReasons.has("Pending"), `never Pending across the move: ${[...readyReasons]}`);
    for (const id of moved) {
      const holder = live.find((r) => r.election.holds(shardOf(id, SHARDS))) as ShardedReplica;
      assert.ok(holder.rig.forecaster.names().includes(id), `${id} trained by its new holder`);
      const state = holder.rig.forecaster.state(id);
      assert.ok(state?.forecast, `${id}: the new holder has a forecast at once`);
      const name = id.split("/")[1] as string;
      const ready = (
        (facade.store.get(PSC, name, NS).status as { conditions?: { type: string; status: string }[] })
          .conditions ?? []
      ).find((c) => c.type === "Ready");
      assert.equal(ready?.status, "True", `${id} stays Ready across the move`);
    }
    for (const [name, floor] of floors) assert.equal(minReplicas(facade, name), floor, `${name}: floor kept`);
    assert.equal(
      facade.faults.count({ method: "PATCH", path: /horizontalpodautoscalers/ }) - patchesBefore,
      0,
      "no PATCH of an HPA for an unchanged floor",
    );
    assert.ok(
      writes.slice(writesAtCrash).every((w) => w.writer !== victim.identity),
      "the dead replica wrote nothing",
    );
    assertWritesByHolders(0);
  });

  it("a new replica gets a share without any shard unheld for longer than a retry period, and acting goes on", async () => {
    const watch = watchUnheld(SHARDS, (s) => holderOf(facade, s));
    const d = await start("replica-d");
    everyone.push(d);
    live.push(d);
    for (const name of NAMES) await d.rig.seen(name);
    const writesBefore = writes.length;
    let seen: ReturnType<UnheldWatch["stop"]>;
    try {
      d.election.start();
      await eventually(
        () =>
          heldTotal() === SHARDS &&
          d.election.heldShards().length >= 1 &&
          live.every((r) => r.election.heldShards().length <= 2)
            ? true
            : undefined,
        15_000,
      );
    } finally {
      seen = watch.stop();
    }
    assert.deepEqual(seen.unheld, [], "every shard held");
    assert.ok(seen.longestMs <= TIMING.retryPeriodMs + 400, `a shard was unheld for ${seen.longestMs} ms`);

    const peaks = new Map<string, number>();
    for (let h = 0; h < 9; h++) {
      await advance(3_600_000);
      for (const name of NAMES) peaks.set(name, Math.max(peaks.get(name) ?? 0, minReplicas(facade, name)));
    }
    for (const name of NAMES) {
      assert.ok((peaks.get(name) as number) >= 11, `${name}: floor near noon ${peaks.get(name)}`);
      assert.ok(
        minReplicas(facade, name) < (peaks.get(name) as number),
        `${name}: evening floor below the peak`,
      );
    }
    assert.ok(writes.length > writesBefore);
    assertWritesByHolders(0);
    // A replica that handed a shard over stopped training its scalers: each is trained once, by its holder.
    assertTrainedByHolders();
  });

  it("across every replica each floor change starts where the last ended, none twice", () => {
    for (const name of NAMES) {
      const chain = floorActions(everyone, name);
      assert.ok(chain.length >= 2, `${name}: floor changes`);
      for (let i = 1; i < chain.length; i++) {
        const prev = chain[i - 1] as DecisionEntry;
        const cur = chain[i] as DecisionEntry;
        assert.notEqual(cur.from, cur.to, `${name} action ${i} changes something`);
        assert.equal(cur.from, prev.to, `${name} action ${i} (${cur.from} → ${cur.to}) starts at ${prev.to}`);
        assert.ok(cur.atMs > prev.atMs, `${name}: no two floor actions at one time`);
      }
    }
  });
});
