import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MSTL, MstlModel } from "../../../src/forecast/models/mstl.js";
import { ForecastError, type Series } from "../../../src/forecast/types.js";
import { checkModelContract } from "./contract.js";

const DAY = 86_400;
const WEEK = 7 * DAY;
const STEP = 300;
const PER_DAY = DAY / STEP;

/** Deterministic uniform noise in [-1, 1) (LCG), so tests never flake. */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

interface Shape {
  readonly level?: number;
  readonly daily?: number;
  readonly weekly?: number;
  /** Added per day. */
  readonly trendPerDay?: number;
  readonly noise?: number;
}

/** Level + daily and weekly sines + linear trend + uniform noise, at `step` seconds. */
function synthetic(points: number, shape: Shape, step = STEP, seed = 7): Float64Array {
  const rand = noise(seed);
  const out = new Float64Array(points);
  for (let t = 0; t < points; t++) {
    const s = t * step;
    out[t] =
      (shape.level ?? 100) +
      ((shape.trendPerDay ?? 0) * s) / DAY +
      (shape.daily ?? 0) * Math.sin((2 * Math.PI * s) / DAY) +
      (shape.weekly ?? 0) * Math.sin((2 * Math.PI * s) / WEEK) +
      (shape.noise ?? 0) * rand();
  }
  return out;
}

const series = (values: Float64Array, stepSeconds = STEP): Series => ({ startMs: 0, stepSeconds, values });

function meanAbsError(actual: ArrayLike<number>, forecast: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += Math.abs((actual[i] as number) - (forecast[i] as number));
  return sum / actual.length;
}

const SHAPE: Shape = { level: 100, daily: 30, weekly: 15, trendPerDay: 1, noise: 4 };

