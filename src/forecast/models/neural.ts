/**
 * The neural model (`neural`): a small MLP in TensorFlow.js that reads a window of the robustly
 * scaled series, the same block one day and one week earlier, imputation masks and calendar
 * features (neuralFeatures.ts), and outputs H steps × Q quantile levels at once, trained with the
 * pinball loss. A linear skip from the inputs to the head (as in N-BEATS' linear blocks) lets it
 * learn "repeat yesterday" quickly; the ReLU layers learn the rest.
 *
 * - Quantiles: trained for a fixed set of levels (default 0.05 … 0.95, always with 0.5); other
 *   requested levels are interpolated linearly in normal-score space between the two neighbouring
 *   trained levels, and extrapolated the same way beyond the outermost ones. Mean = the 0.5 path.
 * - Horizons longer than the trained block H are forecast block by block, feeding the median back.
 * - Training: seeded initialisers and a seeded shuffle (deterministic on one backend), Adam, early
 *   stopping on a chronological validation split (best weights restored), a budget of optimizer steps
 *   `maxTrainSteps` (what decides a fit, on any machine) and a wall-time safety cap `maxTrainSeconds`
 *   checked after every batch. The fitted model reports `fitSeconds` and what stopped training.
 * - Persistence: `save(dir)` / `NeuralModel.load(dir, tf)` through tf.io with our own file-system
 *   handlers (tfjs-node's file:// handler is missing on the wasm backend), so a restart does not
 *   retrain; `fit(series, { warmStart })` fine-tunes a previous fit instead of starting from zero.
 * - Trimmed: one network per series (not yet global across an installation's series).
 * Hand-written on top of tfjs because no JS library offers quantile MLP forecasting.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type * as TfTypes from "@tensorflow/tfjs";
import { sortQuantilePaths } from "../intervals.js";
import { seededRandom } from "../random.js";
import { normalQuantile } from "../stats.js";
import type { LoadedTensorflow, Tf, TfBackendName } from "../tf/backend.js";
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
import { checkForecastArgs, coveredSeconds, describeDuration } from "./fitHelpers.js";
import {
  buildWindows,
  earliestOrigin,
  type FeatureLayout,
  featureCount,
  imputeScaled,
  robustScaler,
  type Scaler,
  stepsPerDay,
  validOrigins,
  writeFeatures,
} from "./neuralFeatures.js";

export const NEURAL = "neural";

const DEFAULT_LEVELS: readonly Quantile[] = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95];
const MIN_HISTORY_SECONDS = 2 * 86_400;
const FORMAT = "foresight-neural/1";

export interface NeuralOptions {
  /** Steps predicted per network pass (default: one hour of steps, at most one day). */
  readonly horizonSteps?: number;
  /** Quantile levels the network is trained on; 0.5 is always added. */
  readonly levels?: readonly Quantile[];
  /** Recent steps fed to the network: one day, capped at this (default 288). */
  readonly maxInputSteps?: number;
  readonly hiddenUnits?: number;
  readonly hiddenLayers?: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /**
   * Training budget in optimizer steps (batches), over all epochs (default 4,000): the budget that
   * decides a fit, the same on any machine.
   */
  readonly maxTrainSteps?: number;
  /**
   * Wall-time safety cap, checked after every batch (default 20 s). Where it cuts a fit short the
   * fit depends on the machine's speed; the fitted model says so (`stoppedBy: "time"`).
   */
  readonly maxTrainSeconds?: number;
  /** Epochs without validation improvement before stopping (default 5). */
  readonly patience?: number;
  /** Latest share of windows held out for early stopping (default 0.2). */
  readonly validationFraction?: number;
  /** Windows needed before the model is ready (default 500). */
  readonly minWindows?: number;
  /** Most recent windows used for training, bounding memory and time (default 8000). */
  readonly maxWindows?: number;
  readonly seed?: number;
}

export interface NeuralFitOptions extends FitOptions {
  /** A previous fit to fine-tune: its layout, scaling and weights are the starting point. */
  readonly warmStart?: NeuralFittedModel;
}

type Settings = Required<Omit<NeuralOptions, "horizonSteps">> & { readonly horizonSteps: number | undefined };

