/**
 * Reconciles one PredictiveScaler: keeps its forecast target, reads recent demand, decides (guardrails
 * and planner, src/actuator/decide.ts), carries the decision out in the scaler's mode and for its
 * nodes, records every change as an Event on the target and an entry in the decision log, and writes
 * the status. Deletion is guarded by a finalizer: the user's HPA floor is restored and reserved node
 * capacity removed before the scaler goes. Kubernetes writes are retried (409 from a fresh read, 5xx,
 * timeouts), and each is idempotent: the desired state is computed again from what is read. Each
 * reconcile is recorded in the self-metrics (selfMetrics.ts): its time, failure, the decisions and
 * the state it left the scaler in.
 */
import type { Clock } from "../clock.js";
import type { History } from "../forecast/history.js";
import type { Logger } from "../telemetry/logger.js";
import { errorText } from "./apiErrors.js";
import { carryOut, type Retry } from "./carryOut.js";
import type { ActuatorCluster, ClusterObject, ObjectRef } from "./cluster.js";
import { isoSeconds, mergeConditions } from "./conditions.js";
import type { DecisionLog } from "./decisionLog.js";
import { executorRegistry } from "./executors/registry.js";
import type { Executor } from "./executors/types.js";
import { addFinalizer, FINALIZER, finalize } from "./finalize.js";
import type { ForecastSnapshots } from "./forecastSnapshots.js";
import { type EventsPort, reportDecision } from "./report.js";
import { ScalerDecider } from "./scalerDecider.js";
import { type ScalerForecaster, scalerForecastTarget } from "./scalerForecaster.js";
import { formatScalerKey, scalerKeyOf } from "./scalerKey.js";
import { NO_SCALER_METRICS, type ReconcileRecord, type ScalerMetrics } from "./selfMetrics.js";
import { formatFieldErrors, type ParsedScaler, parseScaler } from "./spec.js";
import { appliedReplicas, buildStatus, outcomeConditions, sameStatus } from "./statusOf.js";
import type { PredictiveScaler, PredictiveScalerStatus } from "./types.js";
import { PREDICTIVE_SCALER_API_VERSION, PREDICTIVE_SCALER_KIND } from "./types.js";

export type { Retry };
export { FINALIZER };

export interface ReconcilerDeps {
  readonly cluster: ActuatorCluster;
  readonly forecaster: ScalerForecaster;
  readonly clock: Clock;
  readonly events: EventsPort;
  readonly decisions: DecisionLog;
  readonly logger: Logger;
  /** PromQL of a scaler's demand (`demand.query` as is; `demand.metric` through the adapter's rules). */
  readonly demandQuery: (scaler: PredictiveScaler) => string | Promise<string>;
  readonly retry: Retry;
  /** Where forecasts are kept for the next leader; none: every leader starts cold. */
  readonly snapshots?: ForecastSnapshots;
  /** Finished steps of live accuracy kept per scaler (default 24). */
  readonly accuracyWindow?: number;
  /** The controller's self-metrics (src/actuator/selfMetrics.ts); default none. */
  readonly metrics?: ScalerMetrics;
}

interface Memory {
  generation: number | undefined;
  /** The decision's own memory: planner, accuracy, what was put in place, newest data. */
  readonly decider: ScalerDecider;
  /**
   * Executors that may hold something for this scaler (all of them until each has released once):
   * what an earlier mode or leader left is given back.
   */
  readonly mayHold: Set<string>;
  /** The saved forecast was looked for (once per leadership). */
  snapshotChecked: boolean;
  /** The status last written, newer than an informer copy that may lag behind our own writes. */
  lastStatus: PredictiveScalerStatus | undefined;
  /** The last demand read's error, logged when it first appears. */
  demandError: string | undefined;
}

export type { EventsPort };

export class Reconciler {
  readonly #deps: ReconcilerDeps;
  readonly #memory = new Map<string, Memory>();
  readonly #executors: readonly Executor[];
  readonly #metrics: ScalerMetrics;

  constructor(deps: ReconcilerDeps) {
    this.#deps = deps;
    this.#executors = executorRegistry();
    this.#metrics = deps.metrics ?? NO_SCALER_METRICS;
  }

