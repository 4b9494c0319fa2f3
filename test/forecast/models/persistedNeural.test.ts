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
    // Older than both saved fits (4 days, and 3 days, the one before it): trained from scratch.
    (await model.fit(prefix(series(4), 2 * PER_DAY + 10))).dispose();
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

  it("brings the saved network forward to a longer history without training (a cheap update)", async () => {
    const root = join(dir, "..", "..", "forward", "neural");
    const spy = new SpyNeural(tensorflow, tiny);
    const model = new PersistedNeuralModel({ inner: spy, tensorflow, dir: root });
    const full = series(4);
    assert.equal(await model.bringForward(full), undefined, "nothing saved yet: the caller fits");
    const fitted = await model.fit(prefix(full, 3 * PER_DAY));
    const atFit = fitted.forecast(6, [0.5, 0.9]);
    fitted.dispose();
    assert.equal(spy.warmStarts.length, 1);

    // The same target an hour and a half later, with a level shift the network has not seen.
    const later = prefix(full, 3 * PER_DAY + 9);
    const shifted = { ...later, values: later.values.map((v, i) => (i >= 3 * PER_DAY ? v + 400 : v)) };
    const forward = await model.bringForward(shifted);
    assert.ok(forward, "a saved fit ending before the series is brought forward");
    assert.equal(spy.warmStarts.length, 1, "no training");
    const f = forward.forecast(6, [0.5, 0.9]);
    assert.equal(
      f.startMs,
      shifted.startMs + shifted.values.length * STEP * 1000,
      "starts after the new history",
    );
    forward.dispose();
    const plain = await model.bringForward(later);
    assert.ok(plain);
    const g = plain.forecast(6, [0.5, 0.9]);
    plain.dispose();
    assert.notDeepEqual(g.mean, atFit.mean, "not the fit's own forecast: it starts 9 steps later");
    // The level shift since the fit: the path is shifted by the mean miss over the last 9 steps (+400).
    for (let t = 0; t < 6; t++)
      assert.ok(Math.abs((f.mean[t] as number) - (g.mean[t] as number) - 400) < 1e-6, `step ${t}`);

    // A backtest prefix older than the saved fit must never get the network trained on its future.
    assert.equal(await model.bringForward(prefix(full, 2 * PER_DAY)), undefined);
  });

  it("within a day of a saved fit, brings it forward instead of training; a day on, retrains and keeps the one before", async () => {
    const root = join(dir, "..", "..", "daily", "neural");
    const spy = new SpyNeural(tensorflow, tiny);
    const model = new PersistedNeuralModel({ inner: spy, tensorflow, dir: root });
    const full = series(5);
    (await model.fit(prefix(full, 3 * PER_DAY))).dispose();
    assert.equal(spy.warmStarts.length, 1, "nothing saved: trained");
    // An hour later (a full run's final fit): brought forward, not trained.
    const hourLater = await model.fit(prefix(full, 3 * PER_DAY + 6));
    assert.equal(spy.warmStarts.length, 1, "within a day: no training");
    assert.equal(
      hourLater.forecast(3, [0.9]).startMs,
      full.startMs + (3 * PER_DAY + 6) * STEP * 1000,
      "forecasts from the new history's end",
    );
    (hourLater as { dispose(): void }).dispose();
    // A day later: trained again (from the saved network), the day-old fit kept as the previous one.
    (await model.fit(prefix(full, 4 * PER_DAY))).dispose();
    assert.deepEqual(spy.warmStarts, [false, true]);
    assert.equal(await savedEndMs(root), full.startMs + 4 * PER_DAY * STEP * 1000);
    assert.equal(await savedEndMs(`${root}-previous`), full.startMs + 3 * PER_DAY * STEP * 1000);
    // A backtest's first origin a day back (3 days and 2 hours): the previous fit serves it, no training.
    const origin = await model.fit(prefix(full, 3 * PER_DAY + 12));
    assert.equal(spy.warmStarts.length, 2);
    origin.dispose();
    // A new process reads both fits from disk.
    const again = new SpyNeural(tensorflow, tiny);
    const restarted = new PersistedNeuralModel({ inner: again, tensorflow, dir: root });
    (await restarted.fit(prefix(full, 3 * PER_DAY + 12))).dispose();
    (await restarted.fit(prefix(full, 4 * PER_DAY + 12))).dispose();
    assert.deepEqual(again.warmStarts, [], "both brought forward after the restart");
  });
});
