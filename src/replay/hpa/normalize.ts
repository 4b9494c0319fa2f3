/**
 * Normalization of the metric-derived replica count (metrics-api-and-hpa.md §4.5 legacy path,
 * §4.6 behavior path), after horizontal.go. Pure: takes the remembered recommendations and scale
 * events and returns the updated lists instead of mutating controller maps.
 */
import type {
  HpaBehavior,
  HpaCondition,
  HpaControllerConfig,
  ResolvedBehavior,
  ResolvedScalingRules,
  TimestampedRecommendation,
  TimestampedScaleEvent,
} from "./types.js";

export interface NormalizeResult {
  desired: number;
  recommendations: TimestampedRecommendation[];
  conditions: HpaCondition[];
}

const SCALE_UP_LIMIT_FACTOR = 2;
const SCALE_UP_LIMIT_MINIMUM = 4;

/** Fills behavior defaults (§4.1); scaleDown's nil window becomes the downscale-stabilization flag. */
export function resolveBehavior(behavior: HpaBehavior, config: HpaControllerConfig): ResolvedBehavior {
  const up = behavior.scaleUp ?? {};
  const down = behavior.scaleDown ?? {};
  return {
    scaleUp: {
      stabilizationWindowSeconds: up.stabilizationWindowSeconds ?? 0,
      selectPolicy: up.selectPolicy ?? "Max",
      policies: up.policies ?? [
        { type: "Pods", value: 4, periodSeconds: 15 },
        { type: "Percent", value: 100, periodSeconds: 15 },
      ],
      tolerance: up.tolerance ?? config.tolerance,
    },
    scaleDown: {
      stabilizationWindowSeconds: down.stabilizationWindowSeconds ?? config.downscaleStabilizationSeconds,
      selectPolicy: down.selectPolicy ?? "Max",
      policies: down.policies ?? [{ type: "Percent", value: 100, periodSeconds: 15 }],
      tolerance: down.tolerance ?? config.tolerance,
    },
  };
}

function ableToScale(stabilized: boolean, reason: string, message: string): HpaCondition {
  return stabilized
    ? { type: "AbleToScale", status: "True", reason, message }
    : {
        type: "AbleToScale",
        status: "True",
        reason: "ReadyForNewScale",
        message: "recommended size matches current size",
      };
}

function limited(isLimited: boolean, reason: string, message: string): HpaCondition {
  return { type: "ScalingLimited", status: isLimited ? "True" : "False", reason, message };
}

const WITHIN_RANGE = ["DesiredWithinRange", "the desired count is within the acceptable range"] as const;

/** §4.5: 300 s max-stabilization, then clamp to [min, min(max, max(2×current, 4))]. */
export function normalizeLegacy(
  nowMs: number,
  recommendations: readonly TimestampedRecommendation[],
  current: number,
  prenormalized: number,
  minReplicas: number,
  maxReplicas: number,
  config: HpaControllerConfig,
): NormalizeResult {
  const cutoff = nowMs - config.downscaleStabilizationSeconds * 1000;
  let stabilized = prenormalized;
  let oldIndex = -1;
  recommendations.forEach((rec, i) => {
    if (rec.timeMs < cutoff) oldIndex = i;
    else if (rec.replicas > stabilized) stabilized = rec.replicas;
  });
  const nextRecs = storeRecommendation(recommendations, oldIndex, { replicas: prenormalized, timeMs: nowMs });

  const conditions = [
    ableToScale(
      stabilized !== prenormalized,
      "ScaleDownStabilized",
      "recent recommendations were higher than current one, applying the highest recent recommendation",
    ),
  ];
  const scaleUpLimit = Math.max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM);
  let desired = stabilized;
  let reason: readonly [string, string] = WITHIN_RANGE;
  if (stabilized < minReplicas) {
    desired = minReplicas;
    reason = ["TooFewReplicas", "the desired replica count is less than the minimum replica count"];
  } else if (maxReplicas > scaleUpLimit && stabilized > scaleUpLimit) {
    desired = scaleUpLimit;
    reason = ["ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"];
  } else if (maxReplicas <= scaleUpLimit && stabilized > maxReplicas) {
    desired = maxReplicas;
    reason = ["TooManyReplicas", "the desired replica count is more than the maximum replica count"];
  }
  conditions.push(limited(desired !== stabilized, reason[0], reason[1]));
  return { desired, recommendations: nextRecs, conditions };
}

function storeRecommendation(
  recs: readonly TimestampedRecommendation[],
  oldIndex: number,
  rec: TimestampedRecommendation,
): TimestampedRecommendation[] {
  const next = [...recs];
  if (oldIndex >= 0) next[oldIndex] = rec;
  else next.push(rec);
  return next;
}

/** Sum of |change| of events strictly newer than now − period (getReplicasChangePerPeriod). */
function changeInPeriod(
  nowMs: number,
  periodSeconds: number,
  events: readonly TimestampedScaleEvent[],
): number {
  const cutoff = nowMs - periodSeconds * 1000;
  let total = 0;
  for (const e of events) if (e.timeMs > cutoff) total += e.replicaChange;
  return total;
}

export interface ScaleEvents {
  up: readonly TimestampedScaleEvent[];
  down: readonly TimestampedScaleEvent[];
}

