/**
 * The neural model of one forecast target, with its fits kept on disk (tf.io weights and the scaling
 * state, via NeuralFittedModel.save), so a restart serves the last network instead of training from
 * zero, and so do the scheduled runs after it.
 *
 * Like a backtest, which refits an expensive model once per day of series time and brings the fit
 * forward in between, a fit within `retrainEveryMs` (default one day) of a saved fit that ended
 * before the series' end does not train: the saved network is brought forward to the series as the
 * backtest brings any stale fit forward (backtest.ts fromStale: its forecast over the longer lead,
 * shifted by its mean error over the newest observed steps; milliseconds). A network fed inputs far
 * from what it trained on (after a level shift) forecasts badly; the shifted stale path does not.
 * Hourly full runs thus retrain the statistical models and the calibration every hour and each
 * target's network once a day (a few seconds), which is what lets a replica retrain thousands of
 * targets an hour (docs/forecasting.md, bench:fleet).
 *
 * Two fits are kept: the newest (`dir`) and the one before it (`dir-previous`), so a full run's
 * backtest, whose first origin is a day back, finds a network that ended before that origin and
 * brings it forward instead of training one. A fit never starts from, and is never served by, a
 * network trained on data past the series' end: backtest fits on older prefixes train from scratch
 * when no saved fit is old enough.
 */
import { readFile, rename, rm } from "node:fs/promises";
import { fromStale } from "../backtest.js";
import type { LoadedTensorflow } from "../tf/backend.js";
import type {
  FitOptions,
  FittedModel,
  ForecastResult,
  Model,
  Quantile,
  Readiness,
  Series,
} from "../types.js";
import { NEURAL, type NeuralFittedModel, NeuralModel } from "./neural.js";

const DAY_MS = 86_400_000;

export interface PersistedNeuralOptions {
  readonly inner: NeuralModel;
  readonly tensorflow: LoadedTensorflow;
  /** Directory holding this target's newest fit (created on first save); the one before is `<dir>-previous`. */
  readonly dir: string;
  /** A saved fit younger than this (series time) is brought forward instead of retrained (default one day). */
  readonly retrainEveryMs?: number;
  /** Saving and loading failures are reported here and otherwise ignored (the fit itself stands). */
  readonly onError?: (message: string) => void;
}

/** A saved fit: where, and the end (unix ms) of its training data. */
interface Generation {
  readonly dir: string;
  readonly endMs: number;
}

export class PersistedNeuralModel implements Model {
  readonly name = NEURAL;
  readonly fitCost = "expensive" as const;
  readonly #opts: PersistedNeuralOptions;
  /** The saved fits, newest first, once looked at (undefined: not yet read from disk). */
  #saved: Generation[] | undefined;

  constructor(options: PersistedNeuralOptions) {
    this.#opts = options;
  }

  readiness(series: Series): Readiness {
    return this.#opts.inner.readiness(series);
  }

  async fit(series: Series, options: FitOptions = {}): Promise<NeuralFittedModel | BroughtForward> {
    const endMs = seriesEndMs(series);
    const base = await this.#loadUsable(endMs, series.stepSeconds);
    if (base && endMs - base.state.endMs < (this.#opts.retrainEveryMs ?? DAY_MS))
      return new BroughtForward(base, series);
    try {
      const fitted = await this.#opts.inner.fit(series, { ...options, ...(base ? { warmStart: base } : {}) });
      await this.#save(fitted);
      return fitted;
    } finally {
      base?.dispose();
    }
  }

  /**
   * The newest saved fit that ended by the series' end, brought forward to `series` (no training),
   * or undefined when there is none (nothing on disk, another step, or every fit ends past the series).
   */
  async bringForward(series: Series): Promise<BroughtForward | undefined> {
    const saved = await this.#loadUsable(seriesEndMs(series), series.stepSeconds);
    return saved ? new BroughtForward(saved, series) : undefined;
  }

  /** Keeps `fitted` as the newest fit (the newest becoming the previous one), or as the previous one if it is older. */
  async #save(fitted: NeuralFittedModel): Promise<void> {
    const saved = await this.#generations();
    const [newest, previous] = saved;
    const end = fitted.state.endMs;
    const current = this.#opts.dir;
    const older = `${current}-previous`;
    try {
      if (!newest || end >= newest.endMs) {
        if (newest && end > newest.endMs) {
          await rm(older, { recursive: true, force: true });
          await rename(current, older);
        }
        await fitted.save(current);
        this.#saved = [
          { dir: current, endMs: end },
          ...(newest && end > newest.endMs
            ? [{ dir: older, endMs: newest.endMs }]
            : previous
              ? [previous]
              : []),
        ];
      } else if (!previous || end > previous.endMs) {
        await rm(older, { recursive: true, force: true });
        await fitted.save(older);
        this.#saved = [newest, { dir: older, endMs: end }];
      }
    } catch (err) {
      this.#saved = undefined; // read the disk again next time
      this.#opts.onError?.(`cannot save the neural model to ${current}: ${(err as Error).message}`);
    }
  }

