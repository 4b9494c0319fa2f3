/**
 * Reconciles one PredictiveScaler: keeps its forecast target, reads recent demand, decides (guardrails
 * and planner, src/actuator/decide.ts), carries the decision out in the scaler's mode and for its
 * nodes, records every change as an Event on the target and an entry in the decision log, and writes
 * the status. Deletion is guarded by a finalizer: the user's HPA floor is restored and reserved node
 * capacity removed before the scaler goes. Kubernetes writes are retried (409 from a fresh read, 5xx,
 * timeouts), and each is idempotent: the desired state is computed again from what is read.
 */
import type { Clock } from "../clock.js";
import type { History } from "../forecast/history.js";
import type { Logger } from "../telemetry/logger.js";
import { errorText } from "./apiErrors.js";
import type { ActuatorCluster, KubeObject, ObjectRef } from "./cluster.js";
import { isoSeconds, mergeConditions } from "./conditions.js";
import type { DecisionLog } from "./decisionLog.js";
import { applyDirect } from "./executors/direct.js";
import { applyFloor, type FloorAttempts, SCALER_ANNOTATION } from "./executors/floor.js";
import { hpasFor } from "./executors/hpas.js";
import { applyMetric, servedMetric } from "./executors/metric.js";
import { applyNodes, removeNodes } from "./executors/nodes.js";
import { type PendingWrite, pendingWrites } from "./executors/pendingWrite.js";
import type { ExecResult } from "./executors/types.js";
import { type ForecastSnapshots, snapshotName } from "./forecastSnapshots.js";
import { type EventsPort, reportDecision } from "./report.js";
import { ScalerDecider } from "./scalerDecider.js";
import { type ScalerForecaster, scalerForecastTarget } from "./scalerForecaster.js";
import { formatScalerKey, scalerKeyOf } from "./scalerKey.js";
import { formatFieldErrors, type ParsedScaler, parseScaler } from "./spec.js";
import { buildStatus, sameStatus } from "./statusOf.js";
import type { PredictiveScaler, PredictiveScalerStatus } from "./types.js";
import { PREDICTIVE_SCALER_API_VERSION, PREDICTIVE_SCALER_KIND } from "./types.js";

export const FINALIZER = "foresight.dev/cleanup";

export type Retry = <T>(fn: (attempt: number) => Promise<T>) => Promise<T>;

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
}

interface Memory {
  generation: number | undefined;
  /** The decision's own memory: planner, accuracy, what was put in place, newest data. */
  readonly decider: ScalerDecider;
  /** Unknown until checked once: a floor left from an earlier mode or leader. */
  mayHoldFloor: boolean;
  /** The saved forecast was looked for (once per leadership). */
  snapshotChecked: boolean;
  /** The status last written, newer than an informer copy that may lag behind our own writes. */
  lastStatus: PredictiveScalerStatus | undefined;
  /** The same for node reservations. */
  mayHoldNodes: boolean;
}

export type { EventsPort };

export class Reconciler {
  readonly #deps: ReconcilerDeps;
  readonly #memory = new Map<string, Memory>();

  constructor(deps: ReconcilerDeps) {
    this.#deps = deps;
  }

  /** Forget in-memory state (leadership lost: the next leader starts from what is in the cluster). */
  reset(): void {
    this.#memory.clear();
  }

