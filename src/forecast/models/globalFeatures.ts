/**
 * Features of the global model (`global`), free of TensorFlow so they are pure and easy to test.
 * One window at origin t predicts y[t .. t+H-1] of any series from:
 *   - its last L values before t,
 *   - the same block one day and one week earlier,
 *   - a 0/1 mask per input value (1 = missing: a gap, or older than the history the target has), and
 *   - time of day and day of week of each target step (neuralFeatures.calendarFeatures).
 * Unlike the per-series `neural` model, values are scaled per window (median and spread of the last L
 * values), so one network serves every level and unit, and a target with one hour of history gets the
 * same kind of input as one with a month (the older inputs are masked).
 */
import { empiricalQuantile } from "../stats.js";
import type { Quantile, Series } from "../types.js";
import { calendarFeatures, type Scaler, stepsPerDay } from "./neuralFeatures.js";

export interface GlobalLayout {
  /** L: recent values fed to the network. */
  readonly inputSteps: number;
  /** H: steps predicted per pass; longer horizons are forecast block by block. */
  readonly horizonSteps: number;
  /** Quantile levels the network outputs, sorted, with 0.5. */
  readonly levels: readonly Quantile[];
}

export const DEFAULT_GLOBAL_LAYOUT: GlobalLayout = {
  inputSteps: 24,
  horizonSteps: 12,
  levels: [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95],
};

/** Scaled inputs are clipped to ±INPUT_CLIP and training targets to ±TARGET_CLIP (spikes of 30× the level). */
const INPUT_CLIP = 10;
const TARGET_CLIP = 30;
const CALENDAR_PER_STEP = 4;

/** Recent values plus the daily and weekly blocks. */
function valueCount(layout: GlobalLayout): number {
  return layout.inputSteps + 2 * layout.horizonSteps;
}

export function globalFeatureCount(layout: GlobalLayout): number {
  return 2 * valueCount(layout) + CALENDAR_PER_STEP * layout.horizonSteps;
}

/** Steps of history the features can look back: the weekly block, or the input window if longer. */
export function globalLookback(layout: GlobalLayout, stepSeconds: number): number {
  return Math.max(layout.inputSteps, 7 * stepsPerDay(stepSeconds));
}

/**
 * Scaler of one window: median of its finite recent values, spread the IQR, at least 10% of the
 * median's size (a flat window would otherwise blow small moves up), else 1 (all zeros).
 */
export function windowScaler(recent: readonly number[]): Scaler {
  if (recent.length === 0) return { center: 0, scale: 1 };
  const center = empiricalQuantile(recent, 0.5);
  const iqr = empiricalQuantile(recent, 0.75) - empiricalQuantile(recent, 0.25);
  const scale = Math.max(iqr, 0.1 * Math.abs(center));
  return { center, scale: scale > 1e-12 ? scale : 1 };
}

const clip = (v: number, limit: number): number => Math.max(-limit, Math.min(limit, v));

/**
 * Writes the features of the window at `origin` of `values` into `out` at `offset` and returns the
 * window's scaler. Indices below `firstAvailable` (history the target does not have) and NaN values are
 * masked; indices ≥ `origin` are never read. `firstTargetMs` is the time of step `origin`.
 */
export function writeGlobalFeatures(
  values: ArrayLike<number>,
  firstAvailable: number,
  origin: number,
  firstTargetMs: number,
  stepSeconds: number,
  layout: GlobalLayout,
  out: Float32Array,
  offset: number,
): Scaler {
  const { inputSteps: L, horizonSteps: H } = layout;
  const day = stepsPerDay(stepSeconds);
  const read = (i: number): number =>
    i >= firstAvailable && i >= 0 && i < origin ? (values[i] as number) : Number.NaN;
  const recent: number[] = [];
  for (let i = origin - L; i < origin; i++) {
    const v = read(i);
    if (Number.isFinite(v)) recent.push(v);
  }
  const scaler = windowScaler(recent);
  const count = valueCount(layout);
  let k = 0;
  const put = (index: number): void => {
    const v = read(index);
    const ok = Number.isFinite(v);
    out[offset + k] = ok ? clip((v - scaler.center) / scaler.scale, INPUT_CLIP) : 0;
    out[offset + count + k] = ok ? 0 : 1;
    k++;
  };
  for (let i = origin - L; i < origin; i++) put(i);
  // A block one lag earlier is read only where it lies before the origin (H ≤ a day at any step ≥ 2 min).
  for (const lag of [day, 7 * day]) for (let h = 0; h < H; h++) put(h < lag ? origin + h - lag : -1);
  let c = offset + 2 * count;
  for (let h = 0; h < H; h++) {
    for (const f of calendarFeatures(firstTargetMs + h * stepSeconds * 1000)) out[c++] = f;
  }
  return scaler;
}

