/**
 * The controller's self-metrics and logs through reconciles on the simulated API: the rig of
 * harness.ts built with a registry (registerScalerMetrics, as `foresight serve` wires it) and a
 * logger whose lines are kept. A Floor scaler is created, runs, falls back on a metrics outage,
 * recovers, fails writes, loses and regains leadership and is deleted; after each step the registry
 * says so, and the log has one line per change and per fallback transition, none per reconcile that
 * changes nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { Registry } from "prom-client";
import { Controller } from "../../src/actuator/controller.js";
import { MemoryDecisionLog } from "../../src/actuator/decisionLog.js";
import { configMapSnapshots } from "../../src/actuator/forecastSnapshots.js";
import { Reconciler } from "../../src/actuator/reconciler.js";
import { ScalerForecaster } from "../../src/actuator/scalerForecaster.js";
import { registerScalerMetrics, SCALER_STATES, scalerStateOf } from "../../src/actuator/selfMetrics.js";
import { systemClock } from "../../src/clock.js";
import { forecastSeries } from "../../src/forecast/engine.js";
import { HoltWintersModel } from "../../src/forecast/models/holtWinters.js";
import { SeasonalNaiveModel } from "../../src/forecast/models/seasonalNaive.js";
import { prepareSeries } from "../../src/forecast/prepare.js";
import { ForecastStore } from "../../src/forecast/store.js";
import { ClientNodeActuatorCluster } from "../../src/kube/actuatorClient.js";
import { clientNodeEventSink, EventRecorder } from "../../src/kube/events.js";
import { retryKube } from "../../src/kube/retry.js";
import { predictiveScalerWatch } from "../../src/kube/scalerWatch.js";
import { ClockTimers } from "../../src/replay/clockTimers.js";
import { SimClock } from "../../src/replay/cluster/simClock.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { type Exposition, parseExposition, samplesOf, sampleValue } from "../telemetry/exposition.js";
import {
  addHpa,
  createSynced,
  DAY,
  DemandSource,
  dailyDemand,
  deleteScaler,
  eventually,
  NS,
  PSC,
  type Rig,
  START,
  scaler,
  scalerCondition,
  scalerStatus,
  startFacade,
  synced,
} from "./harness.js";

const STEP = 5 * 60_000;
const HPAS = `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers`;
const WEB = { namespace: NS, scaler: "web" };

interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly scaler?: string;
  readonly action?: string;
  readonly from?: number;
  readonly to?: number;
  readonly reason?: string;
  readonly [key: string]: unknown;
}

interface MetricsRig extends Rig {
  readonly registry: Registry;
  readonly lines: LogLine[];
  leader: boolean;
  scrape(): Promise<Exposition>;
}

/** harness.ts's startRig, with the controller's self-metrics on a registry and the log kept. */
async function startMetricsRig(): Promise<MetricsRig> {
  const facade = await startFacade();
  const kc = new KubeConfig();
  kc.loadFromString(facade.kubeconfig());
  const clock = new SimClock(START);
  const timers = new ClockTimers(clock);
  const source = new DemandSource(clock, dailyDemand);
  const lines: LogLine[] = [];
  const logger = createLogger({
    level: "info",
    stream: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  });
  const cluster = new ClientNodeActuatorCluster(kc);
  const snapshots = configMapSnapshots(cluster);
  const store = new ForecastStore({ clock });
  const registry = new Registry();
  const state = { leader: true };
  const metrics = registerScalerMetrics(registry, {
    clock,
    forecast: (id) => store.get(id),
    isLeader: () => state.leader,
  });
  const forecaster = new ScalerForecaster({
    source,
    store,
    clock,
    timers,
    forecast: forecastSeries,
    prepare: prepareSeries,
    models: () => [new SeasonalNaiveModel(), new HoltWintersModel()],
    timeoutMs: 120_000,
    onOutcome: (o) => metrics.forecastRun(o.target, o.kind, o.status, o.durationMs / 1000),
  });
  const decisions = new MemoryDecisionLog();
  const reconciler = new Reconciler({
    cluster,
    snapshots,
    forecaster,
    clock,
    events: new EventRecorder({ sink: clientNodeEventSink(kc), component: "foresight", clock, logger }),
    decisions,
    logger,
    metrics,
    demandQuery: (psc) => psc.spec.demand.query ?? "",
    retry: (fn) => retryKube(fn, { baseDelayMs: 5, maxDelayMs: 20, attempts: 2 }),
  });
  const scalers = predictiveScalerWatch(kc, logger, systemClock);
  const controller = new Controller({
    scalers,
    reconciler,
    forecaster,
    logger,
    isLeader: () => state.leader,
    tickMs: 0,
  });
  await controller.start();
  const settle = async () => {
    do {
      await forecaster.idle();
      await controller.idle();
      await controller.reconcileAll();
      await controller.idle();
    } while (forecaster.busy());
  };
  return {
    facade,
    kc,
    clock,
    timers,
    source,
    decisions,
    forecaster,
    controller,
    registry,
    lines,
    get leader() {
      return state.leader;
    },
    set leader(v: boolean) {
      state.leader = v;
    },
    scrape: async () => parseExposition(await registry.metrics()),
    settle,
    gone: async (name) => {
      await eventually(async () => {
        await settle();
        return facade.store.find(PSC, name, NS) ? undefined : true;
      });
    },
    seen: (name, check) =>
      eventually(() => scalers.list().find((o) => o.metadata.name === name && (check ? check(o) : true))),
    async advance(ms, stepMs = STEP) {
      for (let done = 0; done < ms; done += stepMs) {
        clock.advance(Math.min(stepMs, ms - done));
        timers.tick();
        await settle();
      }
    },
    async close() {
      await controller.stop();
      await facade.close();
    },
  };
}

