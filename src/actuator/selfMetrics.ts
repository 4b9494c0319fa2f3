/**
 * The PredictiveScaler controller's own Prometheus metrics, on the caller's registry (prom-client):
 * per scaler (labels `namespace`, `scaler`) its state, replicas, demand and forecast, live accuracy,
 * decisions and reconciles; and whether this replica leads.
 *
 * Only the leader reconciles, so only the leader exports per-scaler series: losing the lease drops
 * them all (`reset`), and a deleted scaler's go at once (`forget`). A reconcile still in flight when
 * either happens records nothing (each reconcile records through a `ReconcileRecord` that knows
 * whether its scaler is still the one it began with). Values that move between reconciles (the
 * forecast's age, its value for the current step) are read from the forecast store at scrape time.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { Clock } from "../clock.js";
import type { TargetState } from "../forecast/store.js";
import type { AccuracySummary } from "./accuracy.js";
import { parseScalerKey } from "./scalerKey.js";
import type { Condition } from "./types.js";

/** A scaler's state as `foresight_scaler_state{state}` says it (exactly one is 1). */
export const SCALER_STATES = ["ready", "forecast_only", "fallback", "pending", "not_ready"] as const;
export type ScalerState = (typeof SCALER_STATES)[number];

export interface ScalerStateOf {
  readonly state: ScalerState;
  /** The Ready condition's reason (ForecastInUse, ForecastOnly, Fallback, Pending, ApiError, …). */
  readonly readyReason: string;
  /** In fallback: the guardrail that put it there (InsufficientHistory, StaleData, StaleForecast, UnderPredicting). */
  readonly fallbackReason?: string;
}

type ConditionLike = Pick<Condition, "type" | "status" | "reason">;

/**
 * The state the conditions say: Ready=True is `ready` (the forecast is in use) or `forecast_only`
 * (recommending only); Ready=False is `fallback` (with the guardrail's reason: ForecastReady not
 * True, or ForecastDegraded True), `pending` (no forecast run finished yet) or `not_ready` (invalid
 * spec, demand not resolved, a refusal, an API error).
 */
export function scalerStateOf(conditions: readonly ConditionLike[]): ScalerStateOf {
  const ready = conditions.find((c) => c.type === "Ready");
  if (!ready) return { state: "pending", readyReason: "Pending" };
  if (ready.status === "True")
    return { state: ready.reason === "ForecastOnly" ? "forecast_only" : "ready", readyReason: ready.reason };
  if (ready.reason === "Pending") return { state: "pending", readyReason: ready.reason };
  if (ready.reason === "Fallback") {
    const why = conditions.find(
      (c) =>
        (c.type === "ForecastReady" && c.status !== "True") ||
        (c.type === "ForecastDegraded" && c.status === "True"),
    );
    return { state: "fallback", readyReason: ready.reason, fallbackReason: why?.reason ?? "Unknown" };
  }
  return { state: "not_ready", readyReason: ready.reason };
}

/** What one reconcile found out about a scaler. */
export interface ScalerObservation {
  /** The conditions written (the state is read from them). */
  readonly conditions: readonly ConditionLike[];
  /** Absent when the reconcile stopped before deciding (invalid spec, demand not resolved). */
  readonly decided?: {
    /** The served quantile level (spec.quantile). */
    readonly quantile: number;
    /** spec.history.step: a forecast update is due every step. */
    readonly stepSeconds: number;
    readonly capacityPerReplica: number;
    readonly recommendedReplicas: number | undefined;
    readonly appliedReplicas: number | undefined;
    /** The newest demand sample read; undefined when the read failed or found none. */
    readonly demand: number | undefined;
    /** The served quantile's peak over the lead time (NaN: none). */
    readonly peak: number;
    readonly accuracy: AccuracySummary | undefined;
  };
}

/** One reconcile's recording; what it records after its scaler was forgotten (or all reset) is dropped. */
export interface ReconcileRecord {
  observe(observation: ScalerObservation): void;
  /** A decision-log entry (applied actions, Fallback, Error, Refused, Recommend). */
  decision(action: string): void;
  /** The reconcile ended; `failed`: it threw, or a Kubernetes write still failed after retries. */
  finish(failed: boolean): void;
}

export interface ScalerMetrics {
  begin(id: string): ReconcileRecord;
  /** A forecast run of the scaler finished (kind full or update; outcome ok, error or skipped). */
  forecastRun(id: string, kind: string, outcome: string, seconds: number): void;
  /** The scaler is gone: remove its series. */
  forget(id: string): void;
  /** Leadership lost: remove every scaler's series. */
  reset(): void;
}

