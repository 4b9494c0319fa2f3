/**
 * Online coverage tracking of the served quantile (quantile tracking, the "P" part of conformal PID
 * control: Angelopoulos, Candès & Tibshirani, 2023). The conformal calibration of a full run holds
 * on average over its backtest windows, but demand drifts and forecast misses come in runs (a ramp
 * that starts earlier than yesterday's, a level that moved), so coverage over a couple of hours can
 * sit far from the promise. After every finished step the tracker compares it with what the served
 * path said for it and moves an offset: up by gain·q after a miss, down by gain·(1 − q) after a hit,
 * so over time the share of misses is 1 − q whatever the drift, and a run of misses raises the
 * served quantile within a few steps. The offset is relative to the forecast's level (a share of
 * its mean), like demand's own noise. Pure: state in, state out; the runner keeps it with the forecast.
 */

export interface TrackerState {
  /** Served quantile level tracked. */
  readonly quantile: number;
  /** Added to the calibrated path, as a share of the mean path (0.05: 5 % of the forecast's level). */
  readonly offset: number;
  /** The newest finished step already compared (unix ms of its start). */
  readonly throughMs: number;
}

export interface TrackerOptions {
  /**
   * Offset change per compared step, as a share of the level (default 0.1: a miss raises the path by 9 % of its level). A fixed step: one that
   * varied from step to step (with the path's spread, say) would no longer balance misses against hits.
   */
  readonly gain?: number;
  /** Bounds of the offset (default −0.25 … +0.5 of the level). */
  readonly min?: number;
  readonly max?: number;
}

/** What the tracker compares: the served path a step was predicted with, and the step's mean demand. */
export interface ServedPath {
  readonly startMs: number;
  readonly stepSeconds: number;
  readonly values: ArrayLike<number>;
  /** The same forecast's median and mean paths (its spread and level). */
  readonly median: ArrayLike<number>;
  readonly mean: ArrayLike<number>;
}

const DEFAULTS = { gain: 0.1, min: -0.25, max: 0.5 };

export function initialTracker(quantile: number, throughMs: number): TrackerState {
  return { quantile, offset: 0, throughMs };
}

/**
 * The tracker after the finished steps newer than `state.throughMs`, each compared with `served`
 * (the path served while it was ahead), at most `planningSteps` steps after the path's start.
 */
export function trackSteps(
  state: TrackerState,
  served: ServedPath | undefined,
  steps: readonly (readonly [number, number])[],
  planningSteps: number,
  options: TrackerOptions = {},
): TrackerState {
  const gain = options.gain ?? DEFAULTS.gain;
  const min = options.min ?? DEFAULTS.min;
  const max = options.max ?? DEFAULTS.max;
  let offset = state.offset;
  let through = state.throughMs;
  for (const [t, y] of steps) {
    if (t <= state.throughMs) continue;
    through = Math.max(through, t);
    if (!served || !Number.isFinite(y)) continue;
    const j = Math.round((t - served.startMs) / (served.stepSeconds * 1000));
    if (j < 0 || j >= Math.min(planningSteps, served.values.length)) continue;
    const f = served.values[j] as number;
    if (!Number.isFinite(f)) continue;
    offset += y > f ? gain * state.quantile : -gain * (1 - state.quantile);
    offset = Math.min(max, Math.max(min, offset));
  }
  return { quantile: state.quantile, offset, throughMs: through };
}

/** `path` raised by the tracker's offset × the level (`mean`, never below a tenth of its average). */
export function applyTracker(
  path: ArrayLike<number>,
  mean: ArrayLike<number>,
  state: TrackerState,
): Float64Array {
  let sum = 0;
  for (let h = 0; h < mean.length; h++) sum += Math.max(0, mean[h] as number);
  const floor = mean.length > 0 ? (0.1 * sum) / mean.length : 0;
  const out = new Float64Array(path.length);
  for (let h = 0; h < path.length; h++) {
    const level = Math.max(floor, (mean[h] as number) ?? 0);
    out[h] = Math.max(0, (path[h] as number) + state.offset * level);
  }
  return out;
}
