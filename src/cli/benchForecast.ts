/**
 * `foresight bench forecast`: the forecasting benchmark anyone can rerun on their own traces. For
 * each CSV series (≥ 2,000 points), a rolling-origin evaluation over its last 20%: an origin every
 * horizon, each model fitted only on data before the origin (expensive models refit at most once per
 * day of series time), `horizon` ahead, scored against what happened. `foresight` is what the
 * product serves: at each origin, selection and calibration (select.ts, calibration.ts) from the
 * backtest windows that had fully happened by then, applied to the candidates' forecasts. Scores are
 * scaled by the in-sample MAE of seasonal naive before the first scored origin (scores.ts).
 */
import { writeFileSync } from "node:fs";
import cliProgress from "cli-progress";
import { parseDurationMs } from "../config/duration.js";
import { type BacktestWindow, backtest, type ModelBacktest, rollingOrigins } from "../forecast/backtest.js";
import type { CalibrationWindow } from "../forecast/calibration.js";
import { benchmarkOnlyModels, defaultModels, type ModelTuning } from "../forecast/models/registry.js";
import { SeasonalNaiveModel } from "../forecast/models/seasonalNaive.js";
import { prepareSeries } from "../forecast/prepare.js";
import { addWindow, emptySums, finishScores, naiveScale } from "../forecast/scores.js";
import { type Candidate, type Selection, selectModel, serveSelection } from "../forecast/select.js";
import { loadTensorflow } from "../forecast/tf/backend.js";
import { listTraceFiles, readTrace } from "../forecast/traces.js";
import type { ForecastResult, Model, Quantile } from "../forecast/types.js";
import {
  type BenchModelScores,
  type BenchSeries,
  type BenchSummary,
  FORESIGHT,
  fmt,
  renderTable,
  summarize,
  targetLines,
} from "./benchForecastReport.js";

export {
  type BenchModelScores,
  type BenchSeries,
  type BenchSummary,
  FORESIGHT,
} from "./benchForecastReport.js";

export const MIN_POINTS = 2000;
const QUANTILES: readonly Quantile[] = [0.1, 0.5, 0.9];
const DAY_SECONDS = 86_400;

export interface BenchForecastOptions {
  /** CSV files and/or directories of them. */
  readonly data: readonly string[];
  /** Forecast horizon as a duration (`1h`, `30m`). */
  readonly horizon: string;
  /** Write the results JSON here. */
  readonly json?: string;
  /** The product's candidates (default registry.ts defaultModels, with the neural model when TF.js loads). */
  readonly models?: readonly Model[];
  /**
   * Scored beside them but never offered to `foresight` (default registry.ts benchmarkOnlyModels:
   * `arima`, too slow to fit for every target's hourly retrain, kept as a statsforecast-style yardstick).
   */
  readonly baselines?: readonly Model[];
  /** Leave the neural model out (no TensorFlow.js). */
  readonly neural?: boolean;
  /** Backtest windows `foresight` selects and calibrates on (default 48); as many warm-up windows precede the scored part. */
  readonly selectionWindows?: number;
  /** Progress bar (default: when `out` is a TTY); otherwise one log line per series. */
  readonly progress?: boolean;
  readonly tuning?: ModelTuning;
}

export interface BenchOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface BenchResult {
  readonly series: BenchSeries[];
  readonly summary: Record<string, BenchSummary>;
  /** Skipped files and series, models left out, with why. */
  readonly notes: string[];
  /** The printed tables (Markdown). */
  readonly table: string;
  readonly seconds: number;
  /**
   * What makes the run fall short of what it claims: a file or series skipped, a model that failed to
   * load, a stated target not met. The command exits non-zero when this is not empty (unless told to
   * only report).
   */
  readonly failures: string[];
}

/**
 * Tuning for a whole-benchmark budget of about 15 min on 2 cores (docs/benchmarks.md). The neural
 * model's budget is in optimizer steps, so the table is the same on any machine; its wall-time cap is
 * only a safety net, and the run says when it cut a fit short.
 */
export const BENCH_NEURAL_SAFETY_SECONDS = 120;
export const BENCH_TUNING: ModelTuning = {
  neural: { epochs: 30, patience: 3, maxTrainSteps: 400, maxTrainSeconds: BENCH_NEURAL_SAFETY_SECONDS },
};

