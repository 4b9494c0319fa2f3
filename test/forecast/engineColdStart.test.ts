import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { forecastSeries } from "../../src/forecast/engine.js";
import { GlobalModel } from "../../src/forecast/models/global.js";
import { loadGlobalNetwork, pretrainedGlobalDir } from "../../src/forecast/models/globalNetwork.js";
import { defaultModels } from "../../src/forecast/models/registry.js";
import { servedNote } from "../../src/forecast/servedNote.js";
import { loadTensorflow } from "../../src/forecast/tf/backend.js";
import type { Model } from "../../src/forecast/types.js";
import { syntheticSeries } from "./models/contract.js";

const daily = (t: number) => 100 * (1 + 0.5 * Math.sin((2 * Math.PI * t) / 86_400));

describe("engine: cold start with the global model", () => {
  let models: Model[];

  before(async () => {
    const { tf } = await loadTensorflow({ prefer: "wasm" });
    models = defaultModels({
      global: new GlobalModel(tf, await loadGlobalNetwork(tf, pretrainedGlobalDir())),
    });
  });

  it("serves global from one hour of history and says which model serves and why", async () => {
    const oneHour = syntheticSeries({ points: 12, shape: daily, noise: 3 });
    const result = await forecastSeries(oneHour, { models, horizonSteps: 12, quantiles: [0.5, 0.9] });
    assert.equal(result.notReady, undefined);
    assert.equal(result.model, "global");
    assert.equal(result.forecast.mean.length, 12);
    assert.equal(
      result.servedBecause,
      "global (pretrained): 1 h of history, too little to backtest; 2 days needed for seasonal_naive, holt_winters, dsp, mstl, ets, theta",
    );
  });

  it("without the global model, a 1 h target is served by naive (the simplest ready model), as before", async () => {
    const oneHour = syntheticSeries({ points: 12, shape: daily, noise: 3 });
    const result = await forecastSeries(oneHour, {
      models: models.filter((m) => m.name !== "global"),
      horizonSteps: 12,
      quantiles: [0.5, 0.9],
    });
    assert.equal(result.model, "naive");
    assert.match(result.servedBecause ?? "", /^naive: 1 h of history, too little to backtest; 2 days needed/);
  });

  it("serves global as it is while the backtest windows are too few to calibrate (6 h: 36 residuals)", async () => {
    const sixHours = syntheticSeries({ points: 72, shape: daily, noise: 3 });
    const result = await forecastSeries(sixHours, { models, horizonSteps: 12, quantiles: [0.5, 0.9] });
    assert.equal(result.model, "global");
    assert.match(
      result.servedBecause ?? "",
      /^global \(pretrained\): 6 h of history, too little to backtest;/,
    );
    const without = await forecastSeries(sixHours, {
      models: models.filter((m) => m.name !== "global"),
      horizonSteps: 12,
      quantiles: [0.5, 0.9],
    });
    assert.ok(
      Number.isFinite(without.scores.naive?.scaledPinball),
      "without a cold-start model, naive is backtested",
    );
    const day = syntheticSeries({ points: 288, shape: daily, noise: 3 });
    const chosen = await forecastSeries(day, { models, horizonSteps: 12, quantiles: [0.5, 0.9] });
    assert.ok(Number.isFinite(chosen.scores.global?.scaledPinball), "12 windows (144 residuals): backtested");
  });

  it("chooses by backtest once there is history for one, and says so", async () => {
    const eightDays = syntheticSeries({ points: 8 * 288, shape: daily, noise: 3 });
    const result = await forecastSeries(eightDays, { models, horizonSteps: 12, quantiles: [0.5, 0.9] });
    assert.match(
      result.servedBecause ?? "",
      /: 8 days of history, best in the backtest \((.+ )?scored \d\.\d{3}/,
    );
    assert.ok(result.scores.global?.ready);
  });

  it("groups the models still waiting by the history they need", () => {
    assert.equal(
      servedNote({
        served: "naive",
        haveSeconds: 1800,
        backtested: false,
        waiting: [
          { name: "global", needSeconds: 3600 },
          { name: "mstl", needSeconds: 172_800 },
          { name: "dsp", needSeconds: 172_800 },
        ],
      }),
      "naive: 30 min of history, too little to backtest; 1 h needed for global, 2 days needed for mstl, dsp",
    );
  });
});