const NO_RECORD: ReconcileRecord = { observe() {}, decision() {}, finish() {} };

/** Records nothing (tests and callers without a registry). */
export const NO_SCALER_METRICS: ScalerMetrics = {
  begin: () => NO_RECORD,
  forecastRun() {},
  forget() {},
  reset() {},
};

export interface ScalerMetricsDeps {
  /** The clock forecasts are made on (the data clock), for their age and the current step. */
  readonly clock: Clock;
  /** A scaler's forecast in the store (by "namespace/name"). */
  readonly forecast: (id: string) => TargetState | undefined;
  /**
   * Whether this replica acts for some scalers (it leads, or holds at least one shard), for
   * `foresight_leader`; absent: not exported.
   */
  readonly isLeader?: () => boolean;
  /**
   * The shards and those this replica holds, for `foresight_controller_shard_held{shard}` (every
   * shard, 1 where held), `foresight_controller_shards_held` and `foresight_controller_shards`.
   * Absent: not exported.
   */
  readonly shards?: () => { readonly shards: number; readonly held: readonly number[] };
  /** The live controller replicas this one counts, for `foresight_controller_replicas` (sharded election). */
  readonly replicas?: () => number;
}

interface Tracked {
  readonly labels: { readonly namespace: string; readonly scaler: string };
  observation: (ScalerObservation & { readonly stateOf: ScalerStateOf }) | undefined;
  /** `action` label values counted, to remove on forget. */
  readonly actions: Set<string>;
  /** `kind` and `outcome` label values of forecast runs counted ("kind outcome"). */
  readonly runs: Set<string>;
}

