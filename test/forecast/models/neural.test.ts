import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import {
  interpolateLevel,
  type NeuralFittedModel,
  NeuralModel,
  type NeuralOptions,
} from "../../../src/forecast/models/neural.js";
import {
  calendarFeatures,
  imputeScaled,
  robustScaler,
  validOrigins,
} from "../../../src/forecast/models/neuralFeatures.js";
import { normalQuantile } from "../../../src/forecast/stats.js";
import { type LoadedTensorflow, loadTensorflow } from "../../../src/forecast/tf/backend.js";
import { ForecastError, type Series } from "../../../src/forecast/types.js";
import { checkModelContract } from "./contract.js";

const STEP = 600; // 10 minutes
const DAY = 144; // steps per day
const AMPLITUDE = 50;
const LEVEL = 100;
const NOISE_SD = 5;
const START_MS = Date.UTC(2024, 0, 1);

/** Deterministic standard normal noise (mulberry32 + Box-Muller). */
function noise(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

const truth = (i: number): number => LEVEL + AMPLITUDE * Math.sin((2 * Math.PI * i) / DAY);

function sineSeries(days: number, stepSeconds = STEP, seed = 7): Series {
  const perDay = 86_400 / stepSeconds;
  const rand = noise(seed);
  const values = Float64Array.from({ length: days * perDay }, (_, i) => {
    return LEVEL + AMPLITUDE * Math.sin((2 * Math.PI * i) / perDay) + NOISE_SD * rand();
  });
  return { startMs: START_MS, stepSeconds, values };
}

function slice(series: Series, from: number, to: number): Series {
  return { ...series, values: series.values.slice(from, to) };
}

// Tiny network and budget so the whole file stays well under 20 s on a shared 2-core machine.
const TINY: NeuralOptions = { hiddenUnits: 24, hiddenLayers: 1, epochs: 25, batchSize: 128, patience: 4 };

describe("neural model", () => {
  let tensorflow: LoadedTensorflow;
  const full = sineSeries(10);
  const train = slice(full, 0, 9 * DAY);
  let fitted: NeuralFittedModel;

  before(async () => {
    tensorflow = await loadTensorflow({ prefer: "wasm" });
    fitted = await new NeuralModel(tensorflow, TINY).fit(train);
  });

  it("median tracks a noisy daily sine and the 0.9 quantile covers about 90% of held-out points", () => {
    const result = fitted.forecast(DAY, [0.1, 0.9]);
    let absError = 0;
    let covered = 0;
    let below = 0;
    for (let h = 0; h < DAY; h++) {
      const i = 9 * DAY + h;
      absError += Math.abs((result.mean[h] as number) - truth(i));
      if ((full.values[i] as number) <= (result.quantiles.get(0.9)?.[h] as number)) covered++;
      if ((full.values[i] as number) < (result.quantiles.get(0.1)?.[h] as number)) below++;
    }
    const mae = absError / DAY;
    assert.ok(mae < 0.1 * AMPLITUDE, `median MAE ${mae.toFixed(2)} ≥ 10% of amplitude`);
    const coverage = covered / DAY;
    assert.ok(coverage >= 0.8 && coverage <= 1, `0.9 quantile coverage ${coverage.toFixed(3)}`);
    assert.ok(below / DAY <= 0.2, `0.1 quantile undershoot ${(below / DAY).toFixed(3)}`);
    assert.ok(fitted.fitSeconds > 0 && fitted.epochs >= 1);
  });

  it("honours the FittedModel contract on a series with NaN gaps, including a gap at the end", async () => {
    const values = full.values.slice();
    values.fill(Number.NaN, 3 * DAY + 10, 3 * DAY + 40); // a 5-hour outage
    for (let i = 5; i < values.length; i += 97) values[i] = Number.NaN; // scattered misses
    values.fill(Number.NaN, values.length - 3); // the newest points are missing
    const gappy = { ...full, values };
    const result = await checkModelContract(new NeuralModel(tensorflow, TINY), gappy, {
      horizonSteps: 24,
      quantiles: [0.9, 0.05, 0.5, 0.99],
    });
    // The gap is not learned as zeros: the forecast stays within the series' range.
    for (const v of result.mean) assert.ok(v > LEVEL - 2 * AMPLITUDE && v < LEVEL + 2 * AMPLITUDE);
  });

  it("round-trips through save/load with identical forecasts", async () => {
    const dir = await mkdtemp(join(tmpdir(), "foresight-neural-"));
    try {
      await fitted.save(dir);
      const loaded = await NeuralModel.load(dir, tensorflow);
      const before = fitted.forecast(30, [0.1, 0.5, 0.9]);
      const after = loaded.forecast(30, [0.1, 0.5, 0.9]);
      assert.equal(after.startMs, before.startMs);
      assert.deepEqual([...after.mean], [...before.mean]);
      for (const q of [0.1, 0.5, 0.9])
        assert.deepEqual([...(after.quantiles.get(q) ?? [])], [...(before.quantiles.get(q) ?? [])]);
      assert.equal(loaded.fitSeconds, fitted.fitSeconds);
      loaded.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("fails to load from a directory without a model, saying what to do", async () => {
    await assert.rejects(
      NeuralModel.load(join(tmpdir(), "foresight-no-such-model"), tensorflow),
      (e: unknown) => {
        return e instanceof ForecastError && /retrain/.test(e.message);
      },
    );
  });

  it("fine-tunes from a warm start on newer data", async () => {
    const newer = slice(full, DAY, 10 * DAY - 6);
    const tuned = await new NeuralModel(tensorflow, { ...TINY, epochs: 5 }).fit(newer, { warmStart: fitted });
    assert.deepEqual(tuned.state.layout, fitted.state.layout);
    assert.deepEqual(tuned.state.scaler, fitted.state.scaler);
    const result = tuned.forecast(6, [0.5]);
    let err = 0;
    for (let h = 0; h < 6; h++) err += Math.abs((result.mean[h] as number) - truth(10 * DAY - 6 + h));
    assert.ok(err / 6 < 0.2 * AMPLITUDE, `warm-started MAE ${(err / 6).toFixed(2)}`);
    assert.ok(tuned.epochs <= 5);
    tuned.dispose();
  });

  it("stops training at maxTrainSeconds", async () => {
    const budget = 0.4;
    const model = new NeuralModel(tensorflow, {
      ...TINY,
      batchSize: 16,
      epochs: 10_000,
      patience: 10_000,
      maxTrainSeconds: budget,
    });
    const quick = await model.fit(train);
    assert.ok(quick.fitSeconds >= budget, `stopped early for another reason after ${quick.fitSeconds} s`);
    assert.ok(quick.fitSeconds < budget + 1, `took ${quick.fitSeconds} s for a ${budget} s budget`);
    assert.ok(quick.epochs < 10_000);
    quick.dispose();
  });

  const readinessCases = [
    { name: "one day", series: sineSeries(1), ready: false, reason: /2 days of history/ },
    {
      name: "2.5 days at 5 min (too few windows)",
      series: sineSeries(2.5, 300),
      ready: false,
      reason: /500 complete/,
    },
    { name: "four days at 5 min", series: sineSeries(4, 300), ready: true, reason: undefined },
  ];
  for (const c of readinessCases) {
    it(`readiness: ${c.name}`, async () => {
      const model = new NeuralModel(tensorflow, TINY);
      const readiness = model.readiness(c.series);
      assert.equal(readiness.ready, c.ready);
      if (!readiness.ready) {
        assert.match(readiness.reason, c.reason as RegExp);
        assert.ok(readiness.needMoreSeconds > 0);
        await assert.rejects(model.fit(c.series), ForecastError);
      }
    });
  }
});

describe("neural helpers", () => {
  it("interpolates unseen levels in normal-score space and extrapolates beyond the trained ones", () => {
    const levels = [0.1, 0.5, 0.9];
    const values = [10 - 1.2816, 10, 10 + 1.2816]; // a N(10, 1) quantile set
    const cases = [
      { q: 0.5, want: 10 },
      { q: 0.9, want: 10 + 1.2816 },
      { q: 0.75, want: 10 + normalQuantile(0.75) },
      { q: 0.99, want: 10 + normalQuantile(0.99) },
      { q: 0.02, want: 10 + normalQuantile(0.02) },
    ];
    for (const { q, want } of cases) {
      assert.ok(Math.abs(interpolateLevel(levels, values, q) - want) < 1e-3, `level ${q}`);
    }
  });

  it("calendar features: UTC midnight on a Sunday and noon", () => {
    const sundayMidnight = Date.UTC(2024, 0, 7); // a Sunday
    const [s, c, ws, wc] = calendarFeatures(sundayMidnight);
    assert.ok(Math.abs(s) < 1e-12 && Math.abs(c - 1) < 1e-12);
    assert.ok(Math.abs(ws) < 1e-12 && Math.abs(wc - 1) < 1e-12);
    const noon = calendarFeatures(sundayMidnight + 12 * 3600_000);
    assert.ok(Math.abs((noon[1] as number) + 1) < 1e-12);
  });

  it("imputes gaps from the day before, scales robustly and skips windows with missing targets", () => {
    const values = Float64Array.from([1, 2, 3, 4, Number.NaN, 6, Number.NaN, Number.NaN]);
    const scaler = robustScaler(values);
    assert.deepEqual(scaler, { center: 3, scale: 2 });
    const imputed = imputeScaled(values, scaler, 3);
    const back = [...imputed.values].map((v) => v * scaler.scale + scaler.center);
    assert.deepEqual(back, [1, 2, 3, 4, 2, 6, 4, 2]);
    assert.deepEqual([...imputed.mask], [0, 0, 0, 0, 1, 0, 1, 1]);
    const layout = { stepSeconds: 1, inputSteps: 2, horizonSteps: 1, dailyLagSteps: 3, weeklyLagSteps: 0 };
    assert.deepEqual(validOrigins(values, layout), [3, 5]);
  });
});
