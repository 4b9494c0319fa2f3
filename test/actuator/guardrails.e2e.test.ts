/**
 * Guardrails end to end against the simulated Kubernetes API: the readiness gate (too little
 * history), stale demand data, a metrics outage, the accuracy gate (demand the forecast no longer
 * covers), a spec the CRD accepts but the controller rejects, and the maxReplicas caps. Each checks
 * the real effects: the HPA and the Deployment in the simulated API, the status conditions, the
 * Events and the decision log.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CoreV1Api } from "@kubernetes/client-node";
import type { RangeSeries } from "../../src/metrics/source.js";
import type { SimClock } from "../../src/replay/cluster/simClock.js";
import {
  addHpa,
  createSynced,
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
  synced,
} from "./harness.js";

const STEP = 300_000;
const HPA = "horizontalpodautoscalers.autoscaling";
const _PSC = "predictivescalers.foresight.dev";

/** Demand as Prometheus would have it when scraping only began at `firstDataMs`. */
class LateDemandSource extends DemandSource {
  constructor(
    clock: SimClock,
    demand: (t: number) => number,
    private readonly firstDataMs: number,
  ) {
    super(clock, demand);
  }
  override async range(query: string, start: Date, end: Date, stepSeconds: number): Promise<RangeSeries[]> {
    const series = await super.range(query, start, end, stepSeconds);
    return series
      .map((s) => ({ ...s, points: s.points.filter(([t]) => t >= this.firstDataMs) }))
      .filter((s) => s.points.length > 0);
  }
}

function hpaSpec(rig: Rig): { minReplicas: number; maxReplicas: number } {
  return rig.facade.store.get(HPA, "web", NS).spec as { minReplicas: number; maxReplicas: number };
}

function hpaAnnotations(rig: Rig): Record<string, string> {
  return (rig.facade.store.get(HPA, "web", NS).metadata.annotations ?? {}) as Record<string, string>;
}

interface Cond {
  type: string;
  status: string;
  reason: string;
  message: string;
}

/**
 * Moves simulated time `n` steps; after each, waits until the controller's informer has seen the
 * status just written, as it would between real steps minutes apart (the reconciler compares the
 * new Ready condition with the informer's copy to report a change once).
 */
async function step(rig: Rig, n = 1): Promise<void> {
  for (let i = 0; i < n; i++) {
    await rig.advance(STEP);
    await synced(rig);
  }
}

async function warnings(rig: Rig, reason: string) {
  const events = await rig.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: NS });
  return events.items.filter((e) => e.type === "Warning" && e.reason === reason);
}

/** A Floor scaler with an HPA (2..15) at 06:00, demand rising towards the noon peak. */
async function floorRig(extra: Record<string, unknown> = {}, hpaMax = 15): Promise<Rig> {
  const rig = await startRig();
  addHpa(rig.facade, 2, hpaMax);
  rig.clock.advance(DAY / 4);
  await createSynced(rig, scaler("Floor", extra));
  return rig;
}

describe("readiness gate: less history than history.minimum", () => {
  let rig: Rig;
  let original: unknown;
  before(async () => {
    const { SimClock } = await import("../../src/replay/cluster/simClock.js");
    const clock = new SimClock(START + DAY / 4);
    // Scraping began 2d - 30m ago; the scaler needs 2d.
    const source = new LateDemandSource(clock, dailyDemand, clock.now() - 2 * DAY + 30 * 60_000);
    rig = await startRig({ clock, source });
    addHpa(rig.facade, 2, 15);
    original = structuredClone(rig.facade.store.get(HPA, "web", NS));
    await createSynced(rig, scaler("Floor"));
  });
  after(async () => {
    await rig?.close();
  });

  it("says how much more history it needs, falls back and leaves the HPA untouched", async () => {
    const ready = scalerCondition(rig, "ForecastReady");
    assert.equal(ready?.status, "False", JSON.stringify(scalerStatus(rig)));
    assert.equal(ready?.reason, "InsufficientHistory");
    assert.match(ready?.message ?? "", /needs \S+ more history/);
    assert.equal(scalerCondition(rig, "Ready")?.status, "False");
    assert.equal(scalerCondition(rig, "Ready")?.reason, "Fallback");
    const hpa = rig.facade.store.get(HPA, "web", NS);
    assert.deepEqual(hpa.spec, (original as { spec: unknown }).spec);
    assert.deepEqual(
      hpa.metadata.annotations,
      (original as { metadata: { annotations: unknown } }).metadata.annotations,
    );
    assert.equal(scalerStatus(rig).appliedReplicas ?? undefined, undefined);
  });

  it("opens once enough history has arrived and then raises the floor", async () => {
    await step(rig, 8);
    assert.equal(scalerCondition(rig, "ForecastReady")?.status, "True", JSON.stringify(scalerStatus(rig)));
    assert.equal(scalerCondition(rig, "Ready")?.status, "True");
    assert.ok(hpaSpec(rig).minReplicas > 2, `floor ${hpaSpec(rig).minReplicas}`);
  });
});

