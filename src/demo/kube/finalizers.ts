/**
 * Finalizer rules of the simulated Kubernetes API (a simulator, not a real API server), as the
 * apiserver's generic registry applies them (`k8s.io/apiserver/pkg/registry/generic/registry`):
 * - DELETE of an object with metadata.finalizers only marks it: deletionTimestamp = now,
 *   deletionGracePeriodSeconds = 0, generation + 1 (types that keep one);
 * - while deletionTimestamp is set no new finalizer may be added (422 Forbidden), and clients can
 *   neither change nor clear deletionTimestamp / deletionGracePeriodSeconds;
 * - the write that leaves a terminating object with no finalizers deletes it.
 * Pure functions over plain objects; the store does the writing and the watch events.
 */
import type { StoredObject } from "./objects.js";
import type { FieldCause } from "./status.js";

/** metadata.finalizers as a list of strings (absent or malformed → empty). */
export function finalizersOf(obj: StoredObject): string[] {
  const list = obj.metadata.finalizers;
  return Array.isArray(list) ? list.filter((f): f is string => typeof f === "string") : [];
}

/** True when a DELETE has been accepted but finalizers still hold the object. */
export function isTerminating(obj: StoredObject): boolean {
  return typeof obj.metadata.deletionTimestamp === "string" && obj.metadata.deletionTimestamp !== "";
}

/** `obj` marked as being deleted at `now` (RFC 3339), as the apiserver's markAsDeleting does. */
export function markedForDeletion(obj: StoredObject, now: string): StoredObject {
  const next = structuredClone(obj);
  const meta = next.metadata;
  if (!isTerminating(obj) && typeof meta.generation === "number" && meta.generation > 0) {
    meta.generation += 1;
  }
  meta.deletionTimestamp = now;
  if (meta.deletionGracePeriodSeconds === undefined) meta.deletionGracePeriodSeconds = 0;
  return next;
}

/**
 * Makes `next` carry the stored deletionTimestamp and deletionGracePeriodSeconds of `existing`
 * (set, changed or cleared by a client, they are put back; absent stays absent).
 */
export function keepDeletionFields(next: StoredObject, existing: StoredObject): void {
  for (const field of ["deletionTimestamp", "deletionGracePeriodSeconds"] as const) {
    const stored = existing.metadata[field];
    if (stored === undefined) delete next.metadata[field];
    else next.metadata[field] = structuredClone(stored);
  }
}

/** The 422 cause for finalizers added to a terminating object, or none. */
export function newFinalizerProblems(next: StoredObject, existing: StoredObject): FieldCause[] {
  if (!isTerminating(existing)) return [];
  const before = new Set(finalizersOf(existing));
  const added = [...new Set(finalizersOf(next).filter((f) => !before.has(f)))].sort();
  if (added.length === 0) return [];
  const goList = `[]string{${added.map((f) => JSON.stringify(f)).join(", ")}}`;
  return [
    {
      reason: "FieldValueForbidden",
      message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${goList}`,
      field: "metadata.finalizers",
    },
  ];
}
