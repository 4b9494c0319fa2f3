/**
 * `predictive-metric`, `predictive-floor`, `predictive-direct`: the product's own actuator modes
 * (issue 5 §4, §6) run through the replay with the production forecaster (`forecastSeries`, with a
 * cheap model set: seasonal naive, Holt-Winters, MSTL) and the production planner.
 * - metric: the HPA gets an extra External metric (AverageValue = capacity per replica) whose value
 *   is the max of the forecast quantile over [now, now + lead]; the HPA takes the max of its metrics.
 * - floor: the HPA's minReplicas is raised to the planner's forecast replicas.
 * - direct: the planner's desired (max of its forecast replicas and the HPA's) is applied directly.
 * Demand is kept as 5-minute means and the forecaster refits at most hourly of simulated time; until
 * it is ready (the readiness gate) every mode is the HPA alone. An accuracy gate (Release) drops the
 * forecast while it under-predicts too often.
 */
import { accuracyGate, readinessGate } from "../../actuator/guardrails.js";
import { forecastPeak, initialPlannerState, type PlannerState, plan } from "../../actuator/planner.js";
import { forecastSeries } from "../../forecast/engine.js";
import { HoltWintersModel } from "../../forecast/models/holtWinters.js";
import { MstlModel } from "../../forecast/models/mstl.js";
import { SeasonalNaiveModel } from "../../forecast/models/seasonalNaive.js";
import type { Model, Series } from "../../forecast/types.js";
import type { MetricSpec } from "../hpa/types.js";
import { COARSE_STEP_SECONDS, CoarseSeries, DEFAULT_REFIT_MS } from "./forecastCadence.js";
import { HpaDriver } from "./hpaDriver.js";
import type { Decision, Policy, PolicyContext, StepView } from "./types.js";

export const PREDICTIVE_METRIC = "predictive-metric";
export const PREDICTIVE_FLOOR = "predictive-floor";
export const PREDICTIVE_DIRECT = "predictive-direct";

export type PredictiveMode = "metric" | "floor" | "direct";

export interface PredictivePolicyOptions {
  /** Refit at most this often in simulated time (default 1 h). */
  readonly refitMs?: number;
  /** Served quantile (default 0.9). */
  readonly quantile?: number;
  /** Extra demand share added to the forecast before planning (default 0). */
  readonly headroom?: number;
  /** Forecast-driven scale-down delay (default 5 min) and rate (default 20 % a minute). */
  readonly scaleDownDelayMs?: number;
  readonly scaleDownPercentPerMinute?: number;
  /** Under-prediction rate that trips the accuracy gate (default 0.3; ignored below 24 compared steps). */
  readonly degradedThreshold?: number;
  /** History handed to the forecaster (default 7 days): bounds each refit's cost. */
  readonly maxHistorySeconds?: number;
  /** Backtest windows behind model selection and calibration (default 3). */
  readonly backtestWindows?: number;
  /**
   * Refit results by refit time, owned by the caller: the three modes see the same demand, so a
   * benchmark running them on one trace can fit once (the forecast uses demand only, never replicas).
   */
  readonly forecastCache?: Map<number, FitOutcome>;
}

/** What one refit produced: the quantile path when the forecaster was ready. */
export interface FitOutcome {
  readonly ready: boolean;
  readonly path: QuantilePath | undefined;
}

const DAY_SECONDS = 86_400;
/** Coarse steps of actual vs forecast the accuracy gate looks back over (2 h). */
const ACCURACY_WINDOW = 24;

function cheapModels(): Model[] {
  return [new SeasonalNaiveModel(), new HoltWintersModel(), new MstlModel()];
}

/** The newest `maxSteps` points of `series`. */
function recent(series: Series, maxSteps: number): Series {
  const drop = Math.max(0, series.values.length - maxSteps);
  if (drop === 0) return series;
  return {
    startMs: series.startMs + drop * series.stepSeconds * 1000,
    stepSeconds: series.stepSeconds,
    values: series.values.subarray(drop),
  };
}

export interface QuantilePath {
  readonly startMs: number;
  readonly stepSeconds: number;
  readonly values: Float64Array;
}

/** The forecaster as the controller would run it: refit on a cadence, gated, path reused between refits. */
class Forecaster {
  private path: QuantilePath | undefined;
  private lastFitMs = Number.NEGATIVE_INFINITY;
  private readonly actuals: number[] = [];
  private readonly served: number[] = [];
  private checkedBuckets = 0;
  ready = false;
  spentMs = 0;

  constructor(
    private readonly refitMs: number,
    private readonly horizonSteps: number,
    private readonly quantile: number,
    private readonly maxSteps: number,
    private readonly degradedThreshold: number,
    private readonly backtestWindows: number,
    private readonly cache: Map<number, FitOutcome> | undefined,
  ) {}

  due(nowMs: number): boolean {
    return nowMs - this.lastFitMs >= this.refitMs;
  }

  async refit(nowMs: number, series: Series): Promise<void> {
    this.lastFitMs = nowMs;
    if (series.values.length === 0) return;
    const cached = this.cache?.get(nowMs);
    const outcome = cached ?? (await this.fit(series));
    this.cache?.set(nowMs, outcome);
    this.ready = outcome.ready;
    this.path = outcome.path;
  }

  private async fit(series: Series): Promise<FitOutcome> {
    const started = performance.now();
    const result = await forecastSeries(recent(series, this.maxSteps), {
      models: cheapModels(),
      horizonSteps: this.horizonSteps,
      quantiles: [this.quantile],
      backtestWindows: this.backtestWindows,
    });
    this.spentMs += performance.now() - started;
    const gate = readinessGate({
      ready: result.notReady === undefined,
      ...(result.notReady ?? {}),
    });
    const ready = gate.action === "use";
    const values = result.forecast.quantiles.get(this.quantile);
    const path =
      ready && values !== undefined && values.length > 0
        ? { startMs: result.forecast.startMs, stepSeconds: result.forecast.stepSeconds, values }
        : undefined;
    return { ready, path };
  }

