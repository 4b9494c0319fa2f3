import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { GlobalModel } from "../../../src/forecast/models/global.js";
import { DEFAULT_GLOBAL_LAYOUT } from "../../../src/forecast/models/globalFeatures.js";
import { createGlobalNetwork } from "../../../src/forecast/models/globalNetwork.js";
import { SharedGlobalModel } from "../../../src/forecast/models/sharedGlobal.js";
import { type LoadedTensorflow, loadTensorflow } from "../../../src/forecast/tf/backend.js";
import { syntheticSeries } from "./contract.js";

const daily = (t: number) => 50 * (1 + 0.5 * Math.sin((2 * Math.PI * t) / 86_400));

describe("shared global model (one per installation, fine-tuned after retrains)", () => {
  let tensorflow: LoadedTensorflow;
  before(async () => {
    tensorflow = await loadTensorflow({ prefer: "wasm" });
  });

  const make = (now: { ms: number }, errors: string[] = [], tuned: number[] = []) =>
    new SharedGlobalModel(
      new GlobalModel(tensorflow.tf, createGlobalNetwork(tensorflow.tf, DEFAULT_GLOBAL_LAYOUT)),
      {
        clock: { now: () => now.ms },
        fineTune: { steps: 20, seed: 3 },
        onFineTuned: (_r, targets) => tuned.push(targets),
        onError: (m) => errors.push(m),
      },
    );

  it("serves the current weights, fine-tunes on what it observed, and swaps in the result", async () => {
    const now = { ms: 0 };
    const tuned: number[] = [];
    const shared = make(now, [], tuned);
    const s = syntheticSeries({ points: 3 * 288, shape: daily, noise: 2 });
    assert.equal(shared.variant, "untrained");
    assert.equal(shared.maybeFineTune(), undefined, "nothing observed: nothing to learn from");
    shared.observe("web", s);
    shared.observe("api", { ...s, values: s.values.map((v) => v * 100) });
    const first = shared.current;
    await shared.maybeFineTune();
    assert.deepEqual(tuned, [2]);
    assert.equal(shared.variant, "fine-tuned");
    assert.notEqual(shared.current, first);
    assert.equal((await shared.fit(s)).forecast(12, [0.9]).quantiles.get(0.9)?.length, 12);
    assert.equal(shared.maybeFineTune(), undefined, "at most once per interval");
    now.ms += 3_600_000;
    await shared.maybeFineTune();
    assert.deepEqual(tuned, [2, 2]);
  });

  it("never learns the most recent day (the engine backtests on it), nor forgotten targets", async () => {
    const shared = make({ ms: 0 });
    shared.observe("young", syntheticSeries({ points: 200, shape: daily }));
    assert.equal(shared.maybeFineTune(), undefined, "less than a day of history: all of it held out");
    shared.observe("web", syntheticSeries({ points: 3 * 288, shape: daily }));
    shared.retain(new Set(["young"]));
    assert.equal(shared.maybeFineTune(), undefined);
  });

  it("a failed fine-tune is reported and keeps serving the previous weights", async () => {
    const errors: string[] = [];
    const shared = make({ ms: 0 }, errors);
    const gaps = syntheticSeries({ points: 3 * 288, shape: daily });
    gaps.values.fill(Number.NaN);
    shared.observe("broken", gaps);
    const first = shared.current;
    await shared.maybeFineTune();
    assert.equal(shared.current, first);
    assert.match(
      errors[0] ?? "",
      /fine-tuning failed, serving the previous weights: global: no complete training windows/,
    );
  });
});
