/**
 * The neural model of one forecast target, with its latest fit kept on disk (tf.io weights and the
 * scaling state, via NeuralFittedModel.save), so a restart fine-tunes the last network instead of
 * training from zero, and so do the scheduled retrains after it.
 *
 * A fit warm-starts only from a saved fit whose training data ended at or before the new series'
 * end: backtest fits on older prefixes of the history train from scratch, so the backtest never sees
 * a network that was trained on its own future. A cheap update (`bringForward`) serves the saved
 * network on the current history without training.
 */
import type { LoadedTensorflow } from "../tf/backend.js";
import type { FitOptions, Model, Readiness, Series } from "../types.js";
import { NEURAL, type NeuralFittedModel, NeuralModel } from "./neural.js";

export interface PersistedNeuralOptions {
  readonly inner: NeuralModel;
  readonly tensorflow: LoadedTensorflow;
  /** Directory holding this target's saved fit (created on first save). */
  readonly dir: string;
  /** Saving and loading failures are reported here and otherwise ignored (the fit itself stands). */
  readonly onError?: (message: string) => void;
}

export class PersistedNeuralModel implements Model {
  readonly name = NEURAL;
  readonly #opts: PersistedNeuralOptions;
  /** End (unix ms) of the saved fit's training data; undefined = not looked at yet, null = none on disk. */
  #savedEndMs: number | null | undefined;

  constructor(options: PersistedNeuralOptions) {
    this.#opts = options;
  }

  readiness(series: Series): Readiness {
    return this.#opts.inner.readiness(series);
  }

  async fit(series: Series, options: FitOptions = {}): Promise<NeuralFittedModel> {
    const endMs = series.startMs + series.values.length * series.stepSeconds * 1000;
    const base = await this.#loadUsable(endMs, series.stepSeconds);
    try {
      const fitted = await this.#opts.inner.fit(series, { ...options, ...(base ? { warmStart: base } : {}) });
      if (
        this.#savedEndMs === null ||
        this.#savedEndMs === undefined ||
        fitted.state.endMs >= this.#savedEndMs
      ) {
        try {
          await fitted.save(this.#opts.dir);
          this.#savedEndMs = fitted.state.endMs;
        } catch (err) {
          this.#opts.onError?.(
            `cannot save the neural model to ${this.#opts.dir}: ${(err as Error).message}`,
          );
        }
      }
      return fitted;
    } finally {
      base?.dispose();
    }
  }

  /**
   * The saved fit updated to `series` (NeuralFittedModel.update: no training), or undefined when no
   * saved fit may serve it (none on disk, another step, or fitted on data past the series' end).
   */
  async bringForward(series: Series): Promise<NeuralFittedModel | undefined> {
    const endMs = series.startMs + series.values.length * series.stepSeconds * 1000;
    const saved = await this.#loadUsable(endMs, series.stepSeconds);
    if (!saved) return undefined;
    try {
      return saved.update(series);
    } catch (err) {
      saved.dispose();
      throw err;
    }
  }

  /** The saved fit, when one exists that may seed a fit of a series ending at `endMs`. */
  async #loadUsable(endMs: number, stepSeconds: number): Promise<NeuralFittedModel | undefined> {
    if (this.#savedEndMs === null) return undefined;
    if (this.#savedEndMs !== undefined && this.#savedEndMs > endMs) return undefined;
    let loaded: NeuralFittedModel;
    try {
      loaded = await NeuralModel.load(this.#opts.dir, this.#opts.tensorflow);
    } catch {
      this.#savedEndMs = null; // nothing (usable) on disk: train from scratch, save the result
      return undefined;
    }
    this.#savedEndMs = loaded.state.endMs;
    if (loaded.state.endMs > endMs || loaded.state.layout.stepSeconds !== stepSeconds) {
      loaded.dispose();
      return undefined;
    }
    return loaded;
  }
}
