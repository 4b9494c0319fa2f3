/**
 * The `/scale` subresource: an object's replicas seen as an autoscaling/v1 Scale (what kubectl
 * scale, the HPA controller and client-node's `*Scale` methods use). Reads map the object to a
 * Scale; writes take a Scale, change only the desired replicas, and keep the object's
 * resourceVersion rules (a stale `metadata.resourceVersion` is a 409 Conflict).
 */
import type { ObjectInput, StoredObject } from "./objects.js";
import { isPlainObject } from "./objects.js";
import type { ResourceType, ScaleMapping } from "./resourceTypeShape.js";
import { invalid, kubeBadRequest, objectNotFound } from "./status.js";
import { setValueAt, valueAt } from "./typeHelpers.js";

export const SCALE_GROUP_VERSION = { group: "autoscaling", version: "v1", kind: "Scale" } as const;

export function scaleMappingOf(type: ResourceType): ScaleMapping {
  if (!type.scale) throw objectNotFound(type, "scale");
  return type.scale;
}

/** The Scale view of `obj`: same name, namespace, uid, resourceVersion and creationTimestamp. */
export function scaleOf(type: ResourceType, obj: StoredObject): StoredObject {
  const mapping = scaleMappingOf(type);
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  const specReplicas = valueAt(obj, mapping.specReplicasPath);
  const statusReplicas = valueAt(obj, mapping.statusReplicasPath);
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name,
      ...(namespace !== undefined ? { namespace } : {}),
      uid,
      resourceVersion,
      creationTimestamp,
    },
    spec: { replicas: typeof specReplicas === "number" ? specReplicas : 0 },
    status: {
      replicas: typeof statusReplicas === "number" ? statusReplicas : 0,
      selector: mapping.selector(obj),
    },
  };
}

/**
 * The object to write for a Scale sent by a client: `existing` with the new desired replicas,
 * carrying the Scale's resourceVersion as the precondition. Bad replicas → 422 Invalid (kind Scale).
 */
export function objectForScale(type: ResourceType, existing: StoredObject, scale: unknown): ObjectInput {
  const mapping = scaleMappingOf(type);
  if (!isPlainObject(scale)) throw kubeBadRequest("the request body must be an autoscaling/v1 Scale object");
  if (scale.kind !== undefined && scale.kind !== "" && scale.kind !== "Scale") {
    throw kubeBadRequest(
      `the kind in the object (${String(scale.kind)}) does not match the scale subresource, which holds Scale`,
    );
  }
  const meta = isPlainObject(scale.metadata) ? scale.metadata : {};
  const name = existing.metadata.name;
  if (meta.name !== undefined && meta.name !== name) {
    throw kubeBadRequest(
      `the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`,
    );
  }
  const replicas = valueAt(scale, "spec.replicas") ?? 0;
  if (!Number.isInteger(replicas) || (replicas as number) < 0) {
    throw invalid({ group: SCALE_GROUP_VERSION.group, kind: "Scale" }, name, [
      {
        reason: "FieldValueInvalid",
        message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
        field: "spec.replicas",
      },
    ]);
  }
  const next = structuredClone(existing) as StoredObject;
  setValueAt(next, mapping.specReplicasPath, replicas);
  next.metadata.resourceVersion = typeof meta.resourceVersion === "string" ? meta.resourceVersion : "";
  return next;
}
