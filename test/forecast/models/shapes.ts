/** Noise-free demand shapes the model tests forecast, and the error of a path against them. */
import { DAY_SECONDS } from "../../../src/forecast/seasonality.js";

/** The model tests' step: 5 minutes. */
export const STEP = 300;

/** A slow upward trend under a daily sine: level 100, amplitude 30. */
export const trendSeason = (t: number): number =>
  100 + 0.05 * (t / STEP) + 30 * Math.sin((2 * Math.PI * t) / DAY_SECONDS);

/** Mean absolute error of `path` against the noise-free shape after `points` steps. */
export function maeAgainstTruth(path: Float64Array, points: number, shape: (t: number) => number): number {
  let sum = 0;
  for (let h = 0; h < path.length; h++) sum += Math.abs((path[h] as number) - shape((points + h) * STEP));
  return sum / path.length;
}
