/**
 * The one definition of demand that forecasts, accuracy and the review page share: the **mean of a
 * step**. The demand query is sampled several times per step (`sampleSeconds`), and step s (labelled
 * by its start) is the mean of the finite samples taken at t ∈ (s, s + step]: each sample of a rate
 * describes the time just before it, so these are the samples that describe the step. A step counts
 * once it is over (its last sample time has passed), so a forecast made at t for step s is always
 * compared with the same number, whoever computes it: the controller, the backtest or the page.
 */

export type Point = readonly [number, number];

/** At least this many samples per step, none closer than 15 s (a common scrape interval) nor farther than 60 s. */
const MIN_SAMPLE_SECONDS = 15;
const MAX_SAMPLE_SECONDS = 60;

/**
 * The sampling interval for a step: at least 5 samples a step where that keeps them 15 s apart, at
 * most 60 s apart, and a whole number of milliseconds that divides the step (the step itself when
 * no such interval exists, or the step is 15 s or shorter).
 */
export function sampleSeconds(stepSeconds: number): number {
  if (!(stepSeconds > 0 && Number.isFinite(stepSeconds)))
    throw new RangeError(`step ${stepSeconds} s must be a positive number of seconds`);
  if (stepSeconds <= MIN_SAMPLE_SECONDS) return stepSeconds;
  const stepMs = Math.round(stepSeconds * 1000);
  const most = Math.floor(stepSeconds / MIN_SAMPLE_SECONDS);
  const least = Math.max(Math.ceil(stepSeconds / MAX_SAMPLE_SECONDS), Math.min(5, most));
  for (let perStep = least; perStep <= most; perStep++)
    if (stepMs % perStep === 0) return stepMs / perStep / 1000;
  return stepSeconds;
}

/** Start of the step holding the sample taken at `t` (samples at t ∈ (s, s + step] belong to s). */
export function stepOfSample(t: number, stepMs: number): number {
  return Math.ceil(t / stepMs - 1e-9) * stepMs - stepMs;
}

/**
 * Step means of `samples` (ascending by time) for the steps that start at or after `fromMs` and are
 * over by `endMs` (s + step ≤ endMs); steps without a finite sample are left out (a gap, never 0).
 */
export function stepMeans(
  samples: readonly Point[],
  stepSeconds: number,
  fromMs: number,
  endMs: number,
): Point[] {
  const stepMs = stepSeconds * 1000;
  const out: Point[] = [];
  let current = Number.NaN;
  let sum = 0;
  let count = 0;
  const flush = () => {
    if (count > 0 && current >= fromMs && current + stepMs <= endMs) out.push([current, sum / count]);
  };
  for (const [t, v] of samples) {
    if (!Number.isFinite(v)) continue;
    const s = stepOfSample(t, stepMs);
    if (s !== current) {
      flush();
      current = s;
      sum = 0;
      count = 0;
    }
    sum += v;
    count++;
  }
  flush();
  return out;
}
