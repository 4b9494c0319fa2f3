/**
 * `mstl`: the strong statistical model. An MSTL-style decomposition (Bandara, Hyndman & Bergmeir
 * 2021) into a daily and a weekly seasonal profile, then a robust damped-trend level model on the
 * deseasonalised series. Forecast = damped trend + the seasonal profiles continued.
 *
 * - Seasons: daily (86,400 s ÷ step) and weekly (604,800 s ÷ step) steps, each used only when the
 *   history covers two of its cycles, its profile beats "no season" in a one-cycle-ahead backtest,
 *   and its seasonal strength (Wang, Smith & Hyndman 2006) is at least `minSeasonalStrength`; with
 *   none, the model is the damped-trend level model alone.
 * - Decomposition: STL's loop with moving averages for LOESS (see mstlKernels.ts for why): per
 *   season, detrend with a centred moving average one period wide, average each phase over cycles
 *   (newer cycles weighted more, the decay per cycle chosen by that backtest, so the profile follows
 *   a changing pattern), smooth across neighbouring phases (15 min daily, 1 h weekly); two inner
 *   passes, then two rounds of bisquare robustness weights so spikes and
 *   outage remnants do not shape the profiles. Gaps (NaN) get weight 0: never learned, nothing to
 *   interpolate.
 * - Level: damped Holt on the deseasonalised series with Huber-clipped updates and a level-shift
 *   reset; α, β, φ from a small grid minimising one-step plus one-hour-ahead absolute error.
 * - Quantiles: empirical quantiles of the in-sample h-step errors of that level model at each
 *   horizon step (√h-extrapolated past what the history can score), around the mean path.
 *
 * Hand-written; no maintained npm package implements STL/MSTL (see mstlKernels.ts).
 */
import { residualQuantilePaths, sortQuantilePaths } from "../intervals.js";
import { DAY_SECONDS, stepsPer, WEEK_SECONDS } from "../seasonality.js";
import { empiricalQuantile } from "../stats.js";
import {
  type FittedModel,
  ForecastError,
  type ForecastResult,
  type Model,
  type Quantile,
  type Readiness,
  type Series,
} from "../types.js";
import {
  checkForecastArgs,
  countFinite,
  cycleReadiness,
  firstFiniteIndex,
  makeResult,
} from "./fitHelpers.js";
import {
  bisquareWeights,
  chooseCycleDecay,
  type DampedParams,
  type DampedRun,
  median,
  runDampedLevel,
  seasonalProfile,
  weightedMovingAverage,
} from "./mstlKernels.js";

export const MSTL = "mstl";

export interface MstlOptions {
  /** Only the most recent this much history is used (default 5 weeks). */
  readonly maxHistorySeconds?: number;
  /** Robustness passes of the decomposition after the first (default 2). */
  readonly robustIterations?: number;
  /** A season is kept only with at least this seasonal strength in [0, 1] (default 0.1). */
  readonly minSeasonalStrength?: number;
  /** The level model is tuned on one-step plus this-far-ahead error (default 1 h). */
  readonly tuneHorizonSeconds?: number;
}

/** What the fit chose, for operators and the benchmark. */
export interface MstlInfo {
  /** Seasonal periods kept, in steps (daily first). */
  readonly periods: readonly number[];
  /** Weight of each kept season's cycle relative to the next newer one, chosen by backtest. */
  readonly cycleDecays: readonly number[];
  /** Seasonal strength of every candidate period tried, in steps → strength. */
  readonly strength: ReadonlyMap<number, number>;
  readonly params: DampedParams;
  readonly levelShifts: number;
  /** Steps of history used (after `maxHistorySeconds`). */
  readonly historySteps: number;
}

export interface FittedMstl extends FittedModel {
  readonly info: MstlInfo;
}

interface SeasonSpec {
  readonly period: number;
  readonly smoothWidth: number;
  /** Cycles scored when choosing the cycle decay. */
  readonly evalCycles: number;
}

