/**
 * Scalers' latest forecasts kept in the cluster, so that a new leader starts warm: the
 * leader writes each new forecast to a ConfigMap `foresight-forecast-<scaler>` beside the scaler
 * (owned by it, so it goes with it); a replica that takes over reads it before its own first run and
 * acts on it at once instead of waiting (Pending), as long as it still covers the lead time.
 */
import type { StoredForecast } from "../forecast/store.js";
import type { ActuatorCluster, ClusterObject, ObjectRef } from "./cluster.js";
import { isRecord } from "./cluster.js";
import { MANAGED_BY, MANAGED_BY_LABEL, SCALER_OBJECT_LABEL } from "./nodeObjects.js";
import type { ScalerKey } from "./scalerKey.js";
import { PREDICTIVE_SCALER_API_VERSION, PREDICTIVE_SCALER_KIND } from "./types.js";

/** A scaler whose snapshot is read or written: its key and, when known, its uid (the owner). */
export type SnapshotOwner = ScalerKey & { readonly uid?: string };

export interface ForecastSnapshots {
  load(scaler: SnapshotOwner): Promise<StoredForecast | undefined>;
  save(scaler: SnapshotOwner, forecast: StoredForecast): Promise<void>;
}

const KEY = "forecast.json";

/** A DNS label: the scaler's name, cut with a stable hash when too long. */
export function snapshotName(scaler: string): string {
  const name = `foresight-forecast-${scaler}`;
  if (name.length <= 63) return name;
  let h = 0;
  for (const c of scaler) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  return `${name.slice(0, 54).replace(/[-.]+$/, "")}-${h.toString(16).padStart(8, "0")}`;
}

function ref(scaler: SnapshotOwner): ObjectRef {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    namespace: scaler.namespace,
    name: snapshotName(scaler.name),
  };
}

function isForecast(value: unknown): value is StoredForecast {
  return (
    isRecord(value) &&
    typeof value.startMs === "number" &&
    typeof value.stepSeconds === "number" &&
    Array.isArray(value.mean) &&
    isRecord(value.quantiles) &&
    typeof value.model === "string" &&
    typeof value.computedAtMs === "number"
  );
}

export function configMapSnapshots(cluster: ActuatorCluster): ForecastSnapshots {
  return {
    async load(scaler) {
      const cm = await cluster.get(ref(scaler));
      const text = cm && isRecord(cm.data) ? cm.data[KEY] : undefined;
      if (typeof text !== "string") return undefined;
      try {
        const value = JSON.parse(text) as unknown;
        return isForecast(value) ? value : undefined;
      } catch {
        return undefined;
      }
    },
    async save(scaler, forecast) {
      const r = ref(scaler);
      const data = { [KEY]: JSON.stringify(forecast) };
      const existing = await cluster.get(r);
      if (existing) {
        await cluster.patch(r, { data });
        return;
      }
      const object: ClusterObject = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: r.name,
          namespace: scaler.namespace,
          labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [SCALER_OBJECT_LABEL]: scaler.name },
          ...(scaler.uid !== undefined
            ? {
                ownerReferences: [
                  {
                    apiVersion: PREDICTIVE_SCALER_API_VERSION,
                    kind: PREDICTIVE_SCALER_KIND,
                    name: scaler.name,
                    uid: scaler.uid,
                    controller: true,
                    blockOwnerDeletion: false,
                  },
                ],
              }
            : {}),
        },
        data,
      };
      await cluster.create(object);
    },
  };
}
