/**
 * One decision path: one PredictiveScaler spec and one demand trace give the same decisions, step by
 * step, through `foresight backtest`'s predictive-floor (the replay) and through the controller
 * (informer, reconciler, client-node, the HPA floor executor) on the simulated cluster's Kubernetes
 * API: the same forecasts (production forecaster, full retrain on the schedule, an update after every
 * step), the same recommendation, the same readiness and fallbacks, the same floor on the HPA, and the
 * same live accuracy in the status as the backtest's scaler computes.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { Decision } from "../../src/actuator/decide.js";
import { HoltWintersModel } from "../../src/forecast/models/holtWinters.js";
import { NaiveModel } from "../../src/forecast/models/naive.js";
import { SeasonalNaiveModel } from "../../src/forecast/models/seasonalNaive.js";
import { readTrace } from "../../src/forecast/traces.js";
import { resampleTrace, SIM_STEP_MS, TraceDemand } from "../../src/replay/cluster/demand.js";
import { SimClock } from "../../src/replay/cluster/simClock.js";
import { predictivePolicy, REPLAY_DEMAND_QUERY, replaySpec } from "../../src/replay/policies/predictive.js";
import type { PolicyContext } from "../../src/replay/policies/types.js";
import { ReplayMetricsSource } from "../../src/replay/replayMetricsSource.js";
import { replay } from "../../src/replay/simulate.js";
import { addHpa, NS, PSC, type Rig, startRig } from "./harness.js";

const TRACE = fileURLToPath(new URL("../../data/traces/servegen_m_small_rate.csv", import.meta.url));
const DAY_MS = 86_400_000;
/** A day of history before naive is ready, two before the daily models are, then half a day more. */
const DAYS = 2.5;
const RESYNC_MS = 60_000;
const SATURATION = 60;
const models = () => [new NaiveModel(), new SeasonalNaiveModel(), new HoltWintersModel()];
const SPEC_OVERRIDES = {
  targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
  history: { length: "2d", step: "5m", minimum: "1d" },
};

interface Seen {
  readonly atMs: number;
  readonly recommended: number | null;
  readonly ready: string;
  readonly floor: number;
  readonly coverage: number | undefined;
}

function readyReason(decision: Decision): string {
  return decision.conditions.find((c) => c.type === "Ready")?.reason ?? "";
}

