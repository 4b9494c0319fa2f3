/**
 * The FittedModel contract every forecasting model must honour, as one reusable check for model
 * tests: fit, forecast, then assert shape, ordering, finiteness, non-negativity, timing and
 * determinism. Returns the forecast so callers can add model-specific assertions on top.
 */
import assert from "node:assert/strict";
import { seededRandom } from "../../../src/forecast/random.js";
import type { ForecastResult, Model, Quantile, Series } from "../../../src/forecast/types.js";

export interface ContractOptions {
  /** Forecast length in steps (default 48). */
  readonly horizonSteps?: number;
  /** Quantile levels to request (default 0.1, 0.5, 0.9); passed unsorted on purpose. */
  readonly quantiles?: readonly Quantile[];
}

const DEFAULT_QUANTILES: readonly Quantile[] = [0.9, 0.1, 0.5];

export async function checkModelContract(
  model: Model,
  series: Series,
  options: ContractOptions = {},
): Promise<ForecastResult> {
  const horizon = options.horizonSteps ?? 48;
  const quantiles = options.quantiles ?? DEFAULT_QUANTILES;
  const label = `model ${model.name}`;

  const fitted = await model.fit(series);
  assert.equal(fitted.name, model.name, `${label}: fitted model name differs from the model's`);
  const result = fitted.forecast(horizon, quantiles);

  // Timing: the forecast starts one step after the last point of the series.
  const stepMs = series.stepSeconds * 1000;
  const expectedStart = series.startMs + series.values.length * stepMs;
  assert.equal(result.startMs, expectedStart, `${label}: startMs must be last point + one step`);
  assert.equal(result.stepSeconds, series.stepSeconds, `${label}: stepSeconds must match the series`);

  // Shape: a mean and exactly one path per requested quantile, all `horizon` long.
  assert.equal(result.mean.length, horizon, `${label}: mean length`);
  assert.deepEqual(
    [...result.quantiles.keys()].sort((a, b) => a - b),
    [...new Set(quantiles)].sort((a, b) => a - b),
    `${label}: one path per requested quantile`,
  );
  for (const [q, path] of result.quantiles) {
    assert.equal(path.length, horizon, `${label}: quantile ${q} path length`);
  }

  // Values: finite and never negative (demand), mean included.
  const check = (what: string, path: Float64Array): void => {
    for (let h = 0; h < path.length; h++) {
      const v = path[h] as number;
      assert.ok(Number.isFinite(v), `${label}: ${what}[${h}] is not finite (${v})`);
      assert.ok(v >= 0, `${label}: ${what}[${h}] is negative (${v})`);
    }
  };
  check("mean", result.mean);
  for (const [q, path] of result.quantiles) check(`q${q}`, path);

  // Non-crossing: paths non-decreasing in the quantile level at every step.
  const levels = [...result.quantiles.keys()].sort((a, b) => a - b);
  for (let h = 0; h < horizon; h++) {
    for (let i = 1; i < levels.length; i++) {
      const lo = (result.quantiles.get(levels[i - 1] as number) as Float64Array)[h] as number;
      const hi = (result.quantiles.get(levels[i] as number) as Float64Array)[h] as number;
      assert.ok(lo <= hi, `${label}: quantile ${levels[i - 1]} (${lo}) > ${levels[i]} (${hi}) at step ${h}`);
    }
  }

  // Determinism: a second forecast from the same fit, and a fresh fit, give identical paths.
  const again = fitted.forecast(horizon, quantiles);
  const refit = (await model.fit(series)).forecast(horizon, quantiles);
  for (const other of [again, refit]) {
    assert.deepEqual([...other.mean], [...result.mean], `${label}: mean is not deterministic`);
    for (const [q, path] of result.quantiles) {
      assert.deepEqual(
        [...(other.quantiles.get(q) ?? [])],
        [...path],
        `${label}: q${q} is not deterministic`,
      );
    }
  }
  return result;
}

export interface SyntheticOptions {
  /** Number of points. */
  readonly points: number;
  /** Step in seconds (default 300). */
  readonly stepSeconds?: number;
  /** Value of the series at t (seconds since start), before noise. */
  readonly shape: (tSeconds: number) => number;
  /** Standard deviation of Gaussian noise (default 0). */
  readonly noise?: number;
  /** Noise seed (default 1). */
  readonly seed?: number;
  /** Unix ms of the first point (default 2024-01-01T00:00:00Z). */
  readonly startMs?: number;
}

/** A deterministic synthetic series: shape(t) plus seeded Gaussian noise, clipped at 0. */
export function syntheticSeries(options: SyntheticOptions): Series {
  const step = options.stepSeconds ?? 300;
  const random = seededRandom(options.seed ?? 1);
  const noise = options.noise ?? 0;
  const values = new Float64Array(options.points);
  for (let i = 0; i < options.points; i++) {
    // Box-Muller from two uniforms.
    const g = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    values[i] = Math.max(0, options.shape(i * step) + noise * g);
  }
  return { startMs: options.startMs ?? Date.UTC(2024, 0, 1), stepSeconds: step, values };
}

/** A copy of `series` with values[from, to) set to NaN (a gap). */
export function withGap(series: Series, from: number, to: number): Series {
  const values = Float64Array.from(series.values);
  values.fill(Number.NaN, from, to);
  return { ...series, values };
}

export { seededRandom };