/** Candidate weights of a cycle relative to the next newer one (chosen per season by backtest). */
const CYCLE_DECAYS = [0.3, 0.6, 0.85, 0.95];
const DEFAULT_DECAY = 0.85;

const ALPHAS = [0.02, 0.05, 0.1, 0.2, 0.35, 0.6];
const BETA_FRACTIONS = [0, 0.05, 0.2];
const PHIS = [0.8, 0.9, 0.98];
const HUBER_K = 3;
/** Fewer scored origins than this at a horizon step and its quantiles come from √h extrapolation. */
const MIN_ORIGINS = 30;
const MAX_ORIGINS = 2000;

export class MstlModel implements Model {
  readonly name = MSTL;
  readonly #options: Required<MstlOptions>;

  constructor(options: MstlOptions = {}) {
    this.#options = {
      maxHistorySeconds: options.maxHistorySeconds ?? 5 * WEEK_SECONDS,
      robustIterations: options.robustIterations ?? 2,
      minSeasonalStrength: options.minSeasonalStrength ?? 0.1,
      tuneHorizonSeconds: options.tuneHorizonSeconds ?? 3600,
    };
  }

  /** Ready with two days of history (the daily pattern); the weekly one joins after two weeks. */
  readiness(series: Series): Readiness {
    return cycleReadiness(series, DAY_SECONDS, 2);
  }

  async fit(series: Series): Promise<FittedMstl> {
    const step = series.stepSeconds;
    if (countFinite(series.values) === 0) {
      throw new ForecastError(
        `${MSTL}: the series has no finite values (${series.values.length} points, all gaps); wait for data`,
      );
    }
    const maxSteps = Math.max(1, Math.floor(this.#options.maxHistorySeconds / step));
    const all = series.values;
    const y = all.length > maxSteps ? all.subarray(all.length - maxSteps) : all;
    const n = y.length;

    const candidates = seasonCandidates(y, step);
    const strength = new Map<number, number>();
    let seasons = candidates;
    let profiles: Float64Array[] = [];
    const decays = new Map<number, number>();
    // Drop seasons that lose their backtest or are too weak, then decompose again without them.
    for (let round = 0; round < 3 && seasons.length > 0; round++) {
      const decomposition = decompose(y, seasons, this.#options.robustIterations);
      const keep = seasons.map(
        (_, j) =>
          decomposition.decays[j] !== undefined &&
          (decomposition.strength[j] as number) >= this.#options.minSeasonalStrength,
      );
      seasons.forEach((s, j) => {
        if (!strength.has(s.period)) strength.set(s.period, decomposition.strength[j] as number);
        if (keep[j]) decays.set(s.period, decomposition.decays[j] as number);
      });
      if (keep.every(Boolean)) {
        profiles = decomposition.profiles;
        break;
      }
      seasons = seasons.filter((_, j) => keep[j]);
    }
    if (profiles.length !== seasons.length) seasons = [];

    const z = new Float64Array(n);
    for (let t = 0; t < n; t++) z[t] = (y[t] as number) - seasonalAt(profiles, seasons, t);

    const tuned = tuneLevel(z, step, this.#options.tuneHorizonSeconds);
    const floor = 0;
    const info: MstlInfo = {
      periods: seasons.map((s) => s.period),
      cycleDecays: seasons.map((s) => decays.get(s.period) as number),
      strength,
      params: tuned.params,
      levelShifts: tuned.run.levelShifts,
      historySteps: n,
    };
    return {
      name: MSTL,
      info,
      forecast(horizonSteps: number, quantiles: readonly Quantile[]): ForecastResult {
        checkForecastArgs(MSTL, horizonSteps, quantiles);
        const { run, params } = tuned;
        const mean = new Float64Array(horizonSteps);
        let damp = 0;
        for (let h = 0; h < horizonSteps; h++) {
          damp += params.phi ** (h + 1);
          const value = run.level + run.trend * damp + seasonalAt(profiles, seasons, n + h);
          mean[h] = Number.isFinite(value) ? Math.max(floor, value) : floor;
        }
        const paths = horizonQuantilePaths(z, run, params, mean, quantiles, tuned.warmup, floor);
        return makeResult(series, mean, paths);
      },
    };
  }
}

/** Daily then weekly, each when the history covers two cycles and holds one cycle of data. */
function seasonCandidates(y: Float64Array, step: number): SeasonSpec[] {
  const first = firstFiniteIndex(y);
  const covered = first < 0 ? 0 : y.length - first;
  const observed = countFinite(y);
  const daily = stepsPer(DAY_SECONDS, step);
  const weekly = stepsPer(WEEK_SECONDS, step);
  const out: SeasonSpec[] = [];
  // Smoothing across phases: 15 min for the daily profile, 1 h for the weekly one, so the few
  // samples per phase (one per cycle) average out without blurring the shape.
  if (daily >= 4 && covered >= 2 * daily && observed >= daily) {
    out.push({ period: daily, smoothWidth: oddWidth(daily / 96), evalCycles: 7 });
  }
  if (weekly >= 14 && covered >= 2 * weekly && observed >= weekly) {
    out.push({ period: weekly, smoothWidth: oddWidth(weekly / 168), evalCycles: 3 });
  }
  return out;
}

function oddWidth(points: number): number {
  const w = Math.max(1, Math.round(points));
  return w % 2 === 1 ? w : w + 1;
}

function seasonalAt(profiles: readonly Float64Array[], seasons: readonly SeasonSpec[], t: number): number {
  let sum = 0;
  for (let j = 0; j < profiles.length; j++) {
    const period = (seasons[j] as SeasonSpec).period;
    sum += (profiles[j] as Float64Array)[t % period] as number;
  }
  return sum;
}

interface Decomposition {
  readonly profiles: Float64Array[];
  /** Chosen cycle decay per season; undefined when the season lost its backtest to no season. */
  readonly decays: (number | undefined)[];
  /** Seasonal strength per season: 1 − var(remainder) ÷ var(season + remainder), robust-weighted. */
  readonly strength: number[];
}

/** The MSTL loop with moving-average trends and per-phase profiles (see the file header). */
function decompose(y: Float64Array, seasons: readonly SeasonSpec[], robustIterations: number): Decomposition {
  const n = y.length;
  const mask = new Float64Array(n);
  let scaleSum = 0;
  for (let t = 0; t < n; t++) {
    const v = y[t] as number;
    if (Number.isFinite(v)) {
      mask[t] = 1;
      scaleSum += Math.abs(v);
    }
  }
  const scaleFloor = 1e-9 * (1 + scaleSum / Math.max(1, countFinite(y)));
  let robust = mask.slice();
  const profiles: Float64Array[] = seasons.map((s) => new Float64Array(s.period));
  const decays: (number | undefined)[] = seasons.map(() => DEFAULT_DECAY);
  const x = new Float64Array(n);
  const xs = new Float64Array(n);
  const d = new Float64Array(n);
  const weights = new Float64Array(n);
  const shortest = Math.min(...seasons.map((s) => s.period));
  let remainder = new Float64Array(n);
  let deseasonalised = new Float64Array(n);

  for (let outer = 0; outer <= robustIterations; outer++) {
    for (let inner = 0; inner < 2; inner++) {
      seasons.forEach((season, j) => {
        const period = season.period;
        const own = profiles[j] as Float64Array;
        for (let t = 0; t < n; t++) {
          let others = 0;
          for (let k = 0; k < profiles.length; k++) {
            if (k !== j)
              others += (profiles[k] as Float64Array)[t % (seasons[k] as SeasonSpec).period] as number;
          }
          x[t] = (y[t] as number) - others;
          xs[t] = (x[t] as number) - (own[t % period] as number);
        }
        // First pass: the season is still in x, so truncated windows at the ends are biased by it;
        // leave those half-windows out of the profile. Later passes detrend the deseasonalised x.
        const first = outer === 0 && inner === 0;
        const trend = weightedMovingAverage(first ? x : xs, robust, period + 1 - (period % 2));
        const half = first ? period >> 1 : 0;
        for (let t = 0; t < n; t++) {
          d[t] = (x[t] as number) - (trend[t] as number);
          weights[t] = t < half || t >= n - half ? 0 : (robust[t] as number);
        }
        if (outer === 0 && inner === 1) {
          decays[j] = chooseCycleDecay(
            d,
            weights,
            period,
            season.smoothWidth,
            CYCLE_DECAYS,
            season.evalCycles,
          ).decay;
        }
        profiles[j] = seasonalProfile(d, weights, period, {
          cycleDecay: decays[j] ?? DEFAULT_DECAY,
          smoothWidth: season.smoothWidth,
        });
      });
    }
    // Remainder around a one-(shortest-)period trend: flexible enough that a level shift is trend.
    deseasonalised = new Float64Array(n);
    for (let t = 0; t < n; t++) deseasonalised[t] = (y[t] as number) - seasonalAt(profiles, seasons, t);
    const trend = weightedMovingAverage(deseasonalised, robust, shortest + 1 - (shortest % 2));
    remainder = new Float64Array(n);
    for (let t = 0; t < n; t++) remainder[t] = (deseasonalised[t] as number) - (trend[t] as number);
    if (outer < robustIterations) {
      const b = bisquareWeights(remainder, scaleFloor);
      robust = new Float64Array(n);
      for (let t = 0; t < n; t++) robust[t] = (mask[t] as number) * (b[t] as number);
    }
  }

  const strength = seasons.map((season, j) => {
    const profile = profiles[j] as Float64Array;
    let sw = 0;
    let sr = 0;
    let srr = 0;
    let sa = 0;
    let saa = 0;
    for (let t = 0; t < n; t++) {
      const w = robust[t] as number;
      const r = remainder[t] as number;
      if (!(w > 0) || !Number.isFinite(r)) continue;
      const a = r + (profile[t % season.period] as number);
      sw += w;
      sr += w * r;
      srr += w * r * r;
      sa += w * a;
      saa += w * a * a;
    }
    if (sw <= 0) return 0;
    const varR = srr / sw - (sr / sw) ** 2;
    const varA = saa / sw - (sa / sw) ** 2;
    return varA > 0 ? Math.max(0, 1 - varR / varA) : 0;
  });
  return { profiles, decays, strength };
}

interface TunedLevel {
  readonly params: DampedParams;
  readonly run: DampedRun;
  readonly warmup: number;
}

/** Grid search of the robust damped level model; the robust error scale comes from a plain run. */
function tuneLevel(z: Float64Array, step: number, tuneHorizonSeconds: number): TunedLevel {
  const n = z.length;
  const horizon = Math.max(1, Math.min(Math.round(tuneHorizonSeconds / step), Math.floor(n / 4)));
  const warmup = Math.min(Math.floor(n / 4), Math.max(10, stepsPer(6 * 3600, step)));
  const shiftWindow = Math.max(4, Math.min(stepsPer(1800, step), 60));
  const base = { horizon, warmup, shiftWindow, keepStates: false };
  const plain = runDampedLevel(z, { alpha: 0.3, beta: 0, phi: 0.9 }, { ...base, scale: 1, huberK: Infinity });
  const abs = plain.residuals.map(Math.abs);
  let level = 0;
  let count = 0;
  for (const v of z) {
    if (Number.isFinite(v)) {
      level += Math.abs(v);
      count++;
    }
  }
  const floor = 1e-6 * (1 + level / Math.max(1, count));
  const mad = median(abs);
  const scale = Math.max(Number.isFinite(mad) ? 1.4826 * mad : floor, floor);
  const options = { ...base, scale, huberK: HUBER_K };

  let best: DampedParams = { alpha: 0.3, beta: 0, phi: 0.9 };
  let bestObjective = Number.POSITIVE_INFINITY;
  for (const alpha of ALPHAS) {
    for (const fraction of BETA_FRACTIONS) {
      for (const phi of PHIS) {
        if (fraction === 0 && phi !== PHIS[0]) continue; // φ is irrelevant without a trend
        const params = { alpha, beta: alpha * fraction, phi };
        const { objective } = runDampedLevel(z, params, options);
        if (objective < bestObjective) {
          bestObjective = objective;
          best = params;
        }
      }
    }
  }
  const run = runDampedLevel(z, best, { ...options, keepStates: true });
  return { params: best, run, warmup };
}

/**
 * Quantile paths from the empirical h-step errors of the level model (state at origin t against
 * z[t + h]) at each horizon step, on a geometric grid of steps with linear interpolation in between
 * and √h growth past the last step with enough origins. Too little history: one-step residuals
 * with √h growth (residualQuantilePaths).
 */
function horizonQuantilePaths(
  z: Float64Array,
  run: DampedRun,
  params: DampedParams,
  mean: Float64Array,
  quantiles: readonly Quantile[],
  warmup: number,
  floor: number,
): Map<Quantile, Float64Array> {
  const { levels, trends } = run;
  const horizon = mean.length;
  const n = z.length;
  if (!levels || !trends || n - warmup - 1 < MIN_ORIGINS) {
    return residualQuantilePaths({ mean, residuals: run.residuals, quantiles, growth: "sqrt", floor });
  }
  const anchors = anchorSteps(horizon);
  const offsets: { h: number; values: number[] }[] = [];
  const errors: number[] = [];
  for (const h of anchors) {
    let damp = 0;
    for (let i = 1; i <= h; i++) damp += params.phi ** i;
    const origins = n - h - warmup;
    if (origins < MIN_ORIGINS) break;
    const stride = Math.max(1, Math.floor(origins / MAX_ORIGINS));
    errors.length = 0;
    // Newest origins first, so the stride never skips the most recent behaviour.
    for (let t = n - 1 - h; t >= warmup; t -= stride) {
      const actual = z[t + h] as number;
      if (Number.isFinite(actual))
        errors.push(actual - ((levels[t] as number) + (trends[t] as number) * damp));
    }
    if (errors.length < MIN_ORIGINS) break;
    offsets.push({ h, values: quantiles.map((q) => empiricalQuantile(errors, q)) });
  }
  if (offsets.length === 0) {
    return residualQuantilePaths({ mean, residuals: run.residuals, quantiles, growth: "sqrt", floor });
  }
  const out = new Map<Quantile, Float64Array>();
  for (const q of quantiles) out.set(q, new Float64Array(horizon));
  let k = 0;
  for (let s = 0; s < horizon; s++) {
    const h = s + 1;
    while (k + 1 < offsets.length && (offsets[k + 1] as { h: number }).h <= h) k++;
    const lo = offsets[k] as { h: number; values: number[] };
    const hi = offsets[k + 1];
    quantiles.forEach((q, i) => {
      let offset: number;
      if (h <= lo.h || !hi) {
        offset = (lo.values[i] as number) * (h > lo.h ? Math.sqrt(h / lo.h) : 1);
      } else {
        const f = (h - lo.h) / (hi.h - lo.h);
        offset = (lo.values[i] as number) * (1 - f) + (hi.values[i] as number) * f;
      }
      (out.get(q) as Float64Array)[s] = Math.max(floor, (mean[s] as number) + offset);
    });
  }
  return sortQuantilePaths(out);
}

/** Every step up to 48, then a geometric grid of about 40 steps ending at `horizon`. */
function anchorSteps(horizon: number): number[] {
  if (horizon <= 48) return Array.from({ length: horizon }, (_, i) => i + 1);
  const steps = new Set<number>();
  const count = 40;
  for (let i = 0; i < count; i++) steps.add(Math.max(1, Math.round(horizon ** (i / (count - 1)))));
  steps.add(horizon);
  return [...steps].sort((a, b) => a - b);
}
