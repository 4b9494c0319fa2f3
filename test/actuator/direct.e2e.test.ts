/**
 * Mode Direct end to end on the simulated API: without an HPA the scaler sets the Deployment's
 * replicas through /scale ahead of the forecast rise, records each change as a "Scale" Event on the
 * Deployment and in the decision log, and releases replicas only as scaleDown allows (delay, then
 * rate). With an HPA on the workload it refuses and never touches /scale.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CoreV1Api } from "@kubernetes/client-node";
import { quantilePath } from "../../src/actuator/decide.js";
import { forecastPeak } from "../../src/actuator/planner.js";
import { SimClock } from "../../src/replay/cluster/simClock.js";
import {
  addHpa,
  createScaler,
  DAY,
  DemandSource,
  dailyDemand,
  NS,
  type Rig,
  START,
  scaler,
  scalerCondition,
  scalerStatus,
  startRig,
} from "./harness.js";

const ID = `${NS}/web`;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const CAPACITY = 50;
/** The daily demand drops at once from its afternoon level to this, every day at 14:00. */
const DROP_AT = 14 * HOUR;
const AFTER_DROP = 150;

/** The daily cycle until 14:00, then a flat 150 req/s until midnight: the forecast learns the drop. */
function demandWithDrop(t: number): number {
  return t % DAY >= DROP_AT ? AFTER_DROP : dailyDemand(t);
}

function lastOf<T>(items: readonly T[]): T {
  assert.ok(items.length > 0, "samples taken");
  return items[items.length - 1] as T;
}

function deploymentReplicas(rig: Rig): number {
  return (rig.facade.store.get("deployments.apps", "web", NS).spec as { replicas: number }).replicas;
}

/** What the forecast alone asks now (p90 peak over the 10m lead time ÷ capacity), from the live forecast. */
function forecastAsk(rig: Rig): number {
  const path = quantilePath(rig.forecaster.state(ID), 0.9);
  assert.ok(path, "the scaler has a forecast");
  const now = rig.clock.now();
  const peak = forecastPeak(path, now, now + 10 * MINUTE);
  return Math.max(1, Math.ceil(peak / CAPACITY - 1e-9));
}

const scalePatches = (rig: Rig) =>
  rig.facade.faults.count({ method: "PATCH", path: /\/deployments\/web\/scale$/ });

