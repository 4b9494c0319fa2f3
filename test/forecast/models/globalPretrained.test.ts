import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { TRAIN_FRACTION } from "../../../src/forecast/globalTraces.js";
import { GlobalModel } from "../../../src/forecast/models/global.js";
import { DEFAULT_GLOBAL_LAYOUT } from "../../../src/forecast/models/globalFeatures.js";
import { loadGlobalNetwork, pretrainedGlobalDir } from "../../../src/forecast/models/globalNetwork.js";
import { type LoadedTensorflow, loadTensorflow } from "../../../src/forecast/tf/backend.js";
import { checkModelContract, syntheticSeries } from "./contract.js";

interface TrainingRecord {
  readonly command: string;
  readonly sizeBytes: number;
  readonly layout: unknown;
  readonly network: { readonly seed: number; readonly parameters: number };
  readonly training: { readonly steps: number; readonly windows: number };
  readonly traces: { trace: string; trainSteps: number; totalSteps: number; windows: number }[];
}

describe("the shipped pretrained global network (models/global)", () => {
  let tensorflow: LoadedTensorflow;
  let model: GlobalModel;
  let record: TrainingRecord;
  const dir = pretrainedGlobalDir();

  before(async () => {
    tensorflow = await loadTensorflow({ prefer: "wasm" });
    model = new GlobalModel(tensorflow.tf, await loadGlobalNetwork(tensorflow.tf, dir));
    record = JSON.parse(await readFile(join(dir, "TRAINING.json"), "utf8")) as TrainingRecord;
  });

  it("loads as pretrained with the default layout, and its record matches the files", async () => {
    assert.equal(model.origin, "pretrained");
    assert.deepEqual(model.net.layout, DEFAULT_GLOBAL_LAYOUT);
    assert.deepEqual(record.layout, DEFAULT_GLOBAL_LAYOUT);
    assert.equal(record.command, "npm run train:global");
    const bytes = (await stat(join(dir, "weights.bin"))).size + (await stat(join(dir, "model.json"))).size;
    assert.equal(record.sizeBytes, bytes);
    assert.ok(bytes < 1_000_000, `${bytes} bytes: keep the shipped network under 1 MB`);
    assert.equal(record.network.parameters, model.net.network.countParams());
  });

  it("was trained only on the first part of every trace it names", () => {
    assert.ok(record.traces.length >= 6);
    for (const t of record.traces) {
      assert.equal(t.trainSteps, Math.floor(t.totalSteps * TRAIN_FRACTION), t.trace);
      assert.ok(t.windows > 0, t.trace);
    }
    assert.equal(
      record.traces.reduce((n, t) => n + t.windows, 0),
      record.training.windows,
    );
  });

  it("forecasts a new target from one hour of history, at its own level, with ordered quantiles", async () => {
    for (const level of [0.02, 40, 25_000]) {
      const oneHour = syntheticSeries({ points: 12, shape: () => level, noise: level * 0.05, seed: 3 });
      const f = await checkModelContract(model, oneHour, { quantiles: [0.1, 0.5, 0.9] });
      const median = (f.quantiles.get(0.5) as Float64Array)[0] as number;
      assert.ok(median > 0.8 * level && median < 1.2 * level, `median ${median} for level ${level}`);
      const lo = (f.quantiles.get(0.1) as Float64Array)[0] as number;
      const hi = (f.quantiles.get(0.9) as Float64Array)[0] as number;
      assert.ok(lo < median && median < hi, `an interval around the median: ${lo} < ${median} < ${hi}`);
    }
  });
});
