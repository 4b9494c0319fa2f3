/**
 * The global model (`global`): one small network for every target of an installation. It reads a
 * window of the target's own recent history, scaled per window, the same block a day and a week
 * earlier where the target has them, and calendar features (globalFeatures.ts), and outputs H steps ×
 * Q quantile levels. A fit is inference only (no per-target training, milliseconds), so it is ready
 * from one hour of history, long before the per-series models; `fineTune` adapts the shared weights
 * to the installation's series in a bounded number of steps, on the retrain schedule.
 *
 * - Weights: the pretrained network shipped in models/global (trained by scripts/train-global.ts on
 *   the shared traces only; models/global/TRAINING.json says on what), or a fine-tuned copy.
 * - Quantiles: as the neural model (interpolated in normal-score space between trained levels; the
 *   columns are sorted so they never cross). Mean = the 0.5 path.
 * - Horizons longer than H are forecast block by block, feeding the median back.
 */
import type * as TfTypes from "@tensorflow/tfjs";
import { sortQuantilePaths } from "../intervals.js";
import { seededRandom } from "../random.js";
import type { Tf } from "../tf/backend.js";
import {
  type FitOptions,
  type FittedModel,
  ForecastError,
  type ForecastResult,
  type Model,
  type Quantile,
  type Readiness,
  type Series,
} from "../types.js";
import { checkForecastArgs, countFinite, coveredSeconds, describeDuration } from "./fitHelpers.js";
import {
  buildGlobalWindows,
  concatWindows,
  globalFeatureCount,
  globalLookback,
  sampleWindowSpecs,
  writeGlobalFeatures,
} from "./globalFeatures.js";
import { cloneGlobalNetwork, type GlobalNetwork, trainSteps } from "./globalNetwork.js";
import { interpolateLevel } from "./neural.js";

export const GLOBAL = "global";
/** History needed before the global model forecasts. */
export const GLOBAL_MIN_HISTORY_SECONDS = 3600;

/** Windows per mini-batch step of a fine-tune. */
const FINE_TUNE_BATCH = 128;

export interface FineTuneOptions {
  /** Mini-batch steps (default 200): the bound on a fine-tune's cost. */
  readonly steps?: number;
  /** Days of each series' most recent history windows are drawn from (default 7). */
  readonly recentDays?: number;
  /** Windows drawn per series at most (default 400). */
  readonly windowsPerSeries?: number;
  /**
   * Windows drawn over all series at most (default steps × 128, what the mini-batches can draw): with
   * more series each gives fewer windows, and past this many series a seeded sample of them gives one
   * each, so a fine-tune's memory and time do not grow with the number of targets.
   */
  readonly maxWindows?: number;
  readonly learningRate?: number;
  readonly seed?: number;
  readonly signal?: AbortSignal;
}

export interface FineTuneResult {
  readonly model: GlobalModel;
  /** Mean scaled pinball loss on the fine-tuning windows before and after. */
  readonly lossBefore: number;
  readonly lossAfter: number;
  readonly windows: number;
  readonly steps: number;
}

export class GlobalModel implements Model {
  readonly name = GLOBAL;
  readonly fitCost = "cheap" as const;
  readonly coldStart = true;

  constructor(
    private readonly tf: Tf,
    /** The network served; owned by this object (see `dispose`). */
    readonly net: GlobalNetwork,
  ) {}

  /** `pretrained`, `fine-tuned` or `untrained`: where the served weights came from. */
  get origin(): GlobalNetwork["origin"] {
    return this.net.origin;
  }

  get variant(): string {
    return this.net.origin;
  }

  readiness(series: Series): Readiness {
    const have = coveredSeconds(series);
    if (have < GLOBAL_MIN_HISTORY_SECONDS) {
      return {
        ready: false,
        reason: `needs ${describeDuration(GLOBAL_MIN_HISTORY_SECONDS)} of history, has ${describeDuration(have)}`,
        needMoreSeconds: Math.max(series.stepSeconds, GLOBAL_MIN_HISTORY_SECONDS - have),
      };
    }
    const L = this.net.layout.inputSteps;
    const recent = series.values.subarray(Math.max(0, series.values.length - L));
    if (countFinite(recent) < 2) {
      return {
        ready: false,
        reason: `needs data in the last ${describeDuration(L * series.stepSeconds)} (at least 2 points), has ${countFinite(recent)}`,
        needMoreSeconds: 2 * series.stepSeconds,
      };
    }
    return { ready: true };
  }

  async fit(series: Series, _options: FitOptions = {}): Promise<FittedModel> {
    const readiness = this.readiness(series);
    if (!readiness.ready) throw new ForecastError(`global: not ready: ${readiness.reason}`);
    const lookback = globalLookback(this.net.layout, series.stepSeconds);
    const n = series.values.length;
    const tail = series.values.slice(Math.max(0, n - lookback));
    const endMs = series.startMs + n * series.stepSeconds * 1000;
    return new GlobalFittedModel(this.tf, this.net, tail, endMs, series.stepSeconds);
  }

