/**
 * A PredictiveScaler's identity: its namespace and name. Wherever one string names a scaler (the
 * controller's work queue, its forecast target, the decision log, the review API, the annotation on
 * an HPA holding its floor) it is written "namespace/name": `formatScalerKey` writes it and
 * `parseScalerKey` reads it back. Neither part can hold a "/" (both are DNS names).
 */

export interface ScalerKey {
  readonly namespace: string;
  readonly name: string;
}

/** The namespace of an object that names none (as kubectl and the API server take it). */
export const DEFAULT_NAMESPACE = "default";

/** The key of a scaler object from its metadata. */
export function scalerKeyOf(metadata: {
  readonly namespace?: string | undefined;
  readonly name: string;
}): ScalerKey {
  return { namespace: metadata.namespace ?? DEFAULT_NAMESPACE, name: metadata.name };
}

/** "namespace/name". */
export function formatScalerKey(key: ScalerKey): string {
  return `${key.namespace}/${key.name}`;
}

/** "namespace/name" → the key; a bare name is in the default namespace. */
export function parseScalerKey(id: string): ScalerKey {
  const slash = id.indexOf("/");
  return slash < 0
    ? { namespace: DEFAULT_NAMESPACE, name: id }
    : { namespace: id.slice(0, slash), name: id.slice(slash + 1) };
}