describe("one decision path: foresight backtest and the controller decide alike", {
  timeout: 600_000,
}, () => {
  const demandTrace = TraceDemand.fromTrace(readTrace(TRACE));
  const demand = resampleTrace(demandTrace, SIM_STEP_MS).slice(0, Math.round((DAYS * DAY_MS) / SIM_STEP_MS));
  const startMs = demandTrace.startMs;
  const backtest: Seen[] = [];
  const controller: Seen[] = [];
  let rig: Rig;
  let context: PolicyContext | undefined;

  before(async () => {
    // The backtest: the replay's predictive-floor with the controller's resync interval.
    await replay(
      [{ name: "web", demand, saturationPerReplica: SATURATION }],
      (c) => {
        context = c;
        let floor = c.minReplicas;
        return predictivePolicy("floor", c, {
          spec: SPEC_OVERRIDES,
          resyncMs: RESYNC_MS,
          models,
          onDecision: ({ atMs, decision, accuracy }) => {
            if (!decision.pending)
              floor =
                decision.forecastReplicas === undefined
                  ? c.minReplicas
                  : Math.min(c.maxReplicas, Math.max(c.minReplicas, decision.forecastReplicas));
            backtest.push({
              atMs,
              recommended: decision.forecastReplicas ?? null,
              ready: readyReason(decision),
              floor,
              coverage: accuracy?.coverage,
            });
          },
        });
      },
      {
        startMs,
        stepMs: SIM_STEP_MS,
        leadTimeMs: 5 * 60_000,
        warmupSteps: 0,
        minReplicas: 1,
        maxReplicas: 20,
      },
    );
    assert.ok(context);
    // The controller: the same spec as a PredictiveScaler object, the same demand through the same port.
    const spec = replaySpec("floor", context, SPEC_OVERRIDES);
    assert.equal(spec.demand.query, REPLAY_DEMAND_QUERY);
    const clock = new SimClock(startMs);
    const metrics = new ReplayMetricsSource({ startMs, stepMs: SIM_STEP_MS, clock });
    rig = await startRig({ clock, metrics, models });
    addHpa(rig.facade, 1, 20);
    metrics.extend(demand.subarray(0, 1));
    rig.facade.store.create(PSC, {
      apiVersion: "foresight.dev/v1alpha1",
      kind: "PredictiveScaler",
      metadata: { name: "web", namespace: NS },
      spec,
    });
    await rig.seen("web");
    const stored = () => rig.facade.store.find(PSC, "web", NS);
    const hpaMin = () => {
      const spec = rig.facade.store.find("horizontalpodautoscalers.autoscaling", "web", NS)?.spec;
      return (spec as { minReplicas: number } | undefined)?.minReplicas ?? -1;
    };
    // Step as the replay does: runs in flight finish, timers fire and their runs finish, then a reconcile when due.
    let nextReconcileMs = startMs;
    for (let i = 0; i < demand.length; i++) {
      const t = startMs + i * SIM_STEP_MS;
      clock.set(t);
      metrics.extend(demand.subarray(0, i + 1));
      await rig.forecaster.idle();
      rig.timers.tick();
      await rig.forecaster.idle();
      if (t < nextReconcileMs) continue;
      nextReconcileMs = t + RESYNC_MS;
      await rig.controller.reconcileAll();
      await rig.controller.idle();
      // The informer has our status write (and its reconcile, at this same instant, has run).
      const rv = stored()?.metadata.resourceVersion;
      await rig.seen("web", (o) => o.metadata.resourceVersion === rv);
      await rig.controller.idle();
      const status = (stored()?.status ?? {}) as {
        recommendedReplicas?: number | null;
        conditions?: { type: string; reason: string }[];
        accuracy?: { coverage: number };
      };
      controller.push({
        atMs: t,
        recommended: status.recommendedReplicas ?? null,
        ready: status.conditions?.find((c) => c.type === "Ready")?.reason ?? "",
        floor: hpaMin(),
        coverage: status.accuracy?.coverage,
      });
    }
  });
  after(async () => {
    await rig?.close();
  });

  it("decides at the same moments, first without a forecast and then with it", () => {
    assert.equal(controller.length, backtest.length);
    assert.ok(backtest.length > 2000, `${backtest.length} decisions`);
    const reasons = new Set(backtest.map((d) => d.ready));
    assert.ok(reasons.has("Fallback") && reasons.has("ForecastInUse"), [...reasons].join(", "));
    const inUse = backtest.filter((d) => d.ready === "ForecastInUse").length;
    assert.ok(inUse > 500, `${inUse} decisions with the forecast in use`);
  });

  it("recommends the same replicas, is ready and falls back alike, and sets the same floor, step by step", () => {
    // The very first reconcile differs only in what its informer event lets the controller see at
    // that instant (its first forecast run may already have finished); from the next one on, alike.
    const differ = backtest.slice(1).flatMap((b, k) => {
      const c = controller[k + 1] as Seen;
      return b.atMs === c.atMs &&
        b.recommended === c.recommended &&
        b.ready === c.ready &&
        b.floor === c.floor
        ? []
        : [{ backtest: b, controller: c }];
    });
    assert.deepEqual(differ.slice(0, 3), [], `${differ.length} of ${backtest.length} decisions differ`);
  });

  it("shows in the status the live accuracy the backtest's scaler measured", () => {
    const withAccuracy = backtest.filter((b) => b.coverage !== undefined).length;
    assert.ok(withAccuracy > 500, `${withAccuracy} decisions with live accuracy`);
    for (let k = 1; k < backtest.length; k++) {
      const b = backtest[k] as Seen;
      const c = controller[k] as Seen;
      if (b.coverage === undefined) assert.equal(c.coverage, undefined);
      else
        assert.ok(
          Math.abs((c.coverage as number) - b.coverage) < 1e-5,
          `${new Date(b.atMs).toISOString()}: ${c.coverage} vs ${b.coverage}`,
        );
    }
  });
});
