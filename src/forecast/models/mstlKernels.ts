/**
 * Numeric kernels of the MSTL-style model: a weighted centred moving average (the trend filter),
 * per-phase seasonal profiles, bisquare robustness weights, and a robust damped-trend level model.
 *
 * Hand-written: npm has no maintained STL/MSTL/LOESS package (the few `stl`/`loess` packages are
 * unmaintained ports without weights or NaN handling), and these kernels are a few O(n) loops.
 * We use moving averages and weighted per-phase means instead of full LOESS: with prefix sums every
 * pass is O(n) whatever the period (a 10,080-step weekly window at 60 s steps costs the same as a
 * 24-step one), gaps are handled by giving them weight 0 instead of interpolating, and the
 * robustness iterations of STL (bisquare weights on the remainder) carry over unchanged.
 */

/**
 * Centred moving average of `x` over `width` points (made odd), each point weighted by `w`
 * (0 = ignore, e.g. a gap or an outlier). Near the ends the window is truncated. NaN where the
 * window holds no weight. O(n) with prefix sums.
 */
export function weightedMovingAverage(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  width: number,
): Float64Array {
  const n = x.length;
  const half = Math.floor(Math.max(1, width) / 2);
  const sw = new Float64Array(n + 1);
  const swx = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const wi = w[i] as number;
    const xi = x[i] as number;
    const use = wi > 0 && Number.isFinite(xi);
    sw[i + 1] = (sw[i] as number) + (use ? wi : 0);
    swx[i + 1] = (swx[i] as number) + (use ? wi * xi : 0);
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - half);
    const hi = Math.min(n, i + half + 1);
    const weight = (sw[hi] as number) - (sw[lo] as number);
    out[i] = weight > 1e-9 ? ((swx[hi] as number) - (swx[lo] as number)) / weight : Number.NaN;
  }
  return out;
}

export interface ProfileOptions {
  /** Weight of a cycle relative to the next newer one (1 = all cycles equal). */
  readonly cycleDecay: number;
  /** Circular moving-average width across neighbouring phases (1 = no smoothing). */
  readonly smoothWidth: number;
}

/**
 * The seasonal profile of period `period` (steps) from the detrended values `d`: for each phase
 * (t mod period) the weighted mean over cycles, newer cycles weighted more, then smoothed across
 * neighbouring phases and centred to zero mean. Phases without any weight are interpolated.
 */
export function seasonalProfile(
  d: ArrayLike<number>,
  w: ArrayLike<number>,
  period: number,
  options: ProfileOptions,
): Float64Array {
  const n = d.length;
  const sums = new Float64Array(period);
  const weights = new Float64Array(period);
  const logDecay = Math.log(Math.min(1, Math.max(1e-6, options.cycleDecay)));
  for (let t = 0; t < n; t++) {
    const wt = w[t] as number;
    const dt = d[t] as number;
    if (!(wt > 0) || !Number.isFinite(dt)) continue;
    const recency = Math.exp((logDecay * (n - 1 - t)) / period);
    const p = t % period;
    sums[p] = (sums[p] as number) + wt * recency * dt;
    weights[p] = (weights[p] as number) + wt * recency;
  }
  const profile = new Float64Array(period);
  for (let p = 0; p < period; p++) {
    profile[p] = (weights[p] as number) > 1e-12 ? (sums[p] as number) / (weights[p] as number) : Number.NaN;
  }
  fillCircular(profile);
  const smooth = circularMovingAverage(profile, options.smoothWidth);
  let mean = 0;
  for (let p = 0; p < period; p++) mean += smooth[p] as number;
  mean /= period;
  for (let p = 0; p < period; p++) smooth[p] = (smooth[p] as number) - mean;
  return smooth;
}

export interface DecayChoice {
  /** The cycle decay with the least one-cycle-ahead error, or undefined when no profile beats zero. */
  readonly decay: number | undefined;
  /** Weighted mean |error| of each candidate, in the order given, then of the zero profile. */
  readonly errors: readonly number[];
}

/**
 * Picks the cycle decay of a seasonal profile by a one-cycle-ahead backtest on the detrended
 * values `d`: each phase's exponentially weighted mean over past cycles (values first smoothed over
 * `smoothWidth` neighbours, like the profile) predicts the next cycle, scored by weighted |error|
 * over the last `evalCycles` cycles. A zero profile (no season) competes too, so a pattern that
 * faded (or never was) is dropped rather than replayed. O(n) per candidate.
 */
