import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { THETA, ThetaModel } from "../../../src/forecast/models/theta.js";
import { forecastTheta, olsLine, runTheta } from "../../../src/forecast/models/thetaCore.js";
import {
  centredMovingAverage,
  fillGaps,
  isSeasonal,
  seasonalIndices,
} from "../../../src/forecast/models/thetaSeasonal.js";
import { DAY_SECONDS } from "../../../src/forecast/seasonality.js";
import type { Series } from "../../../src/forecast/types.js";
import { checkModelContract, syntheticSeries, withGap } from "./contract.js";

const STEP = 300;
const daily = (t: number): number => 100 + 40 * Math.sin((2 * Math.PI * t) / DAY_SECONDS);
const series = (values: number[], stepSeconds = STEP): Series => ({
  startMs: Date.UTC(2024, 0, 1),
  stepSeconds,
  values: Float64Array.from(values),
});
const close = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);

/** Hyndman & Billah's SES with drift: SES level from `start`, plus b/2 (h − 1 + 1/α − (1−α)^n/α). */
function sesWithDrift(y: readonly number[], alpha: number, start: number, b: number, h: number): number {
  let level = start;
  for (const v of y) level = alpha * v + (1 - alpha) * level;
  return level + (b / 2) * (h - 1 + 1 / alpha - (1 - alpha) ** y.length / alpha);
}

