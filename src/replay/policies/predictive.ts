/**
 * `predictive-metric`, `predictive-floor`, `predictive-direct`: a PredictiveScaler in mode Metric,
 * Floor or Direct, replayed through the controller's own code. The scaler is a PredictiveScaler
 * with the CRD's defaults and the replay's workload filled in, validated and parsed by the
 * controller's one parser (`parseScaler`, src/actuator/spec.ts) into the ScalerSpec the controller
 * computes with. Its forecasts come from the production forecaster (ScalerForecaster: the model
 * registry, selection, calibration, a full retrain on the spec's schedule and an update after every
 * step, on simulated time) reading demand through the MetricsSource port; every decision is the
 * controller's (ScalerDecider: readiness, stale data, accuracy gate, Hold/Release, planner,
 * scale-down delay and rate, node reservations), made at the controller's resync interval. Only the
 * last hop differs from the controller: what it writes to Kubernetes is applied to the simulated
 * cluster instead.
 * - metric: the HPA gets the External metric foresight_forecast (AverageValue = capacity per
 *   replica) with the value the scaler's status would serve; the HPA takes the max of its metrics.
 * - floor: the HPA's minReplicas is raised to the forecast's replicas (restored when released).
 * - direct: the scaler's desired replicas (max of forecast and demand ÷ capacity) go to /scale; the
 *   HPA is not used.
 * With nodes.mode CapacityBuffer the buffer holds the forecast's pods at nodes.leadTime beyond the
 * workload's replicas, as the controller's CapacityBuffer would.
 */

import type { AccuracySummary } from "../../actuator/accuracy.js";
import type { Decision } from "../../actuator/decide.js";
import { bufferReplicas } from "../../actuator/nodeObjects.js";
import { ScalerDecider } from "../../actuator/scalerDecider.js";
import { ScalerForecaster, scalerForecastTarget } from "../../actuator/scalerForecaster.js";
import { formatFieldErrors, type ParsedScaler, parseScaler } from "../../actuator/spec.js";
import {
  PREDICTIVE_SCALER_API_VERSION,
  PREDICTIVE_SCALER_KIND,
  type PredictiveScalerSpec,
  type ScalerMode,
} from "../../actuator/types.js";
import { formatDurationMs } from "../../config/duration.js";
import { forecastSeries } from "../../forecast/engine.js";
import { defaultModels } from "../../forecast/models/registry.js";
import { prepareSeries } from "../../forecast/prepare.js";
import type { ForecastFn } from "../../forecast/runner.js";
import { ForecastStore } from "../../forecast/store.js";
import type { Model } from "../../forecast/types.js";
import { ClockTimers } from "../clockTimers.js";
import { SimClock } from "../cluster/simClock.js";
import type { MetricSpec } from "../hpa/types.js";
import { ReplayMetricsSource } from "../replayMetricsSource.js";
import { HpaDriver } from "./hpaDriver.js";
import type { Policy, PolicyContext, PolicyDecision, StepView } from "./types.js";

export const PREDICTIVE_METRIC = "predictive-metric";
export const PREDICTIVE_FLOOR = "predictive-floor";
export const PREDICTIVE_DIRECT = "predictive-direct";

export type PredictiveMode = "metric" | "floor" | "direct";

const MODES: Record<PredictiveMode, ScalerMode> = { metric: "Metric", floor: "Floor", direct: "Direct" };

/** The demand query the replayed scaler's spec names (its ReplayMetricsSource answers it). */
export const REPLAY_DEMAND_QUERY = "demand";
/** `actuator.resyncInterval`'s default: how often the controller reconciles a scaler. */
export const DEFAULT_RESYNC_MS = 30_000;
/** The replayed scaler's name: its id (namespace/name) names its forecast target. */
const REPLAY_SCALER = { namespace: "replay", name: "workload" };

/** One decision of the replayed scaler, as the controller's decision log would show it. */
export interface ReplayedDecision {
  readonly atMs: number;
  readonly decision: Decision;
  /** Live accuracy as the scaler's status would show it. */
  readonly accuracy: AccuracySummary | undefined;
}