function settingsOf(options: NeuralOptions): Settings {
  const levels = [...new Set([...(options.levels ?? DEFAULT_LEVELS), 0.5])].sort((a, b) => a - b);
  for (const q of levels) if (!(q > 0 && q < 1)) throw new ForecastError(`neural: level ${q} not in (0, 1)`);
  if (levels.length < 2)
    throw new ForecastError("neural: train at least two quantile levels, e.g. [0.1, 0.5, 0.9]");
  return {
    horizonSteps: options.horizonSteps,
    levels,
    maxInputSteps: options.maxInputSteps ?? 288,
    hiddenUnits: options.hiddenUnits ?? 64,
    hiddenLayers: options.hiddenLayers ?? 2,
    epochs: options.epochs ?? 60,
    batchSize: options.batchSize ?? 64,
    learningRate: options.learningRate ?? 0.003,
    maxTrainSteps: options.maxTrainSteps ?? 4000,
    maxTrainSeconds: options.maxTrainSeconds ?? 20,
    patience: options.patience ?? 5,
    validationFraction: options.validationFraction ?? 0.2,
    minWindows: options.minWindows ?? 500,
    maxWindows: options.maxWindows ?? 8000,
    seed: options.seed ?? 42,
  };
}

function baseLayout(stepSeconds: number, settings: Settings): FeatureLayout {
  const day = stepsPerDay(stepSeconds);
  const horizon = settings.horizonSteps ?? Math.max(1, Math.round(3600 / stepSeconds));
  return {
    stepSeconds,
    inputSteps: Math.min(day, settings.maxInputSteps),
    horizonSteps: Math.min(day, horizon),
    dailyLagSteps: day,
    weeklyLagSteps: 0,
  };
}

/** What the fitted network needs to forecast after a restart, stored next to the weights. */
interface NeuralState {
  readonly layout: FeatureLayout;
  readonly scaler: Scaler;
  readonly levels: readonly Quantile[];
  /** Scaled, imputed tail of the series (long enough for the input window and lags) and its mask. */
  readonly tail: Float64Array;
  readonly tailMask: Uint8Array;
  /** Unix ms of the first step after the series. */
  readonly endMs: number;
  readonly fitSeconds: number;
  readonly epochs: number;
  /** What ended training: the epoch limit, early stopping, the step budget, or the wall-time cap. */
  readonly stoppedBy?: StoppedBy;
  readonly backend: TfBackendName;
}

export type StoppedBy = "epochs" | "early-stopping" | "steps" | "time";

export class NeuralModel implements Model {
  readonly name = NEURAL;
  readonly #tf: Tf;
  readonly #backend: TfBackendName;
  readonly #settings: Settings;

  constructor(tensorflow: LoadedTensorflow, options: NeuralOptions = {}) {
    this.#tf = tensorflow.tf;
    this.#backend = tensorflow.backend;
    this.#settings = settingsOf(options);
  }

