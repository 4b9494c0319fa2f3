/**
 * The network of the global model: built (neural.ts' MLP with a linear skip), trained or fine-tuned for
 * a bounded number of seeded mini-batch steps with the pinball loss, and saved / loaded as model.json
 * + weights.bin through tf.io with our own file handlers (tfjs' file:// handler needs tfjs-node). The
 * training script (scripts/train-global.ts) and the retrain-time fine-tuning run the same loop.
 * Hand-written on top of tfjs because no JS library offers quantile MLP forecasting.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type * as TfTypes from "@tensorflow/tfjs";
import { seededRandom } from "../random.js";
import type { Tf } from "../tf/backend.js";
import { ForecastError } from "../types.js";
import { type GlobalLayout, type GlobalWindows, globalFeatureCount } from "./globalFeatures.js";
import { buildNetwork, cloneModel, modelArtifacts, pinballLoss } from "./neural.js";

export const GLOBAL_FORMAT = "foresight-global/1";

export interface GlobalNetworkShape {
  readonly hiddenUnits: number;
  readonly hiddenLayers: number;
  readonly seed: number;
}

export const DEFAULT_GLOBAL_SHAPE: GlobalNetworkShape = { hiddenUnits: 64, hiddenLayers: 2, seed: 7 };

/** A network with the layout it reads and where its weights came from. */
export interface GlobalNetwork {
  readonly network: TfTypes.LayersModel;
  readonly layout: GlobalLayout;
  /** `pretrained` (the shipped weights), `fine-tuned` (on this installation's series) or `untrained`. */
  readonly origin: "pretrained" | "fine-tuned" | "untrained";
}

export function createGlobalNetwork(
  tf: Tf,
  layout: GlobalLayout,
  shape: GlobalNetworkShape = DEFAULT_GLOBAL_SHAPE,
): GlobalNetwork {
  const network = buildNetwork(tf, globalFeatureCount(layout), layout, layout.levels, shape);
  return { network, layout, origin: "untrained" };
}

export interface TrainStepsOptions {
  /** Mini-batch steps to run (the bound on a fine-tune's cost). */
  readonly steps: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly seed?: number;
  readonly signal?: AbortSignal;
  /** Called every 100 steps with the step and the mean training loss since the last call. */
  readonly onProgress?: (step: number, loss: number) => void;
}

/**
 * Runs `steps` seeded Adam steps on batches drawn from `windows`, in place. Returns the mean pinball
 * loss over all windows before and after (in scaled units), so a caller can see what the steps did.
 */
export async function trainSteps(
  tf: Tf,
  net: GlobalNetwork,
  windows: GlobalWindows,
  options: TrainStepsOptions,
): Promise<{ before: number; after: number; steps: number }> {
  if (windows.count === 0) throw new ForecastError("global: no complete training windows to learn from");
  const { levels, horizonSteps: H } = net.layout;
  const batchSize = Math.min(options.batchSize ?? 128, windows.count);
  const random = seededRandom(options.seed ?? 1);
  const optimizer = tf.train.adam(options.learningRate ?? 0.001);
  const x = tf.tensor2d(windows.x, [windows.count, windows.features]);
  const y = tf.tensor2d(windows.y, [windows.count, H]);
  const q = tf.tensor1d(Array.from({ length: H }, () => levels).flat());
  const lossAll = (): number =>
    tf.tidy(() => pinballLoss(tf, y, net.network.predict(x) as TfTypes.Tensor, q).dataSync()[0] as number);
  try {
    const before = lossAll();
    let sum = 0;
    let n = 0;
    for (let step = 1; step <= options.steps; step++) {
      options.signal?.throwIfAborted();
      const batch = Array.from({ length: batchSize }, () => Math.floor(random() * windows.count));
      const loss = tf.tidy(() => {
        const index = tf.tensor1d(batch, "int32");
        const xb = tf.gather(x, index);
        const yb = tf.gather(y, index);
        const value = optimizer.minimize(
          () => pinballLoss(tf, yb, net.network.apply(xb) as TfTypes.Tensor, q),
          true,
        );
        return value ? (value.dataSync()[0] as number) : Number.NaN;
      });
      sum += loss;
      n++;
      if (step % 100 === 0) {
        options.onProgress?.(step, sum / n);
        sum = 0;
        n = 0;
      }
      // Let the event loop breathe every few steps (the server keeps answering while we fine-tune).
      if (step % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    return { before, after: lossAll(), steps: options.steps };
  } finally {
    for (const t of [x, y, q]) t.dispose();
    optimizer.dispose();
  }
}

/** A copy with its own weights (fine-tuning never changes the network being served). */
export async function cloneGlobalNetwork(tf: Tf, net: GlobalNetwork): Promise<GlobalNetwork> {
  return { ...net, network: await cloneModel(tf, net.network) };
}

interface SavedGlobal {
  readonly format: string;
  readonly layout: GlobalLayout;
  readonly origin: GlobalNetwork["origin"];
  readonly modelTopology: TfTypes.io.ModelArtifacts["modelTopology"];
  readonly weightSpecs: TfTypes.io.WeightsManifestEntry[];
}

/** Writes model.json (topology, weight manifest, layout) and weights.bin to `dir` (temp files, then renamed). */
export async function saveGlobalNetwork(tf: Tf, net: GlobalNetwork, dir: string): Promise<void> {
  const artifacts = await modelArtifacts(tf, net.network);
  if (!artifacts.weightSpecs || !artifacts.weightData)
    throw new ForecastError("global: tf.io returned no weights");
  const saved: SavedGlobal = {
    format: GLOBAL_FORMAT,
    layout: net.layout,
    origin: net.origin,
    modelTopology: artifacts.modelTopology,
    weightSpecs: artifacts.weightSpecs,
  };
  await mkdir(dir, { recursive: true });
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
  await writeFile(join(dir, "weights.bin.tmp"), weights);
  await writeFile(join(dir, "model.json.tmp"), `${JSON.stringify(saved)}\n`);
  await rename(join(dir, "weights.bin.tmp"), join(dir, "weights.bin"));
  await rename(join(dir, "model.json.tmp"), join(dir, "model.json"));
}

/** Reads a network saved by `saveGlobalNetwork`; a clear error when the files are missing or foreign. */
export async function loadGlobalNetwork(tf: Tf, dir: string): Promise<GlobalNetwork> {
  let saved: SavedGlobal;
  let weights: Buffer;
  try {
    saved = JSON.parse(await readFile(join(dir, "model.json"), "utf8")) as SavedGlobal;
    weights = await readFile(join(dir, "weights.bin"));
  } catch (error) {
    throw new ForecastError(
      `global: cannot read the network in ${dir} (${(error as Error).message}); reinstall the package or run npm run train:global`,
    );
  }
  if (saved.format !== GLOBAL_FORMAT)
    throw new ForecastError(
      `global: ${dir}/model.json has format ${saved.format}, expected ${GLOBAL_FORMAT}`,
    );
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  const network = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: saved.modelTopology, weightSpecs: saved.weightSpecs, weightData }),
  );
  return { network, layout: saved.layout, origin: saved.origin };
}

/** The shipped pretrained network's directory (models/global at the package root, from src/ or dist/). */
export function pretrainedGlobalDir(): string {
  return new URL("../../../models/global/", import.meta.url).pathname;
}
