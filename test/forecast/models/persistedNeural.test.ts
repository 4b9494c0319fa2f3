import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  type NeuralFitOptions,
  type NeuralFittedModel,
  NeuralModel,
} from "../../../src/forecast/models/neural.js";
import { PersistedNeuralModel } from "../../../src/forecast/models/persistedNeural.js";
import { type LoadedTensorflow, loadTensorflow } from "../../../src/forecast/tf/backend.js";
import type { Series } from "../../../src/forecast/types.js";

const STEP = 600;
const PER_DAY = 144;

function series(days: number): Series {
  const values = Float64Array.from(
    { length: days * PER_DAY },
    (_, i) => 100 + 50 * Math.sin((2 * Math.PI * i) / PER_DAY),
  );
  return { startMs: Date.UTC(2024, 0, 1), stepSeconds: STEP, values };
}

function prefix(s: Series, points: number): Series {
  return { ...s, values: s.values.slice(0, points) };
}

/** Records whether each fit was seeded with a saved network. */
class SpyNeural extends NeuralModel {
  readonly warmStarts: boolean[] = [];
  override async fit(s: Series, options: NeuralFitOptions = {}): Promise<NeuralFittedModel> {
    this.warmStarts.push(options.warmStart !== undefined);
    return super.fit(s, options);
  }
}

async function savedEndMs(dir: string): Promise<number> {
  const saved = JSON.parse(await readFile(join(dir, "model.json"), "utf8")) as { state: { endMs: number } };
  return saved.state.endMs;
}

describe("PersistedNeuralModel", () => {
  let tensorflow: LoadedTensorflow;
  let dir: string;
  const tiny = {
    hiddenUnits: 8,
    hiddenLayers: 1,
    epochs: 3,
    batchSize: 128,
    minWindows: 50,
    maxTrainSeconds: 3,
  };

  before(async () => {
    tensorflow = await loadTensorflow();
    dir = join(await mkdtemp(join(tmpdir(), "foresight-neural-")), "web", "neural");
  });
  after(async () => {
    await rm(join(dir, "..", ".."), { recursive: true, force: true });
  });

  it("saves its fit, and after a restart fine-tunes the saved network instead of starting from zero", async () => {
    const full = series(4);
    const first = new SpyNeural(tensorflow, tiny);
    const before = new PersistedNeuralModel({ inner: first, tensorflow, dir });
    (await before.fit(prefix(full, 3 * PER_DAY))).dispose();
    assert.deepEqual(first.warmStarts, [false]);
    const firstEnd = await savedEndMs(dir);

    // A new process: new objects, same directory.
    const second = new SpyNeural(tensorflow, tiny);
    const after = new PersistedNeuralModel({ inner: second, tensorflow, dir });
    const fitted = await after.fit(full);
    assert.deepEqual(second.warmStarts, [true]);
    assert.ok((await savedEndMs(dir)) > firstEnd, "the newer fit replaced the saved one");
    const forecast = fitted.forecast(6, [0.5, 0.9]);
    assert.equal(forecast.mean.length, 6);
    fitted.dispose();
  });

  it("never seeds a fit of older data with a network trained on its future (backtest windows)", async () => {
    const spy = new SpyNeural(tensorflow, tiny);
    const model = new PersistedNeuralModel({ inner: spy, tensorflow, dir });
    const savedBefore = await savedEndMs(dir);
    (await model.fit(prefix(series(4), 3 * PER_DAY + 10))).dispose();
    assert.deepEqual(spy.warmStarts, [false]);
    assert.equal(await savedEndMs(dir), savedBefore, "an older fit does not overwrite the newest");
  });

  it("trains from scratch when the saved files are unreadable, and reports nothing fatal", async () => {
    const broken = join(dir, "..", "..", "broken", "neural");
    const spy = new SpyNeural(tensorflow, tiny);
    const errors: string[] = [];
    const model = new PersistedNeuralModel({
      inner: spy,
      tensorflow,
      dir: broken,
      onError: (m) => errors.push(m),
    });
    (await model.fit(series(3))).dispose();
    assert.deepEqual(spy.warmStarts, [false]);
    assert.deepEqual(errors, []);
    assert.ok((await savedEndMs(broken)) > 0, "saved for next time");
  });
});