  readiness(series: Series): Readiness {
    const have = coveredSeconds(series);
    if (have < MIN_HISTORY_SECONDS) {
      return {
        ready: false,
        reason: `needs ${describeDuration(MIN_HISTORY_SECONDS)} of history to learn a daily pattern, has ${describeDuration(have)}`,
        needMoreSeconds: Math.max(series.stepSeconds, MIN_HISTORY_SECONDS - have),
      };
    }
    const windows = validOrigins(series.values, baseLayout(series.stepSeconds, this.#settings)).length;
    const need = this.#settings.minWindows;
    if (windows < need) {
      return {
        ready: false,
        reason: `needs ${need} complete training windows (one day of input before each), has ${windows}; gaps in the target are skipped`,
        needMoreSeconds: (need - windows) * series.stepSeconds,
      };
    }
    return { ready: true };
  }

  async fit(series: Series, options: NeuralFitOptions = {}): Promise<NeuralFittedModel> {
    const started = performance.now();
    const settings = this.#settings;
    const tf = this.#tf;
    const warm = options.warmStart;
    if (warm && warm.state.layout.stepSeconds !== series.stepSeconds) {
      throw new ForecastError(
        `neural: warm start was fitted at a ${warm.state.layout.stepSeconds} s step, the series has ${series.stepSeconds} s; fit without warmStart`,
      );
    }
    const readiness = this.readiness(series);
    if (!readiness.ready) throw new ForecastError(`neural: not ready: ${readiness.reason}`);

    const layout = warm?.state.layout ?? this.#chooseLayout(series);
    const scaler = warm?.state.scaler ?? robustScaler(series.values);
    const levels = warm?.state.levels ?? settings.levels;
    const imputed = imputeScaled(series.values, scaler, layout.dailyLagSteps);
    const origins = validOrigins(series.values, layout).slice(-settings.maxWindows);
    const windows = buildWindows(series.values, imputed, origins, series.startMs, layout, scaler);

    const model = warm
      ? await cloneModel(tf, warm.network)
      : buildNetwork(tf, windows.features, layout, levels, settings);
    let trained: { epochs: number; stoppedBy: StoppedBy };
    try {
      trained = await train(tf, model, windows, layout, levels, settings, started, options.signal);
    } catch (error) {
      model.dispose();
      throw error;
    }

    const need = earliestOrigin(layout);
    const n = series.values.length;
    const state: NeuralState = {
      layout,
      scaler,
      levels,
      tail: imputed.values.slice(Math.max(0, n - need)),
      tailMask: imputed.mask.slice(Math.max(0, n - need)),
      endMs: series.startMs + n * series.stepSeconds * 1000,
      fitSeconds: (performance.now() - started) / 1000,
      epochs: trained.epochs,
      stoppedBy: trained.stoppedBy,
      backend: this.#backend,
    };
    return new NeuralFittedModel(tf, model, state);
  }

  /** Restores a fit saved with `NeuralFittedModel.save(dir)`. */
  static async load(dir: string, tensorflow: LoadedTensorflow): Promise<NeuralFittedModel> {
    const tf = tensorflow.tf;
    let saved: SavedModel;
    let weights: Buffer;
    try {
      saved = JSON.parse(await readFile(join(dir, "model.json"), "utf8")) as SavedModel;
      weights = await readFile(join(dir, "weights.bin"));
    } catch (error) {
      throw new ForecastError(
        `neural: cannot read a saved model from ${dir} (${(error as Error).message}); retrain with fit()`,
      );
    }
    if (saved.format !== FORMAT) {
      throw new ForecastError(
        `neural: ${dir}/model.json has format ${saved.format}, expected ${FORMAT}; retrain`,
      );
    }
    const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
    const network = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: saved.modelTopology, weightSpecs: saved.weightSpecs, weightData }),
    );
    const s = saved.state;
    return new NeuralFittedModel(tf, network, {
      ...s,
      tail: Float64Array.from(s.tail),
      tailMask: Uint8Array.from(s.tailMask),
    });
  }

  /** Adds the weekly lag when the history holds enough windows with it. */
  #chooseLayout(series: Series): FeatureLayout {
    const base = baseLayout(series.stepSeconds, this.#settings);
    const weekly = { ...base, weeklyLagSteps: 7 * base.dailyLagSteps };
    return validOrigins(series.values, weekly).length >= this.#settings.minWindows ? weekly : base;
  }
}

interface SavedModel {
  readonly format: string;
  readonly modelTopology: TfTypes.io.ModelArtifacts["modelTopology"];
  readonly weightSpecs: TfTypes.io.WeightsManifestEntry[];
  readonly state: Omit<NeuralState, "tail" | "tailMask"> & { tail: number[]; tailMask: number[] };
}

export class NeuralFittedModel implements FittedModel {
  readonly name = NEURAL;

  constructor(
    private readonly tf: Tf,
    /** The trained network; owned by this object (see `dispose`). */
    readonly network: TfTypes.LayersModel,
    readonly state: NeuralState,
  ) {}

  /** Wall-clock seconds the fit took (window building and training). */
  get fitSeconds(): number {
    return this.state.fitSeconds;
  }

  /** Epochs actually run (early stopping and the budgets may cut them short). */
  get epochs(): number {
    return this.state.epochs;
  }

  /** True when the wall-time safety cap ended training (the fit then depends on the machine). */
  get stoppedByTime(): boolean {
    return this.state.stoppedBy === "time";
  }

  forecast(horizonSteps: number, quantiles: readonly Quantile[]): ForecastResult {
    checkForecastArgs(NEURAL, horizonSteps, quantiles);
    const { layout, scaler, levels } = this.state;
    const H = layout.horizonSteps;
    const Q = levels.length;
    const features = featureCount(layout);
    const stepMs = layout.stepSeconds * 1000;
    const requested = [...new Set(quantiles)];
    const mid = levels.indexOf(0.5);

    // Working history in scaled units; predicted medians are appended block by block.
    const blocks = Math.ceil(horizonSteps / H);
    const offset = this.state.tail.length;
    const values = new Float64Array(offset + blocks * H);
    values.set(this.state.tail);
    const mask = new Uint8Array(values.length);
    mask.set(this.state.tailMask);
    const predicted = new Float32Array(blocks * H * Q);
    const input = new Float32Array(features);
    for (let b = 0; b < blocks; b++) {
      const origin = offset + b * H;
      writeFeatures(values, mask, origin, this.state.endMs + b * H * stepMs, layout, input, 0);
      const out = this.tf.tidy(() =>
        (this.network.predict(this.tf.tensor2d(input, [1, features])) as TfTypes.Tensor).dataSync(),
      );
      for (let h = 0; h < H; h++) {
        const column = Array.from(out.subarray(h * Q, (h + 1) * Q)).sort((x, y) => x - y);
        predicted.set(column, (b * H + h) * Q);
        values[origin + h] = column[mid] as number;
      }
    }

    const unscale = (v: number): number => Math.max(0, v * scaler.scale + scaler.center);
    const paths = new Map<Quantile, Float64Array>();
    for (const q of requested) {
      const path = new Float64Array(horizonSteps);
      for (let h = 0; h < horizonSteps; h++) {
        path[h] = unscale(interpolateLevel(levels, predicted.subarray(h * Q, (h + 1) * Q), q));
      }
      paths.set(q, path);
    }
    const mean = new Float64Array(horizonSteps);
    for (let h = 0; h < horizonSteps; h++) mean[h] = unscale(predicted[h * Q + mid] as number);
    return {
      startMs: this.state.endMs,
      stepSeconds: layout.stepSeconds,
      mean,
      quantiles: requested.length > 0 ? sortQuantilePaths(paths) : paths,
    };
  }