export interface GlobalWindows {
  readonly count: number;
  readonly features: number;
  /** Row-major [count, features]. */
  readonly x: Float32Array;
  /** Row-major [count, H], targets scaled by each window's scaler. */
  readonly y: Float32Array;
}

/** One training window: its origin and how many steps of history before it the target "has". */
export interface WindowSpec {
  readonly origin: number;
  readonly historySteps: number;
}

/**
 * Training windows of `series` at `specs`; a window whose targets include a gap or whose recent
 * inputs are all missing is skipped (never learned as zeros).
 */
export function buildGlobalWindows(
  series: Series,
  specs: readonly WindowSpec[],
  layout: GlobalLayout,
): GlobalWindows {
  const features = globalFeatureCount(layout);
  const H = layout.horizonSteps;
  const stepMs = series.stepSeconds * 1000;
  const x = new Float32Array(specs.length * features);
  const y = new Float32Array(specs.length * H);
  let row = 0;
  for (const { origin, historySteps } of specs) {
    if (origin + H > series.values.length || origin < 1) continue;
    let complete = true;
    for (let h = 0; h < H; h++) if (!Number.isFinite(series.values[origin + h] as number)) complete = false;
    if (!complete) continue;
    const at = row * features;
    const scaler = writeGlobalFeatures(
      series.values,
      origin - historySteps,
      origin,
      series.startMs + origin * stepMs,
      series.stepSeconds,
      layout,
      x,
      at,
    );
    let seen = 0;
    for (let i = 0; i < layout.inputSteps; i++) if (x[at + valueCount(layout) + i] === 0) seen++;
    if (seen === 0) continue;
    for (let h = 0; h < H; h++)
      y[row * H + h] = clip(
        ((series.values[origin + h] as number) - scaler.center) / scaler.scale,
        TARGET_CLIP,
      );
    row++;
  }
  return { count: row, features, x: x.slice(0, row * features), y: y.slice(0, row * H) };
}

/** Concatenates window sets (same layout). */
export function concatWindows(parts: readonly GlobalWindows[], layout: GlobalLayout): GlobalWindows {
  const features = globalFeatureCount(layout);
  const count = parts.reduce((n, p) => n + p.count, 0);
  const x = new Float32Array(count * features);
  const y = new Float32Array(count * layout.horizonSteps);
  let row = 0;
  for (const p of parts) {
    x.set(p.x, row * features);
    y.set(p.y, row * layout.horizonSteps);
    row += p.count;
  }
  return { count, features, x, y };
}

/**
 * History lengths a training window is given, so the network learns to forecast from one hour of
 * history as well as from weeks: 1 h, 2 h, 6 h, 1 day, 2 days, and everything.
 */
export function historyChoices(stepSeconds: number, available: number): number[] {
  const hours = [1, 2, 6, 24, 48].map((h) => Math.max(2, Math.round((h * 3600) / stepSeconds)));
  return [...hours.filter((s) => s < available), available];
}

/**
 * Window specs over origins [from, to) every `every` steps, each with a history length drawn from
 * `historyChoices` by `random` (seeded by the caller, so the windows are deterministic).
 */
export function sampleWindowSpecs(
  stepSeconds: number,
  from: number,
  to: number,
  every: number,
  random: () => number,
): WindowSpec[] {
  const specs: WindowSpec[] = [];
  for (let origin = Math.max(2, from); origin < to; origin += every) {
    const choices = historyChoices(stepSeconds, origin);
    specs.push({ origin, historySteps: choices[Math.floor(random() * choices.length)] as number });
  }
  return specs;
}