export async function runBenchForecast(
  options: BenchForecastOptions,
  out: BenchOutput,
): Promise<BenchResult> {
  const started = performance.now();
  const horizonMs = parseDurationMs(options.horizon);
  if (!horizonMs || horizonMs <= 0)
    throw new Error(`--horizon "${options.horizon}" is not a positive duration (e.g. 1h, 30m)`);
  const notes: string[] = [];
  const failures: string[] = [];
  const listing = listTraceFiles(options.data);
  for (const s of listing.skipped) {
    notes.push(`skipped ${s.file}: ${s.reason}`);
    failures.push(`skipped ${s.file}: ${s.reason}`);
  }
  if (listing.files.length === 0) throw new Error(`no trace CSVs found in ${options.data.join(", ")}`);
  const candidates = options.models ? [...options.models] : await benchModels(options, notes, failures);
  const baselines =
    options.baselines ?? (options.models ? [] : benchmarkOnlyModels(options.tuning ?? BENCH_TUNING));
  const models = [...candidates, ...baselines];
  const fallback = models.find((m) => m.name === "seasonal_naive") ?? new SeasonalNaiveModel();
  const windowsBack = options.selectionWindows ?? 48;

  const traces = listing.files.map((file) => readTrace(file));
  const runnable = traces.filter((t) => {
    if (t.points.length >= MIN_POINTS) return true;
    const note = `skipped ${t.name}: ${t.points.length} points, fewer than ${MIN_POINTS}`;
    notes.push(note);
    failures.push(note);
    return false;
  });
  const useBar = options.progress ?? out.isTTY === true;
  const bar = useBar
    ? new cliProgress.SingleBar(
        {
          format: "{bar} {percentage}% | {series} {model} | ETA {eta_formatted}",
          stream: out as NodeJS.WritableStream,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(runnable.length * models.length, 0, { series: "", model: "" });

  const series: BenchSeries[] = [];
  /** Per model: fits, and fits a wall-time safety cap cut short. */
  const capped = new Map<string, { fits: number; capped: number }>();
  for (const [index, trace] of runnable.entries()) {
    const t0 = performance.now();
    const { series: prepared, masked } = prepareSeries(trace.points, { stepSeconds: trace.stepSeconds });
    const step = prepared.stepSeconds;
    const h = Math.max(1, Math.round(horizonMs / 1000 / step));
    const { origins, firstScored } = rollingOrigins(prepared.values.length, {
      horizonSteps: h,
      testFraction: 0.2,
      strideSteps: h,
      warmupWindows: windowsBack,
    });
    let modelsDone = 0;
    const result = await backtest(prepared, models, {
      horizonSteps: h,
      quantiles: QUANTILES,
      origins,
      refitEverySteps: Math.max(1, Math.round(DAY_SECONDS / step)),
      fallback,
      onProgress: (p) => {
        if (p.done === p.total) {
          modelsDone++;
          bar?.update(index * models.length + modelsDone, { series: trace.name, model: p.model });
        } else if (p.done === 1)
          bar?.update(index * models.length + modelsDone, { series: trace.name, model: p.model });
      },
    });
    for (const record of result.models.values()) {
      const c = capped.get(record.name) ?? { fits: 0, capped: 0 };
      capped.set(record.name, { fits: c.fits + record.fits, capped: c.capped + record.timeCapped });
    }
    const scale = naiveScale(prepared.values.subarray(0, origins[firstScored] ?? 0), step);
    const served = serveForesight(result.models, candidates, firstScored, windowsBack, scale);
    const scores: Record<string, BenchModelScores> = {};
    for (const m of models) {
      const record = result.models.get(m.name) as ModelBacktest;
      scores[m.name] = benchScores(record.windows.slice(firstScored), scale, record.fitSeconds);
    }
    const candidateSeconds = candidates.reduce((s, m) => s + (result.models.get(m.name)?.fitSeconds ?? 0), 0);
    scores[FORESIGHT] = benchScores(served.windows, scale, candidateSeconds + served.seconds);
    const row: BenchSeries = {
      name: trace.name,
      points: trace.points.length,
      stepSeconds: step,
      selected: served.selected,
      models: scores,
    };
    series.push(row);
    if (masked.outagePoints > 0)
      notes.push(
        `${trace.name}: masked ${masked.outagePoints} outage points (runs of zeros in busy periods)`,
      );
    if (!bar) {
      const f = scores[FORESIGHT] as BenchModelScores;
      out.write(
        `[${index + 1}/${runnable.length}] ${trace.name}: ${row.points} points, ${origins.length - firstScored} origins, selected ${row.selected}, foresight sp90 ${fmt(f.scaledPinball90)} cov90 ${fmt(f.coverage90)} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
      );
    }
  }
  bar?.stop();
  for (const [name, c] of capped)
    if (c.capped > 0)
      notes.push(
        `${name}: a wall-time safety cap ended ${c.capped} of ${c.fits} fits, so its scores depend on this machine's speed`,
      );
  if (![...capped.values()].some((c) => c.capped > 0))
    notes.push(
      "no fit was ended by a wall-time cap: every budget is in steps or evaluations, the same on any machine",
    );
  const summary = summarize(series, [...models.map((m) => m.name), FORESIGHT]);
  const table = renderTable(series, summary, notes);
  out.write(`${table}\n`);
  const json = { series, summary };
  if (options.json) writeFileSync(options.json, `${JSON.stringify(json, null, 2)}\n`);
  for (const line of targetLines(series, summary)) if (/: NOT met/.test(line)) failures.push(line);
  return { series, summary, notes, table, seconds: (performance.now() - started) / 1000, failures };
}

async function benchModels(
  options: BenchForecastOptions,
  notes: string[],
  failures: string[],
): Promise<Model[]> {
  const tuning = options.tuning ?? BENCH_TUNING;
  if (options.neural === false) return defaultModels({}, tuning);
  try {
    return defaultModels({ tensorflow: await loadTensorflow() }, tuning);
  } catch (err) {
    notes.push(`neural model left out: ${(err as Error).message}`);
    failures.push(`the neural model failed to load: ${(err as Error).message}`);
    return defaultModels({}, tuning);
  }
}

/**
 * `foresight`'s forecast at each scored origin: select and calibrate on the previous `windowsBack`
 * windows of every model that is ready at the origin (all of them ended before it, since origins are
 * a horizon apart), then serve the calibrated choice from the candidates' forecasts at the origin.
 */
function serveForesight(
  backtests: ReadonlyMap<string, ModelBacktest>,
  models: readonly Model[],
  firstScored: number,
  windowsBack: number,
  scale: number,
): { windows: CalibrationWindow[]; selected: string; seconds: number } {
  const started = performance.now();
  const records = models.map((m) => backtests.get(m.name) as ModelBacktest);
  const windows: CalibrationWindow[] = [];
  const first = records[0];
  if (!first) return { windows, selected: "", seconds: 0 };
  // Nothing to learn from yet: the seasonal-naive stand-in, uncalibrated.
  const stand = records.find((r) => r.name === "seasonal_naive") ?? first;
  const total = first.windows.length;
  let selected = "";
  for (let k = firstScored; k < total; k++) {
    const from = Math.max(0, k - windowsBack);
    const candidates: Candidate[] = records
      .filter((r) => !(r.windows[k] as BacktestWindow).fallback)
      .map((r) => ({ name: r.name, windows: r.windows.slice(from, k) }));
    const current = new Map<string, ForecastResult>(
      records.map((r) => [r.name, (r.windows[k] as BacktestWindow).forecast]),
    );
    const actual = (first.windows[k] as BacktestWindow).actual;
    let selection: Selection | undefined;
    if (candidates.length > 0 && k > from)
      selection = selectModel(candidates, { quantiles: QUANTILES, scale });
    if (selection) {
      windows.push({ actual, forecast: serveSelection(selection, current) });
      selected = selection.model;
    } else {
      windows.push({ actual, forecast: (stand.windows[k] as BacktestWindow).forecast });
      selected = stand.name;
    }
  }
  return { windows, selected, seconds: (performance.now() - started) / 1000 };
}

function benchScores(
  windows: readonly CalibrationWindow[],
  scale: number,
  fitSeconds: number,
): BenchModelScores {
  const sums = emptySums();
  for (const w of windows) addWindow(sums, w.actual, w.forecast.mean, w.forecast.quantiles);
  const s = finishScores(sums, scale);
  return {
    mase: s.mase,
    scaledPinball50: s.scaledPinball.get(0.5) ?? Number.NaN,
    scaledPinball90: s.scaledPinball.get(0.9) ?? Number.NaN,
    coverage90: s.coverage.get(0.9) ?? Number.NaN,
    fitSeconds,
  };
}