describe("PredictiveScaler mode Direct without an HPA", () => {
  let rig: Rig;
  before(async () => {
    const clock = new SimClock(START);
    rig = await startRig({ clock, source: new DemandSource(clock, demandWithDrop) });
    // 05:00: demand (285 req/s) is rising towards the noon peak.
    rig.clock.advance(5 * HOUR);
    await createScaler(
      rig,
      scaler("Direct", {
        maxReplicas: 30,
        scaleDown: { delay: "30m", maxPercentPerMinute: 10, maxReplicasPerMinute: 1 },
      }),
    );
  });
  after(async () => {
    await rig?.close();
  });

  it("sets the Deployment's replicas through /scale ahead of the demand as time passes", async () => {
    assert.equal(scalerCondition(rig, "Ready")?.status, "True", JSON.stringify(scalerStatus(rig)));
    const samples: { t: number; replicas: number; need: number }[] = [];
    const record = () =>
      samples.push({
        t: rig.clock.now(),
        replicas: deploymentReplicas(rig),
        need: Math.ceil(demandWithDrop(rig.clock.now()) / CAPACITY - 1e-9),
      });
    record();
    // 05:00 → 12:00 in 10-minute steps (the forecast is updated and the scaler reconciled at each).
    for (let i = 0; i < 42; i++) {
      await rig.advance(10 * MINUTE, 10 * MINUTE);
      record();
    }
    for (const s of samples)
      assert.ok(
        s.replicas >= s.need,
        `at ${new Date(s.t).toISOString()} ${s.replicas} replicas for demand needing ${s.need}`,
      );
    // For each replica count the demand reaches, the scaler reached it first (never later).
    let earlier = 0;
    const levels = [...new Set(samples.map((s) => s.need))].filter((n) => n > (samples[0]?.replicas ?? 0));
    assert.ok(levels.length >= 4, `demand climbs through several replica counts: ${levels}`);
    for (const level of levels) {
      const scaled = samples.find((s) => s.replicas >= level)?.t ?? Number.POSITIVE_INFINITY;
      const needed = samples.find((s) => s.need >= level)?.t ?? 0;
      assert.ok(
        scaled <= needed,
        `${level} replicas at ${new Date(scaled).toISOString()}, needed at ${new Date(needed).toISOString()}`,
      );
      if (scaled < needed) earlier++;
    }
    assert.ok(earlier >= levels.length / 2, `ahead of demand for ${earlier} of ${levels.length} steps up`);
    const last = lastOf(samples);
    assert.ok(last.replicas >= 12, `at noon ${last.replicas} replicas: demand 600 ÷ 50 = 12`);
    assert.equal(scalerStatus(rig).appliedReplicas, last.replicas);
    assert.equal((scalerStatus(rig).lastAction as { type: string }).type, "Scale");
  });

  it("records each change as a Scale Event on the Deployment and in the decision log", async () => {
    const entries = rig.decisions
      .list(ID, { limit: 500 })
      .items.filter((e) => e.action === "Scale")
      .reverse();
    assert.ok(entries.length >= 5, `${entries.length} Scale decisions`);
    // One decision per /scale write that succeeded, chained from the first replicas to the current ones.
    assert.equal(
      entries.length,
      rig.facade.faults.count({ method: "PATCH", path: /\/deployments\/web\/scale$/, status: 200 }),
    );
    assert.equal(entries[0]?.from, 2);
    for (let i = 1; i < entries.length; i++) assert.equal(entries[i]?.from, entries[i - 1]?.to);
    assert.equal(entries.at(-1)?.to, deploymentReplicas(rig));
    assert.ok(entries.every((e) => e.applied && e.mode === "Direct"));
    const events = await rig.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: NS });
    const scales = events.items.filter((e) => e.reason === "Scale");
    assert.ok(scales.length > 0, "Scale Events are written");
    for (const e of scales) {
      assert.equal(e.involvedObject.kind, "Deployment");
      assert.equal(e.involvedObject.name, "web");
      assert.match(e.message ?? "", /^PredictiveScaler web scaled Deployment\/web \d+ → \d+: /);
    }
    // Before the first forecast the reactive path (demand ÷ capacity) scales; then the forecast does.
    assert.ok(scales.some((e) => /p90 peak [\d.]+ within 10m ÷ 50 per replica/.test(e.message ?? "")));
  });

  it("releases replicas only after scaleDown.delay, then at most maxReplicasPerMinute", async () => {
    // 12:00 → 13:45: demand falls slowly; the scaler may only follow the forecast down.
    await rig.advance(HOUR + 45 * MINUTE, 15 * MINUTE);
    const held = deploymentReplicas(rig);
    assert.ok(held >= 9, `${held} replicas before the 14:00 drop`);
    const samples: { t: number; replicas: number; ask: number }[] = [];
    // 13:46 → 15:00 minute by minute.
    for (let minute = 0; minute < 75; minute++) {
      await rig.advance(MINUTE, MINUTE);
      samples.push({ t: rig.clock.now(), replicas: deploymentReplicas(rig), ask: forecastAsk(rig) });
    }
    const at = (t: number) => new Date(t).toISOString().slice(11, 16);
    // The forecast asks far fewer at once, as soon as its path starts at the 14:00 drop.
    const low = samples.find((s) => s.ask <= held - 4);
    assert.ok(low, `the forecast asks for less: ${samples.map((s) => s.ask)}`);
    assert.ok(
      low.t <= START + DAY * Math.floor((low.t - START) / DAY) + DROP_AT,
      `asks less at ${at(low.t)}`,
    );
    // The delay holds the replicas for 30 minutes from the first lower ask (the slow afternoon
    // decline asked for before may still release one).
    const release = low.t + 30 * MINUTE;
    for (const s of samples.filter((x) => x.t < release))
      assert.ok(s.replicas >= held - 1, `${at(s.t)}, within the delay: ${s.replicas} replicas`);
    // Then one replica per minute at most, down to what the forecast asks.
    let previous = held - 1;
    for (const s of samples) {
      if (s.t < release) {
        previous = s.replicas;
        continue;
      }
      assert.ok(s.replicas <= previous, `${at(s.t)}: no rise after the drop`);
      assert.ok(previous - s.replicas <= 1, `${at(s.t)}: ${previous} → ${s.replicas} in one minute`);
      previous = s.replicas;
    }
    const end = lastOf(samples);
    assert.ok(end.replicas < held - 3, `released to ${end.replicas} from ${held}`);
    assert.equal(end.replicas, Math.max(end.ask, Math.ceil(AFTER_DROP / CAPACITY)));
    const reasons = rig.decisions.list(ID, { limit: 100 }).items.map((e) => e.reason);
    assert.ok(
      reasons.some((r) => /scale-down rate-limited/.test(r)),
      "the rate limit is named",
    );
    assert.equal(scalerStatus(rig).appliedReplicas, end.replicas);
  });
});