export function registerScalerMetrics(registry: Registry, deps: ScalerMetricsDeps): ScalerMetrics {
  const registers = [registry];
  const scalers = new Map<string, Tracked>();
  /** Per scaler, the token of its current life: a reconcile that began under another one records nothing. */
  const tokens = new Map<string, object>();
  const per = ["namespace", "scaler"] as const;

  /** A gauge of one value per observed scaler, computed at scrape time. */
  const perScaler = (
    name: string,
    help: string,
    value: (t: Tracked & { observation: NonNullable<Tracked["observation"]> }) => number | undefined,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: per,
      registers,
      collect() {
        this.reset();
        for (const t of scalers.values()) {
          if (!t.observation) continue;
          const v = value(t as Tracked & { observation: NonNullable<Tracked["observation"]> });
          if (v !== undefined && Number.isFinite(v)) this.set(t.labels, v);
        }
      },
    });

  new Gauge({
    name: "foresight_scaler_state",
    help: "1 for the scaler's current state, 0 for the others: ready (forecast in use), forecast_only (recommending only), fallback, pending (no forecast run finished yet), not_ready (invalid spec, demand not resolved, refused, API error).",
    labelNames: [...per, "state"] as const,
    registers,
    collect() {
      this.reset();
      for (const t of scalers.values()) {
        if (!t.observation) continue;
        for (const state of SCALER_STATES)
          this.set({ ...t.labels, state }, t.observation.stateOf.state === state ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: "foresight_scaler_ready",
    help: "1 when the scaler's Ready condition is True, else 0; reason: the condition's reason (ForecastInUse, ForecastOnly, Fallback, Pending, InvalidSpec, DemandUnresolved, ApiError, a refusal).",
    labelNames: [...per, "reason"] as const,
    registers,
    collect() {
      this.reset();
      for (const t of scalers.values()) {
        const o = t.observation;
        if (!o) continue;
        const ready = o.stateOf.state === "ready" || o.stateOf.state === "forecast_only";
        this.set({ ...t.labels, reason: o.stateOf.readyReason }, ready ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: "foresight_scaler_fallback",
    help: "1 while the scaler is in fallback, with the guardrail's reason (InsufficientHistory, StaleData, StaleForecast, UnderPredicting); 0 (no reason) otherwise.",
    labelNames: [...per, "reason"] as const,
    registers,
    collect() {
      this.reset();
      for (const t of scalers.values()) {
        const s = t.observation?.stateOf;
        if (!s) continue;
        if (s.state === "fallback") this.set({ ...t.labels, reason: s.fallbackReason ?? "Unknown" }, 1);
        else this.set({ ...t.labels, reason: "" }, 0);
      }
    },
  });
  perScaler(
    "foresight_scaler_recommended_replicas",
    "Replicas the forecast asks for (status.recommendedReplicas); absent while it asks nothing (fallback with Release, no forecast yet).",
    (t) => t.observation.decided?.recommendedReplicas,
  );
  perScaler(
    "foresight_scaler_applied_replicas",
    "Replicas the scaler has put in place (status.appliedReplicas: the HPA floor, the scale, the served metric's replicas); absent in ForecastOnly.",
    (t) => t.observation.decided?.appliedReplicas,
  );
  perScaler(
    "foresight_scaler_capacity_per_replica",
    "Demand one replica serves at target (spec.capacityPerReplica), in the demand's unit.",
    (t) => t.observation.decided?.capacityPerReplica,
  );
  perScaler(
    "foresight_scaler_demand",
    "The newest demand sample the scaler read, in the demand's unit.",
    (t) => t.observation.decided?.demand,
  );
  perScaler(
    "foresight_scaler_quantile",
    "The forecast quantile level the scaler plans on (spec.quantile).",
    (t) => t.observation.decided?.quantile,
  );
  perScaler(
    "foresight_scaler_forecast_peak",
    "The served quantile's peak over the lead time, which the replicas are sized for, in the demand's unit.",
    (t) => t.observation.decided?.peak,
  );
  perScaler(
    "foresight_scaler_forecast_interval_seconds",
    "Seconds between the scaler's scheduled forecast updates (spec.history.step).",
    (t) => t.observation.decided?.stepSeconds,
  );
  perScaler(
    "foresight_scaler_accuracy_coverage_ratio",
    "Live accuracy: share of recent compared (forecast, step) pairs whose demand stayed at or below the served quantile (status.accuracy.coverage).",
    (t) => t.observation.decided?.accuracy?.coverage,
  );
  perScaler(
    "foresight_scaler_accuracy_under_prediction_ratio",
    "Live accuracy: share of recent compared pairs whose demand exceeded the served quantile (what the accuracy guardrail checks).",
    (t) => t.observation.decided?.accuracy?.underPredictionRate,
  );
  perScaler(
    "foresight_scaler_accuracy_pinball_loss",
    "Live accuracy: mean pinball loss of the served quantile over recent compared pairs, in the demand's unit (status.accuracy.pinball; lower is better).",
    (t) => t.observation.decided?.accuracy?.pinball,
  );
  perScaler(
    "foresight_scaler_accuracy_steps",
    "Finished steps compared for live accuracy (status.accuracy.steps).",
    (t) => t.observation.decided?.accuracy?.steps,
  );
  new Gauge({
    name: "foresight_scaler_forecast_age_seconds",
    help: "Seconds since the scaler's forecast was computed (a full retrain or an update).",
    labelNames: per,
    registers,
    collect() {
      this.reset();
      const now = deps.clock.now();
      for (const [id, t] of scalers) {
        const f = deps.forecast(id)?.forecast;
        if (f) this.set(t.labels, Math.max(0, (now - f.computedAtMs) / 1000));
      }
    },
  });
  new Gauge({
    name: "foresight_scaler_forecast_demand",
    help: "The scaler's forecast for the current step, per quantile level (the served one and the median), in the demand's unit.",
    labelNames: [...per, "quantile"] as const,
    registers,
    collect() {
      this.reset();
      const now = deps.clock.now();
      for (const [id, t] of scalers) {
        const f = deps.forecast(id)?.forecast;
        if (!f) continue;
        const i = Math.floor((now - f.startMs) / (f.stepSeconds * 1000));
        for (const [quantile, path] of Object.entries(f.quantiles)) {
          const v = i >= 0 && i < path.length ? path[i] : undefined;
          if (v !== undefined && Number.isFinite(v)) this.set({ ...t.labels, quantile }, v);
        }
      }
    },
  });
  const decisions = new Counter({
    name: "foresight_scaler_decisions_total",
    help: "Decision-log entries by action: the changes applied (SetFloor, RestoreFloor, Scale, ServeMetric, SetCapacityBuffer, SetPlaceholders, CreateProvisioningRequest, Remove…), and Fallback, Refused, Error and Recommend (ForecastOnly), which apply nothing.",
    labelNames: [...per, "action"] as const,
    registers,
  });
  const errors = new Counter({
    name: "foresight_scaler_reconcile_errors_total",
    help: "Reconciles that failed: an error (retried on the next tick), or a Kubernetes write still failing after retries (Ready=False, ApiError).",
    labelNames: per,
    registers,
  });
  const duration = new Histogram({
    name: "foresight_scaler_reconcile_duration_seconds",
    help: "Time one reconcile of the scaler took (demand read, decision, Kubernetes writes).",
    labelNames: per,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  const runs = new Counter({
    name: "foresight_scaler_forecast_runs_total",
    help: "The scaler's forecast runs by kind (full: retrain and model selection, update: the chosen model refitted) and outcome (ok, error, skipped).",
    labelNames: [...per, "kind", "outcome"] as const,
    registers,
  });
  const runDuration = new Histogram({
    name: "foresight_scaler_forecast_run_duration_seconds",
    help: "Time the scaler's forecast runs took, by kind (full, update).",
    labelNames: [...per, "kind"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers,
  });
  if (deps.isLeader) {
    const isLeader = deps.isLeader;
    new Gauge({
      name: "foresight_leader",
      help: "1 while this replica acts for some scalers (it holds the controller's leader Lease, or with shards at least one shard's Lease), else 0.",
      registers,
      collect() {
        this.set(isLeader() ? 1 : 0);
      },
    });
  }
  if (deps.shards) {
    const shards = deps.shards;
    new Gauge({
      name: "foresight_controller_shard_held",
      help: "1 for each shard whose Lease this replica holds (it trains and acts for that shard's scalers), 0 for the others: one series per shard.",
      labelNames: ["shard"] as const,
      registers,
      collect() {
        const now = shards();
        const held = new Set(now.held);
        this.reset();
        for (let s = 0; s < now.shards; s++) this.set({ shard: String(s) }, held.has(s) ? 1 : 0);
      },
    });
    new Gauge({
      name: "foresight_controller_shards_held",
      help: "How many shards' Leases this replica holds.",
      registers,
      collect() {
        this.set(shards().held.length);
      },
    });
    new Gauge({
      name: "foresight_controller_shards",
      help: "The shards the scalers are split into (actuator.leaderElection.shards; 1: a single leader).",
      registers,
      collect() {
        this.set(shards().shards);
      },
    });
  }
  if (deps.replicas) {
    const replicas = deps.replicas;
    new Gauge({
      name: "foresight_controller_replicas",
      help: "Live controller replicas this replica counts from their membership Leases, itself included (with more than one shard).",
      registers,
      collect() {
        this.set(replicas());
      },
    });
  }

  const tracked = (id: string): Tracked => {
    let t = scalers.get(id);
    if (!t) {
      const { namespace, name } = parseScalerKey(id);
      t = {
        labels: { namespace, scaler: name },
        observation: undefined,
        actions: new Set(),
        runs: new Set(),
      };
      scalers.set(id, t);
    }
    return t;
  };
  const remove = (t: Tracked) => {
    for (const action of t.actions) decisions.remove({ ...t.labels, action });
    errors.remove(t.labels);
    duration.remove(t.labels);
    for (const run of t.runs) {
      const [kind = "", outcome = ""] = run.split(" ");
      runs.remove({ ...t.labels, kind, outcome });
      runDuration.remove({ ...t.labels, kind });
    }
  };

  return {
    begin(id) {
      let token = tokens.get(id);
      if (!token) {
        token = {};
        tokens.set(id, token);
      }
      const mine = token;
      const started = performance.now();
      const live = () => tokens.get(id) === mine;
      return {
        observe(observation) {
          if (!live()) return;
          tracked(id).observation = { ...observation, stateOf: scalerStateOf(observation.conditions) };
        },
        decision(action) {
          if (!live()) return;
          const t = tracked(id);
          t.actions.add(action);
          decisions.inc({ ...t.labels, action });
        },
        finish(failed) {
          if (!live()) return;
          const t = tracked(id);
          // Counted from zero, so rate() sees the first error.
          errors.inc(t.labels, failed ? 1 : 0);
          duration.observe(t.labels, (performance.now() - started) / 1000);
        },
      };
    },
    forecastRun(id, kind, outcome, seconds) {
      // Runs of a scaler this replica no longer reconciles (forgotten, or leadership lost) are not counted.
      if (!tokens.has(id)) return;
      const t = tracked(id);
      t.runs.add(`${kind} ${outcome}`);
      runs.inc({ ...t.labels, kind, outcome });
      if (outcome !== "skipped") runDuration.observe({ ...t.labels, kind }, seconds);
    },
    forget(id) {
      tokens.delete(id);
      const t = scalers.get(id);
      if (!t) return;
      scalers.delete(id);
      remove(t);
    },
    reset() {
      tokens.clear();
      for (const t of scalers.values()) remove(t);
      scalers.clear();
    },
  };
}