async function step(rig: Rig, n = 1): Promise<void> {
  for (let i = 0; i < n; i++) {
    await rig.advance(STEP);
    await synced(rig);
  }
}

const stateOf = (exp: Exposition) =>
  samplesOf(exp, "foresight_scaler_state", WEB)
    .filter((s) => s.value === 1)
    .map((s) => s.labels.state);

const scalerSeries = (exp: Exposition) =>
  exp.samples.filter((s) => s.labels.scaler === "web" && s.labels.namespace === NS);

const forWeb = (lines: readonly LogLine[]) => lines.filter((l) => l.scaler === `${NS}/web`);

describe("scalerStateOf", () => {
  it("reads the state and the fallback reason from the conditions", () => {
    const c = (type: string, status: "True" | "False" | "Unknown", reason: string) => ({
      type,
      status,
      reason,
    });
    assert.deepEqual(scalerStateOf([c("Ready", "True", "ForecastInUse")]), {
      state: "ready",
      readyReason: "ForecastInUse",
    });
    assert.equal(scalerStateOf([c("Ready", "True", "ForecastOnly")]).state, "forecast_only");
    assert.equal(scalerStateOf([c("Ready", "False", "Pending")]).state, "pending");
    assert.equal(scalerStateOf([c("Ready", "False", "HPAConflict")]).state, "not_ready");
    assert.deepEqual(
      scalerStateOf([
        c("Ready", "False", "Fallback"),
        c("ForecastReady", "True", "Ready"),
        c("ForecastDegraded", "True", "StaleData"),
      ]),
      { state: "fallback", readyReason: "Fallback", fallbackReason: "StaleData" },
    );
    assert.equal(
      scalerStateOf([c("Ready", "False", "Fallback"), c("ForecastReady", "False", "InsufficientHistory")])
        .fallbackReason,
      "InsufficientHistory",
    );
  });
});

