/**
 * Mode Floor end to end: a PredictiveScaler raises the user's HPA minReplicas ahead of the daily
 * peak, lowers it after, and on deletion the HPA is exactly as the user left it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { kubectlAvailable, kubectlFor } from "../harness/kubectl.js";
import { addHpa, DAY, NS, type Rig, scaler, scalerCondition, scalerStatus, startRig } from "./harness.js";

function hpaOf(rig: Rig) {
  return rig.facade.store.get("horizontalpodautoscalers.autoscaling", "web", NS);
}

function minReplicas(rig: Rig): number {
  return (hpaOf(rig).spec as { minReplicas: number }).minReplicas;
}

describe("PredictiveScaler mode Floor against the simulated API", () => {
  let rig: Rig;
  let original: { spec: unknown; annotations: unknown };
  before(async () => {
    rig = await startRig();
    addHpa(rig.facade, 2, 15);
    const hpa = hpaOf(rig);
    original = { spec: structuredClone(hpa.spec), annotations: structuredClone(hpa.metadata.annotations) };
    // 06:00: demand rising towards the noon peak.
    rig.clock.advance(DAY / 4);
    const custom = rig.kc.makeApiClient(CustomObjectsApi);
    await custom.createNamespacedCustomObject({
      group: "foresight.dev",
      version: "v1alpha1",
      namespace: NS,
      plural: "predictivescalers",
      body: scaler("Floor"),
    });
    await rig.seen("web");
  });
  after(async () => {
    await rig?.close();
  });

  it("adds its finalizer and waits for the first forecast", async () => {
    await rig.settle();
    const psc = rig.facade.store.get("predictivescalers.foresight.dev", "web", NS);
    assert.deepEqual(psc.metadata.finalizers, ["foresight.dev/cleanup"]);
    assert.equal(scalerCondition(rig, "ForecastReady")?.status, "True");
    assert.equal(scalerCondition(rig, "Ready")?.status, "True", JSON.stringify(scalerStatus(rig)));
  });

  it("raises the HPA floor ahead of the peak and keeps the user's value in an annotation", async () => {
    // At 06:00 demand is ~350 req/s, rising; 10 min ahead at p90 ÷ 50 per replica asks ~8.
    const floor = minReplicas(rig);
    assert.ok(floor > 2, `floor ${floor} should be above the user's 2`);
    const ann = hpaOf(rig).metadata.annotations as Record<string, string>;
    assert.equal(ann["foresight.dev/user-min-replicas"], "2");
    assert.equal(ann["foresight.dev/floor"], String(floor));
    assert.equal(ann["foresight.dev/scaler"], `${NS}/web`);
    assert.equal(scalerStatus(rig).appliedReplicas, floor);
    const entries = rig.decisions.list(`${NS}/web`).items;
    assert.ok(entries.some((e) => e.action === "SetFloor" && e.to === floor && e.applied));
    const events = await rig.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: NS });
    const setFloor = events.items.find((e) => e.reason === "SetFloor");
    assert.ok(setFloor, "an Event on the target says what changed");
    assert.equal(setFloor.involvedObject.kind, "Deployment");
    assert.match(setFloor.message ?? "", /minReplicas 2 → \d+.*p90 peak/);
  });

  it("kubectl describe shows the change among the Deployment's events", {
    skip: !kubectlAvailable() && "no kubectl",
  }, async () => {
    const kubectl = await kubectlFor(rig.facade);
    try {
      const described = await kubectl.run("describe", "deployment", "web", "-n", NS);
      assert.equal(described.code, 0, described.stderr);
      const events = described.stdout.slice(described.stdout.indexOf("Events:"));
      assert.match(
        events,
        /Normal\s+SetFloor\s+\S+\s+foresight\s+PredictiveScaler web raised HPA web minReplicas 2 → \d+/,
      );
    } finally {
      await kubectl.cleanup();
    }
  });

  it("follows the forecast through the day: up towards noon, down in the evening", async () => {
    const seen: number[] = [];
    for (let h = 0; h < 12; h++) {
      await rig.advance(3_600_000);
      seen.push(minReplicas(rig));
    }
    const peak = Math.max(...seen);
    assert.ok(peak >= 11, `floor near noon ${peak}: demand 600 ÷ 50 = 12`);
    assert.ok(peak <= 15, "capped by the HPA's maxReplicas 15");
    assert.ok((seen.at(-1) as number) < peak, `evening floor ${seen.at(-1)} below the peak ${peak}`);
  });

  it("gives the user's HPA back exactly when the scaler is deleted", async () => {
    const custom = rig.kc.makeApiClient(CustomObjectsApi);
    await custom.deleteNamespacedCustomObject({
      group: "foresight.dev",
      version: "v1alpha1",
      namespace: NS,
      plural: "predictivescalers",
      name: "web",
    });
    await rig.gone("web");
    const hpa = hpaOf(rig);
    assert.deepEqual(hpa.spec, original.spec);
    assert.deepEqual(hpa.metadata.annotations ?? {}, original.annotations);
    assert.ok(rig.decisions.list(`${NS}/web`).items.some((e) => e.action === "RestoreFloor"));
  });
});
