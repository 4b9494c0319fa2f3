/**
 * The product's purpose, end to end on a living simulated cluster: a GPU inference Deployment whose
 * pods need 5 minutes to load their model, demand climbing towards the daily peak, and the controller
 * in mode Direct writing /scale through the simulated API. LiveSimulation turns those writes into
 * pods that start and become ready in simulated time. Capacity must be ready *before* the traffic:
 * ready pods × capacity stay at or above demand through the morning ramp, where following demand
 * (replicas = demand now ÷ capacity, ready 5 minutes later) falls behind each time demand crosses
 * a replica's worth.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LiveSimulation } from "../../src/demo/live/liveSimulation.js";
import { type NodeGroupSpec, SimCluster } from "../../src/replay/cluster/index.js";
import { SimClock } from "../../src/replay/cluster/simClock.js";
import { startKubeFacade } from "../harness/kubeFacade.js";
import {
  createScaler,
  DAY,
  dailyDemand,
  installCrd,
  NS,
  type Rig,
  START,
  scaler,
  startRig,
} from "./harness.js";

const GIB = 2 ** 30;
const STEP = 15_000;
const MINUTE = 60_000;
const CAPACITY = 50;
const STARTUP = 5 * MINUTE;

const gpu: NodeGroupSpec = {
  name: "gpu",
  allocatable: { cpuMilli: 8000, memoryBytes: 32 * GIB, gpu: 1 },
  minNodes: 16,
  maxNodes: 16,
  provisioningDelayMs: 10 * MINUTE,
};

describe("mode Direct on a live simulated cluster: capacity ready before the traffic", {
  timeout: 180_000,
}, () => {
  let rig: Rig;
  let cluster: SimCluster;
  let live: LiveSimulation;
  /** [time, ready pods, demand] every 15 s from 06:00 to 12:00. */
  const samples: [number, number, number][] = [];

  before(async () => {
    const clock = new SimClock(START + DAY / 4);
    cluster = new SimCluster({ startMs: clock.now(), nodeGroups: [gpu] });
    cluster.addDeployment({
      name: "web",
      requests: { cpuMilli: 4000, memoryBytes: 16 * GIB, gpu: 1 },
      replicas: 7,
      startupMs: STARTUP,
    });
    const facade = await startKubeFacade();
    installCrd(facade.store);
    live = new LiveSimulation({
      cluster,
      store: facade.store,
      namespace: NS,
      deployments: ["web"],
      clock,
      nodeGroups: [gpu],
    });
    // The pods of 06:00 are up before the test starts.
    for (let t = 0; t < STARTUP; t += STEP) live.step();
    rig = await startRig({ facade, clock });
    await createScaler(
      rig,
      scaler("Direct", {
        leadTime: "10m",
        minReplicas: 1,
        maxReplicas: 16,
        scaleDown: { delay: "10m", maxPercentPerMinute: 20 },
      }),
    );
    live.sync();
    const end = START + DAY / 2;
    while (clock.now() < end) {
      for (let i = 0; i < 20; i++) {
        live.step();
        const t = clock.now();
        samples.push([t, cluster.deploymentStatus("web").ready, dailyDemand(t)]);
      }
      // Every 5 minutes: forecast update and reconcile, as the controller's resync would.
      rig.timers.tick();
      await rig.settle();
      live.sync();
    }
  });
  after(async () => {
    await rig?.close();
    await rig?.facade.close();
  });

  it("keeps ready capacity at or above demand through the morning ramp", () => {
    const under = samples.filter(([, ready, demand]) => ready * CAPACITY < demand);
    assert.ok(samples.length > 1000);
    assert.ok(
      under.length <= samples.length * 0.02,
      `under-provisioned on ${under.length} of ${samples.length} steps, first at ${new Date(under[0]?.[0] ?? 0).toISOString()}`,
    );
  });

  it("where following demand falls behind several times as often", () => {
    // Reactive stand-in: at each 5-minute decision, demand now ÷ capacity, ready STARTUP later.
    let late = 0;
    for (const [t, , demand] of samples) {
      const decidedAt = Math.floor((t - STARTUP) / (5 * MINUTE)) * 5 * MINUTE;
      if (Math.ceil(dailyDemand(decidedAt) / CAPACITY) * CAPACITY < demand) late++;
    }
    const under = samples.filter(([, ready, demand]) => ready * CAPACITY < demand).length;
    assert.ok(
      late > samples.length * 0.05,
      `the reactive stand-in is late on ${late} of ${samples.length} steps`,
    );
    assert.ok(under * 3 < late, `predictive under-provisioned on ${under} steps, the stand-in on ${late}`);
  });

  it("scaled up through /scale, replicas rising with the forecast", () => {
    const replicas = cluster.deploymentStatus("web").desired;
    assert.ok(replicas >= 12, `desired at noon ${replicas}: demand 600 ÷ 50 = 12`);
    const scales = rig.facade.faults.count({ method: "PATCH", path: /\/deployments\/web\/scale$/ });
    assert.ok(scales >= 3, `${scales} /scale patches`);
    assert.ok(rig.decisions.list(`${NS}/web`).items.some((e) => e.action === "Scale" && e.applied));
  });
});