export interface PredictivePolicyOptions {
  /** Spec fields to set over the CRD's defaults and the replay's workload (e.g. `{ quantile: 0.8 }`). */
  readonly spec?: Readonly<Record<string, unknown>>;
  /**
   * The utilization the planner sizes the forecast at: spec.capacityPerReplica = saturation × this
   * (default the HPA's target, so the forecast's replicas are what the HPA would ask at that demand).
   */
  readonly sizingUtilization?: number;
  /** Reconcile every this often (default 30 s, `actuator.resyncInterval`'s default). */
  readonly resyncMs?: number;
  /** Candidate models (default the production registry's, without the neural model). */
  readonly models?: () => Model[];
  /** The forecasting function (default the engine's); a memo shares forecasts between replays of one trace. */
  readonly forecast?: ForecastFn;
  /** Called with every decision (tests compare them with the controller's). */
  readonly onDecision?: (decision: ReplayedDecision) => void;
}

/**
 * The PredictiveScaler the replay runs, as the controller reads one: the CRD's defaults, the
 * workload's numbers, then the overrides, validated and parsed by the actuator's one parser
 * (`parseScaler`), so the replay computes with the same ScalerSpec and scaler id the controller would.
 */
export function replayScaler(
  mode: PredictiveMode,
  context: PolicyContext,
  overrides: Readonly<Record<string, unknown>> = {},
  sizingUtilization?: number,
): ParsedScaler {
  const spec: Record<string, unknown> = {
    targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "workload" },
    demand: { query: REPLAY_DEMAND_QUERY },
    capacityPerReplica:
      sizingUtilization === undefined
        ? context.capacityPerReplica
        : context.saturationPerReplica * sizingUtilization,
    leadTime: formatDurationMs(context.leadTimeMs),
    mode: MODES[mode],
    minReplicas: context.minReplicas,
    maxReplicas: context.maxReplicas,
    // Nodes take time to join: reserve them one node lead time further ahead, as a user would.
    ...(context.nodeLeadTimeMs > 0
      ? {
          nodes: {
            mode: "CapacityBuffer",
            leadTime: formatDurationMs(context.leadTimeMs + context.nodeLeadTimeMs),
          },
        }
      : {}),
    ...overrides,
  };
  const parsed = parseScaler({
    apiVersion: PREDICTIVE_SCALER_API_VERSION,
    kind: PREDICTIVE_SCALER_KIND,
    metadata: REPLAY_SCALER,
    spec,
  });
  if (!parsed.ok)
    throw new RangeError(
      `the replay's PredictiveScaler spec is invalid: ${formatFieldErrors(parsed.errors)}`,
    );
  return parsed.value;
}

/** The replay scaler's spec as written (validated and defaulted): what a user would apply. */
export function replaySpec(
  mode: PredictiveMode,
  context: PolicyContext,
  overrides: Readonly<Record<string, unknown>> = {},
  sizingUtilization?: number,
): PredictiveScalerSpec {
  return replayScaler(mode, context, overrides, sizingUtilization).scaler.spec;
}