  async reconcile(object: KubeObject): Promise<void> {
    const key = scalerKeyOf(object.metadata);
    const id = formatScalerKey(key);
    const ref: ObjectRef = {
      apiVersion: PREDICTIVE_SCALER_API_VERSION,
      kind: PREDICTIVE_SCALER_KIND,
      ...key,
    };
    if (object.metadata.deletionTimestamp) {
      await this.#finalize(object, id, ref);
      return;
    }
    const checked = parseScaler(object);
    if (!checked.ok) {
      await this.#writeStatus(ref, object, (object.status ?? {}) as Record<string, unknown>, {
        observedGeneration: object.metadata.generation,
        conditions: mergeConditions(
          (object.status as PredictiveScalerStatus | undefined)?.conditions,
          [
            {
              type: "Ready",
              status: "False",
              reason: "InvalidSpec",
              message: formatFieldErrors(checked.errors),
            },
          ],
          isoSeconds(this.#deps.clock.now()),
          object.metadata.generation,
        ),
      });
      return;
    }
    if (!(object.metadata.finalizers ?? []).includes(FINALIZER)) {
      await this.#deps.retry(async () => {
        const fresh = await this.#deps.cluster.get(ref);
        if (!fresh || fresh.metadata.deletionTimestamp) return;
        const finalizers = fresh.metadata.finalizers ?? [];
        if (finalizers.includes(FINALIZER)) return;
        await this.#deps.cluster.patch(ref, {
          metadata: {
            resourceVersion: fresh.metadata.resourceVersion,
            finalizers: [...finalizers, FINALIZER],
          },
        });
      });
    }
    await this.#reconcileValid(object, checked.value, ref);
  }

  /** Scalers gone from the cluster without our finalizer running (e.g. force-removed): drop their state. */
  async forget(id: string): Promise<void> {
    this.#memory.delete(id);
    await this.#deps.forecaster.remove(id);
  }

  async #reconcileValid(object: KubeObject, parsed: ParsedScaler, ref: ObjectRef): Promise<void> {
    const { clock, forecaster, cluster, retry } = this.#deps;
    const { scaler, spec, id, key } = parsed;
    const { namespace } = key;
    const now = clock.now();
    const memory = this.#memoryFor(id, object.metadata.generation);
    const previous = memory.lastStatus ?? scaler.status ?? {};
    const capacity = spec.capacityPerReplica;
    const stepMs = spec.history.stepMs;

    let query: string;
    try {
      query = await this.#deps.demandQuery(scaler);
    } catch (err) {
      await this.#writeStatus(ref, object, (object.status ?? {}) as Record<string, unknown>, {
        observedGeneration: object.metadata.generation,
        conditions: mergeConditions(
          previous.conditions,
          [{ type: "Ready", status: "False", reason: "DemandUnresolved", message: errorText(err) }],
          isoSeconds(now),
          object.metadata.generation,
        ),
      });
      return;
    }
    const target = scalerForecastTarget(id, spec, query);
    if (!forecaster.state(id)?.forecast && this.#deps.snapshots && !memory.snapshotChecked) {
      // A new leader starts from the previous leader's forecast rather than from nothing.
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
      demandNow: latest,
    } = memory.decider.decide({
      spec,
      nowMs: now,
      forecast: state,
      history,
      ...(demandError !== undefined ? { demandError } : {}),
    });
    if (demandError !== undefined)
      this.#deps.logger.warn({ scaler: id, err: demandError }, "cannot read demand");

    // ---- carry it out ----
    const results: ExecResult[] = [];
    const failures: string[] = [];
    const run = async (what: string, fn: () => Promise<ExecResult>) => {
      try {
        results.push(await retry(fn));
      } catch (err) {
        failures.push(`${what}: ${errorText(err)}`);
      }
    };
    let metric: PredictiveScalerStatus["metric"] | undefined;
    // Pending (no forecast yet, e.g. just after a leader change): touch nothing, keep what is in place.
    const acting = !decision.pending;
    // Shared by the retries of the floor's write: a change whose answer was lost is still reported.
    const floorAttempts: FloorAttempts = {};
    if (spec.mode === "Floor" && acting) {
      memory.mayHoldFloor = true;
      await run("floor", () =>
        applyFloor(cluster, namespace, id, spec.targetRef, decision.forecastReplicas, floorAttempts),
      );
    } else if (spec.mode !== "Floor" && memory.mayHoldFloor) {
      // A floor left by an earlier mode (or leader) is given back.
      await run("floor", async () => {
        const hpas = await hpasFor(cluster, namespace, spec.targetRef);
        const held = hpas.some((h) => h.metadata.annotations?.[SCALER_ANNOTATION] === id);
        const result =
          held || floorAttempts.pending
            ? await applyFloor(cluster, namespace, id, spec.targetRef, undefined, floorAttempts)
            : { actions: [] };
        memory.mayHoldFloor = false;
        return { actions: result.actions };
      });
    }
    if (spec.mode === "Direct" && acting) {
      const want = latest === undefined ? undefined : decision.desiredReplicas;
      // Shared by the retries of the /scale write, as for the floor.
      const scaleAttempts: PendingWrite = {};
      await run("scale", () => applyDirect(cluster, namespace, spec.targetRef, want, scaleAttempts));
    }
    if (spec.mode === "Metric" && !acting) metric = previous.metric ?? undefined;
    if (spec.mode === "Metric" && acting) {
      const served = servedMetric(decision.forecastReplicas, capacity);
      results.push(applyMetric(previous.metric?.replicas, served));
      // The status written last holds null for removed fields.
      const last = previous.metric ?? undefined;
      const heartbeatDue =
        last === undefined ||
        last.replicas !== served.replicas ||
        now - Date.parse(last.updateTime) >= Math.min(stepMs, 60_000);
      metric = {
        ...served,
        updateTime: heartbeatDue ? isoSeconds(now) : (last?.updateTime ?? isoSeconds(now)),
      };
    }
    const owner = { uid: object.metadata.uid, name: scaler.metadata.name };
    // ForecastOnly reserves nothing (it only records); it releases what an earlier mode reserved.
    if (!acting) {
      // nothing: reservations stay as they are until the first forecast
    } else if (spec.nodes.mode !== "None" && spec.mode !== "ForecastOnly") {
      memory.mayHoldNodes = true;
      const nodeAttempts = pendingWrites();
      await run("nodes", () =>
        applyNodes(cluster, namespace, scaler, owner, decision.nodePods, nodeAttempts),
      );
    } else if (memory.mayHoldNodes) {
      // Reservations left by an earlier node mode (or leader) are removed, then not looked for again.
      const nodeAttempts = pendingWrites();
      await run("nodes", async () => {
        const removed = await removeNodes(cluster, namespace, scaler.metadata.name, [], nodeAttempts);
        memory.mayHoldNodes = false;
        return removed;
      });
    }

    // A write that failed leaves in place what was there before: the status keeps saying so.
    const applied =
      results.find((r) => r.applied !== undefined)?.applied ??
      (failures.length > 0 ? previous.appliedReplicas : undefined);
    const refused = results.find((r) => r.refused)?.refused;
    const actions = results.flatMap((r) => r.actions);

    // ---- conditions, events, decisions, status ----
    const conditions = [...decision.conditions];
    if (refused) conditions[0] = refused;
    else if (failures.length > 0)
      conditions[0] = { type: "Ready", status: "False", reason: "ApiError", message: failures.join("; ") };
    else if (decision.usable && spec.mode === "ForecastOnly")
      conditions[0] = {
        type: "Ready",
        status: "True",
        reason: "ForecastOnly",
        message: `recommending only (mode ForecastOnly): ${decision.reason}`,
      };
    const merged = mergeConditions(
      previous.conditions,
      conditions,
      isoSeconds(now),
      object.metadata.generation,
    );
    await reportDecision(this.#deps, scaler, object, id, decision, actions, merged, previous, failures);

    const status = buildStatus({
      generation: object.metadata.generation,
      conditions: merged,
      decision,
      spec,
      historyPoints: state?.forecast?.data.points ?? 0,
      ...(summary ? { accuracy: summary } : {}),
      applied:
        spec.mode === "ForecastOnly" ? undefined : acting ? applied : (previous.appliedReplicas ?? undefined),
      lastAction: actions.at(-1),
      previous,
      metric,
      nowMs: now,
    });
    await this.#writeStatus(ref, object, previous as Record<string, unknown>, status);
    memory.lastStatus = status;
  }

  async #finalize(object: KubeObject, id: string, ref: ObjectRef): Promise<void> {
    const { cluster, retry, logger } = this.#deps;
    if (!(object.metadata.finalizers ?? []).includes(FINALIZER)) return;
    const namespace = ref.namespace ?? "default";
    const spec = (object.spec ?? {}) as Partial<PredictiveScaler["spec"]>;
    const target = spec.targetRef;
    const actions: ExecResult[] = [];
    if (target?.kind && target.name) {
      const attempts: FloorAttempts = {};
      const restored = await retry(() => applyFloor(cluster, namespace, id, target, undefined, attempts));
      actions.push(restored);
    }
    const nodeAttempts = pendingWrites();
    actions.push(await retry(() => removeNodes(cluster, namespace, ref.name, [], nodeAttempts)));
    await retry(() =>
      cluster.delete({ apiVersion: "v1", kind: "ConfigMap", namespace, name: snapshotName(ref.name) }),
    );
    for (const a of actions.flatMap((r) => r.actions)) {
      this.#deps.decisions.append({
        atMs: this.#deps.clock.now(),
        scaler: id,
        mode: String(spec.mode ?? "ForecastOnly"),
        action: a.type,
        applied: true,
        ...(a.from !== undefined ? { from: a.from } : {}),
        ...(a.to !== undefined ? { to: a.to } : {}),
        reason: `${a.message}: the PredictiveScaler is being deleted`,
      });
      if (target?.kind && target.name)
        await this.#deps.events.record({
          regarding: {
            apiVersion: target.apiVersion ?? "apps/v1",
            kind: target.kind,
            name: target.name,
            namespace,
          },
          type: "Normal",
          reason: a.type,
          message: `PredictiveScaler ${ref.name} ${a.message}: the scaler is being deleted`,
          action: a.type,
        });
    }
    await retry(async () => {
      const fresh = await cluster.get(ref);
      if (!fresh) return;
      const finalizers = (fresh.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
      await cluster.patch(ref, { metadata: { resourceVersion: fresh.metadata.resourceVersion, finalizers } });
    });
    logger.info({ scaler: id }, "PredictiveScaler deleted: floor restored, node capacity released");
    await this.forget(id);
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
        mayHoldFloor: true,
        snapshotChecked: memory?.snapshotChecked ?? false,
        lastStatus: undefined,
        mayHoldNodes: true,
      };
      this.#memory.set(id, memory);
    }
    return memory;
  }

  /**
   * Writes the status when it changed, on the condition that the scaler is still at the version
   * reconciled (a retry reads it again): a write that reaches the server late (sent before a
   * timeout, served after a newer one) then gets 409 instead of putting an old status back.
   */
  async #writeStatus(
    ref: ObjectRef,
    object: KubeObject,
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
