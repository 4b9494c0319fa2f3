/**
 * The informer under a misbehaving API server, on the simulated API
 * with its fault injection: bad watch lines never reach the cache nor crash the process, a failed
 * LIST is not "synced", a watch that closes at once and a failing LIST back off, a watch that never
 * answers is given up, and a throwing listener is contained.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { KubeConfig, type KubernetesObject, KubernetesObjectApi } from "@kubernetes/client-node";
import { systemClock } from "../../src/clock.js";
import { servingView } from "../../src/kube/informers.js";
import { type InformerFailure, Reflector, type ReflectorOptions } from "../../src/kube/reflector.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { eventually } from "../harness/eventually.js";
import { type KubeFacade, startKubeFacade } from "../harness/kubeFacade.js";
import type { FaultRequest } from "../harness/kubeFaults.js";

const PODS = "/api/v1/pods";
const isWatch = (r: FaultRequest) => r.query.get("watch") === "true";
const isList = (r: FaultRequest) => r.query.get("watch") !== "true";

describe("Reflector against a misbehaving API server", () => {
  let facade: KubeFacade;
  let kc: KubeConfig;
  const running: Reflector[] = [];

  before(async () => {
    facade = await startKubeFacade();
    facade.store.addNamespace("ml");
    facade.store.addPod({ namespace: "ml", name: "web-0", labels: { app: "web" } });
    kc = new KubeConfig();
    kc.loadFromString(facade.kubeconfig());
  });
  after(async () => {
    await Promise.all(running.map((r) => r.stop()));
    await facade?.close();
  });

  function start(extra: Partial<ReflectorOptions> = {}) {
    const failures: InformerFailure[] = [];
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const reflector = new Reflector({
      resource: "pods",
      path: PODS,
      kubeConfig: kc,
      list: () => objects.list<KubernetesObject>("v1", "Pod"),
      listTimeoutMs: 5000,
      logger: createLogger({ level: "silent" }),
      clock: systemClock,
      onFailure: (kind) => failures.push(kind),
      backoff: { initialMs: 20, maxMs: 200 },
      ...extra,
    });
    running.push(reflector);
    reflector.start();
    return { reflector, failures };
  }

  const names = (r: Reflector) => r.list("ml").map((o) => o.metadata.name);

  for (const [what, body] of [
    ["a plain list", JSON.stringify({ kind: "PodList", apiVersion: "v1", items: [] })],
    ["a Status line", JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code: 500 })],
    ["an event without an object", JSON.stringify({ type: "ADDED" })],
    ["an object without metadata", JSON.stringify({ type: "ADDED", object: {} })],
    ["a line that is not JSON", "{not json"],
    ["an unknown event type", JSON.stringify({ type: "RENAMED", object: { metadata: { name: "x" } } })],
  ] as const) {
    it(`a watch answering ${what} is refused, counted and retried; the cache stays right`, async () => {
      const bad = facade.faults.respond({
        path: PODS,
        match: isWatch,
        status: 200,
        body: `${body}\n`,
        times: 2,
      });
      const { reflector, failures } = start();
      await eventually("two bad watches", () => (bad.hits >= 2 ? true : undefined));
      assert.ok(failures.includes("bad-event"), `counted: ${failures.join(",")}`);
      assert.equal(reflector.hasSynced(), true, "the LIST synced it");
      assert.deepEqual(names(reflector), ["web-0"], "nothing from the bad lines reached the cache");
      // The next watch is a real one: a new pod arrives.
      const name = `late-${running.length}`;
      await eventually("a watch that works", async () => {
        await delay(50);
        if (!facade.store.find("pods", name, "ml")) facade.store.addPod({ namespace: "ml", name });
        return names(reflector).includes(name) ? true : undefined;
      });
      facade.store.delete("pods", name, "ml");
      await reflector.stop();
    });
  }

  it("a failed initial LIST is not synced; it is retried with growing delays", async () => {
    const failing = facade.faults.inject({ path: PODS, match: isList, status: 503, times: 4 });
    const times: number[] = [];
    const { reflector, failures } = start({
      backoff: { initialMs: 100, maxMs: 1000 },
      random: () => 0.5,
      onFailure: (kind) => {
        failures.push(kind);
        times.push(Date.now());
      },
    });
    await eventually("the first failure", () => (failing.hits >= 1 ? true : undefined));
    assert.equal(reflector.hasSynced(), false);
    assert.deepEqual(reflector.list(), []);
    assert.match(reflector.health().lastError ?? "", /503|unavailable/i);
    await eventually("synced after the failures", () => (reflector.hasSynced() ? true : undefined), {
      timeoutMs: 10_000,
    });
    assert.deepEqual(failures, ["list", "list", "list", "list"]);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    // 100, 200, 400 ms between the attempts: each gap longer than the one before.
    for (let i = 1; i < gaps.length; i++)
      assert.ok((gaps[i] as number) > (gaps[i - 1] as number) * 1.5, `gaps grow: ${gaps.join(", ")}`);
    assert.equal(reflector.health().failingSinceMs, undefined, "healthy again");
    await reflector.stop();
  });

  it("a watch that closes at once is a failure that backs off, not a hot loop", async () => {
    const closing = facade.faults.respond({
      path: PODS,
      match: isWatch,
      status: 200,
      body: "",
      times: Number.POSITIVE_INFINITY,
    });
    const { reflector, failures } = start({ backoff: { initialMs: 100, maxMs: 400 } });
    await delay(1500);
    closing.remove();
    // 100, 200, 400, 400 ms ...: a handful of watches in 1.5 s, not hundreds.
    assert.ok(closing.hits >= 3 && closing.hits <= 8, `${closing.hits} watches in 1.5 s`);
    assert.ok(failures.every((f) => f === "short-watch") && failures.length >= 3);
    await reflector.stop();
  });

  it("a watch that never sends its headers is given up and cancelled", async () => {
    const silent = facade.faults.hold({
      path: PODS,
      match: isWatch,
      when: "before",
      ms: 60_000,
      times: 1,
    });
    const { reflector, failures } = start({ connectTimeoutMs: 300 });
    await eventually("the watch given up", () => (failures.includes("watch") ? true : undefined));
    assert.equal(silent.hits, 1);
    assert.match(reflector.health().lastError ?? "", /no response within 300 ms/);
    await eventually("cancelled: not served", () =>
      facade.faults.requests.some((r) => r.path === PODS && r.status === 499) ? true : undefined,
    );
    await reflector.stop();
  });

  it("a listener that throws is counted; the informer and the others carry on", async () => {
    const { reflector, failures } = start();
    const heard: string[] = [];
    reflector.onChange(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'metadata')");
    });
    reflector.onChange((o, event) => heard.push(`${event} ${o.metadata.name}`));
    await eventually("synced", () => (reflector.hasSynced() ? true : undefined));
    facade.store.addPod({ namespace: "ml", name: "web-9" });
    await eventually("heard", () => (heard.includes("add web-9") ? true : undefined));
    assert.ok(failures.includes("listener"));
    assert.ok(names(reflector).includes("web-9"));
    await reflector.stop();
  });

  it("keeps what the serving view keeps of listed and watched objects, and listeners hear that", async () => {
    const { reflector } = start({ transform: servingView });
    const heard: unknown[] = [];
    reflector.onChange((o) => heard.push(o));
    await eventually("synced", () => (reflector.hasSynced() ? true : undefined));
    facade.store.addPod({ namespace: "ml", name: "web-7", labels: { app: "web", tier: "gpu" } });
    const watched = await eventually("web-7 watched", () => reflector.get("web-7", "ml"));
    for (const object of [reflector.get("web-0", "ml"), watched, ...heard]) {
      const o = object as { metadata: Record<string, unknown> } & Record<string, unknown>;
      assert.deepEqual(Object.keys(o), ["metadata"], "no spec, status, kind or apiVersion kept");
      assert.deepEqual(
        Object.keys(o.metadata).sort(),
        ["labels", "name", "namespace", "resourceVersion", "uid"].filter((k) => o.metadata[k] !== undefined),
      );
      assert.ok(!("managedFields" in o.metadata) && !("creationTimestamp" in o.metadata));
    }
    assert.deepEqual(watched.metadata.labels, { app: "web", tier: "gpu" });
    assert.equal(watched.metadata.namespace, "ml");
    assert.ok(watched.metadata.resourceVersion, "the resourceVersion is kept (updates are told apart by it)");
    await reflector.stop();
  });
});