  /** Forget in-memory state (leadership lost: the next leader starts from what is in the cluster). */
  reset(): void {
    this.#memory.clear();
    this.#metrics.reset();
  }

  /** The scalers this reconciler keeps state for (`namespace/name`). */
  ids(): string[] {
    return [...this.#memory.keys()];
  }

  async reconcile(object: ClusterObject): Promise<void> {
    const record = this.#metrics.begin(formatScalerKey(scalerKeyOf(object.metadata)));
    let failed: boolean | undefined;
    try {
      failed = await this.#reconcile(object, record);
    } catch (err) {
      // A term that ended mid-reconcile is not a failure: the new leader carries on.
      if ((err as Error)?.name !== "NotLeaderError") failed = true;
      throw err;
    } finally {
      if (failed !== undefined) record.finish(failed);
    }
  }

  /** One reconcile; true when a Kubernetes write still failed after retries (Ready=False, ApiError). */
  async #reconcile(object: ClusterObject, record: ReconcileRecord): Promise<boolean> {
    const key = scalerKeyOf(object.metadata);
    const id = formatScalerKey(key);
    const ref: ObjectRef = {
      apiVersion: PREDICTIVE_SCALER_API_VERSION,
      kind: PREDICTIVE_SCALER_KIND,
      ...key,
    };
    if (object.metadata.deletionTimestamp) {
      if (await finalize({ ...this.#deps, executors: this.#executors }, object, key, id, ref)) {
        this.#deps.logger.info(
          { scaler: id },
          "PredictiveScaler deleted: floor restored, node capacity released",
        );
        await this.forget(id);
      }
      return false;
    }
    const checked = parseScaler(object);
    if (!checked.ok) {
      const written = object.status as PredictiveScalerStatus | undefined;
      await this.#notReady(ref, object, written, "InvalidSpec", formatFieldErrors(checked.errors), record);
      return false;
    }
    await addFinalizer(this.#deps, object, ref);
    return this.#reconcileValid(object, checked.value, ref, record);
  }

  /**
   * Scalers gone from the cluster without our finalizer running (e.g. force-removed): drop their
   * state and their self-metrics series.
   */
  async forget(id: string): Promise<void> {
    this.#memory.delete(id);
    this.#metrics.forget(id);
    await this.#deps.forecaster.remove(id);
  }

  async #reconcileValid(
    object: ClusterObject,
    parsed: ParsedScaler,
    ref: ObjectRef,
    record: ReconcileRecord,
  ): Promise<boolean> {
    const { clock, forecaster, cluster, retry } = this.#deps;
    const { scaler, spec, id, key } = parsed;
    const now = clock.now();
    const memory = this.#memoryFor(id, object.metadata.generation);
    const previous = memory.lastStatus ?? scaler.status ?? {};

    let query: string;
    try {
      query = await this.#deps.demandQuery(scaler);
    } catch (err) {
      await this.#notReady(ref, object, previous, "DemandUnresolved", errorText(err), record);
      return false;
    }
    const target = scalerForecastTarget(id, spec, query);
    if (this.#deps.snapshots && !memory.snapshotChecked) {
      // A new leader (or a shard's new holder) starts from the previous one's forecast rather than
      // from nothing, or from an older one of its own made before the scaler moved away and back.
      memory.snapshotChecked = true;
      const saved = await this.#deps.snapshots.load(key).catch((err: unknown) => {
        this.#deps.logger.warn({ scaler: id, err: errorText(err) }, "cannot read the saved forecast");
        return undefined;
      });
      if (saved) forecaster.seed(id, saved);
    }
    forecaster.sync(target);

    let history: History | undefined;
    let demandError: string | undefined;
    try {
      history = await forecaster.history.fetch(target);
    } catch (err) {
      demandError = errorText(err);
    }
    const state = forecaster.state(id);
    const {
      decision,
      accuracy: summary,
      demandNow,
    } = memory.decider.decide({
      spec,
      nowMs: now,
      forecast: state,
      history,
      ...(demandError !== undefined ? { demandError } : {}),
    });
    // Said once when reading fails (or fails otherwise) and once when it works again, not every reconcile.
    if (demandError !== undefined && demandError !== memory.demandError)
      this.#deps.logger.warn({ scaler: id, err: demandError }, "cannot read demand");
    else if (demandError === undefined && memory.demandError !== undefined)
      this.#deps.logger.info({ scaler: id }, "demand read again");
    memory.demandError = demandError;