describe("mstl model", () => {
  it("honours the FittedModel contract, with gaps in the input", async () => {
    const values = synthetic(15 * PER_DAY, SHAPE);
    for (let t = 100; t < 160; t++) values[t] = Number.NaN;
    await checkModelContract(new MstlModel(), series(values), { horizonSteps: 48 });
  });

  it("forecasts the next day of two seasonalities + trend within 12% of the daily amplitude", async () => {
    const history = 15 * PER_DAY;
    const all = synthetic(history + PER_DAY, SHAPE);
    const fitted = await new MstlModel().fit(series(all.slice(0, history)));
    assert.deepEqual(fitted.info.periods, [PER_DAY, WEEK / STEP], "both seasons are kept");
    const result = fitted.forecast(PER_DAY, [0.1, 0.5, 0.9]);
    const actual = all.subarray(history);
    // Noise alone costs 2 (mean |uniform ±4|); the daily amplitude is 30.
    const mae = meanAbsError(actual, result.mean);
    assert.ok(mae < 0.12 * 30, `next-day MAE ${mae.toFixed(2)} ≥ 3.6`);
    // Without the weekly season the error would be several times larger: check it is really used.
    const dailyOnly = await new MstlModel().fit(series(all.slice(0, 3 * PER_DAY)));
    assert.deepEqual(dailyOnly.info.periods, [PER_DAY], "three days: daily only");
    // The 10–90% band holds most of the outcomes.
    const lo = result.quantiles.get(0.1) as Float64Array;
    const hi = result.quantiles.get(0.9) as Float64Array;
    let inside = 0;
    for (let h = 0; h < PER_DAY; h++)
      if ((actual[h] as number) >= (lo[h] as number) && (actual[h] as number) <= (hi[h] as number)) inside++;
    assert.ok(inside / PER_DAY > 0.6, `10–90% band coverage ${(inside / PER_DAY).toFixed(2)}`);
  });

  it("is not distorted by outlier spikes, even one just before the forecast origin", async () => {
    const history = 10 * PER_DAY;
    const all = synthetic(history + 48, { level: 100, daily: 30, noise: 3 });
    const clean = all.slice(0, history);
    const spiky = clean.slice();
    for (const t of [500, 1500, 2200, history - 3]) spiky[t] = 2000;
    const base = (await new MstlModel().fit(series(clean))).forecast(48, [0.5]).mean;
    const spiked = (await new MstlModel().fit(series(spiky))).forecast(48, [0.5]).mean;
    const shift = meanAbsError(base, spiked);
    assert.ok(shift < 3, `spikes of 2000 moved the forecast by ${shift.toFixed(2)} on average`);
    const mae = meanAbsError(all.subarray(history), spiked);
    assert.ok(mae < 6, `forecast MAE with spikes ${mae.toFixed(2)}`);
  });

  it("follows a ×2 level shift late in the series", async () => {
    const history = 8 * PER_DAY;
    const shiftAt = history - PER_DAY / 2;
    const all = synthetic(history + 72, { level: 100, daily: 20, noise: 3 });
    for (let t = shiftAt; t < all.length; t++) all[t] = (all[t] as number) + 100;
    const fitted = await new MstlModel().fit(series(all.slice(0, history)));
    const mean = fitted.forecast(72, [0.5]).mean;
    const mae = meanAbsError(all.subarray(history), mean);
    assert.ok(mae < 8, `forecast MAE after the shift ${mae.toFixed(2)} (old level is 100 below)`);
  });

  it("handles NaN gaps and a long outage run without learning them", async () => {
    const history = 15 * PER_DAY;
    const all = synthetic(history + PER_DAY, SHAPE);
    const values = all.slice(0, history);
    // A 38 h outage (masked zeros) mid-series, scattered single gaps, and a gap at the very end.
    for (let t = 6 * PER_DAY; t < 6 * PER_DAY + (38 * 3600) / STEP; t++) values[t] = Number.NaN;
    for (let t = 37; t < history; t += 97) values[t] = Number.NaN;
    for (let t = history - 6; t < history; t++) values[t] = Number.NaN;
    const fitted = await new MstlModel().fit(series(values));
    const result = fitted.forecast(PER_DAY, [0.1, 0.9]);
    for (const v of result.mean) assert.ok(Number.isFinite(v), "finite forecast");
    const mae = meanAbsError(all.subarray(history), result.mean);
    assert.ok(mae < 0.15 * 30, `next-day MAE with gaps ${mae.toFixed(2)}`);
  });

  it("drops a season the data does not have and falls back to a damped level", async () => {
    const values = synthetic(4 * PER_DAY, { level: 50, noise: 5 });
    const fitted = await new MstlModel().fit(series(values));
    assert.deepEqual(fitted.info.periods, [], "no daily season in white noise");
    const mean = fitted.forecast(24, [0.5]).mean;
    for (const v of mean) assert.ok(Math.abs(v - 50) < 3, `forecast ${v.toFixed(2)} far from level 50`);
  });

  it("fits short histories as a level model and clips at zero", async () => {
    const values = new Float64Array(36).map((_, t) => Math.max(0, 10 - t * 0.5));
    const result = await checkModelContract(new MstlModel(), series(values), { horizonSteps: 60 });
    assert.equal(result.mean.length, 60);
  });

  it("refuses an all-gap series with a ForecastError", async () => {
    const values = new Float64Array(50).fill(Number.NaN);
    await assert.rejects(new MstlModel().fit(series(values)), ForecastError);
  });

  const readinessCases: { name: string; seconds: number; ready: boolean; needMore?: number }[] = [
    { name: "1 day", seconds: DAY, ready: false, needMore: DAY },
    { name: "36 h", seconds: 1.5 * DAY, ready: false, needMore: DAY / 2 },
    { name: "2 days", seconds: 2 * DAY, ready: true },
    { name: "3 weeks", seconds: 21 * DAY, ready: true },
  ];
  for (const c of readinessCases) {
    it(`readiness with ${c.name} of history: ${c.ready ? "ready" : "not ready"}`, () => {
      const readiness = new MstlModel().readiness(series(synthetic(c.seconds / STEP, { noise: 1 })));
      assert.equal(readiness.ready, c.ready);
      if (!readiness.ready) {
        assert.match(readiness.reason, /2 days of history for a daily pattern/);
        assert.equal(readiness.needMoreSeconds, c.needMore);
      }
    });
  }

  it("leading gaps do not count as history", () => {
    const values = synthetic(3 * PER_DAY, { noise: 1 });
    values.fill(Number.NaN, 0, 2 * PER_DAY);
    const readiness = new MstlModel().readiness(series(values));
    assert.equal(readiness.ready, false);
  });

  it(`fits and forecasts 14 days at 60 s (20,160 points) in under 2 s; name is ${MSTL}`, async () => {
    const values = synthetic(14 * 1440, SHAPE, 60);
    const started = performance.now();
    const fitted = await new MstlModel().fit(series(values, 60));
    fitted.forecast(60, [0.1, 0.5, 0.9]);
    const elapsed = performance.now() - started;
    assert.equal(fitted.name, MSTL);
    assert.deepEqual(fitted.info.periods, [1440, 10080]);
    assert.ok(elapsed < 2000, `took ${elapsed.toFixed(0)} ms`);
  });
});