describe("the controller's self-metrics and logs", () => {
  let rig: MetricsRig;
  before(async () => {
    rig = await startMetricsRig();
    addHpa(rig.facade, 2, 15);
    rig.clock.advance(DAY / 4);
    await createSynced(rig, scaler("Floor"));
  });
  after(async () => {
    await rig?.close();
  });

  it("exports the scaler's state, replicas, demand, forecast and accuracy after reconciles", async () => {
    await step(rig, 3);
    assert.equal(scalerCondition(rig, "Ready")?.reason, "ForecastInUse", JSON.stringify(scalerStatus(rig)));
    const exp = await rig.scrape();
    assert.deepEqual(stateOf(exp), ["ready"]);
    assert.equal(samplesOf(exp, "foresight_scaler_state", WEB).length, SCALER_STATES.length);
    assert.equal(sampleValue(exp, "foresight_scaler_ready", WEB), 1);
    assert.equal(sampleValue(exp, "foresight_scaler_ready", { ...WEB, reason: "ForecastInUse" }), 1);
    assert.equal(sampleValue(exp, "foresight_scaler_fallback", WEB), 0);
    const status = scalerStatus(rig) as { recommendedReplicas: number; appliedReplicas: number };
    assert.equal(sampleValue(exp, "foresight_scaler_recommended_replicas", WEB), status.recommendedReplicas);
    assert.equal(sampleValue(exp, "foresight_scaler_applied_replicas", WEB), status.appliedReplicas);
    assert.equal(sampleValue(exp, "foresight_scaler_capacity_per_replica", WEB), 50);
    assert.equal(sampleValue(exp, "foresight_scaler_quantile", WEB), 0.9);
    assert.equal(sampleValue(exp, "foresight_scaler_forecast_interval_seconds", WEB), 300);
    // The newest sample read: the demand at the step the last reconcile ran in.
    const demand = sampleValue(exp, "foresight_scaler_demand", WEB);
    assert.ok(Math.abs(demand - dailyDemand(Math.floor(rig.clock.now() / STEP) * STEP)) < 1e-6, `${demand}`);
    const peak = sampleValue(exp, "foresight_scaler_forecast_peak", WEB);
    assert.ok(peak >= demand * 0.8 && peak <= demand * 1.5, `peak ${peak} for demand ${demand}`);
    // Forecast per quantile for the current step: the median and the served p90 above it.
    const median = sampleValue(exp, "foresight_scaler_forecast_demand", { ...WEB, quantile: "0.5" });
    const p90 = sampleValue(exp, "foresight_scaler_forecast_demand", { ...WEB, quantile: "0.9" });
    assert.ok(p90 >= median && median > 0, `median ${median}, p90 ${p90}`);
    const age = sampleValue(exp, "foresight_scaler_forecast_age_seconds", WEB);
    assert.ok(age >= 0 && age <= 2 * 300, `forecast age ${age} s`);
    // Live accuracy, as status.accuracy says it.
    const accuracy = (scalerStatus(rig).accuracy ?? {}) as {
      coverage: number;
      pinball: number;
      steps: number;
    };
    assert.ok(accuracy.steps > 0, JSON.stringify(accuracy));
    assert.ok(
      Math.abs(sampleValue(exp, "foresight_scaler_accuracy_coverage_ratio", WEB) - accuracy.coverage) < 1e-4,
    );
    assert.ok(
      Math.abs(sampleValue(exp, "foresight_scaler_accuracy_pinball_loss", WEB) - accuracy.pinball) < 1e-3,
    );
    assert.equal(sampleValue(exp, "foresight_scaler_accuracy_steps", WEB), accuracy.steps);
    assert.ok(sampleValue(exp, "foresight_scaler_decisions_total", { ...WEB, action: "SetFloor" }) >= 1);
    assert.equal(sampleValue(exp, "foresight_scaler_reconcile_errors_total", WEB), 0);
    assert.ok(sampleValue(exp, "foresight_scaler_reconcile_duration_seconds_count", WEB) >= 4);
    assert.ok(
      sampleValue(exp, "foresight_scaler_forecast_runs_total", { ...WEB, kind: "full", outcome: "ok" }) >= 1,
    );
    assert.ok(
      sampleValue(exp, "foresight_scaler_forecast_runs_total", { ...WEB, kind: "update", outcome: "ok" }) >=
        1,
    );
    assert.equal(sampleValue(exp, "foresight_leader"), 1);
  });

  it("counts each decision-log entry by action", async () => {
    const exp = await rig.scrape();
    const byAction = new Map<string, number>();
    for (const e of rig.decisions.list(`${NS}/web`, { limit: 1000 }).items)
      byAction.set(e.action, (byAction.get(e.action) ?? 0) + 1);
    const counted = new Map(
      samplesOf(exp, "foresight_scaler_decisions_total", WEB).map((s) => [
        s.labels.action as string,
        s.value,
      ]),
    );
    assert.deepEqual(counted, byAction);
  });

  it("logs one info line per applied change, with from, to and reason, levels as strings", () => {
    const changes = forWeb(rig.lines).filter((l) => l.action === "SetFloor");
    const applied = rig.decisions.list(`${NS}/web`, { limit: 1000 }).items.filter((e) => e.applied);
    assert.equal(changes.length, applied.length, JSON.stringify(changes));
    for (const line of changes) {
      assert.equal(line.level, "info");
      assert.equal(typeof line.from, "number");
      assert.equal(typeof line.to, "number");
      assert.notEqual(line.from, line.to);
      assert.match(line.reason ?? "", /forecast p90 peak/);
      assert.match(line.msg, /^SetFloor: (raised|lowered) HPA web minReplicas \d+ → \d+/);
    }
  });

  it("writes no line for reconciles that change nothing", async () => {
    const before = rig.lines.length;
    for (let i = 0; i < 5; i++) {
      await rig.controller.reconcileAll();
      await rig.controller.idle();
    }
    assert.deepEqual(rig.lines.slice(before), []);
  });

  it("says Fallback with its reason (one warn line), and its end (one info line)", async () => {
    rig.source.outage = true;
    await step(rig, 5);
    assert.equal(scalerCondition(rig, "Ready")?.reason, "Fallback");
    let exp = await rig.scrape();
    assert.deepEqual(stateOf(exp), ["fallback"]);
    assert.equal(sampleValue(exp, "foresight_scaler_ready", WEB), 0);
    assert.equal(sampleValue(exp, "foresight_scaler_ready", { ...WEB, reason: "Fallback" }), 0);
    assert.deepEqual(
      samplesOf(exp, "foresight_scaler_fallback", WEB).map((s) => [s.labels.reason, s.value]),
      [["StaleData", 1]],
    );
    // Release: the forecast asks nothing; the floor went back to the user's.
    assert.deepEqual(samplesOf(exp, "foresight_scaler_recommended_replicas", WEB), []);
    assert.equal(samplesOf(exp, "foresight_scaler_demand", WEB).length, 0, "no demand read");
    assert.equal(sampleValue(exp, "foresight_scaler_decisions_total", { ...WEB, action: "Fallback" }), 1);

    rig.source.outage = false;
    await step(rig, 2);
    assert.equal(scalerCondition(rig, "Ready")?.reason, "ForecastInUse");
    exp = await rig.scrape();
    assert.deepEqual(stateOf(exp), ["ready"]);
    assert.deepEqual(
      samplesOf(exp, "foresight_scaler_fallback", WEB).map((s) => [s.labels.reason ?? "", s.value]),
      [["", 0]],
    );

    const lines = forWeb(rig.lines);
    const entered = lines.filter((l) => /entered Fallback/.test(l.msg));
    const left = lines.filter((l) => /left Fallback/.test(l.msg));
    assert.equal(entered.length, 1, JSON.stringify(entered));
    assert.equal(entered[0]?.level, "warn");
    assert.equal(entered[0]?.reason, "StaleData");
    assert.match(String(entered[0]?.message), /^reactive scaling only: no demand data/);
    assert.equal(left.length, 1, JSON.stringify(left));
    assert.equal(left[0]?.level, "info");
    assert.equal(left[0]?.reason, "ForecastInUse");
    assert.ok(lines.indexOf(entered[0] as LogLine) < lines.indexOf(left[0] as LogLine));
    // The failing demand read is said when it starts and when it ends, not at every reconcile.
    assert.deepEqual(
      lines.filter((l) => /demand/.test(l.msg)).map((l) => [l.level, l.msg]),
      [
        ["warn", "cannot read demand"],
        ["info", "demand read again"],
      ],
    );
  });

  it("counts reconciles whose writes fail after retries as errors", async () => {
    const before = sampleValue(await rig.scrape(), "foresight_scaler_reconcile_errors_total", WEB);
    const fault = rig.facade.faults.inject({
      method: ["GET", "PATCH"],
      path: HPAS,
      status: 500,
      times: Number.POSITIVE_INFINITY,
    });
    try {
      // The HPA can be neither read nor written.
      await step(rig, 2);
      const exp = await rig.scrape();
      assert.equal(scalerCondition(rig, "Ready")?.reason, "ApiError", JSON.stringify(scalerStatus(rig)));
      assert.deepEqual(stateOf(exp), ["not_ready"]);
      assert.equal(sampleValue(exp, "foresight_scaler_ready", { ...WEB, reason: "ApiError" }), 0);
      assert.ok(sampleValue(exp, "foresight_scaler_reconcile_errors_total", WEB) > before);
      const notReady = forWeb(rig.lines).filter((l) => /not ready \(ApiError\)/.test(l.msg));
      assert.equal(notReady.length, 1, "one warn line when Ready turns ApiError, not one per reconcile");
      assert.equal(notReady[0]?.level, "warn");
    } finally {
      fault.remove();
    }
    await step(rig);
    assert.equal(scalerCondition(rig, "Ready")?.reason, "ForecastInUse");
  });

  it("drops every scaler series when leadership is lost, and exports them again when regained", async () => {
    assert.ok(scalerSeries(await rig.scrape()).length > 0);
    // The rig acts as leader from the start; the elector says so first in production.
    rig.controller.startedLeading();
    await rig.controller.idle();
    rig.leader = false;
    rig.controller.stoppedLeading();
    let exp = await rig.scrape();
    assert.equal(sampleValue(exp, "foresight_leader"), 0);
    assert.deepEqual(scalerSeries(exp), []);
    // A non-leader does not reconcile, so nothing comes back.
    await rig.controller.reconcileAll();
    await rig.controller.idle();
    assert.deepEqual(scalerSeries(await rig.scrape()), []);

    rig.leader = true;
    rig.controller.startedLeading();
    await rig.settle();
    exp = await rig.scrape();
    assert.equal(sampleValue(exp, "foresight_leader"), 1);
    assert.equal(stateOf(exp).length, 1);
    assert.equal(sampleValue(exp, "foresight_scaler_reconcile_errors_total", WEB), 0, "counted anew");
  });

  it("removes every series of a deleted scaler", async () => {
    assert.ok(scalerSeries(await rig.scrape()).length > 0);
    await deleteScaler(rig);
    await rig.settle();
    const exp = await rig.scrape();
    assert.deepEqual(scalerSeries(exp), []);
    // The families stay registered.
    assert.equal(exp.families.get("foresight_scaler_state"), "gauge");
    assert.equal(exp.families.get("foresight_scaler_reconcile_duration_seconds"), "histogram");
  });
});
