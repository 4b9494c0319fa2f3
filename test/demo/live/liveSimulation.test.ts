import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ObjectStore, startKubeFacade, type WatchEvent } from "../../../src/demo/kube/index.js";
import { LiveSimulation } from "../../../src/demo/live/liveSimulation.js";
import { type NodeGroupSpec, SimClock, SimCluster } from "../../../src/replay/cluster/index.js";

const GIB = 2 ** 30;
const STEP = 15_000;
const NS = "sim";

const gpuGroup: NodeGroupSpec = {
  name: "gpu",
  allocatable: { cpuMilli: 8000, memoryBytes: 32 * GIB, gpu: 1 },
  labels: { "nvidia.com/gpu.product": "L4" },
  minNodes: 1,
  maxNodes: 5,
  provisioningDelayMs: 60_000,
};

function setup(opts: { startupMs?: number; replicas?: number } = {}) {
  const clock = new SimClock(0);
  const cluster = new SimCluster({ nodeGroups: [gpuGroup], scaleDownUnneededMs: 60_000 });
  cluster.addDeployment({
    name: "llm",
    requests: { cpuMilli: 1000, memoryBytes: 4 * GIB, gpu: 1 },
    replicas: opts.replicas ?? 1,
    startupMs: opts.startupMs ?? 30_000,
  });
  const store = new ObjectStore();
  const live = new LiveSimulation({
    cluster,
    store,
    namespace: NS,
    deployments: ["llm"],
    clock,
    nodeGroups: [gpuGroup],
  });
  return { clock, cluster, store, live };
}

// biome-ignore lint/suspicious/noExplicitAny: the tests read deep, loosely shaped JSON of stored objects
type Doc = Record<string, any>;

function pods(store: ObjectStore): Doc[] {
  return store.list("pods", { namespace: NS, labelSelector: "app=llm" }).items as Doc[];
}

function readyOf(pod: Doc): string | undefined {
  return pod.status.conditions.find((c: Doc) => c.type === "Ready")?.status;
}

function status(store: ObjectStore): Doc {
  return (store.get("deployments.apps", "llm", NS) as Doc).status;
}