for (const behavior of ["Release", "Hold"] as const) {
  describe(`stale demand data, fallback ${behavior}`, () => {
    let rig: Rig;
    let floor: number;
    before(async () => {
      rig = await floorRig({ fallback: { behavior } });
      floor = hpaSpec(rig).minReplicas;
    });
    after(async () => {
      await rig?.close();
    });

    it("holds a floor while data is fresh", () => {
      assert.ok(floor > 2, `floor ${floor} should be above the user's 2`);
      assert.equal(scalerCondition(rig, "Ready")?.status, "True", JSON.stringify(scalerStatus(rig)));
    });

    it("keeps using the forecast for fewer than failureThreshold missing steps", async () => {
      rig.source.silentAfterMs = rig.clock.now();
      await step(rig, 2);
      assert.equal(
        scalerCondition(rig, "Ready")?.status,
        "True",
        JSON.stringify(scalerCondition(rig, "Ready")),
      );
      assert.ok(hpaSpec(rig).minReplicas > 2);
      floor = hpaSpec(rig).minReplicas;
    });

    it(`trips StaleData after failureThreshold steps and ${behavior === "Release" ? "restores the user's minReplicas" : "keeps the last floor"}`, async () => {
      await step(rig, 2);
      const degraded = scalerCondition(rig, "ForecastDegraded");
      assert.equal(degraded?.status, "True", JSON.stringify(scalerStatus(rig)));
      assert.equal(degraded?.reason, "StaleData");
      assert.match(degraded?.message ?? "", /no demand data for/);
      assert.equal(scalerCondition(rig, "Ready")?.status, "False");
      assert.equal(scalerCondition(rig, "Ready")?.reason, "Fallback");
      // The last usable forecast's recommendation stays visible (the Last-Forecast column).
      const kept = scalerStatus(rig).lastRecommendation as { replicas: number; time: string } | undefined;
      assert.ok(kept !== undefined && kept.replicas >= floor, JSON.stringify(scalerStatus(rig)));
      assert.ok(Date.parse(kept.time) < rig.clock.now());
      if (behavior === "Release") {
        assert.equal(scalerStatus(rig).recommendedReplicas ?? undefined, undefined);
        assert.equal(hpaSpec(rig).minReplicas, 2);
        assert.equal(hpaAnnotations(rig)["foresight.dev/floor"], undefined);
        assert.equal(hpaAnnotations(rig)["foresight.dev/user-min-replicas"], undefined);
        assert.ok(
          rig.decisions.list(`${NS}/web`).items.some((e) => e.action === "RestoreFloor" && e.to === 2),
        );
      } else {
        assert.equal(hpaSpec(rig).minReplicas, floor);
        assert.equal(hpaAnnotations(rig)["foresight.dev/user-min-replicas"], "2");
        // Demand keeps rising towards noon, but the held floor does not follow the forecast.
        await step(rig, 6);
        assert.equal(hpaSpec(rig).minReplicas, floor);
        assert.equal(scalerCondition(rig, "Ready")?.reason, "Fallback");
      }
    });

    it("says so with a Warning event on the PredictiveScaler and a Fallback decision", async () => {
      const events = (await warnings(rig, "Fallback")).filter((e) => /no demand data/.test(e.message ?? ""));
      assert.equal(events.length, 1, JSON.stringify(events.map((e) => e.message)));
      assert.equal(events[0]?.involvedObject.kind, "PredictiveScaler");
      assert.equal(events[0]?.involvedObject.name, "web");
      assert.equal(events[0]?.count ?? 1, 1, "reported once, when Ready turned Fallback");
      const fallbacks = rig.decisions
        .list(`${NS}/web`)
        .items.filter((e) => e.action === "Fallback" && /no demand data/.test(e.reason));
      assert.equal(fallbacks.length, 1, "one Fallback entry when Ready turns Fallback, not one per step");
      assert.equal(fallbacks[0]?.applied, false);
      assert.match(
        fallbacks[0]?.reason ?? "",
        behavior === "Hold" ? /^holding the last applied value/ : /^reactive scaling only/,
      );
    });
  });
}