describe("theta", () => {
  it("has a stable name and is expensive (it has update)", () => {
    assert.equal(new ThetaModel().name, THETA);
    assert.equal(new ThetaModel().fitCost, "expensive");
  });

  it("STM equals SES with drift b0/2 (Hyndman & Billah), worked by hand", () => {
    // y = 1 3 2 4 3 5 on t = 1..6: mean t 3.5, mean y 3, Σ(t−t̄)(y−ȳ) = 11, Σ(t−t̄)² = 17.5,
    // so B = 0.628571, A = 3 − 3.5 B = 0.8. With α = 0.5 and ℓ_0 = 1 the equivalent SES starts at
    // ℓ_0 + (A+B)/2 = 1.714286 and runs 1.357143, 2.178571, 2.089286, 3.044643, 3.022321, 4.011161.
    // Forecast = 4.011161 + B/2 (h − 1 + 2 − 0.5^6·2) = 4.011161 + 0.314286 (h + 0.96875).
    const y = Float64Array.from([1, 3, 2, 4, 3, 5]);
    const line = olsLine(y);
    close(line.b, 11 / 17.5, 1e-12, "OLS slope");
    close(line.a, 0.8, 1e-12, "OLS intercept");
    const params = { alpha: 0.5, theta: 2, level0: 1 };
    const { state } = runTheta(y, new Uint8Array(6).fill(1), "STM", params, line);
    const path = forecastTheta(state, "STM", params, 3);
    close(path[0] as number, 4.629911, 1e-5, "h=1");
    close(path[1] as number, 4.944196, 1e-5, "h=2");
    close(path[2] as number, 5.258482, 1e-5, "h=3");
  });

  it("a fitted STM forecasts SES with drift from its own α and ℓ_0, also after update", async () => {
    const values = [12, 14, 13, 17, 16, 18, 21, 19, 22, 24, 23, 26];
    const model = new ThetaModel({ variants: ["STM"] });
    const fitted = await model.fit(series(values.slice(0, 10)));
    assert.equal(fitted.variant, "STM");
    assert.equal(fitted.theta, 2);
    assert.equal(fitted.seasonal, false);
    const { a, b } = olsLine(values.slice(0, 10));
    const start = fitted.level0 + (a + b) / 2;
    const mean = fitted.forecast(4, [0.5]).mean;
    for (let h = 1; h <= 4; h++) {
      close(
        mean[h - 1] as number,
        sesWithDrift(values.slice(0, 10), fitted.alpha, start, b, h),
        1e-9,
        `h=${h}`,
      );
    }
    // Two more points: same α, ℓ_0 and (static) B; the SES level runs on.
    const updated = await fitted.update(series(values));
    const after = updated.forecast(2, [0.5]).mean;
    for (let h = 1; h <= 2; h++) {
      close(after[h - 1] as number, sesWithDrift(values, fitted.alpha, start, b, h), 1e-9, `updated h=${h}`);
    }
  });

  it("detects a strongly seasonal series as seasonal and a flat noisy one as not", async () => {
    const seasonal = syntheticSeries({ points: 4 * 288, shape: daily, noise: 3 });
    const fitted = await new ThetaModel().fit(seasonal);
    assert.equal(fitted.periodSteps, 288);
    assert.equal(fitted.seasonal, true);
    assert.equal(fitted.seasonality?.multiplicative, true);
    const flat = syntheticSeries({ points: 4 * 288, shape: () => 50, noise: 3 });
    assert.equal(isSeasonal(flat.values, 288), false);
    assert.equal((await new ThetaModel().fit(flat)).seasonal, false);
  });

  it("the 90% test compares |r_m| with 1.645·√((1 + 2Σr_k²)/n)", () => {
    // Period 4, y = 1 0 0 0 three times (n = 12, mean ¼, Σ(y−ȳ)² = 2.25). Lagged sums of centred
    // products: −0.5625, −0.625, −0.6875, 1.5, so r1..r4 = −0.25, −0.2778, −0.3056, 0.6667.
    // Bound 1.645·√((1 + 2·0.2330)/12) = 0.5750 < 0.6667: seasonal. Two cycles (n = 8, Σ = 1.5):
    // sums −0.3125, −0.375, −0.4375, 0.75, r = −0.2083, −0.25, −0.2917, 0.5; bound
    // 1.645·√((1 + 2·0.1910)/8) = 0.6837 > 0.5: not seasonal.
    assert.equal(isSeasonal(Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]), 4), true);
    assert.equal(isSeasonal(Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0]), 4), false);
  });

  it("the 2×m moving average is the classical one", () => {
    // m = 4 on 5 10 15 10 …: (½·5 + 10 + 15 + 10 + ½·5)/4 = 10 exactly; odd m = 3 on 1 2 3 4 5: 2, 3, 4.
    const ma = centredMovingAverage(Float64Array.from([5, 10, 15, 10, 5, 10, 15, 10]), 4);
    assert.deepEqual([...ma.subarray(2, 6)], [10, 10, 10, 10]);
    assert.ok(Number.isNaN(ma[1] as number) && Number.isNaN(ma[6] as number));
    assert.deepEqual([...centredMovingAverage(Float64Array.from([1, 2, 3, 4, 5]), 3)].slice(1, 4), [2, 3, 4]);
  });

  it("reapplies the seasonal indices in the right phase", async () => {
    // Level 10 times factors 0.5 1 1.5 1 (mean 1) at 1 h steps, a 4 h season; 42 points, so the
    // first forecast step has phase 42 mod 4 = 2 (factor 1.5).
    const pattern = [5, 10, 15, 10];
    const values = Array.from({ length: 42 }, (_, i) => pattern[i % 4] as number);
    const model = new ThetaModel({ candidates: [4 * 3600] });
    const fitted = await model.fit(series(values, 3600));
    assert.equal(fitted.periodSteps, 4);
    assert.equal(fitted.seasonal, true);
    const index = fitted.seasonality?.index as Float64Array;
    [0.5, 1, 1.5, 1].forEach((f, k) => {
      close(index[k] as number, f, 1e-12, `index ${k}`);
    });
    const mean = fitted.forecast(6, [0.1, 0.9]).mean;
    [15, 10, 5, 10, 15, 10].forEach((v, h) => {
      close(mean[h] as number, v, 0.05, `step ${h}`);
    });
    // One more point through update: the next step has phase 43 mod 4 = 3 (factor 1).
    const updated = await fitted.update(series([...values, 15], 3600));
    const next = updated.forecast(3, [0.5]).mean;
    [10, 5, 10].forEach((v, h) => {
      close(next[h] as number, v, 0.05, `updated step ${h}`);
    });
  });

  it("uses additive indices when the series has zeros", () => {
    const y = Float64Array.from(Array.from({ length: 16 }, (_, i) => [0, 10, 20, 10][i % 4] as number));
    const s = seasonalIndices(y, new Uint8Array(16).fill(1), 4);
    assert.equal(s.multiplicative, false);
    [-10, 0, 10, 0].forEach((f, k) => {
      close(s.index[k] as number, f, 1e-12, `index ${k}`);
    });
  });

  it("interpolates gaps for the recursions and leaves them out of the errors", () => {
    const { y, observed } = fillGaps([Number.NaN, 2, Number.NaN, Number.NaN, 8, Number.NaN]);
    assert.deepEqual([...y], [2, 2, 4, 6, 8, 8]);
    assert.deepEqual([...observed], [0, 1, 0, 0, 1, 0]);
    const z = Float64Array.from([3, 4, 6, 5, 7, 9, 8, 10]);
    const params = { alpha: 0.4, theta: 2, level0: 1.5 };
    const line = olsLine(z);
    const residuals = new Float64Array(8);
    const all = runTheta(z, new Uint8Array(8).fill(1), "DOTM", params, line, residuals);
    const mask = new Uint8Array(8).fill(1);
    mask[5] = 0;
    const masked = runTheta(z, mask, "DOTM", params, line);
    // Errors are scored from index 3: five of them, one dropped.
    const e5 = residuals[5] as number;
    close(masked.mse, (all.mse * 5 - e5 * e5) / 4, 1e-12, "mse without point 5");
  });

  it("honours the contract on a seasonal series with a gap and a missing last point", async () => {
    const s = withGap(syntheticSeries({ points: 4 * 288, shape: daily, noise: 3 }), 500, 640);
    s.values[s.values.length - 1] = Number.NaN;
    const result = await checkModelContract(new ThetaModel(), s, { horizonSteps: 48 });
    let mae = 0;
    for (let h = 0; h < 48; h++)
      mae += Math.abs((result.mean[h] as number) - daily((4 * 288 + h) * STEP)) / 48;
    assert.ok(mae < 5, `MAE ${mae.toFixed(2)} against the truth`);
  });

  it("honours the contract without a season", async () => {
    const s = syntheticSeries({ points: 300, shape: (t) => 20 + 0.05 * (t / STEP), noise: 1 });
    const result = await checkModelContract(new ThetaModel(), s, { horizonSteps: 12 });
    assert.ok((result.mean[11] as number) > (result.mean[0] as number), "the drift continues");
  });

  it("needs two seasons of the default daily period before one is seen", () => {
    const s = syntheticSeries({ points: (31 * 3600) / STEP, shape: () => 50, noise: 1 });
    const r = new ThetaModel().readiness(s);
    assert.equal(r.ready, false);
  });
});