export function chooseCycleDecay(
  d: ArrayLike<number>,
  w: ArrayLike<number>,
  period: number,
  smoothWidth: number,
  decays: readonly number[],
  evalCycles: number,
): DecayChoice {
  const n = d.length;
  const smooth = weightedMovingAverage(d, w, smoothWidth);
  const cycles = Math.floor(n / period);
  const firstEval = Math.max(1, cycles - evalCycles) * period;
  const errors = decays.map((decay) => {
    const sums = new Float64Array(period);
    const weights = new Float64Array(period);
    let err = 0;
    let total = 0;
    for (let t = 0; t < n; t++) {
      const p = t % period;
      const wt = w[t] as number;
      const dt = d[t] as number;
      const usable = wt > 0 && Number.isFinite(dt);
      if (usable && t >= firstEval && (weights[p] as number) > 0) {
        err += wt * Math.abs(dt - (sums[p] as number) / (weights[p] as number));
        total += wt;
      }
      const st = smooth[t] as number;
      const learn = usable && Number.isFinite(st);
      sums[p] = decay * (sums[p] as number) + (learn ? wt * st : 0);
      weights[p] = decay * (weights[p] as number) + (learn ? wt : 0);
    }
    return total > 0 ? err / total : Number.POSITIVE_INFINITY;
  });
  let zero = 0;
  let total = 0;
  for (let t = firstEval; t < n; t++) {
    const wt = w[t] as number;
    const dt = d[t] as number;
    if (wt > 0 && Number.isFinite(dt)) {
      zero += wt * Math.abs(dt);
      total += wt;
    }
  }
  const zeroError = total > 0 ? zero / total : Number.POSITIVE_INFINITY;
  let best: number | undefined;
  let bestError = zeroError;
  decays.forEach((decay, i) => {
    if ((errors[i] as number) < bestError) {
      bestError = errors[i] as number;
      best = decay;
    }
  });
  return { decay: best, errors: [...errors, zeroError] };
}

/** Replaces NaN entries of a circular array by linear interpolation between finite neighbours. */
export function fillCircular(values: Float64Array): void {
  const n = values.length;
  const known: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(values[i] as number)) known.push(i);
  if (known.length === 0) {
    values.fill(0);
    return;
  }
  for (let k = 0; k < known.length; k++) {
    const a = known[k] as number;
    const b = known[(k + 1) % known.length] as number;
    const span = b > a ? b - a : b + n - a;
    const va = values[a] as number;
    const vb = values[b] as number;
    for (let s = 1; s < span; s++) values[(a + s) % n] = va + ((vb - va) * s) / span;
  }
}

/** Circular moving average over `width` (made odd) neighbours. */
export function circularMovingAverage(values: Float64Array, width: number): Float64Array {
  const n = values.length;
  const half = Math.min(Math.floor(Math.max(1, width) / 2), Math.floor((n - 1) / 2));
  if (half <= 0) return values.slice();
  const out = new Float64Array(n);
  let sum = 0;
  for (let k = -half; k <= half; k++) sum += values[(k + n) % n] as number;
  const size = 2 * half + 1;
  for (let i = 0; i < n; i++) {
    out[i] = sum / size;
    sum += (values[(i + half + 1) % n] as number) - (values[(i - half + n) % n] as number);
  }
  return out;
}

/** Median of the finite values (NaN when none). Copies; O(n log n). */
export function median(values: ArrayLike<number>): number {
  const sorted: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) sorted.push(v);
  }
  if (sorted.length === 0) return Number.NaN;
  sorted.sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * STL's robustness weights: bisquare of remainder ÷ (6 × median |remainder|). Points with a NaN
 * remainder get 0. `floor` keeps the scale positive on near-constant series.
 */
export function bisquareWeights(remainder: ArrayLike<number>, floor: number): Float64Array {
  const n = remainder.length;
  const abs = new Float64Array(n);
  for (let i = 0; i < n; i++) abs[i] = Math.abs(remainder[i] as number);
  const h = 6 * Math.max(median(abs), floor);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = (abs[i] as number) / h;
    out[i] = Number.isFinite(u) && u < 1 ? (1 - u * u) ** 2 : 0;
  }
  return out;
}

export interface DampedParams {
  readonly alpha: number;
  /** Trend smoothing in error-correction form (b ← φb + β·e), β ≤ α. */
  readonly beta: number;
  readonly phi: number;
}