export function predictivePolicy(
  mode: PredictiveMode,
  context: PolicyContext,
  options: PredictivePolicyOptions = {},
): Policy {
  const { id, spec } = replayScaler(mode, context, options.spec, options.sizingUtilization);
  const capacity = spec.capacityPerReplica;
  const resyncMs = options.resyncMs ?? DEFAULT_RESYNC_MS;
  const clock = new SimClock(context.startMs);
  const timers = new ClockTimers(clock);
  const source = new ReplayMetricsSource({ startMs: context.startMs, stepMs: context.stepMs, clock });
  const models = options.models ?? (() => defaultModels());
  const candidates = models();
  const forecaster = new ScalerForecaster({
    source,
    store: new ForecastStore({ clock }),
    clock,
    timers,
    forecast: options.forecast ?? forecastSeries,
    prepare: prepareSeries,
    models: () => candidates,
    timeoutMs: 3_600_000,
  });
  const target = scalerForecastTarget(id, spec, REPLAY_DEMAND_QUERY);
  const decider = new ScalerDecider();
  let spentMs = 0;

  // The user's HPA (mode Direct has none), with minReplicas the floor executor may raise.
  const userMin = context.minReplicas;
  let floor = userMin;
  const hpa = new HpaDriver(
    mode === "floor"
      ? Object.defineProperty({ ...context }, "minReplicas", { get: () => floor, enumerable: true })
      : context,
  );
  const forecastMetric: MetricSpec = {
    type: "External",
    external: {
      metricName: "foresight_forecast",
      target: { type: "AverageValue", averageValue: Math.round(capacity * 1000) },
    },
  };
  let served: number | undefined;
  let direct: number | undefined;
  let buffer: number | undefined;
  let nextReconcileMs = context.startMs;

  // One reconcile, as the controller's: it may start the first forecast run (not waited for: its
  // forecast is there from the next step on), reads recent demand, decides, then carries it out.
  const reconcile = async (view: StepView): Promise<void> => {
    forecaster.sync(target);
    const history = await forecaster.history.fetch(target);
    const { decision, demandNow, accuracy } = decider.decide({
      spec,
      nowMs: view.nowMs,
      forecast: forecaster.state(id),
      history,
    });
    options.onDecision?.({ atMs: view.nowMs, decision, accuracy });
    // Pending (no forecast run has finished): what is in place stays as it is.
    if (decision.pending) return;
    if (mode === "floor")
      floor =
        decision.forecastReplicas === undefined
          ? userMin
          : Math.min(context.maxReplicas, Math.max(userMin, decision.forecastReplicas));
    if (mode === "metric") served = decision.forecastReplicas ?? 0;
    if (mode === "direct" && demandNow !== undefined) direct = decision.desiredReplicas;
    if (spec.nodes.mode !== "None")
      buffer =
        decision.nodePods === undefined
          ? 0
          : bufferReplicas({ forecastPods: decision.nodePods, currentPods: view.desired });
  };

  /**
   * One step: forecast runs started before now finish (a run takes a moment of real time), the
   * forecaster's timers fire and their runs finish, then the scaler reconciles when its resync is due.
   */
  const step = async (view: StepView, due: boolean): Promise<PolicyDecision> => {
    const started = performance.now();
    await forecaster.idle();
    timers.tick();
    await forecaster.idle();
    if (due) await reconcile(view);
    spentMs += performance.now() - started;
    return act(view);
  };

  const act = (view: StepView): PolicyDecision => {
    const extra =
      mode === "metric" && served !== undefined
        ? [{ spec: forecastMetric, reading: { items: [Math.round(served * capacity * 1000)] } }]
        : [];
    const replicas = mode === "direct" ? (direct ?? view.desired) : hpa.sync(view, extra);
    return { replicas, ...(buffer !== undefined ? { bufferReplicas: buffer } : {}) };
  };

  return {
    name: `predictive-${mode}`,
    get forecastMs() {
      return spentMs;
    },
    decide(view) {
      clock.set(view.nowMs);
      source.extend(view.history);
      const due = view.nowMs >= nextReconcileMs;
      if (due) nextReconcileMs = view.nowMs + resyncMs;
      if (!due && !forecaster.busy()) {
        // The common step: nothing to wait for unless a timer starts a run.
        timers.tick();
        if (!forecaster.busy()) return act(view);
      }
      return step(view, due);
    },
  };
}

export const predictiveMetricPolicy = (context: PolicyContext, options?: PredictivePolicyOptions): Policy =>
  predictivePolicy("metric", context, options);
export const predictiveFloorPolicy = (context: PolicyContext, options?: PredictivePolicyOptions): Policy =>
  predictivePolicy("floor", context, options);
export const predictiveDirectPolicy = (context: PolicyContext, options?: PredictivePolicyOptions): Policy =>
  predictivePolicy("direct", context, options);
