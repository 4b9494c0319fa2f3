/**
 * Mode `Floor`: raise the user's HPA minReplicas to what the forecast asks, keep the user's own
 * value in an annotation, and restore it when the forecast asks no more than that (or on fallback
 * with Release), when the scaler leaves mode Floor, or when it is deleted. The HPA's maxReplicas
 * still caps the floor.
 *
 * Someone else changing minReplicas while a floor is held (a user, a GitOps sync) is taken as the
 * user's new value: the annotation follows it, so a restore never brings back an outdated minimum.
 * Every patch carries the HPA's resourceVersion, so a concurrent write fails with 409 and the caller
 * retries from a fresh read. A write whose answer never came (a timeout) may have landed all the
 * same: the retry then finds the change already in place, and reports it (FloorAttempts) so that it
 * is recorded once rather than not at all.
 */
import type { ActuatorCluster, ClusterObject } from "../cluster.js";
import { isRecord, refOf } from "../cluster.js";
import type { TargetRef } from "../types.js";
import type { ExecutedAction } from "./executedAction.js";
import { hpaNames, hpasFor } from "./hpas.js";
import { landed, type PendingWrite, write } from "./pendingWrite.js";
import { type ExecResult, type Executor, NOTHING } from "./types.js";

export const USER_MIN_ANNOTATION = "foresight.dev/user-min-replicas";
export const FLOOR_ANNOTATION = "foresight.dev/floor";
export const SCALER_ANNOTATION = "foresight.dev/scaler";

function spec(hpa: ClusterObject): Record<string, unknown> {
  return isRecord(hpa.spec) ? hpa.spec : {};
}

/** The HPA's minReplicas (default 1). */
function minOf(hpa: ClusterObject): number {
  const v = spec(hpa).minReplicas;
  return typeof v === "number" ? v : 1;
}

function intAnnotation(hpa: ClusterObject, key: string): number | undefined {
  const text = hpa.metadata.annotations?.[key];
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/**
 * Put the floor in place: `floor` replicas, or undefined to restore the user's minReplicas.
 * `scaler` is "namespace/name" of the PredictiveScaler. Retries of one change pass the same
 * `attempts`.
 */
async function applyFloor(
  cluster: ActuatorCluster,
  namespace: string,
  scaler: string,
  target: TargetRef,
  floor: number | undefined,
  attempts: PendingWrite,
): Promise<ExecResult> {
  const hpas = await hpasFor(cluster, namespace, target);
  if (hpas.length === 0) {
    return {
      actions: [],
      refused: {
        type: "Ready",
        status: "False",
        reason: "NoHPA",
        message: `mode Floor raises an HPA's minReplicas, but no HorizontalPodAutoscaler in ${namespace} targets ${target.kind}/${target.name}; create one, or use mode Direct`,
      },
    };
  }
  if (hpas.length > 1) {
    return {
      actions: [],
      refused: {
        type: "Ready",
        status: "False",
        reason: "MultipleHPAs",
        message: `more than one HorizontalPodAutoscaler targets ${target.kind}/${target.name} (${hpaNames(hpas)}); the HPA controller itself refuses that, so Floor does too`,
      },
    };
  }
  const hpa = hpas[0] as ClusterObject;
  const owner = hpa.metadata.annotations?.[SCALER_ANNOTATION];
  if (owner !== undefined && owner !== scaler) {
    return {
      actions: [],
      refused: {
        type: "Ready",
        status: "False",
        reason: "FloorOwnedElsewhere",
        message: `HPA ${hpa.metadata.name} already carries a floor from PredictiveScaler ${owner}`,
      },
    };
  }
  const current = minOf(hpa);
  const held = owner === scaler;
  const ourFloor = intAnnotation(hpa, FLOOR_ANNOTATION);
  // While we hold a floor the user's value is in the annotation, unless someone changed minReplicas since.
  const userMin =
    held && ourFloor === current ? (intAnnotation(hpa, USER_MIN_ANNOTATION) ?? current) : current;
  const hpaMax = typeof spec(hpa).maxReplicas === "number" ? (spec(hpa).maxReplicas as number) : Infinity;
  const want = floor === undefined ? userMin : Math.min(hpaMax, Math.max(userMin, floor));
  const rv = hpa.metadata.resourceVersion;
  const ref = refOf(hpa);

  if (want <= userMin) {
    if (!held) return { actions: landed(attempts, "RestoreFloor", current) };
    const restore: ExecutedAction | undefined =
      current === userMin
        ? undefined
        : {
            type: "RestoreFloor",
            from: current,
            to: userMin,
            message: `restored HPA ${hpa.metadata.name} minReplicas ${current} → ${userMin} (the user's value)`,
          };
    await write(attempts, restore, () =>
      cluster.patch(ref, {
        metadata: {
          ...(rv !== undefined ? { resourceVersion: rv } : {}),
          annotations: { [USER_MIN_ANNOTATION]: null, [FLOOR_ANNOTATION]: null, [SCALER_ANNOTATION]: null },
        },
        spec: { minReplicas: userMin },
      }),
    );
    return { actions: restore ? [restore] : [] };
  }
  if (held && current === want && intAnnotation(hpa, USER_MIN_ANNOTATION) === userMin) {
    return { applied: want, actions: landed(attempts, "SetFloor", want) };
  }
  const set: ExecutedAction | undefined =
    current === want
      ? undefined
      : {
          type: "SetFloor",
          from: current,
          to: want,
          message: `${want > current ? "raised" : "lowered"} HPA ${hpa.metadata.name} minReplicas ${current} → ${want} (user's minReplicas ${userMin}${want === hpaMax && floor !== undefined && floor > hpaMax ? `, capped by the HPA's maxReplicas ${hpaMax}` : ""})`,
        };
  await write(attempts, set, () =>
    cluster.patch(ref, {
      metadata: {
        ...(rv !== undefined ? { resourceVersion: rv } : {}),
        annotations: {
          [USER_MIN_ANNOTATION]: String(userMin),
          [FLOOR_ANNOTATION]: String(want),
          [SCALER_ANNOTATION]: scaler,
        },
      },
      spec: { minReplicas: want },
    }),
  );
  return { applied: want, actions: set ? [set] : [] };
}

export function floorExecutor(): Executor {
  return {
    name: "floor",
    handles: (spec) => spec.mode === "Floor",
    apply: ({ cluster, key, id, targetRef, attempts }, decision) =>
      applyFloor(cluster, key.namespace, id, targetRef, decision.forecastReplicas, attempts),
    // The user's minimum is given back at once, without waiting for a decision.
    releaseWhilePending: true,
    async release({ cluster, key, id, targetRef, attempts }) {
      if (!targetRef) return NOTHING;
      // Only a floor this scaler holds (or was writing) is restored: another HPA layout is not a refusal here.
      const hpas = await hpasFor(cluster, key.namespace, targetRef);
      const held = hpas.some((h) => h.metadata.annotations?.[SCALER_ANNOTATION] === id);
      if (!held && !attempts.pending) return NOTHING;
      const restored = await applyFloor(cluster, key.namespace, id, targetRef, undefined, attempts);
      return { actions: restored.actions };
    },
  };
}
