/**
 * HA: the leader keeps each new forecast in a ConfigMap beside the scaler, so a replica
 * taking over acts on it at once — even while its own first forecast run has not finished — instead
 * of waiting as Pending; and deleting the scaler removes the ConfigMap.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { snapshotName } from "../../src/actuator/forecastSnapshots.js";
import type { ForecastFn } from "../../src/forecast/runner.js";
import { SimClock } from "../../src/replay/cluster/simClock.js";
import {
  addHpa,
  createScaler,
  DAY,
  DemandSource,
  dailyDemand,
  deleteScaler,
  NS,
  type Rig,
  START,
  scaler,
  scalerCondition,
  startRig,
} from "./harness.js";

const CM = snapshotName("web");

describe("a new leader starts from the forecast the previous one kept", () => {
  let first: Rig;
  let second: Rig | undefined;
  let leader = "first";
  before(async () => {
    const clock = new SimClock(START + DAY / 4);
    first = await startRig({ clock, isLeader: () => leader === "first" });
    addHpa(first.facade, 2, 15);
    await createScaler(first, scaler("Floor"));
  });
  after(async () => {
    await second?.close();
    await first?.close();
  });

  it("keeps the leader's forecast in a ConfigMap owned by the scaler's name", () => {
    const cm = first.facade.store.find("configmaps", CM, NS);
    assert.ok(cm, "ConfigMap written");
    const saved = JSON.parse((cm.data as Record<string, string>)["forecast.json"] as string) as {
      model: string;
      quantiles: Record<string, number[]>;
    };
    assert.equal(saved.model, first.forecaster.state(`${NS}/web`)?.forecast?.model);
    assert.ok((saved.quantiles["0.9"]?.length ?? 0) > 0);
  });

  it("a replica whose own forecast never finishes still acts at once on the kept one", async () => {
    leader = "second";
    // A run that never finishes by itself; it ends only when the forecaster aborts it on stop.
    const never: ForecastFn = (_series, { signal }) =>
      new Promise((_resolve, reject) => {
        signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
      });
    second = await startRig({
      facade: first.facade,
      clock: first.clock,
      source: new DemandSource(first.clock, dailyDemand),
      isLeader: () => leader === "second",
      forecast: never,
    });
    await second.seen("web");
    await second.controller.reconcileAll();
    await second.controller.idle();
    assert.equal(scalerCondition(second, "Ready")?.reason, "ForecastInUse");
    assert.equal(scalerCondition(second, "ForecastReady")?.status, "True");
    assert.equal(
      second.decisions.list(`${NS}/web`).items.filter((e) => e.action === "RestoreFloor").length,
      0,
    );
  });

  it("deleting the scaler removes the ConfigMap", async () => {
    leader = "first";
    await deleteScaler(first);
    assert.equal(first.facade.store.find("configmaps", CM, NS), undefined);
  });
});