  /** Writes model.json (topology, weight manifest, scaling and series tail) and weights.bin to `dir`. */
  async save(dir: string): Promise<void> {
    const artifacts = await modelArtifacts(this.tf, this.network);
    if (!artifacts.weightSpecs || !artifacts.weightData)
      throw new ForecastError("neural: tf.io returned no weights");
    const weightData = this.tf.io.CompositeArrayBuffer.join(artifacts.weightData);
    const s = this.state;
    const saved: SavedModel = {
      format: FORMAT,
      modelTopology: artifacts.modelTopology,
      weightSpecs: artifacts.weightSpecs,
      state: { ...s, tail: Array.from(s.tail), tailMask: Array.from(s.tailMask) },
    };
    await mkdir(dir, { recursive: true });
    // Write then rename, so a crash mid-save never leaves a half-written model to load.
    await writeFile(join(dir, "weights.bin.tmp"), new Uint8Array(weightData));
    await writeFile(join(dir, "model.json.tmp"), JSON.stringify(saved));
    await rename(join(dir, "weights.bin.tmp"), join(dir, "weights.bin"));
    await rename(join(dir, "model.json.tmp"), join(dir, "model.json"));
  }

  /** Frees the network's tensors; the object must not be used afterwards. */
  dispose(): void {
    this.network.dispose();
  }
}

/**
 * Value at level `q` from values at sorted trained `levels`: linear in normal score between the
 * neighbouring levels, extrapolated with the outermost pair's slope beyond them.
 */
export function interpolateLevel(
  levels: readonly Quantile[],
  values: ArrayLike<number>,
  q: Quantile,
): number {
  const exact = levels.indexOf(q);
  if (exact >= 0) return values[exact] as number;
  let hi = levels.findIndex((l) => l > q);
  if (hi <= 0) hi = hi === 0 ? 1 : levels.length - 1;
  const lo = hi - 1;
  const zlo = normalQuantile(levels[lo] as number);
  const zhi = normalQuantile(levels[hi] as number);
  const vlo = values[lo] as number;
  const vhi = values[hi] as number;
  return vlo + ((vhi - vlo) * (normalQuantile(q) - zlo)) / (zhi - zlo);
}

/** Dense ReLU layers plus a linear skip from the inputs to the H·Q outputs (also used by `global`). */
export function buildNetwork(
  tf: Tf,
  features: number,
  layout: Pick<FeatureLayout, "horizonSteps">,
  levels: readonly Quantile[],
  settings: Pick<Settings, "hiddenLayers" | "hiddenUnits" | "seed">,
): TfTypes.LayersModel {
  const outputs = layout.horizonSteps * levels.length;
  const input = tf.input({ shape: [features] });
  let hidden: TfTypes.SymbolicTensor = input;
  for (let i = 0; i < settings.hiddenLayers; i++) {
    hidden = tf.layers
      .dense({
        units: settings.hiddenUnits,
        activation: "relu",
        kernelInitializer: tf.initializers.heNormal({ seed: settings.seed + i }),
      })
      .apply(hidden) as TfTypes.SymbolicTensor;
  }
  const deep = tf.layers
    .dense({
      units: outputs,
      kernelInitializer: tf.initializers.glorotUniform({ seed: settings.seed + 100 }),
    })
    .apply(hidden) as TfTypes.SymbolicTensor;
  const linear = tf.layers
    .dense({ units: outputs, useBias: false, kernelInitializer: "zeros" })
    .apply(input) as TfTypes.SymbolicTensor;
  const output = tf.layers.add().apply([deep, linear]) as TfTypes.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

export async function cloneModel(tf: Tf, source: TfTypes.LayersModel): Promise<TfTypes.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory(await modelArtifacts(tf, source)));
}