  /**
   * A new GlobalModel whose weights are this one's fine-tuned on `series` for a bounded number of
   * steps (this model keeps serving its own weights). Windows come from each series' recent history,
   * each given a random history length (1 h … all) as in pretraining.
   */
  async fineTune(series: readonly Series[], options: FineTuneOptions = {}): Promise<FineTuneResult> {
    const layout = this.net.layout;
    const random = seededRandom(options.seed ?? 11);
    const steps = options.steps ?? 200;
    const maxWindows = Math.max(1, options.maxWindows ?? steps * FINE_TUNE_BATCH);
    const chosen = series.length > maxWindows ? seededSample(series, maxWindows, random) : series;
    const perSeries = Math.max(
      1,
      Math.min(options.windowsPerSeries ?? 400, Math.floor(maxWindows / chosen.length)),
    );
    const parts = chosen.map((s) => {
      const n = s.values.length;
      const recent = Math.round(((options.recentDays ?? 7) * 86_400) / s.stepSeconds);
      const from = Math.max(layout.inputSteps, n - recent);
      const span = Math.max(0, n - layout.horizonSteps - from);
      const every = Math.max(1, Math.ceil((span + 1) / perSeries));
      return buildGlobalWindows(
        s,
        sampleWindowSpecs(s.stepSeconds, from, n - layout.horizonSteps + 1, every, random),
        layout,
      );
    });
    const windows = concatWindows(parts, layout);
    const copy = await cloneGlobalNetwork(this.tf, this.net);
    const tuned: GlobalNetwork = { ...copy, origin: "fine-tuned" };
    try {
      const loss = await trainSteps(this.tf, tuned, windows, {
        steps,
        batchSize: FINE_TUNE_BATCH,
        learningRate: options.learningRate ?? 0.0005,
        seed: options.seed ?? 11,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return {
        model: new GlobalModel(this.tf, tuned),
        lossBefore: loss.before,
        lossAfter: loss.after,
        windows: windows.count,
        steps,
      };
    } catch (error) {
      tuned.network.dispose();
      throw error;
    }
  }

  /** Frees the network's tensors; the model must not be used afterwards. */
  dispose(): void {
    this.net.network.dispose();
  }
}

/** `count` of `items` drawn without replacement by `random`, in their original order. */
function seededSample<T>(items: readonly T[], count: number, random: () => number): T[] {
  const index = items.map((_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (index.length - i));
    [index[i], index[j]] = [index[j] as number, index[i] as number];
  }
  return index
    .slice(0, count)
    .sort((a, b) => a - b)
    .map((i) => items[i] as T);
}

class GlobalFittedModel implements FittedModel {
  readonly name = GLOBAL;

  constructor(
    private readonly tf: Tf,
    private readonly net: GlobalNetwork,
    private readonly tail: Float64Array,
    private readonly endMs: number,
    private readonly stepSeconds: number,
  ) {}

  forecast(horizonSteps: number, quantiles: readonly Quantile[]): ForecastResult {
    checkForecastArgs(GLOBAL, horizonSteps, quantiles);
    const { layout } = this.net;
    const { horizonSteps: H, levels } = layout;
    const Q = levels.length;
    const mid = levels.indexOf(0.5);
    const features = globalFeatureCount(layout);
    const stepMs = this.stepSeconds * 1000;
    const blocks = Math.ceil(horizonSteps / H);
    const offset = this.tail.length;
    // Raw history; predicted medians are appended block by block.
    const values = new Float64Array(offset + blocks * H);
    values.set(this.tail);
    const predicted = new Float64Array(blocks * H * Q);
    const input = new Float32Array(features);
    for (let b = 0; b < blocks; b++) {
      const origin = offset + b * H;
      const scaler = writeGlobalFeatures(
        values,
        0,
        origin,
        this.endMs + b * H * stepMs,
        this.stepSeconds,
        layout,
        input,
        0,
      );
      const out = this.tf.tidy(() =>
        (this.net.network.predict(this.tf.tensor2d(input, [1, features])) as TfTypes.Tensor).dataSync(),
      );
      for (let h = 0; h < H; h++) {
        const column = Array.from(out.subarray(h * Q, (h + 1) * Q))
          .sort((x, y) => x - y)
          .map((v) => Math.max(0, v * scaler.scale + scaler.center));
        predicted.set(column, (b * H + h) * Q);
        values[origin + h] = column[mid] as number;
      }
    }
    const paths = new Map<Quantile, Float64Array>();
    for (const q of new Set(quantiles)) {
      const path = new Float64Array(horizonSteps);
      for (let h = 0; h < horizonSteps; h++)
        path[h] = Math.max(0, interpolateLevel(levels, predicted.subarray(h * Q, (h + 1) * Q), q));
      paths.set(q, path);
    }
    const mean = new Float64Array(horizonSteps);
    for (let h = 0; h < horizonSteps; h++) mean[h] = predicted[h * Q + mid] as number;
    return {
      startMs: this.endMs,
      stepSeconds: this.stepSeconds,
      mean,
      quantiles: paths.size > 0 ? sortQuantilePaths(paths) : paths,
    };
  }
}
