/**
 * The shared traces as the global model's training and cold-start benchmark see them: every trace of
 * at least two days, prepared (prepare.ts) at the product's default step of 5 minutes or its own
 * coarser step, and split in time: the first TRAIN_FRACTION of each trace trains the shipped network
 * (scripts/train-global.ts), and the cold-start benchmark (bench/coldStart.ts) scores forecasts only
 * after that point, so the network is never evaluated on data it was trained on. One rule for both.
 */
import { prepareSeries } from "./prepare.js";
import { listTraceFiles, readTrace } from "./traces.js";
import type { Series } from "./types.js";

/** Share of each trace (by steps, from its start) the pretrained network may learn from. */
export const TRAIN_FRACTION = 0.6;
/** The product's default step (forecast.targets[].step). */
export const PRODUCT_STEP_SECONDS = 300;
const MIN_TRACE_SECONDS = 2 * 86_400;

export interface SplitTrace {
  readonly name: string;
  readonly series: Series;
  /** Steps [0, trainEnd) are training data; forecasts are scored only for steps ≥ trainEnd. */
  readonly trainEnd: number;
}

export interface SplitTraces {
  readonly traces: SplitTrace[];
  /** Traces left out, with why. */
  readonly skipped: { name: string; reason: string }[];
}

export function loadSplitTraces(dir: string): SplitTraces {
  const traces: SplitTrace[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const file of listTraceFiles([dir]).files) {
    const trace = readTrace(file);
    const step = Math.max(PRODUCT_STEP_SECONDS, trace.stepSeconds);
    const { series } = prepareSeries(trace.points, { stepSeconds: step });
    const span = series.values.length * step;
    if (span < MIN_TRACE_SECONDS) {
      skipped.push({ name: trace.name, reason: `${(span / 3600).toFixed(1)} h long, under 2 days` });
      continue;
    }
    traces.push({ name: trace.name, series, trainEnd: Math.floor(series.values.length * TRAIN_FRACTION) });
  }
  return { traces, skipped };
}
