/**
 * Turning raw samples into what the models learn from: a fixed step, gaps as NaN, outages masked,
 * no negatives. An outage (a long run of exact zeros while the workload is otherwise busy, e.g.
 * NASA-HTTP's ~38 h server outage, or a scraper that wrote zeros) is a fact about the collector,
 * not about demand: learning it would teach the models that demand can vanish for a day.
 */
import type { Series } from "./types.js";

export interface PrepareOptions {
  readonly stepSeconds: number;
  /** Zero runs at least this long are outage candidates (default 30 min, never fewer than 3 steps). */
  readonly outageMinSeconds?: number;
}

export interface PreparedSeries {
  readonly series: Series;
  readonly masked: {
    /** Steps with no data (empty bins, or NaN on input). */
    readonly gaps: number;
    /** Steps set to NaN as part of an outage run of zeros. */
    readonly outagePoints: number;
    readonly clippedNegatives: number;
  };
}

const DAY_SECONDS = 86_400;

export function prepareSeries(
  input: readonly (readonly [number, number])[] | Series,
  options: PrepareOptions,
): PreparedSeries {
  const step = options.stepSeconds;
  if (!(step > 0)) throw new RangeError(`stepSeconds must be > 0, got ${step}`);
  // Raw samples get half a step of slack around the grid; a regular series is binned exactly.
  const values = isSeries(input) ? resample(seriesPoints(input), step, 0) : resample(input, step, 0.5);
  const startMs = isSeries(input) ? input.startMs : (input[0]?.[0] ?? 0);
  let clippedNegatives = 0;
  for (let i = 0; i < values.values.length; i++) {
    if ((values.values[i] as number) < 0) {
      values.values[i] = 0;
      clippedNegatives++;
    }
  }
  let gaps = 0;
  for (const v of values.values) if (Number.isNaN(v)) gaps++;
  const minRun = Math.max(3, Math.ceil((options.outageMinSeconds ?? 1800) / step));
  const outagePoints = maskOutages(values.values, minRun, Math.max(1, Math.round(DAY_SECONDS / step)));
  return {
    series: { startMs, stepSeconds: step, values: values.values },
    masked: { gaps, outagePoints, clippedNegatives },
  };
}

function isSeries(input: unknown): input is Series {
  return typeof input === "object" && input !== null && "values" in input && "stepSeconds" in input;
}

function seriesPoints(series: Series): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < series.values.length; i++)
    out.push([series.startMs + i * series.stepSeconds * 1000, series.values[i] as number]);
  return out;
}

/** Bin averages on a grid starting at the first timestamp; NaN inputs ignored, empty bins NaN. */
function resample(
  points: readonly (readonly [number, number])[],
  step: number,
  slack: number,
): { values: Float64Array } {
  if (points.length === 0) return { values: new Float64Array(0) };
  const t0 = (points[0] as readonly [number, number])[0];
  const last = (points[points.length - 1] as readonly [number, number])[0];
  const stepMs = step * 1000;
  // Slack so timestamps jittered around the grid (NAB's ±1 min) land in their own bin.
  const bin = (t: number) => Math.floor((t - t0) / stepMs + slack);
  const n = bin(last) + 1;
  const sum = new Float64Array(n);
  const count = new Uint32Array(n);
  for (const [t, v] of points) {
    if (!Number.isFinite(v)) continue;
    const i = bin(t);
    if (i < 0 || i >= n) continue;
    sum[i] = (sum[i] as number) + v;
    count[i] = (count[i] as number) + 1;
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = count[i] ? (sum[i] as number) / (count[i] as number) : Number.NaN;
  return { values };
}

/**
 * Set to NaN every run of ≥ minRun exact zeros whose surroundings (up to a day of finite points on
 * each side) have a median > 0 and either almost no zeros (< 5%) or no zero run a third as long: a
 * busy workload does not drop to exactly zero for half an hour, a collector does. A sparse workload
 * (zeros common, in runs of similar length, around the run) is left alone. Longest runs are judged
 * first, so an outage already masked does not make its neighbourhood look sparse.
 */
function maskOutages(values: Float64Array, minRun: number, daySteps: number): number {
  const runs: [number, number][] = [];
  for (let i = 0; i < values.length; ) {
    if (values[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < values.length && values[j] === 0) j++;
    if (j - i >= minRun) runs.push([i, j]);
    i = j;
  }
  runs.sort((a, b) => b[1] - b[0] - (a[1] - a[0]));
  let masked = 0;
  for (const [from, to] of runs) {
    if (!busyAround(values, from, to, daySteps)) continue;
    values.fill(Number.NaN, from, to);
    masked += to - from;
  }
  return masked;
}

function busyAround(values: Float64Array, from: number, to: number, daySteps: number): boolean {
  const around: number[] = [];
  let longestZeros = 0;
  const scan = (start: number, direction: 1 | -1) => {
    let run = 0;
    for (let k = start, taken = 0; k >= 0 && k < values.length && taken < daySteps; k += direction) {
      const v = values[k] as number;
      if (!Number.isFinite(v)) continue;
      around.push(v);
      taken++;
      run = v === 0 ? run + 1 : 0;
      longestZeros = Math.max(longestZeros, run);
    }
  };
  scan(from - 1, -1);
  scan(to, 1);
  if (around.length < 3) return false;
  const zeros = around.filter((v) => v === 0).length;
  around.sort((a, b) => a - b);
  const median = around[Math.floor(around.length / 2)] as number;
  return median > 0 && (zeros / around.length < 0.05 || to - from >= 3 * longestZeros);
}
