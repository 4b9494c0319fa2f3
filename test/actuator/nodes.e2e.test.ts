/**
 * Node reservations (spec.nodes) end to end on the simulated API: for a Deployment whose pods request
 * cpu, memory and a GPU, the scaler reserves the pods the forecast wants at nodes.leadTime beyond the
 * current replicas — as a CapacityBuffer with its PodTemplate, as placeholder pause pods with a
 * negative PriorityClass, or as ProvisioningRequests on step-ups — and removes them when demand has
 * passed, when the node mode changes, and when the scaler is deleted. Reserved pods of MIG slices and
 * AMD GPUs copy the template's extended resources exactly; a template Kubernetes would refuse is refused.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { quantilePath } from "../../src/actuator/decide.js";
import { forecastPeak } from "../../src/actuator/planner.js";
import { DAY, deleteScaler, NS, type Rig, scaler, scalerCondition, startRig } from "./harness.js";

const ID = `${NS}/web`;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const NAME = "foresight-placeholder-web";
const LABEL = "foresight.dev/scaler=web";
const REQUESTS = { cpu: "500m", memory: "1Gi", "nvidia.com/gpu": "1" };
const BUFFERS = "capacitybuffers.autoscaling.x-k8s.io";
const REQUESTS_TYPE = "provisioningrequests.autoscaling.x-k8s.io";

/** Direct scaling 5m ahead, nodes reserved 1h ahead: the gap between the two is what is reserved. */
function nodeScaler(mode: string, nodesMode: string): Record<string, unknown> {
  return scaler(mode, {
    leadTime: "5m",
    horizon: "1h",
    nodes: { mode: nodesMode, leadTime: "1h" },
  });
}

/** The default pod resources: cpu and memory requests, the GPU as a limit (requests default to limits). */
const GPU_RESOURCES = { requests: { cpu: "500m", memory: "1Gi" }, limits: { "nvidia.com/gpu": "1" } };

/** Gives the Deployment's pods these resources (by default cpu, memory and one GPU). */
function requestGpus(rig: Rig, resources: Record<string, unknown> = GPU_RESOURCES): void {
  const deployment = rig.facade.store.get("deployments.apps", "web", NS);
  const template = (deployment.spec as { template: { spec: { containers: Record<string, unknown>[] } } })
    .template;
  const container = template.spec.containers[0] as Record<string, unknown>;
  rig.facade.store.patch("deployments.apps", "web", NS, {
    spec: {
      template: {
        spec: {
          containers: [
            {
              ...container,
              resources,
            },
          ],
        },
      },
    },
  });
}

async function start(
  at: number,
  body: Record<string, unknown>,
  resources?: Record<string, unknown>,
): Promise<Rig> {
  const rig = await startRig();
  requestGpus(rig, resources);
  rig.clock.advance(at);
  await rig.kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: "foresight.dev",
    version: "v1alpha1",
    namespace: NS,
    plural: "predictivescalers",
    body,
  });
  await rig.seen("web");
  await rig.settle();
  return rig;
}

function replicas(rig: Rig): number {
  return (rig.facade.store.get("deployments.apps", "web", NS).spec as { replicas: number }).replicas;
}

/** Pods the live forecast wants ready 1h ahead (p90 peak over the node lead time ÷ 50, in [1, 20]). */
function forecastPods(rig: Rig): number {
  const path = quantilePath(rig.forecaster.state(ID), 0.9);
  assert.ok(path, "the scaler has a forecast");
  const now = rig.clock.now();
  const peak = forecastPeak(path, now, now + HOUR);
  return Math.min(20, Math.max(1, Math.ceil(peak / 50 - 1e-9)));
}

/** What should be reserved now: forecast pods at the node lead time − current replicas. */
function expected(rig: Rig): number {
  return Math.max(0, forecastPods(rig) - replicas(rig));
}

function find(rig: Rig, type: string, name = NAME) {
  return rig.facade.store.find(type, name, NS);
}

function specOf(o: unknown): Record<string, unknown> {
  return ((o as { spec?: unknown } | undefined)?.spec ?? {}) as Record<string, unknown>;
}