/** The network's topology and weights in memory, as tf.io saves them (also used by `global`). */
export async function modelArtifacts(
  tf: Tf,
  network: TfTypes.LayersModel,
): Promise<TfTypes.io.ModelArtifacts> {
  let artifacts: TfTypes.io.ModelArtifacts | undefined;
  await network.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  return artifacts as TfTypes.io.ModelArtifacts;
}

/** Mean pinball loss; `yTrue` is [B, H], `yPred` [B, H·Q] step-major, `q` the H·Q levels in that order. */
export function pinballLoss(
  tf: Tf,
  yTrue: TfTypes.Tensor,
  yPred: TfTypes.Tensor,
  q: TfTypes.Tensor,
): TfTypes.Scalar {
  const [batch, horizon] = yTrue.shape as [number, number];
  const levels = (q.shape[0] as number) / horizon;
  const target = yTrue
    .reshape([batch, horizon, 1])
    .tile([1, 1, levels])
    .reshape([batch, horizon * levels]);
  const diff = target.sub(yPred);
  return tf.maximum(diff.mul(q), diff.mul(q.sub(1))).mean() as TfTypes.Scalar;
}

/**
 * Trains in place; returns the epochs run and what stopped training. Restores the weights with the
 * best validation loss.
 */
async function train(
  tf: Tf,
  model: TfTypes.LayersModel,
  windows: ReturnType<typeof buildWindows>,
  layout: FeatureLayout,
  levels: readonly Quantile[],
  settings: Settings,
  started: number,
  signal: AbortSignal | undefined,
): Promise<{ epochs: number; stoppedBy: StoppedBy }> {
  const { count, features } = windows;
  const H = layout.horizonSteps;
  const validation = Math.min(count - 1, Math.max(1, Math.floor(count * settings.validationFraction)));
  const trainCount = count - validation;
  const deadline = started + settings.maxTrainSeconds * 1000;
  const random = seededRandom(settings.seed);
  const optimizer = tf.train.adam(settings.learningRate);
  const x = tf.tensor2d(windows.x, [count, features]);
  const y = tf.tensor2d(windows.y, [count, H]);
  const q = tf.tensor1d(Array.from({ length: H }, () => levels).flat());
  const xVal = x.slice([trainCount, 0], [validation, features]);
  const yVal = y.slice([trainCount, 0], [validation, H]);
  const order = Array.from({ length: trainCount }, (_, i) => i);
  let best = Number.POSITIVE_INFINITY;
  let bestWeights: TfTypes.Tensor[] | undefined;
  let stale = 0;
  let epoch = 0;
  let steps = 0;
  let stoppedBy: StoppedBy = "epochs";
  try {
    while (epoch < settings.epochs && stoppedBy === "epochs") {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
      for (let start = 0; start < trainCount; start += settings.batchSize) {
        signal?.throwIfAborted();
        const batch = order.slice(start, start + settings.batchSize);
        tf.tidy(() => {
          const index = tf.tensor1d(batch, "int32");
          const xb = tf.gather(x, index);
          const yb = tf.gather(y, index);
          optimizer.minimize(() => pinballLoss(tf, yb, model.apply(xb) as TfTypes.Tensor, q));
        });
        steps++;
        if (steps >= settings.maxTrainSteps) {
          stoppedBy = "steps";
          break;
        }
        if (performance.now() > deadline) {
          stoppedBy = "time";
          break;
        }
      }
      epoch++;
      const loss = tf.tidy(
        () => pinballLoss(tf, yVal, model.predict(xVal) as TfTypes.Tensor, q).dataSync()[0],
      );
      if ((loss as number) < best - 1e-6) {
        best = loss as number;
        for (const w of bestWeights ?? []) w.dispose();
        bestWeights = model.getWeights().map((w) => w.clone());
        stale = 0;
      } else if (++stale >= settings.patience) {
        stoppedBy = "early-stopping";
        break;
      }
      // Let the event loop breathe between epochs (the server keeps answering while we train).
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (bestWeights) model.setWeights(bestWeights);
    return { epochs: epoch, stoppedBy };
  } finally {
    for (const w of bestWeights ?? []) w.dispose();
    for (const t of [x, y, q, xVal, yVal]) t.dispose();
    optimizer.dispose();
  }
}
