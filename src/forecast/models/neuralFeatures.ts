/**
 * Feature engineering for the neural model, kept free of TensorFlow so it is pure and easy to test.
 * One training sample ("window") at origin t predicts the block y[t .. t+H-1] from:
 *   - the last L values before t (L = one day of steps, capped),
 *   - the same block one day earlier y[t-D .. t-D+H-1] and, with enough history, one week earlier,
 *   - a 0/1 mask per input value telling which ones were imputed (gaps), and
 *   - calendar features of each target step: time of day and day of week as sin/cos pairs (UTC).
 * Values are scaled robustly per series (median and IQR), so one network fits any magnitude.
 */
import { empiricalQuantile, finite, nanMean } from "../stats.js";

export interface FeatureLayout {
  readonly stepSeconds: number;
  /** L: recent values fed to the network. */
  readonly inputSteps: number;
  /** H: steps predicted at once; longer horizons are forecast block by block. */
  readonly horizonSteps: number;
  /** D: steps per day (the daily seasonal lag). */
  readonly dailyLagSteps: number;
  /** Weekly seasonal lag in steps, or 0 when the history is too short to use it. */
  readonly weeklyLagSteps: number;
}

export interface Scaler {
  readonly center: number;
  readonly scale: number;
}

const DAY_SECONDS = 86_400;
const CALENDAR_PER_STEP = 4;

export function stepsPerDay(stepSeconds: number): number {
  return Math.max(1, Math.round(DAY_SECONDS / stepSeconds));
}

/** The seasonal lags used by `layout`, in steps. */
export function lagsOf(layout: FeatureLayout): number[] {
  return layout.weeklyLagSteps > 0 ? [layout.dailyLagSteps, layout.weeklyLagSteps] : [layout.dailyLagSteps];
}

/** Number of network inputs for `layout`. */
export function featureCount(layout: FeatureLayout): number {
  const values = layout.inputSteps + lagsOf(layout).length * layout.horizonSteps;
  return 2 * values + CALENDAR_PER_STEP * layout.horizonSteps;
}

/** First origin with a full input window and all seasonal lags inside the history. */
export function earliestOrigin(layout: FeatureLayout): number {
  return Math.max(layout.inputSteps, ...lagsOf(layout));
}

/** Median and IQR; falls back to the mean absolute deviation, then to |median|, then 1 (flat series). */
export function robustScaler(values: ArrayLike<number>): Scaler {
  const xs = finite(values);
  if (xs.length === 0) return { center: 0, scale: 1 };
  const center = empiricalQuantile(xs, 0.5);
  const iqr = empiricalQuantile(xs, 0.75) - empiricalQuantile(xs, 0.25);
  const mad = nanMean(xs.map((x) => Math.abs(x - center)));
  const scale = iqr > 1e-12 ? iqr : mad > 1e-12 ? mad : Math.abs(center) > 1e-12 ? Math.abs(center) : 1;
  return { center, scale };
}

export interface ImputedSeries {
  /** Scaled values with gaps filled. */
  readonly values: Float64Array;
  /** 1 where the original value was missing. */
  readonly mask: Uint8Array;
}

/**
 * Scales `values` and fills NaN gaps: with the (already filled) value one day earlier when there is
 * one, else the last value seen, else the centre (0 after scaling). The mask keeps the truth.
 */
export function imputeScaled(
  values: ArrayLike<number>,
  scaler: Scaler,
  dailyLagSteps: number,
): ImputedSeries {
  const out = new Float64Array(values.length);
  const mask = new Uint8Array(values.length);
  let last = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) {
      last = (v - scaler.center) / scaler.scale;
      out[i] = last;
    } else {
      mask[i] = 1;
      out[i] = i >= dailyLagSteps ? (out[i - dailyLagSteps] as number) : last;
    }
  }
  return { values: out, mask };
}

/** Time of day and day of week of `ms` (UTC) as two sin/cos pairs. */
export function calendarFeatures(ms: number): [number, number, number, number] {
  const days = ms / (DAY_SECONDS * 1000);
  const dayFraction = days - Math.floor(days);
  // 1970-01-01 was a Thursday; +4 makes Sunday 0 (any fixed origin would do for a cyclic feature).
  const week = (((Math.floor(days) + 4) % 7) + dayFraction) / 7;
  const a = 2 * Math.PI * dayFraction;
  const b = 2 * Math.PI * week;
  return [Math.sin(a), Math.cos(a), Math.sin(b), Math.cos(b)];
}

/**
 * Writes the features of the window at `origin` into `out` at `offset`. `values`/`mask` must cover
 * indices [origin − max(L, lags), origin); `firstTargetMs` is the time of step `origin`.
 */
export function writeFeatures(
  values: ArrayLike<number>,
  mask: ArrayLike<number>,
  origin: number,
  firstTargetMs: number,
  layout: FeatureLayout,
  out: Float32Array,
  offset: number,
): void {
  const { inputSteps: L, horizonSteps: H } = layout;
  const valueCount = L + lagsOf(layout).length * H;
  let k = 0;
  const put = (index: number): void => {
    out[offset + k] = values[index] as number;
    out[offset + valueCount + k] = mask[index] as number;
    k++;
  };
  for (let i = origin - L; i < origin; i++) put(i);
  // Lagged blocks end before the origin because H ≤ D (the layout guarantees it).
  for (const lag of lagsOf(layout)) for (let h = 0; h < H; h++) put(origin + h - lag);
  let c = offset + 2 * valueCount;
  for (let h = 0; h < H; h++) {
    const features = calendarFeatures(firstTargetMs + h * layout.stepSeconds * 1000);
    for (const f of features) out[c++] = f;
  }
}

/** Origins whose targets are all observed (windows with a gap in the target are not learned). */
export function validOrigins(values: ArrayLike<number>, layout: FeatureLayout): number[] {
  const H = layout.horizonSteps;
  const origins: number[] = [];
  // Count missing targets in a sliding block of H.
  let missing = 0;
  const start = earliestOrigin(layout);
  for (let i = start; i < start + H && i < values.length; i++)
    if (!Number.isFinite(values[i] as number)) missing++;
  for (let t = start; t + H <= values.length; t++) {
    if (missing === 0) origins.push(t);
    if (!Number.isFinite(values[t] as number)) missing--;
    if (t + H < values.length && !Number.isFinite(values[t + H] as number)) missing++;
  }
  return origins;
}

export interface Windows {
  readonly count: number;
  readonly features: number;
  /** Row-major [count, features]. */
  readonly x: Float32Array;
  /** Row-major [count, H], scaled targets. */
  readonly y: Float32Array;
}

/** Builds the training matrix for `origins` of a series already imputed and scaled. */
export function buildWindows(
  raw: ArrayLike<number>,
  imputed: ImputedSeries,
  origins: readonly number[],
  startMs: number,
  layout: FeatureLayout,
  scaler: Scaler,
): Windows {
  const features = featureCount(layout);
  const H = layout.horizonSteps;
  const x = new Float32Array(origins.length * features);
  const y = new Float32Array(origins.length * H);
  origins.forEach((origin, row) => {
    const ms = startMs + origin * layout.stepSeconds * 1000;
    writeFeatures(imputed.values, imputed.mask, origin, ms, layout, x, row * features);
    for (let h = 0; h < H; h++) y[row * H + h] = ((raw[origin + h] as number) - scaler.center) / scaler.scale;
  });
  return { count: origins.length, features, x, y };
}