function requestsOf(pod: { containers: Record<string, unknown>[] }): unknown {
  return (pod.containers[0]?.resources as { requests?: unknown } | undefined)?.requests;
}

function podSpecOf(template: unknown): { containers: Record<string, unknown>[]; priorityClassName?: string } {
  return (template as { spec: { containers: Record<string, unknown>[]; priorityClassName?: string } }).spec;
}

const at = (rig: Rig) => new Date(rig.clock.now()).toISOString().slice(11, 16);

describe("nodes.mode CapacityBuffer", () => {
  let rig: Rig;
  before(async () => {
    rig = await start(6 * HOUR, nodeScaler("Direct", "CapacityBuffer"));
  });
  after(async () => {
    await rig?.close();
  });

  it("keeps a CapacityBuffer of (forecast pods at nodes.leadTime − replicas) ahead of the peak", async () => {
    // 06:00 → 09:00.
    const reserved: number[] = [];
    let buffer: ReturnType<typeof find>;
    for (let i = 0; i <= 18; i++) {
      if (i > 0) await rig.advance(10 * MINUTE, 10 * MINUTE);
      const want = expected(rig);
      const now = find(rig, BUFFERS);
      if (want === 0) assert.equal(now, undefined, `${at(rig)}: nothing to reserve`);
      else assert.equal(specOf(now).replicas, want, `${at(rig)}: ${forecastPods(rig)} − ${replicas(rig)}`);
      reserved.push(want);
      buffer = now ?? buffer;
    }
    assert.ok(reserved.filter((r) => r > 0).length >= 12, `reserved through the morning: ${reserved}`);
    assert.ok(buffer, "a buffer in the morning");
    assert.deepEqual(specOf(buffer).podTemplateRef, { name: NAME });
    const psc = rig.facade.store.get("predictivescalers.foresight.dev", "web", NS);
    assert.equal(
      (buffer.metadata.ownerReferences as { uid: string }[] | undefined)?.[0]?.uid,
      psc.metadata.uid,
    );
    const template = find(rig, "podtemplates");
    assert.ok(template, "its PodTemplate while the buffer is there");
    const pod = podSpecOf((template as { template?: unknown }).template);
    const resources = pod.containers[0]?.resources as { requests: unknown; limits: unknown };
    assert.deepEqual(resources.requests, REQUESTS, "the workload's pod requests, GPU included");
    assert.deepEqual(resources.limits, REQUESTS);
    // The pod shape did not change: the template is written once, not on every reconcile.
    assert.equal(rig.facade.faults.count({ method: ["PUT", "PATCH"], path: /podtemplates/ }), 0);
    const sets = rig.decisions.list(ID, { limit: 500 }).items.filter((e) => e.action === "SetCapacityBuffer");
    assert.ok(sets.length > 0 && sets.every((e) => e.applied));
    assert.equal(sets[0]?.to, specOf(buffer).replicas);
  });

  it("removes the buffer and its template once demand has passed", async () => {
    // 09:00 → 14:00: past the peak the replicas already cover the forecast.
    for (let i = 0; i < 10; i++) {
      await rig.advance(30 * MINUTE, 30 * MINUTE);
      const want = expected(rig);
      assert.equal(specOf(find(rig, BUFFERS)).replicas ?? 0, want, `${at(rig)}`);
    }
    assert.equal(find(rig, BUFFERS), undefined, `${at(rig)}: no buffer`);
    assert.equal(find(rig, "podtemplates"), undefined, "no template");
    const entries = rig.decisions.list(ID, { limit: 500 }).items;
    assert.ok(entries.some((e) => e.action === "RemoveCapacityBuffer" && e.to === 0));
  });

  it("reserves again the next morning and removes everything when the scaler is deleted", async () => {
    await rig.advance(DAY - 7 * HOUR, 2 * HOUR); // next day, 07:00
    await rig.advance(10 * MINUTE, 10 * MINUTE);
    const want = expected(rig);
    assert.ok(want > 0, `${at(rig)}: the forecast wants ${forecastPods(rig)} pods, ${replicas(rig)} run`);
    assert.equal(specOf(find(rig, BUFFERS)).replicas, want);
    await deleteScaler(rig);
    assert.equal(find(rig, BUFFERS), undefined);
    assert.equal(find(rig, "podtemplates"), undefined);
  });
});

