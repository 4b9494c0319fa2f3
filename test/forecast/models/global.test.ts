import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { GLOBAL, GlobalModel } from "../../../src/forecast/models/global.js";
import { DEFAULT_GLOBAL_LAYOUT } from "../../../src/forecast/models/globalFeatures.js";
import {
  createGlobalNetwork,
  DEFAULT_GLOBAL_SHAPE,
  loadGlobalNetwork,
  saveGlobalNetwork,
} from "../../../src/forecast/models/globalNetwork.js";
import { type LoadedTensorflow, loadTensorflow } from "../../../src/forecast/tf/backend.js";
import { ForecastError, type Series } from "../../../src/forecast/types.js";
import { checkModelContract, syntheticSeries } from "./contract.js";

const DAY = 86_400;
const daily = (level: number) => (t: number) => level * (1 + 0.5 * Math.sin((2 * Math.PI * t) / DAY));

describe("global model", () => {
  let tensorflow: LoadedTensorflow;
  let dir: string;

  before(async () => {
    tensorflow = await loadTensorflow({ prefer: "wasm" });
    dir = await mkdtemp(join(tmpdir(), "foresight-global-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const model = (seed = DEFAULT_GLOBAL_SHAPE.seed): GlobalModel =>
    new GlobalModel(
      tensorflow.tf,
      createGlobalNetwork(tensorflow.tf, DEFAULT_GLOBAL_LAYOUT, { ...DEFAULT_GLOBAL_SHAPE, seed }),
    );

  it("meets the model contract from one hour of history", async () => {
    const oneHour = syntheticSeries({ points: 12, shape: daily(80), noise: 4 });
    await checkModelContract(model(), oneHour);
  });

  it("meets the model contract on weeks of history with gaps, beyond one block (1-minute step)", async () => {
    const s = syntheticSeries({ points: 3 * 1440, stepSeconds: 60, shape: daily(300), noise: 10 });
    s.values.fill(Number.NaN, 2000, 2300);
    await checkModelContract(model(), s, { horizonSteps: 60, quantiles: [0.95, 0.05, 0.5, 0.9] });
  });

  it("is ready from one hour of history and says what it needs before", () => {
    const m = model();
    const short = m.readiness(syntheticSeries({ points: 11, shape: daily(80) }));
    assert.equal(short.ready, false);
    assert.match(short.ready ? "" : short.reason, /needs 1 h of history, has 55 min/);
    assert.equal(short.ready ? 0 : short.needMoreSeconds, 300);
    assert.deepEqual(m.readiness(syntheticSeries({ points: 12, shape: daily(80) })), { ready: true });
    const silent = syntheticSeries({ points: 100, shape: daily(80) });
    silent.values.fill(Number.NaN, 77);
    const r = m.readiness(silent);
    assert.equal(r.ready, false);
    assert.match(r.ready ? "" : r.reason, /needs data in the last 2 h/);
  });

  it("refuses to fit before it is ready, with the reason", async () => {
    await assert.rejects(
      model().fit(syntheticSeries({ points: 5, shape: daily(80) })),
      (e: unknown) => e instanceof ForecastError && /global: not ready: needs 1 h/.test(e.message),
    );
  });

  it("gives the same forecast for the same seed and a different one for another seed", async () => {
    const s = syntheticSeries({ points: 600, shape: daily(80), noise: 3 });
    const run = async (seed: number) => (await model(seed).fit(s)).forecast(12, [0.9]).quantiles.get(0.9);
    assert.deepEqual(await run(3), await run(3));
    assert.notDeepEqual(await run(3), await run(4));
  });

  it("saves and loads its network: same layout, origin and forecast; a missing file is a clear error", async () => {
    const m = model();
    await saveGlobalNetwork(tensorflow.tf, m.net, join(dir, "net"));
    const loaded = new GlobalModel(tensorflow.tf, await loadGlobalNetwork(tensorflow.tf, join(dir, "net")));
    assert.deepEqual(loaded.net.layout, DEFAULT_GLOBAL_LAYOUT);
    assert.equal(loaded.origin, "untrained");
    const s = syntheticSeries({ points: 100, shape: daily(80), noise: 3 });
    assert.deepEqual(
      [...(await loaded.fit(s)).forecast(24, [0.5]).mean],
      [...(await m.fit(s)).forecast(24, [0.5]).mean],
    );
    await assert.rejects(
      loadGlobalNetwork(tensorflow.tf, join(dir, "none")),
      /global: cannot read the network in .*none.*npm run train:global/,
    );
    await writeFile(join(dir, "net", "model.json"), JSON.stringify({ format: "other/1" }));
    await assert.rejects(loadGlobalNetwork(tensorflow.tf, join(dir, "net")), /format other\/1, expected/);
  });

  it("fine-tunes a copy of the shared weights in the steps asked for, lowering its loss on the series", async () => {
    const m = model();
    const series: Series[] = [
      syntheticSeries({ points: 2016, shape: daily(80), noise: 4, seed: 1 }),
      syntheticSeries({ points: 2016, shape: daily(5000), noise: 200, seed: 2 }),
    ];
    const before = m.net.network.getWeights().map((w) => Array.from(w.dataSync()));
    const tuned = await m.fineTune(series, { steps: 100, seed: 5 });
    assert.equal(tuned.steps, 100);
    assert.equal(tuned.model.name, GLOBAL);
    assert.equal(tuned.model.origin, "fine-tuned");
    assert.ok(tuned.windows > 100);
    assert.ok(tuned.lossAfter < tuned.lossBefore, `${tuned.lossAfter} < ${tuned.lossBefore}`);
    const unchanged = m.net.network.getWeights().map((w) => Array.from(w.dataSync()));
    assert.deepEqual(unchanged, before, "the served model keeps its weights");
    const changed = tuned.model.net.network.getWeights().map((w) => Array.from(w.dataSync()));
    assert.notDeepEqual(changed, before);
    const again = await m.fineTune(series, { steps: 100, seed: 5 });
    assert.equal(again.lossAfter, tuned.lossAfter, "fine-tuning is deterministic for a seed");
    tuned.model.dispose();
    again.model.dispose();
  });

  it("fine-tunes on at most maxWindows windows however many series it is given", async () => {
    const m = model();
    const series = Array.from({ length: 6 }, (_, i) =>
      syntheticSeries({ points: 2016, shape: daily(100 * (i + 1)), noise: 5, seed: i + 1 }),
    );
    const few = await m.fineTune(series, { steps: 5, seed: 5, maxWindows: 30 });
    assert.ok(few.windows > 0 && few.windows <= 30, `${few.windows} windows, at most 30`);
    // Fewer windows than series: a seeded sample of the series gives one window each.
    const sampled = await m.fineTune(series, { steps: 5, seed: 5, maxWindows: 4 });
    assert.equal(sampled.windows, 4);
    const unbounded = await m.fineTune(series, { steps: 5, seed: 5, maxWindows: 1_000_000 });
    assert.ok(unbounded.windows > 30, `${unbounded.windows} windows without a tight bound`);
    for (const r of [few, sampled, unbounded]) r.model.dispose();
  });
});