describe("LiveSimulation", () => {
  it("creates the namespace, the Deployment, its pods and the initial node on construction", () => {
    const { store } = setup();
    assert.ok(store.find("namespaces", NS));
    const dep = store.get("deployments.apps", "llm", NS) as Doc;
    assert.equal(dep.spec.replicas, 1);
    assert.deepEqual(dep.spec.selector.matchLabels, { app: "llm" });
    const [pod, ...rest] = pods(store);
    assert.equal(rest.length, 0);
    assert.equal(pod?.status.phase, "Running");
    assert.equal(readyOf(pod as Doc), "False");
    const nodes = store.list("nodes").items as Doc[];
    assert.deepEqual(
      nodes.map((n) => n.metadata.name),
      ["gpu-1"],
    );
    assert.equal(nodes[0]?.status.allocatable["nvidia.com/gpu"], "1");
    assert.equal(nodes[0]?.status.allocatable.cpu, "8");
    assert.equal(nodes[0]?.status.allocatable.memory, "32Gi");
    assert.equal(nodes[0]?.metadata.labels["nvidia.com/gpu.product"], "L4");
    assert.equal(nodes[0]?.metadata.labels["foresight.sim/node-group"], "gpu");
    assert.equal(pod?.spec.nodeName, "gpu-1");
  });

  it("a /scale write becomes pods: Pending, then Running, then Ready after the start-up time", () => {
    const { store, live, cluster } = setup({ startupMs: 30_000 });
    for (let i = 0; i < 3; i++) live.step(); // first pod ready
    assert.equal(status(store).readyReplicas, 1);

    assert.equal(live.timeMs, 45_000);
    store.patch("deployments.apps", "llm", NS, { spec: { replicas: 3 } });
    live.step();
    assert.equal(cluster.deploymentStatus("llm").desired, 3);
    // One GPU per node: two new pods wait for nodes.
    let list = pods(store);
    assert.equal(list.length, 3);
    assert.equal(list.filter((p) => p.status.phase === "Pending").length, 2);
    assert.equal(status(store).replicas, 3);
    assert.equal(status(store).readyReplicas, 1);

    // Nodes take 60 s to provision; the new pods then need the 30 s start-up to become Ready.
    const until = (done: (list: Doc[]) => boolean) => {
      for (let i = 0; i < 40 && !done(pods(store)); i++) live.step();
      assert.ok(done(pods(store)), "did not happen within 40 steps");
      return live.timeMs;
    };
    const allRunning = until((l) => l.every((p) => p.status.phase === "Running"));
    assert.ok(allRunning >= 45_000 + 60_000, "not before the nodes were provisioned");
    assert.ok(
      pods(store).some((p) => readyOf(p) === "False"),
      "pods just bound are not ready yet",
    );
    assert.equal(status(store).readyReplicas, 1);
    const allReady = until((l) => l.every((p) => readyOf(p) === "True"));
    assert.equal(allReady - allRunning, 30_000);
    list = pods(store);
    assert.equal(new Set(list.map((p) => p.spec.nodeName)).size, 3, "one pod per GPU node");
    const st = status(store);
    assert.deepEqual([st.replicas, st.readyReplicas, st.availableReplicas, st.updatedReplicas], [3, 3, 3, 3]);
  });

  it("nodes appear when the cluster autoscaler adds them and go when it removes them", () => {
    const { store, live } = setup({ replicas: 1 });
    const names = () => (store.list("nodes").items as Doc[]).map((n) => n.metadata.name).sort();
    assert.deepEqual(names(), ["gpu-1"]);
    store.patch("deployments.apps", "llm", NS, { spec: { replicas: 3 } });
    live.step();
    assert.deepEqual(names(), ["gpu-1"], "still provisioning");
    for (let i = 0; i < 6; i++) live.step();
    assert.deepEqual(names(), ["gpu-1", "gpu-2", "gpu-3"]);

    store.patch("deployments.apps", "llm", NS, { spec: { replicas: 1 } });
    live.step();
    assert.equal(pods(store).length, 1, "scale-down deletes pod objects at once");
    for (let i = 0; i < 8; i++) live.step(); // empty for 60 s, then a scan
    assert.deepEqual(names(), ["gpu-1"]);
  });

  it("a watch on pods sees ADDED, MODIFIED and DELETED in order", () => {
    const { store, live } = setup({ replicas: 0, startupMs: 15_000 });
    const seen: string[] = [];
    const handle = store.watch("pods", { namespace: NS }, (e: WatchEvent) => {
      const pod = e.object as Doc;
      seen.push(`${e.type} ${pod.status.phase} ${readyOf(pod)}`);
    });
    store.patch("deployments.apps", "llm", NS, { spec: { replicas: 1 } });
    live.step(); // bound on the existing node: Running, not ready
    live.step(); // ready
    live.step(); // idle
    store.patch("deployments.apps", "llm", NS, { spec: { replicas: 0 } });
    live.step();
    handle.stop();
    assert.deepEqual(seen, ["ADDED Running False", "MODIFIED Running True", "DELETED Running True"]);
  });

  it("a pending pod is ADDED Pending then MODIFIED Running when its node joins", () => {
    const { store, live } = setup({ replicas: 1 });
    for (let i = 0; i < 3; i++) live.step();
    const seen: string[] = [];
    store.watch("pods", { namespace: NS, resourceVersion: store.resourceVersion() }, (e) => {
      const pod = e.object as Doc;
      seen.push(`${e.type} ${pod.metadata.name} ${pod.status.phase}`);
    });
    store.patch("deployments.apps", "llm", NS, { spec: { replicas: 2 } });
    for (let i = 0; i < 7; i++) live.step();
    assert.deepEqual(seen.slice(0, 2), ["ADDED llm-2 Pending", "MODIFIED llm-2 Running"]);
  });

  it("writes nothing over idle steps", () => {
    const { store, live } = setup();
    for (let i = 0; i < 5; i++) live.step();
    const rv = store.resourceVersion();
    for (let i = 0; i < 20; i++) live.step();
    assert.equal(store.resourceVersion(), rv);
    live.sync();
    assert.equal(store.resourceVersion(), rv);
  });

  it("does not even call the store's writers over idle steps (its own diff, not the store's no-op check)", () => {
    const { store, live } = setup();
    for (let i = 0; i < 5; i++) live.step();
    const calls: string[] = [];
    for (const method of ["create", "update", "patch", "delete"] as const) {
      const original = store[method].bind(store) as (...args: unknown[]) => unknown;
      (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        calls.push(method);
        return original(...args);
      };
    }
    for (let i = 0; i < 10; i++) live.step();
    assert.deepEqual([...calls], [], "idle steps call no store writer");
    store.patch("deployments.apps", "llm", NS, { spec: { replicas: 2 } });
    calls.length = 0;
    live.step();
    assert.ok(calls.includes("create"), "a real change still writes");
  });

  it("mirrors a replica change made on the cluster directly into spec.replicas", () => {
    const { store, live, cluster } = setup();
    cluster.setReplicas("llm", 2);
    live.step();
    const dep = store.get("deployments.apps", "llm", NS) as Doc;
    assert.equal(dep.spec.replicas, 2);
    assert.equal(cluster.deploymentStatus("llm").desired, 2, "the store does not undo it");
  });

  it("takes an HTTP /scale write from a client", async () => {
    const { store, live, cluster } = setup();
    const facade = await startKubeFacade({ store });
    try {
      const url = `${facade.url}/apis/apps/v1/namespaces/${NS}/deployments/llm/scale`;
      const res = await fetch(url, {
        method: "PATCH",
        headers: { "content-type": "application/merge-patch+json" },
        body: JSON.stringify({ spec: { replicas: 4 } }),
      });
      assert.equal(res.status, 200);
      live.step();
      assert.equal(cluster.deploymentStatus("llm").desired, 4);
      assert.equal(pods(store).length, 4);
      const scale = (await (await fetch(url)).json()) as Doc;
      assert.equal(scale.status.replicas, 4);
    } finally {
      await facade.close();
    }
  });

  it("run advances simulated time at the given speed and stops on abort", async () => {
    const { live, clock } = setup();
    let wall = 0;
    const abort = new AbortController();
    // A fake wall clock: each read is 50 real ms later; at 3000× that is 150 s (10 steps) per tick.
    const done = live.run({ speed: 3000, signal: abort.signal, wallClock: () => (wall += 50) });
    const keepAlive = setTimeout(() => abort.abort(), 100);
    await done;
    clearTimeout(keepAlive);
    const reached = clock.now();
    assert.ok(reached >= 10 * STEP, `sim time ${reached} ms should have advanced several steps`);
    assert.equal(reached % STEP, 0, "whole steps only");
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(clock.now(), reached, "no steps after abort");
  });

  it("run with real time at high speed advances and resolves at once when already aborted", async () => {
    const { live, clock } = setup();
    await live.run({ signal: AbortSignal.abort(), speed: 1000 });
    assert.equal(clock.now(), 0);
    const abort = new AbortController();
    const done = live.run({ speed: 15_000, signal: abort.signal }); // a step per real ms
    const keepAlive = setTimeout(() => abort.abort(), 120);
    await done;
    clearTimeout(keepAlive);
    assert.ok(clock.now() >= 20 * STEP, `sim time ${clock.now()} ms`);
  });

  it("rejects bad speeds and step sizes", () => {
    const { live, cluster, store, clock } = setup();
    for (const speed of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => live.run({ speed }), RangeError);
    }
    assert.throws(
      () => new LiveSimulation({ cluster, store, namespace: NS, deployments: ["llm"], clock, stepMs: 0 }),
      RangeError,
    );
    assert.throws(
      () => new LiveSimulation({ cluster, store, namespace: NS, deployments: ["nope"], clock }),
      /nope/,
    );
  });
});
