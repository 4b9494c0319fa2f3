/**
 * The planner, one pure function shared by the controller and the simulator: the
 * replicas a forecast asks for. desired = ceil(max of the quantile path over [now, now + lead time]
 * ÷ capacity per replica), clamped to min/max (or allowed past max, within maxCapacityBuffer %, under `Increase`), then slowed on
 * the way down (scale-down delay, then a maximum rate), and never below what the reactive path asks.
 * State goes in and a new state comes out; the input state is never touched.
 */

/** The chosen quantile's path, one value per step from `startMs`. */
export interface ForecastPath {
  readonly startMs: number;
  readonly stepSeconds: number;
  readonly values: ArrayLike<number>;
}

export type CapacityBreach = "Honor" | "Increase";

/**
 * The most replicas a forecast may ask for: maxReplicas under `Honor`; under `Increase`,
 * maxReplicas plus at most `bufferPercent` % of it, rounded down (an integer, exact for int32
 * inputs). Adapted from AWS's MaxCapacityBuffer, whose percentage is of the forecast rather than
 * of the maximum (see docs/predictive-scaler.md).
 */
export function replicaCeiling(maxReplicas: number, breach: CapacityBreach, bufferPercent = 0): number {
  if (breach === "Honor") return maxReplicas;
  return maxReplicas + Math.floor((maxReplicas * bufferPercent) / 100);
}

export interface ScaleDownSpec {
  /** A lower forecast value must be asked for continuously this long before it is applied. */
  readonly delayMs: number;
  /** At most this share of the replicas fewer per minute. */
  readonly maxPercentPerMinute?: number;
  /** At most this many replicas fewer per minute. */
  readonly maxPodsPerMinute?: number;
}

interface Ask {
  readonly atMs: number;
  readonly replicas: number;
}

export interface PlannerState {
  /** The forecast-side replicas planned last time (after delay and rate). */
  readonly lastForecastReplicas?: number;
  /** Forecast asks reaching back to the scale-down delay (the oldest one in effect at now − delay). */
  readonly asks: readonly Ask[];
  /** Start of the current one-minute rate period and the replicas at its start. */
  readonly ratePeriodStartMs?: number;
  readonly ratePeriodReplicas?: number;
}

export const initialPlannerState = (): PlannerState => ({ asks: [] });

export interface PlanInput {
  readonly forecast: ForecastPath;
  readonly nowMs: number;
  /** Demand one ready replica serves at its target. */
  readonly capacityPerReplica: number;
  readonly leadTimeMs: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly maxCapacityBreach: CapacityBreach;
  /** Under `Increase`: how far past maxReplicas, in percent of it, the forecast may go (0–100). */
  readonly maxCapacityBuffer?: number;
  readonly scaleDown: ScaleDownSpec;
  /** What the reactive path (the user's HPA) asks now; the result is never below it. */
  readonly reactiveReplicas: number;
  readonly state: PlannerState;
  /** For the reason text only: the served quantile (0.9 → "p90") and the demand's unit. */
  readonly quantile?: number;
  readonly unit?: string;
}

export interface PlanFlags {
  /** The forecast asked for more than max and `Honor` capped it. */
  readonly cappedByMax: boolean;
  /** The forecast asked for more than max and `Increase` let it through. */
  readonly breachedMax: boolean;
  /** Under `Increase`, the forecast asked for more than maxReplicas + maxCapacityBuffer % and was capped there. */
  readonly cappedByBuffer: boolean;
  readonly scaleDownHeld: boolean;
  readonly rateLimited: boolean;
}

export interface PlanResult {
  /** max(reactive, forecast). */
  readonly desiredReplicas: number;
  /** The forecast's replicas after clamps, delay and rate, before the max with reactive. */
  readonly forecastReplicas: number;
  /** The forecast's peak over the window (NaN when no step of the path covers it). */
  readonly peak: number;
  readonly reason: string;
  readonly flags: PlanFlags;
  readonly state: PlannerState;
}

const MINUTE_MS = 60_000;

/** Max of the path over the steps covering [fromMs, toMs]; NaN when none does (NaN values skipped). */
export function forecastPeak(path: ForecastPath, fromMs: number, toMs: number): number {
  const stepMs = path.stepSeconds * 1000;
  const a = Math.max(0, Math.floor((fromMs - path.startMs) / stepMs));
  const b = Math.min(path.values.length - 1, Math.floor((toMs - path.startMs) / stepMs));
  let max = Number.NaN;
  for (let i = a; i <= b; i++) {
    const v = path.values[i] as number;
    if (Number.isFinite(v) && !(v <= max)) max = v;
  }
  return max;
}

function duration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % MINUTE_MS === 0 && ms > 0) return `${ms / MINUTE_MS}m`;
  return `${Math.round(ms / 1000)}s`;
}

/** Four significant digits, trailing zeros of the fraction dropped (1319.7 → "1320", 0.250 → "0.25"). */
export function fmt(x: number): string {
  if (Number.isInteger(x)) return String(x);
  const text = Math.abs(x) >= 1e4 ? String(Math.round(x)) : x.toPrecision(4);
  return text.includes(".") && !text.includes("e") ? text.replace(/\.?0+$/, "") : text;
}