describe("nodes.mode Placeholder", () => {
  let rig: Rig;
  const custom = () => rig.kc.makeApiClient(CustomObjectsApi);
  before(async () => {
    rig = await start(6 * HOUR, nodeScaler("Direct", "CapacityBuffer"));
  });
  after(async () => {
    await rig?.close();
  });

  it("changing nodes.mode from CapacityBuffer to Placeholder removes the buffer", async () => {
    assert.ok(find(rig, BUFFERS), "a buffer first");
    await custom().patchNamespacedCustomObject({
      group: "foresight.dev",
      version: "v1alpha1",
      namespace: NS,
      plural: "predictivescalers",
      name: "web",
      body: [{ op: "replace", path: "/spec/nodes/mode", value: "Placeholder" }],
    });
    await rig.seen("web", (o) => (o.spec as { nodes: { mode: string } }).nodes.mode === "Placeholder");
    await rig.settle();
    assert.equal(find(rig, BUFFERS), undefined);
    assert.equal(find(rig, "podtemplates"), undefined);
    assert.ok(find(rig, "deployments.apps"), "placeholders instead");
  });

  it("runs pause pods of the workload's shape at a negative priority, replicas following the forecast", async () => {
    const pc = rig.facade.store.find("priorityclasses.scheduling.k8s.io", "foresight-placeholder");
    assert.ok(pc, "the PriorityClass exists");
    const priority = (pc as { value?: number }).value;
    assert.ok(priority !== undefined && priority < 0, `priority ${priority}`);
    const seen: number[] = [];
    let placeholders: ReturnType<typeof find>;
    for (let i = 0; i <= 18; i++) {
      if (i > 0) await rig.advance(10 * MINUTE, 10 * MINUTE);
      const want = expected(rig);
      const now = find(rig, "deployments.apps");
      if (want === 0) assert.equal(now, undefined, `${at(rig)}: nothing to reserve`);
      else assert.equal(specOf(now).replicas, want, `${at(rig)}`);
      seen.push(want);
      placeholders = now ?? placeholders;
    }
    assert.ok(seen.filter((r) => r > 0).length >= 12, `placeholder replicas ${seen}`);
    assert.ok(placeholders, "placeholders in the morning");
    const pod = podSpecOf(specOf(placeholders).template);
    assert.equal(pod.priorityClassName, "foresight-placeholder");
    assert.match(String(pod.containers[0]?.image), /pause/);
    assert.deepEqual(requestsOf(pod), REQUESTS);
    assert.equal(replicas(rig) > 2, true, "the workload itself was scaled by Direct, not the placeholders");
    // Patched only when the replicas change, never to rewrite an unchanged template.
    const resized = rig.decisions
      .list(ID, { limit: 500 })
      .items.filter((e) => e.action === "SetPlaceholders" && (e.from ?? 0) > 0);
    assert.equal(
      rig.facade.faults.count({ method: "PATCH", path: `/namespaces/${NS}/deployments/${NAME}` }),
      resized.length,
    );
  });

  it("removes the placeholders once demand has passed", async () => {
    await rig.advance(5 * HOUR, 30 * MINUTE); // 14:00
    assert.equal(find(rig, "deployments.apps"), undefined);
    assert.ok(rig.decisions.list(ID, { limit: 500 }).items.some((e) => e.action === "RemovePlaceholders"));
  });
});