  /** Compare each newly closed coarse bucket with what the path said for it. */
  observe(history: Series): void {
    const values = history.values;
    for (; this.checkedBuckets < values.length; this.checkedBuckets++) {
      const p = this.path;
      if (p === undefined) continue;
      const atMs = history.startMs + this.checkedBuckets * history.stepSeconds * 1000;
      const i = Math.floor((atMs - p.startMs) / (p.stepSeconds * 1000));
      if (i < 0 || i >= p.values.length) continue;
      this.actuals.push(values[this.checkedBuckets] as number);
      this.served.push(p.values[i] as number);
      if (this.actuals.length > ACCURACY_WINDOW) {
        this.actuals.shift();
        this.served.shift();
      }
    }
  }

  /** The path the planner may use now, or undefined (not ready, or the accuracy gate tripped). */
  usable(): QuantilePath | undefined {
    if (!this.ready || this.path === undefined) return undefined;
    const verdict = accuracyGate({
      actuals: this.actuals,
      served: this.served,
      threshold: this.degradedThreshold,
      quantile: this.quantile,
      minSteps: ACCURACY_WINDOW,
    });
    return verdict.action === "use" ? this.path : undefined;
  }
}

export function predictivePolicy(
  mode: PredictiveMode,
  context: PolicyContext,
  options: PredictivePolicyOptions = {},
): Policy {
  const refitMs = options.refitMs ?? DEFAULT_REFIT_MS;
  const quantile = options.quantile ?? 0.9;
  const headroom = 1 + (options.headroom ?? 0);
  const coarseMs = COARSE_STEP_SECONDS * 1000;
  const forecaster = new Forecaster(
    refitMs,
    Math.ceil((refitMs + context.leadTimeMs) / coarseMs) + 1,
    quantile,
    Math.round((options.maxHistorySeconds ?? 7 * DAY_SECONDS) / COARSE_STEP_SECONDS),
    options.degradedThreshold ?? 0.3,
    options.backtestWindows ?? 3,
    options.forecastCache,
  );
  const history = new CoarseSeries(context.startMs, context.stepMs);
  // Floor mode changes the HPA's minReplicas between syncs; HpaDriver reads it from the context each sync.
  let floor = context.minReplicas;
  const hpa = new HpaDriver(
    mode === "floor"
      ? Object.defineProperty({ ...context }, "minReplicas", { get: () => floor, enumerable: true })
      : context,
  );
  let state: PlannerState = initialPlannerState();
  const prediction: MetricSpec = {
    type: "External",
    external: {
      metricName: "foresight_forecast",
      target: { type: "AverageValue", averageValue: Math.round(context.capacityPerReplica * 1000) },
    },
  };
  const scaled = (path: { startMs: number; stepSeconds: number; values: Float64Array }) =>
    headroom === 1 ? path : { ...path, values: path.values.map((v) => v * headroom) };

  const planFor = (view: StepView, path: QuantilePath, reactive: number) => {
    const result = plan({
      forecast: scaled(path),
      nowMs: view.nowMs,
      capacityPerReplica: context.capacityPerReplica,
      leadTimeMs: context.leadTimeMs,
      minReplicas: context.minReplicas,
      maxReplicas: context.maxReplicas,
      maxCapacityBreach: "Honor",
      scaleDown: {
        delayMs: options.scaleDownDelayMs ?? 5 * 60_000,
        maxPercentPerMinute: options.scaleDownPercentPerMinute ?? 20,
      },
      reactiveReplicas: reactive,
      state,
      quantile,
    });
    state = result.state;
    return result;
  };

  const decide = (view: StepView): Decision => {
    const path = forecaster.usable();
    if (mode === "metric") {
      const peak =
        path === undefined ? Number.NaN : forecastPeak(path, view.nowMs, view.nowMs + context.leadTimeMs);
      const extra = Number.isNaN(peak)
        ? []
        : [{ spec: prediction, reading: { items: [Math.round(Math.max(0, peak * headroom) * 1000)] } }];
      return { replicas: hpa.sync(view, extra) };
    }
    if (mode === "floor") {
      floor = path === undefined ? context.minReplicas : planFor(view, path, 0).forecastReplicas;
      return { replicas: hpa.sync(view) };
    }
    const reactive = hpa.sync(view);
    if (path === undefined) return { replicas: reactive };
    return { replicas: planFor(view, path, reactive).desiredReplicas };
  };

  return {
    name: `predictive-${mode}`,
    get forecastMs() {
      return forecaster.spentMs;
    },
    decide(view) {
      const before = history.buckets;
      history.push(view.history[view.step] as number);
      if (history.buckets !== before) forecaster.observe(history.series());
      if (forecaster.due(view.nowMs))
        return forecaster.refit(view.nowMs, history.series()).then(() => decide(view));
      return decide(view);
    },
  };
}

export const predictiveMetricPolicy = (context: PolicyContext, options?: PredictivePolicyOptions): Policy =>
  predictivePolicy("metric", context, options);
export const predictiveFloorPolicy = (context: PolicyContext, options?: PredictivePolicyOptions): Policy =>
  predictivePolicy("floor", context, options);
export const predictiveDirectPolicy = (context: PolicyContext, options?: PredictivePolicyOptions): Policy =>
  predictivePolicy("direct", context, options);