/** The asks still relevant at `nowMs`: from the last one at or before now − delay onwards. */
function keepAsks(asks: readonly Ask[], nowMs: number, delayMs: number): Ask[] {
  const horizon = nowMs - delayMs;
  let from = 0;
  for (let i = 0; i < asks.length; i++) if ((asks[i] as Ask).atMs <= horizon) from = i;
  return asks.slice(from);
}

/**
 * Fewest replicas allowed this period. A percent limit still allows one replica per minute, or a
 * small workload could never scale down (the HPA's ceil rounding has that trap). When both limits
 * are set the stricter one holds.
 */
function rateFloor(base: number, spec: ScaleDownSpec): number {
  const allowances: number[] = [];
  if (spec.maxPodsPerMinute !== undefined) allowances.push(Math.max(0, Math.floor(spec.maxPodsPerMinute)));
  if (spec.maxPercentPerMinute !== undefined)
    allowances.push(Math.max(1, Math.floor((base * spec.maxPercentPerMinute) / 100)));
  return allowances.length === 0 ? Number.NEGATIVE_INFINITY : base - Math.min(...allowances);
}

export function plan(input: PlanInput): PlanResult {
  const { nowMs, capacityPerReplica: c, minReplicas, maxReplicas, scaleDown, state } = input;
  if (!(c > 0)) throw new RangeError(`capacityPerReplica ${c} must be > 0 (demand one replica serves)`);
  if (!(minReplicas >= 0 && maxReplicas >= minReplicas))
    throw new RangeError(`replica bounds min ${minReplicas}, max ${maxReplicas}: need 0 ≤ min ≤ max`);
  const q = input.quantile === undefined ? "forecast" : `forecast p${fmt(input.quantile * 100)}`;
  const unit = input.unit === undefined ? "" : ` ${input.unit}`;
  const lead = duration(input.leadTimeMs);
  const notes: string[] = [];

  const peak = forecastPeak(input.forecast, nowMs, nowMs + input.leadTimeMs);
  let raw: number;
  if (Number.isNaN(peak)) {
    raw = 0;
    notes.push(`no ${q} step covers the next ${lead}`);
  } else {
    // 1e-9: 800 ÷ 50 must give 16, not 17 from float noise.
    raw = Math.max(0, Math.ceil(peak / c - 1e-9));
    notes.push(`${q} peak ${fmt(peak)}${unit} within ${lead} ÷ ${fmt(c)} per replica = ${raw}`);
  }

  let target = Math.max(minReplicas, raw);
  let cappedByMax = false;
  let breachedMax = false;
  let cappedByBuffer = false;
  if (target > maxReplicas) {
    if (input.maxCapacityBreach === "Honor") {
      cappedByMax = true;
      target = maxReplicas;
      notes.push(`capped at maxReplicas ${maxReplicas}`);
    } else {
      const buffer = input.maxCapacityBuffer ?? 0;
      const ceiling = replicaCeiling(maxReplicas, "Increase", buffer);
      if (ceiling > maxReplicas) breachedMax = true;
      if (target > ceiling) {
        cappedByBuffer = true;
        target = ceiling;
        notes.push(`capped at ${ceiling}: maxReplicas ${maxReplicas} + maxCapacityBuffer ${buffer}%`);
      } else notes.push(`above maxReplicas ${maxReplicas} (maxCapacityBreach Increase, within ${ceiling})`);
    }
  } else if (raw < minReplicas) notes.push(`raised to minReplicas ${minReplicas}`);

  const asks = keepAsks([...state.asks, { atMs: nowMs, replicas: target }], nowMs, scaleDown.delayMs);
  const previous = state.lastForecastReplicas;
  let planned = target;
  let scaleDownHeld = false;
  let rateLimited = false;
  let periodStart = state.ratePeriodStartMs;
  let periodReplicas = state.ratePeriodReplicas;
  if (previous !== undefined && target < previous) {
    // The lowest value asked for continuously over the delay is the highest ask within it.
    const settled = Math.min(previous, Math.max(...asks.map((a) => a.replicas)));
    if (settled > target) {
      scaleDownHeld = true;
      notes.push(`held ${settled} during scale-down delay ${duration(scaleDown.delayMs)}`);
    }
    planned = settled;
    if (planned < previous) {
      if (periodStart === undefined || periodReplicas === undefined || nowMs - periodStart >= MINUTE_MS) {
        periodStart = nowMs;
        periodReplicas = previous;
      }
      const floor = rateFloor(periodReplicas, scaleDown);
      if (planned < floor) {
        rateLimited = true;
        planned = Math.min(previous, floor);
        notes.push(`scale-down rate-limited to ${planned}`);
      }
    }
  } else {
    periodStart = undefined;
    periodReplicas = undefined;
  }

  const desired = Math.max(input.reactiveReplicas, planned);
  if (input.reactiveReplicas > planned) notes.push(`reactive asks ${input.reactiveReplicas}, which is more`);
  return {
    desiredReplicas: desired,
    forecastReplicas: planned,
    peak,
    reason: notes.join("; "),
    flags: { cappedByMax, breachedMax, cappedByBuffer, scaleDownHeld, rateLimited },
    state: {
      lastForecastReplicas: planned,
      asks,
      ...(periodStart === undefined ? {} : { ratePeriodStartMs: periodStart }),
      ...(periodReplicas === undefined ? {} : { ratePeriodReplicas: periodReplicas }),
    },
  };
}
