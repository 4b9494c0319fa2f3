/**
 * The models Foresight tries for every series, simplest first (the engine reports the simplest
 * model's readiness when none is ready, and backtests fall back to seasonal naive). An explicit
 * list, not auto-discovery, so adding a model is a visible change here and names stay unique.
 */
import type { LoadedTensorflow } from "../tf/backend.js";
import type { Model } from "../types.js";
import { DspModel, type DspOptions } from "./dsp.js";
import { HoltWintersModel, type HoltWintersOptions } from "./holtWinters.js";
import { MstlModel, type MstlOptions } from "./mstl.js";
import { NaiveModel } from "./naive.js";
import { NeuralModel, type NeuralOptions } from "./neural.js";
import { SeasonalNaiveModel } from "./seasonalNaive.js";

/** The comparison baselines of the benchmark (the "best of" set excludes plain naive). */
export const baselineModelNames: readonly string[] = ["naive", "seasonal_naive", "holt_winters", "dsp"];

export interface ModelRuntime {
  /** A loaded TensorFlow.js; without it the neural model is left out. */
  readonly tensorflow?: LoadedTensorflow;
  /** The global model (global.ts, or the installation's shared one); without it, it is left out. */
  readonly global?: Model;
}

export interface ModelTuning {
  readonly holtWinters?: HoltWintersOptions;
  readonly dsp?: DspOptions;
  readonly mstl?: MstlOptions;
  readonly neural?: NeuralOptions;
}

export function defaultModels(runtime: ModelRuntime = {}, tuning: ModelTuning = {}): Model[] {
  const models: Model[] = [
    new NaiveModel(),
    new SeasonalNaiveModel(),
    new HoltWintersModel(tuning.holtWinters),
    new DspModel(tuning.dsp),
    new MstlModel(tuning.mstl),
  ];
  if (runtime.tensorflow) models.push(new NeuralModel(runtime.tensorflow, tuning.neural));
  if (runtime.global) models.push(runtime.global);
  return checkUniqueNames(models);
}

/** `models` unchanged, or an error naming the duplicated model name. */
export function checkUniqueNames<T extends Model>(models: T[]): T[] {
  const seen = new Set<string>();
  for (const m of models) {
    if (seen.has(m.name))
      throw new Error(`two forecasting models are named "${m.name}": model names must be unique`);
    seen.add(m.name);
  }
  return models;
}
