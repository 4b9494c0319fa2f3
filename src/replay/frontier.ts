/**
 * The reactive frontier: the cost against a bad metric (overloaded share, SLO-violation share, …) that
 * a reactive HPA reaches at several targets, and where another policy sits against it. One metric at
 * a time. Hand-written: a Pareto filter and linear interpolation between a handful of points.
 */

export interface FrontierPoint {
  /** What produced the point, e.g. the HPA target "70%". */
  readonly label: string;
  /** Replica-hours, or any cost where lower is better. */
  readonly cost: number;
  /** The bad metric, lower is better (a share in [0, 1] for the replay's scores). */
  readonly value: number;
}

/**
 * Pareto-efficient points by strictly rising cost and strictly falling value; between points the
 * curve is linear.
 */
export type FrontierCurve = readonly FrontierPoint[];

export interface FrontierPlacement {
  /** The curve's value at the policy's cost. */
  readonly valueAtEqualCost?: number;
  /** Policy value ÷ valueAtEqualCost; where the curve is 0, 0 if the policy is also 0, else Infinity. */
  readonly ratioAtEqualCost?: number;
  /** The cost the curve needs to reach the policy's value. */
  readonly costAtEqualValue?: number;
  /** Policy cost ÷ costAtEqualValue, with the same rule at 0. */
  readonly costRatioAtEqualValue?: number;
  /** On or below the curve at its cost (1e-9 absolute slack); undefined when its cost is outside the curve. */
  readonly below: boolean | undefined;
}

/** Slack for `below`, so that a policy that reproduces a curve point is on it, not above it. */
const BELOW_TOLERANCE = 1e-9;

function checkPoint(what: string, cost: number, value: number): void {
  if (!Number.isFinite(cost)) throw new RangeError(`${what}: cost ${cost} must be a finite number`);
  if (!Number.isFinite(value)) throw new RangeError(`${what}: value ${value} must be a finite number`);
}

/**
 * The usable curve through `points`: sorted by cost, dropping every point that another matches or
 * beats on both cost and value (beating it on one). Exact duplicates collapse to the first given.
 */
export function frontierCurve(points: readonly FrontierPoint[]): FrontierCurve {
  if (points.length === 0)
    throw new RangeError("frontier: no points; run the reactive policy at one target at least");
  for (const p of points) checkPoint(`frontier point "${p.label}"`, p.cost, p.value);
  // Stable sort: among exact duplicates the first given comes first and is the one kept.
  const sorted = [...points].sort((a, b) => a.cost - b.cost || a.value - b.value);
  const curve: FrontierPoint[] = [];
  for (const p of sorted) {
    const last = curve[curve.length - 1];
    // Sorted by cost then value, a point is efficient only if its value beats every cheaper one's.
    if (last === undefined || p.value < last.value) curve.push(p);
  }
  return curve;
}

/**
 * The curve's value at `cost`, linear between its points. Undefined when `cost` is outside the curve's
 * [min cost, max cost]: no extrapolation, since nothing says how the reactive policy behaves there.
 */
export function valueAtCost(curve: FrontierCurve, cost: number): number | undefined {
  const first = curve[0];
  const last = curve[curve.length - 1];
  if (first === undefined || last === undefined || !(cost >= first.cost && cost <= last.cost))
    return undefined;
  for (let i = 1; i < curve.length; i++) {
    const a = curve[i - 1] as FrontierPoint;
    const b = curve[i] as FrontierPoint;
    // At a point, its own value: interpolating from the segment's start is off by rounding.
    if (cost === b.cost) return b.value;
    if (cost < b.cost) return a.value + ((b.value - a.value) * (cost - a.cost)) / (b.cost - a.cost);
  }
  return first.value;
}

/**
 * The cost the curve needs to reach `value`, linear between its points (its value falls as cost
 * rises). Undefined when `value` is outside the curve's [min value, max value]: no extrapolation.
 */
export function costAtValue(curve: FrontierCurve, value: number): number | undefined {
  const first = curve[0];
  const last = curve[curve.length - 1];
  if (first === undefined || last === undefined || !(value <= first.value && value >= last.value))
    return undefined;
  for (let i = 1; i < curve.length; i++) {
    const a = curve[i - 1] as FrontierPoint;
    const b = curve[i] as FrontierPoint;
    if (value === b.value) return b.cost;
    if (value > b.value) return a.cost + ((b.cost - a.cost) * (a.value - value)) / (a.value - b.value);
  }
  return first.cost;
}

/** a ÷ b, where b = 0 gives 0 if a is 0 too (both perfect) and Infinity otherwise. */
function ratio(a: number, b: number): number {
  if (b === 0) return a === 0 ? 0 : Number.POSITIVE_INFINITY;
  return a / b;
}

/** Where a policy's (cost, value) sits against the curve: at its cost, and at its value. */
export function placeOnFrontier(
  curve: FrontierCurve,
  policy: { readonly cost: number; readonly value: number },
): FrontierPlacement {
  checkPoint("policy", policy.cost, policy.value);
  const valueAtEqualCost = valueAtCost(curve, policy.cost);
  const costAtEqualValue = costAtValue(curve, policy.value);
  return {
    ...(valueAtEqualCost !== undefined
      ? { valueAtEqualCost, ratioAtEqualCost: ratio(policy.value, valueAtEqualCost) }
      : {}),
    ...(costAtEqualValue !== undefined
      ? { costAtEqualValue, costRatioAtEqualValue: ratio(policy.cost, costAtEqualValue) }
      : {}),
    below: valueAtEqualCost === undefined ? undefined : policy.value <= valueAtEqualCost + BELOW_TOLERANCE,
  };
}
