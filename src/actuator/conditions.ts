/**
 * metav1.Condition bookkeeping, as apimachinery's meta.SetStatusCondition does it: a condition's
 * lastTransitionTime changes only when its status changes.
 */
import type { Condition } from "./types.js";

export type ConditionInput = Omit<Condition, "lastTransitionTime" | "observedGeneration">;

/** The conditions after setting `next`, keeping transition times of unchanged statuses. */
export function mergeConditions(
  previous: readonly Condition[] | undefined,
  next: readonly ConditionInput[],
  nowIso: string,
  generation: number | undefined,
): Condition[] {
  const byType = new Map((previous ?? []).map((c) => [c.type, c]));
  const out: Condition[] = [];
  for (const c of next) {
    const old = byType.get(c.type);
    out.push({
      ...c,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : nowIso,
    });
    byType.delete(c.type);
  }
  return out;
}

/** RFC 3339 with seconds, as Kubernetes writes times. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