describe("PredictiveScaler mode Direct on a workload with an HPA", () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig();
    addHpa(rig.facade, 2, 15);
    rig.clock.advance(DAY / 4);
    await createScaler(rig, scaler("Direct"));
  });
  after(async () => {
    await rig?.close();
  });

  it("refuses with Ready=False HPAConflict and never writes the Deployment or its /scale", async () => {
    await rig.advance(HOUR);
    const ready = scalerCondition(rig, "Ready");
    assert.equal(ready?.status, "False");
    assert.equal(ready?.reason, "HPAConflict");
    assert.equal(scalerCondition(rig, "ForecastReady")?.status, "True", "the forecast itself is fine");
    assert.equal(scalePatches(rig), 0);
    assert.equal(rig.facade.faults.count({ method: ["PUT", "PATCH"], path: /\/deployments\/web/ }), 0);
    assert.equal(deploymentReplicas(rig), 2);
    assert.equal(scalerStatus(rig).appliedReplicas ?? undefined, undefined);
    const entries = rig.decisions.list(ID).items;
    assert.ok(!entries.some((e) => e.action === "Scale"));
    assert.ok(entries.some((e) => e.action === "Refused" && /HorizontalPodAutoscaler web/.test(e.reason)));
    const events = await rig.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: NS });
    const warning = events.items.find((e) => e.reason === "HPAConflict");
    assert.equal(warning?.type, "Warning");
    assert.equal(warning?.involvedObject.kind, "PredictiveScaler");
  });
});

describe("PredictiveScaler mode Direct with maxCapacityBreach Increase", () => {
  let rig: Rig;
  before(async () => {
    const clock = new SimClock(START);
    rig = await startRig({ clock, source: new DemandSource(clock, dailyDemand) });
    // 09:00: demand is rising towards the noon peak (600 req/s ÷ 50 = 12 replicas).
    rig.clock.advance(9 * HOUR);
    await createScaler(
      rig,
      scaler("Direct", { maxReplicas: 8, maxCapacityBreach: "Increase", maxCapacityBuffer: 25 }),
    );
  });
  after(async () => {
    await rig?.close();
  });

  it("scales past maxReplicas up to maxReplicas + maxCapacityBuffer %, never beyond, and says so", async () => {
    const seen: number[] = [];
    for (let i = 0; i < 18; i++) {
      await rig.advance(10 * MINUTE, 10 * MINUTE);
      seen.push(deploymentReplicas(rig));
    }
    // 8 + 25 % of 8 = 10.
    assert.ok(
      seen.every((r) => r <= 10),
      `replicas ${seen}`,
    );
    assert.ok(
      seen.some((r) => r > 8),
      `replicas ${seen}`,
    );
    assert.equal(lastOf(seen), 10, `at noon demand needs 12: ${seen}`);
    // The status says so too: Ready's message is the decision's reason.
    assert.match(
      scalerCondition(rig, "Ready")?.message ?? "",
      /capped at 10: maxReplicas 8 \+ maxCapacityBuffer 25%/,
    );
    const scales = rig.decisions.list(ID).items.filter((e) => e.action === "Scale");
    assert.ok(
      scales.some((e) => /capped at 10: maxReplicas 8 \+ maxCapacityBuffer 25%/.test(e.reason)),
      JSON.stringify(scales.map((e) => e.reason)),
    );
  });
});