function periodStart(nowMs: number, current: number, periodSeconds: number, events: ScaleEvents): number {
  return (
    current -
    changeInPeriod(nowMs, periodSeconds, events.up) +
    changeInPeriod(nowMs, periodSeconds, events.down)
  );
}

/** calculateScaleUpLimitWithScalingRules. */
export function scaleUpLimit(
  nowMs: number,
  current: number,
  events: ScaleEvents,
  rules: ResolvedScalingRules,
): number {
  if (rules.selectPolicy === "Disabled") return current;
  const pick = rules.selectPolicy === "Min" ? Math.min : Math.max;
  let result = rules.selectPolicy === "Min" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  for (const policy of rules.policies) {
    const start = periodStart(nowMs, current, policy.periodSeconds, events);
    const proposed =
      policy.type === "Pods" ? start + policy.value : Math.ceil(start * (1 + policy.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors: Max picks the biggest change, i.e. the lowest count. */
export function scaleDownLimit(
  nowMs: number,
  current: number,
  events: ScaleEvents,
  rules: ResolvedScalingRules,
): number {
  if (rules.selectPolicy === "Disabled") return current;
  const pick = rules.selectPolicy === "Min" ? Math.max : Math.min;
  let result = rules.selectPolicy === "Min" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  for (const policy of rules.policies) {
    const start = periodStart(nowMs, current, policy.periodSeconds, events);
    const proposed =
      policy.type === "Pods" ? start - policy.value : Math.trunc(start * (1 - policy.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** §4.6: stabilize within both windows, then rate-limit by the policies. */
export function normalizeWithBehavior(
  nowMs: number,
  recommendations: readonly TimestampedRecommendation[],
  events: ScaleEvents,
  current: number,
  prenormalized: number,
  minReplicas: number,
  maxReplicas: number,
  behavior: ResolvedBehavior,
): NormalizeResult {
  const upCutoff = nowMs - behavior.scaleUp.stabilizationWindowSeconds * 1000;
  const downCutoff = nowMs - behavior.scaleDown.stabilizationWindowSeconds * 1000;
  let upRec = prenormalized;
  let downRec = prenormalized;
  let oldIndex = -1;
  recommendations.forEach((rec, i) => {
    if (rec.timeMs > upCutoff) upRec = Math.min(upRec, rec.replicas);
    if (rec.timeMs > downCutoff) downRec = Math.max(downRec, rec.replicas);
    if (rec.timeMs < upCutoff && rec.timeMs < downCutoff) oldIndex = i;
  });
  let stabilized = current;
  if (stabilized < upRec) stabilized = upRec;
  if (stabilized > downRec) stabilized = downRec;
  const nextRecs = storeRecommendation(recommendations, oldIndex, { replicas: prenormalized, timeMs: nowMs });

  const conditions =
    prenormalized >= current
      ? [
          ableToScale(
            stabilized !== prenormalized,
            "ScaleUpStabilized",
            "recent recommendations were lower than current one, applying the lowest recent recommendation",
          ),
        ]
      : [
          ableToScale(
            stabilized !== prenormalized,
            "ScaleDownStabilized",
            "recent recommendations were higher than current one, applying the highest recent recommendation",
          ),
        ];

  let desired = stabilized;
  let reason: readonly [string, string] = WITHIN_RANGE;
  if (stabilized > current) {
    const limit = Math.max(scaleUpLimit(nowMs, current, events, behavior.scaleUp), current);
    const allowed = Math.min(maxReplicas, limit);
    const why: readonly [string, string] =
      maxReplicas > limit
        ? ["ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"]
        : ["TooManyReplicas", "the desired replica count is more than the maximum replica count"];
    if (stabilized > allowed) {
      desired = allowed;
      reason = why;
    }
  } else if (stabilized < current) {
    const limit = Math.min(scaleDownLimit(nowMs, current, events, behavior.scaleDown), current);
    const allowed = Math.max(minReplicas, limit);
    const why: readonly [string, string] =
      minReplicas < limit
        ? ["ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate"]
        : ["TooFewReplicas", "the desired replica count is less than the minimum replica count"];
    if (stabilized < allowed) {
      desired = allowed;
      reason = why;
    }
  }
  conditions.push(limited(desired !== stabilized, reason[0], reason[1]));
  return { desired, recommendations: nextRecs, conditions };
}

/**
 * storeScaleEvent: mark events older than the longest policy period of that direction outdated,
 * put the new event in the last outdated slot (the controller's loop keeps the last one it sees),
 * else append.
 */
export function recordScaleEvent(
  nowMs: number,
  events: ScaleEvents,
  behavior: ResolvedBehavior,
  previous: number,
  next: number,
): ScaleEvents {
  const up = next > previous;
  const rules = up ? behavior.scaleUp : behavior.scaleDown;
  const longest = Math.max(0, ...rules.policies.map((p) => p.periodSeconds)) * 1000;
  const list = (up ? events.up : events.down).map((e) =>
    e.timeMs + longest < nowMs ? { ...e, outdated: true } : e,
  );
  const event: TimestampedScaleEvent = {
    replicaChange: Math.abs(next - previous),
    timeMs: nowMs,
    outdated: false,
  };
  const slot = list.findLastIndex((e) => e.outdated);
  if (slot >= 0) list[slot] = event;
  else list.push(event);
  return up ? { up: list, down: events.down } : { up: events.up, down: list };
}