describe("reserved pods of extended resources (MIG slices, AMD GPUs)", () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it("placeholder pods request exactly the template's MIG slices and AMD GPUs, limits equal", async () => {
    rig = await start(6 * HOUR, nodeScaler("Direct", "Placeholder"), {
      requests: { cpu: "1", memory: "4Gi", "amd.com/gpu": "1", "nvidia.com/mig-1g.10gb": "2" },
      limits: { "amd.com/gpu": "1", "nvidia.com/mig-1g.10gb": "2" },
    });
    const r = rig;
    for (let i = 0; i < 6 && find(r, "deployments.apps") === undefined; i++)
      await r.advance(10 * MINUTE, 10 * MINUTE);
    const placeholders = find(r, "deployments.apps");
    assert.ok(placeholders, `placeholders at ${at(r)}`);
    const pod = podSpecOf(specOf(placeholders).template);
    const want = { cpu: "1", memory: "4Gi", "amd.com/gpu": "1", "nvidia.com/mig-1g.10gb": "2" };
    assert.deepEqual(requestsOf(pod), want);
    assert.deepEqual((pod.containers[0]?.resources as { limits?: unknown } | undefined)?.limits, want);
  });

  it("refuses a template whose extended-resource request differs from its limit, naming the field", async () => {
    rig = await start(6 * HOUR, nodeScaler("Direct", "CapacityBuffer"), {
      requests: { cpu: "1", "amd.com/gpu": "1" },
      limits: { "amd.com/gpu": "2" },
    });
    const ready = scalerCondition(rig, "Ready");
    assert.equal(ready?.reason, "InvalidPodShape", JSON.stringify(ready));
    assert.match(
      ready?.message ?? "",
      /containers\[0\]\.resources\.requests\.amd\.com\/gpu: must equal limits/,
    );
    assert.equal(find(rig, BUFFERS), undefined);
  });
});

describe("nodes.mode ProvisioningRequest", () => {
  let rig: Rig;
  const listRequests = () =>
    rig.facade.store.list(REQUESTS_TYPE, { namespace: NS, labelSelector: LABEL }).items;
  before(async () => {
    // Mode Metric writes nothing to the workload: its replicas stay 2 until the test (as the
    // reactive HPA would) scales it, so every rise of the forecast is a step-up of the request.
    rig = await start(6 * HOUR, nodeScaler("Metric", "ProvisioningRequest"));
  });
  after(async () => {
    await rig?.close();
  });

  it("creates a request on a step-up and replaces it on each further step-up", async () => {
    const names: string[] = [];
    let highest = 0;
    for (let i = 0; i <= 18; i++) {
      if (i > 0) await rig.advance(10 * MINUTE, 10 * MINUTE);
      highest = Math.max(highest, expected(rig));
      const requests = listRequests();
      assert.equal(requests.length, 1, `${at(rig)}: one request at a time`);
      const request = requests[0] as { metadata: { name: string }; spec?: unknown };
      const podSets = specOf(request).podSets as { count: number; podTemplateRef: { name: string } }[];
      assert.equal(podSets[0]?.count, highest, `${at(rig)}: requested the highest step so far`);
      assert.equal(podSets[0]?.podTemplateRef.name, NAME);
      if (names.at(-1) !== request.metadata.name) names.push(request.metadata.name);
    }
    assert.ok(names.length >= 3, `requests ${names}`);
    const sequences = names.map((n) => Number(/-(\d+)$/.exec(n)?.[1]));
    assert.deepEqual(
      sequences,
      [...sequences].sort((a, b) => a - b),
      "each request newer than the last",
    );
    const created = rig.decisions
      .list(ID, { limit: 500 })
      .items.filter((e) => e.action === "CreateProvisioningRequest");
    assert.equal(created.length, names.length);
    const template = find(rig, "podtemplates");
    const pod = podSpecOf((template as { template?: unknown } | undefined)?.template);
    assert.deepEqual(requestsOf(pod), REQUESTS);
  });

  it("removes every request and the template once demand has passed", async () => {
    // The reactive path scales the workload to the noon peak (600 ÷ 50).
    rig.facade.store.patch("deployments.apps", "web", NS, { spec: { replicas: 13 } });
    await rig.advance(4 * HOUR, 30 * MINUTE); // 13:00
    assert.equal(expected(rig), 0);
    assert.deepEqual(listRequests(), []);
    assert.equal(find(rig, "podtemplates"), undefined);
    assert.ok(
      rig.decisions.list(ID, { limit: 500 }).items.some((e) => e.action === "RemoveProvisioningRequest"),
    );
  });
});