describe("metrics outage", () => {
  let rig: Rig;
  let floor: number;
  before(async () => {
    rig = await floorRig();
    floor = hpaSpec(rig).minReplicas;
  });
  after(async () => {
    await rig?.close();
  });

  it("keeps the floor for fewer than failureThreshold failed steps", async () => {
    assert.ok(floor > 2);
    rig.source.outage = true;
    await step(rig);
    assert.equal(
      scalerCondition(rig, "Ready")?.status,
      "True",
      JSON.stringify(scalerCondition(rig, "ForecastDegraded")),
    );
    assert.ok(hpaSpec(rig).minReplicas >= floor);
  });

  it("falls back after failureThreshold steps, to the user's minReplicas and never below it", async () => {
    rig.source.outage = true;
    await step(rig, 4);
    assert.equal(
      scalerCondition(rig, "ForecastDegraded")?.reason,
      "StaleData",
      JSON.stringify(scalerStatus(rig)),
    );
    assert.equal(scalerCondition(rig, "Ready")?.reason, "Fallback");
    assert.equal(hpaSpec(rig).minReplicas, 2, "released to the user's 2, not to a made-up 0 or 1");
    await step(rig, 2);
    assert.equal(hpaSpec(rig).minReplicas, 2);
  });

  it("recovers when the metrics come back", async () => {
    rig.source.outage = false;
    await step(rig);
    assert.equal(scalerCondition(rig, "Ready")?.status, "True", JSON.stringify(scalerStatus(rig)));
    assert.ok(hpaSpec(rig).minReplicas > 2);
  });
});

describe("metrics outage in mode Direct (no HPA)", () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig();
    rig.clock.advance(DAY / 4);
    await createSynced(rig, scaler("Direct"));
  });
  after(async () => {
    await rig?.close();
  });

  it("never scales down on a made-up zero while demand cannot be read", async () => {
    const replicas = () =>
      (rig.facade.store.get("deployments.apps", "web", NS).spec as { replicas: number }).replicas;
    const scaled = replicas();
    assert.ok(scaled > 2, `Direct scaled to ${scaled} ahead of demand`);
    rig.source.outage = true;
    for (let i = 0; i < 6; i++) {
      await step(rig);
      assert.equal(replicas(), scaled, `step ${i}: replicas unchanged during the outage`);
    }
    assert.equal(scalerCondition(rig, "Ready")?.reason, "Fallback");
    assert.equal(scalerCondition(rig, "ForecastDegraded")?.reason, "StaleData");
  });
});

describe("accuracy gate: demand the forecast no longer covers", () => {
  let rig: Rig;
  let switchAt: number;
  before(async () => {
    const { SimClock } = await import("../../src/replay/cluster/simClock.js");
    const clock = new SimClock(START + DAY / 4);
    switchAt = clock.now() + STEP;
    const source = new DemandSource(clock, (t) => (t >= switchAt ? 2 : 1) * dailyDemand(t));
    rig = await startRig({ clock, source });
    addHpa(rig.facade, 2, 40);
    await createSynced(rig, scaler("Floor", { maxReplicas: 40 }));
  });
  after(async () => {
    await rig?.close();
  });

  it("is undecided with fewer than 12 compared steps", async () => {
    await step(rig, 6);
    const degraded = scalerCondition(rig, "ForecastDegraded");
    assert.equal(degraded?.status, "Unknown", JSON.stringify(scalerStatus(rig)));
    assert.equal(degraded?.reason, "TooFewSteps");
  });

  it("trips UnderPredicting once enough steps are compared, and falls back", async () => {
    let degraded: Cond | undefined;
    for (let i = 0; i < 12 && degraded?.reason !== "UnderPredicting"; i++) {
      await step(rig);
      degraded = scalerCondition(rig, "ForecastDegraded");
    }
    assert.equal(degraded?.status, "True", JSON.stringify(scalerStatus(rig)));
    assert.equal(degraded?.reason, "UnderPredicting");
    assert.match(
      degraded?.message ?? "",
      /exceeded the p90 forecast on \d+\.\d% of \d+ forecasts of the last \d+ steps/,
    );
    assert.equal(scalerCondition(rig, "Ready")?.reason, "Fallback");
    const accuracy = scalerStatus(rig).accuracy as { underPredictionRate: number };
    assert.ok(accuracy.underPredictionRate > 0.2, JSON.stringify(accuracy));
    assert.equal(hpaSpec(rig).minReplicas, 2, "Release gives scaling back to the HPA");
    assert.ok(rig.decisions.list(`${NS}/web`).items.some((e) => e.action === "Fallback"));
  });
});