    const carried = await carryOut({
      executors: this.#executors,
      retry,
      context: {
        cluster,
        key,
        id,
        targetRef: spec.targetRef,
        spec,
        uid: object.metadata.uid,
        previous,
        nowMs: now,
        demandNow,
      },
      decision,
      mayHold: memory.mayHold,
    });

    const conditions = mergeConditions(
      previous.conditions,
      outcomeConditions(spec, decision, carried),
      isoSeconds(now),
      object.metadata.generation,
    );
    const { actions, failures } = carried;
    await reportDecision(
      { ...this.#deps, record },
      scaler,
      object,
      id,
      decision,
      actions,
      conditions,
      previous,
      failures,
    );

    const applied = appliedReplicas(spec, decision, carried, previous);
    record.observe({
      conditions,
      decided: {
        quantile: spec.quantile,
        stepSeconds: spec.history.stepMs / 1000,
        capacityPerReplica: spec.capacityPerReplica,
        recommendedReplicas: decision.forecastReplicas,
        appliedReplicas: applied,
        demand: history?.lastSample?.[1],
        peak: decision.peak,
        accuracy: summary,
      },
    });
    const status = buildStatus({
      generation: object.metadata.generation,
      conditions,
      decision,
      spec,
      historyPoints: state?.forecast?.data.points ?? 0,
      ...(summary ? { accuracy: summary } : {}),
      applied,
      lastAction: actions.at(-1),
      previous,
      metric: carried.metric,
      nowMs: now,
    });
    await this.#writeStatus(ref, object, previous as Record<string, unknown>, status);
    memory.lastStatus = status;
    return failures.length > 0;
  }

  #memoryFor(id: string, generation: number | undefined): Memory {
    let memory = this.#memory.get(id);
    if (!memory || memory.generation !== generation) {
      // A new spec starts the planner afresh; accuracy is about the forecast, kept unless the spec changed it.
      const decider = memory?.decider ?? new ScalerDecider(this.#deps.accuracyWindow);
      decider.specChanged();
      memory = {
        generation,
        decider,
        mayHold: new Set(this.#executors.map((e) => e.name)),
        snapshotChecked: memory?.snapshotChecked ?? false,
        lastStatus: undefined,
        demandError: memory?.demandError,
      };
      this.#memory.set(id, memory);
    }
    return memory;
  }

  /** Ready=False for a reason found before deciding; the rest of the status stays as written. */
  async #notReady(
    ref: ObjectRef,
    object: ClusterObject,
    previous: PredictiveScalerStatus | undefined,
    reason: string,
    message: string,
    record: ReconcileRecord,
  ): Promise<void> {
    const conditions = mergeConditions(
      previous?.conditions,
      [{ type: "Ready", status: "False", reason, message }],
      isoSeconds(this.#deps.clock.now()),
      object.metadata.generation,
    );
    record.observe({ conditions });
    await this.#writeStatus(ref, object, (object.status ?? {}) as Record<string, unknown>, {
      observedGeneration: object.metadata.generation,
      conditions,
    });
  }

  /**
   * Writes the status when it changed, on the condition that the scaler is still at the version
   * reconciled (a retry reads it again): a write that reaches the server late (sent before a
   * timeout, served after a newer one) then gets 409 instead of putting an old status back.
   */
  async #writeStatus(
    ref: ObjectRef,
    object: ClusterObject,
    before: Record<string, unknown>,
    status: Record<string, unknown>,
  ): Promise<void> {
    if (sameStatus(before, status)) return;
    const { cluster } = this.#deps;
    await this.#deps.retry(async (attempt) => {
      const rv =
        attempt === 1 ? object.metadata.resourceVersion : (await cluster.get(ref))?.metadata.resourceVersion;
      await cluster.patchStatus(ref, {
        ...(rv !== undefined ? { metadata: { resourceVersion: rv } } : {}),
        status,
      });
    });
  }
}