export interface DampedRunOptions {
  /** Robust scale of one-step errors; errors are clipped at ±huberK × scale (Huber). */
  readonly scale: number;
  readonly huberK: number;
  /** Level-shift detector window: when ≥ 80% of the last `shiftWindow` errors exceed ±huberK × scale
   * on one side, the level is reset to their median (a level shift, not outliers). */
  readonly shiftWindow: number;
  /** Steps ahead of the second error the tuning objective scores (besides one step). */
  readonly horizon: number;
  /** Errors before this index are not scored (the level is still settling). */
  readonly warmup: number;
  /** Keep the level and trend after every step (for h-step error quantiles). */
  readonly keepStates: boolean;
}

export interface DampedRun {
  /** Mean |one-step error| + mean |horizon-step error| over scored points. */
  readonly objective: number;
  readonly level: number;
  readonly trend: number;
  /** One-step errors (NaN where not observed or in warm-up). */
  readonly residuals: Float64Array;
  /** Level and trend after each step, when `keepStates`. */
  readonly levels?: Float64Array;
  readonly trends?: Float64Array;
  readonly levelShifts: number;
}

/**
 * Damped-trend exponential smoothing on a deseasonalised series with robust updates (Huber-clipped
 * errors, after Gelper, Fried & Croux 2010) and a level-shift reset; gaps (NaN) only advance the
 * state. The start level is the median of the first finite values.
 */
export function runDampedLevel(z: Float64Array, params: DampedParams, options: DampedRunOptions): DampedRun {
  const n = z.length;
  const { alpha, beta, phi } = params;
  const clip = options.huberK * options.scale;
  const horizon = Math.max(1, options.horizon);
  let dampSum = 0;
  for (let i = 1, f = phi; i <= horizon; i++, f *= phi) dampSum += f;
  const ahead = new Float64Array(horizon).fill(Number.NaN);
  const residuals = new Float64Array(n).fill(Number.NaN);
  const levels = options.keepStates ? new Float64Array(n) : undefined;
  const trends = options.keepStates ? new Float64Array(n) : undefined;
  const win = Math.max(2, options.shiftWindow);
  const signs = new Int8Array(win);
  const recent = new Float64Array(win).fill(Number.NaN);
  let positives = 0;
  let negatives = 0;
  let cursor = 0;
  let levelShifts = 0;

  let level = median(firstFinite(z, 12));
  let trend = 0;
  let sum1 = 0;
  let count1 = 0;
  let sumH = 0;
  let countH = 0;
  for (let t = 0; t < n; t++) {
    const zt = z[t] as number;
    const slot = t % horizon;
    if (Number.isFinite(zt)) {
      const predicted = level + phi * trend;
      const e = zt - predicted;
      const scored = t >= options.warmup;
      if (scored) {
        residuals[t] = e;
        sum1 += Math.abs(e);
        count1++;
        const earlier = ahead[slot] as number;
        if (Number.isFinite(earlier)) {
          sumH += Math.abs(zt - earlier);
          countH++;
        }
      }
      const sign = e > clip ? 1 : e < -clip ? -1 : 0;
      const old = signs[cursor] as number;
      positives += (sign === 1 ? 1 : 0) - (old === 1 ? 1 : 0);
      negatives += (sign === -1 ? 1 : 0) - (old === -1 ? 1 : 0);
      signs[cursor] = sign;
      recent[cursor] = zt;
      cursor = (cursor + 1) % win;
      if (positives >= 0.8 * win || negatives >= 0.8 * win) {
        level = median(recent);
        trend = 0;
        signs.fill(0);
        recent.fill(Number.NaN);
        positives = 0;
        negatives = 0;
        levelShifts++;
      } else {
        const ec = Math.max(-clip, Math.min(clip, e));
        level = predicted + alpha * ec;
        trend = phi * trend + beta * ec;
      }
    } else {
      level += phi * trend;
      trend *= phi;
    }
    ahead[slot] = level + trend * dampSum;
    if (levels && trends) {
      levels[t] = level;
      trends[t] = trend;
    }
  }
  const objective =
    (count1 > 0 ? sum1 / count1 : Number.POSITIVE_INFINITY) + (countH > 0 ? sumH / countH : 0);
  const run: DampedRun = { objective, level, trend, residuals, levelShifts };
  return levels && trends ? { ...run, levels, trends } : run;
}

function firstFinite(values: Float64Array, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length && out.length < count; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) out.push(v);
  }
  return out;
}