describe("invalid spec the CRD accepts", () => {
  let rig: Rig;
  let original: unknown;
  before(async () => {
    rig = await startRig();
    addHpa(rig.facade, 2, 15);
    original = structuredClone(rig.facade.store.get(HPA, "web", NS));
    rig.clock.advance(DAY / 4);
    await createSynced(rig, scaler("Floor", { leadTime: "15m", horizon: "10m" }));
  });
  after(async () => {
    await rig?.close();
  });

  it("sets Ready=False InvalidSpec naming the field and writes nothing to the HPA", async () => {
    await step(rig);
    const ready = scalerCondition(rig, "Ready");
    assert.equal(ready?.status, "False", JSON.stringify(scalerStatus(rig)));
    assert.equal(ready?.reason, "InvalidSpec");
    assert.match(ready?.message ?? "", /spec\.horizon: must be at least leadTime \(15m\)/);
    assert.deepEqual(rig.facade.store.get(HPA, "web", NS), original);
    assert.equal(
      rig.facade.faults.count({ method: ["PATCH", "PUT"], path: "/horizontalpodautoscalers/" }),
      0,
    );
  });
});

describe("maxReplicas caps", () => {
  it("Honor: the floor never exceeds the scaler's maxReplicas", async () => {
    const rig = await floorRig({ maxReplicas: 5 });
    try {
      const seen = [hpaSpec(rig).minReplicas];
      for (let i = 0; i < 4; i++) {
        await step(rig, 3);
        seen.push(hpaSpec(rig).minReplicas);
      }
      // At 06:00-07:00 the p90 forecast asks ~8 replicas; capped at 5.
      assert.ok(
        seen.every((r) => r === 5),
        `floors ${seen}`,
      );
      assert.equal(scalerStatus(rig).recommendedReplicas, 5);
    } finally {
      await rig.close();
    }
  });

  it("Increase: the floor goes above maxReplicas, but never above the HPA's own maxReplicas", async () => {
    const rig = await floorRig({ maxReplicas: 5, maxCapacityBreach: "Increase", maxCapacityBuffer: 100 }, 7);
    try {
      const seen = [hpaSpec(rig).minReplicas];
      for (let i = 0; i < 4; i++) {
        await step(rig, 3);
        seen.push(hpaSpec(rig).minReplicas);
      }
      assert.ok(
        seen.every((r) => r > 5 && r <= 7),
        `floors ${seen}`,
      );
      assert.ok((scalerStatus(rig).recommendedReplicas as number) > 7, JSON.stringify(scalerStatus(rig)));
      const set = rig.decisions.list(`${NS}/web`).items.find((e) => e.action === "SetFloor" && e.to === 7);
      assert.match(set?.reason ?? "", /capped by the HPA's maxReplicas 7/);
    } finally {
      await rig.close();
    }
  });

  it("Increase: the floor stops at maxReplicas + maxCapacityBuffer %, below the HPA's maxReplicas", async () => {
    // 5 + 20 % of 5 = 6 < the HPA's 7.
    const rig = await floorRig({ maxReplicas: 5, maxCapacityBreach: "Increase", maxCapacityBuffer: 20 }, 7);
    try {
      const seen = [];
      for (let i = 0; i < 4; i++) {
        await step(rig, 3);
        seen.push(hpaSpec(rig).minReplicas);
      }
      assert.ok(
        seen.every((r) => r === 6),
        `floors ${seen}`,
      );
      assert.equal(scalerStatus(rig).recommendedReplicas, 6);
      const set = rig.decisions.list(`${NS}/web`).items.find((e) => e.action === "SetFloor" && e.to === 6);
      assert.match(set?.reason ?? "", /capped at 6: maxReplicas 5 \+ maxCapacityBuffer 20%/);
    } finally {
      await rig.close();
    }
  });
});