  /** The newest saved fit that may serve or seed a series ending at `endMs` with this step. */
  async #loadUsable(endMs: number, stepSeconds: number): Promise<NeuralFittedModel | undefined> {
    for (const generation of await this.#generations()) {
      if (generation.endMs > endMs) continue;
      let loaded: NeuralFittedModel;
      try {
        loaded = await NeuralModel.load(generation.dir, this.#opts.tensorflow);
      } catch {
        continue; // unreadable: the next one, else train from scratch and save over it
      }
      if (loaded.state.layout.stepSeconds === stepSeconds) return loaded;
      loaded.dispose();
    }
    return undefined;
  }

  async #generations(): Promise<Generation[]> {
    if (!this.#saved) {
      const found: Generation[] = [];
      for (const dir of [this.#opts.dir, `${this.#opts.dir}-previous`]) {
        const endMs = await savedEndMs(dir);
        if (endMs !== undefined) found.push({ dir, endMs });
      }
      this.#saved = found.sort((a, b) => b.endMs - a.endMs);
    }
    return this.#saved;
  }
}

function seriesEndMs(series: Series): number {
  return series.startMs + series.values.length * series.stepSeconds * 1000;
}

/**
 * A saved network serving a newer series (which starts at or before the network's training end):
 * its stale forecast, shifted to the newest observations.
 */
export class BroughtForward implements FittedModel {
  readonly name = NEURAL;
  readonly #saved: NeuralFittedModel;
  readonly #series: Series;
  /** Index in the series of the saved fit's first forecast step (its training data's end). */
  readonly #fittedEnd: number;

  constructor(saved: NeuralFittedModel, series: Series) {
    this.#saved = saved;
    this.#series = series;
    this.#fittedEnd = Math.round((saved.state.endMs - series.startMs) / (series.stepSeconds * 1000));
  }

  /** End (unix ms) of the training data of the network serving. */
  get fittedEndMs(): number {
    return this.#saved.state.endMs;
  }

  forecast(horizonSteps: number, quantiles: readonly Quantile[]): ForecastResult {
    const origin = this.#series.values.length;
    if (this.#fittedEnd < 0 || this.#fittedEnd >= origin)
      return {
        ...this.#saved.forecast(horizonSteps, quantiles),
        startMs: this.#series.startMs + origin * this.#series.stepSeconds * 1000,
      };
    const long = this.#saved.forecast(origin - this.#fittedEnd + horizonSteps, quantiles);
    return fromStale(long, this.#fittedEnd, origin, horizonSteps, this.#series);
  }

  dispose(): void {
    this.#saved.dispose();
  }
}

/** End of a saved fit's training data from its model.json, without loading the weights; undefined when unreadable. */
async function savedEndMs(dir: string): Promise<number | undefined> {
  try {
    const saved = JSON.parse(await readFile(`${dir}/model.json`, "utf8")) as { state?: { endMs?: unknown } };
    const endMs = saved.state?.endMs;
    return typeof endMs === "number" && Number.isFinite(endMs) ? endMs : undefined;
  } catch {
    return undefined;
  }
}
