/**
 * Mode ForecastOnly end to end on the simulated API: the scaler records what it would do
 * (status.recommendedReplicas, status.nextPeak, Recommend entries in the decision log) and writes
 * nothing in the cluster but its own finalizer and status — not the HPA, not the Deployment or its
 * /scale, and no node reservations even with spec.nodes set.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import {
  addHpa,
  DAY,
  dailyDemand,
  NS,
  type Rig,
  scaler,
  scalerCondition,
  scalerStatus,
  startRig,
} from "./harness.js";

const ID = `${NS}/web`;
const HOUR = 3_600_000;
const WRITES = ["POST", "PUT", "PATCH", "DELETE"];

describe("PredictiveScaler mode ForecastOnly against the simulated API", () => {
  let rig: Rig;
  let hpaBefore: unknown;
  let deploymentBefore: unknown;
  before(async () => {
    rig = await startRig();
    addHpa(rig.facade, 2, 15);
    hpaBefore = structuredClone(rig.facade.store.get("horizontalpodautoscalers.autoscaling", "web", NS));
    deploymentBefore = structuredClone(rig.facade.store.get("deployments.apps", "web", NS));
    rig.clock.advance(DAY / 4);
    await rig.kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: "foresight.dev",
      version: "v1alpha1",
      namespace: NS,
      plural: "predictivescalers",
      // Node reservations asked for too: ForecastOnly must not make them either.
      body: scaler("ForecastOnly", { nodes: { mode: "CapacityBuffer", leadTime: "30m" } }),
    });
    await rig.seen("web");
    await rig.settle();
  });
  after(async () => {
    await rig?.close();
  });

  it("recommends replicas ahead of the peak and reports the next peak", async () => {
    const recommended: number[] = [];
    for (let h = 0; h < 4; h++) {
      await rig.advance(HOUR, 10 * 60_000);
      const s = scalerStatus(rig);
      assert.equal(scalerCondition(rig, "Ready")?.reason, "ForecastOnly", JSON.stringify(s));
      assert.equal(scalerCondition(rig, "Ready")?.status, "True");
      const r = s.recommendedReplicas as number;
      const need = Math.ceil(dailyDemand(rig.clock.now()) / 50);
      assert.ok(r >= need && r <= need + 3, `recommended ${r} for demand needing ${need} now`);
      recommended.push(r);
      const peak = s.nextPeak as { value: number; replicas: number; at: string };
      const at = Date.parse(peak.at);
      assert.ok(at >= rig.clock.now() && at <= rig.clock.now() + HOUR, `next peak at ${peak.at}`);
      // Rising towards noon: the peak within the 1h horizon is near its end, above demand now.
      assert.ok(peak.value > dailyDemand(rig.clock.now()), `peak ${peak.value}`);
      assert.equal(peak.replicas, Math.ceil(peak.value / 50 - 1e-9));
      assert.equal(s.appliedReplicas ?? undefined, undefined, "nothing applied");
    }
    assert.ok((recommended.at(-1) as number) > (recommended[0] as number), `rising: ${recommended}`);
  });

  it("logs Recommend decisions, never applied", () => {
    const entries = rig.decisions.list(ID, { limit: 500 }).items;
    const recommends = entries.filter((e) => e.action === "Recommend");
    assert.ok(recommends.length >= 2, `${recommends.length} Recommend entries`);
    assert.ok(
      entries.every((e) => !e.applied),
      JSON.stringify(entries.filter((e) => e.applied)),
    );
    assert.equal(recommends[0]?.to, scalerStatus(rig).recommendedReplicas, "the newest matches the status");
    for (const e of recommends) assert.ok(e.forecast === undefined || e.forecast.quantile === 0.9);
  });

  it("writes nothing but its own finalizer, status and kept forecast", async () => {
    const writes = rig.facade.faults.requests.filter((r) => WRITES.includes(r.method));
    const scalerPath = `/apis/foresight.dev/v1alpha1/namespaces/${NS}/predictivescalers`;
    const eventPaths = [`/api/v1/namespaces/${NS}/events`, `/apis/events.k8s.io/v1/namespaces/${NS}/events`];
    // The controller's own state: the forecast kept for the next leader.
    const ownState = [`/api/v1/namespaces/${NS}/configmaps`];
    const foreign = writes.filter(
      (r) =>
        !(r.path === scalerPath || r.path.startsWith(`${scalerPath}/web`)) &&
        !eventPaths.some((p) => r.path.startsWith(p)) &&
        !ownState.some((p) => r.path === p || r.path === `${p}/foresight-forecast-web`),
    );
    assert.deepEqual(foreign, [], "no write outside the scaler (its Events, its kept forecast)");
    assert.ok(writes.some((r) => r.method === "PATCH" && r.path === `${scalerPath}/web/status`));
    const workload =
      /horizontalpodautoscalers|\/deployments|\/scale$|podtemplates|capacitybuffers|priorityclasses/;
    assert.equal(rig.facade.faults.count({ method: WRITES, path: workload }), 0);
    assert.deepEqual(rig.facade.store.get("horizontalpodautoscalers.autoscaling", "web", NS), hpaBefore);
    assert.deepEqual(rig.facade.store.get("deployments.apps", "web", NS), deploymentBefore);
    // Any Event is about the scaler itself, never an action on the workload.
    const events = await rig.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: NS });
    for (const e of events.items) assert.equal(e.involvedObject.kind, "PredictiveScaler", e.message);
  });
});
