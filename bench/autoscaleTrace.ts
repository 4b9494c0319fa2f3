/**
 * One trace of `bench:autoscale`, run in its own process so traces run side by side on the
 * machine's cores, through the replay `foresight backtest` runs (src/replay/replayBacktest.ts,
 * its defaults for the rest, such as the 7-day warmup): every setting (lead 5m; lead 5m with
 * 8-minute nodes), every policy and the reactive frontier, the predictive policies sharing one
 * forecast of the trace across policies and settings. Writes its reports, and the two days the
 * plot shows (where the reactive HPA is overloaded most), as JSON.
 *
 * `node --import tsx bench/autoscaleTrace.ts <trace> <days> <out.json>`
 */
import { writeFileSync } from "node:fs";
import { forecastSeries } from "../src/forecast/engine.js";
import type { BacktestReport } from "../src/replay/backtest.js";
import { forecastMemo } from "../src/replay/forecastMemo.js";
import { replayBacktest } from "../src/replay/replayBacktest.js";
import {
  FRONTIER_TARGETS,
  LEAD_TIME_MS,
  loadTrace,
  PEAK_REPLICAS,
  POLICIES,
  SETTINGS,
} from "./autoscaleSetup.js";

export interface PlotWindow {
  readonly startMs: number;
  /** Milliseconds between the points below. */
  readonly stepMs: number;
  readonly demand: number[];
  /** Ready capacity at saturation per policy (ready replicas × what one serves at 100 %). */
  readonly capacity: Record<string, number[]>;
}

export interface TraceResult {
  readonly trace: string;
  readonly seconds: number;
  readonly forecasts: { readonly calls: number; readonly hits: number };
  readonly settings: {
    readonly name: string;
    readonly report: BacktestReport;
    readonly window: PlotWindow;
  }[];
}

const WINDOW_MS = 2 * 86_400_000;
/** Plot points a minute apart (4 replay steps). */
const PLOT_EVERY = 4;

/** The two days of the scored part where `ready` serves `demand` least often. */
function worstWindow(
  demand: Float64Array,
  ready: Int32Array,
  mu: number,
  from: number,
  windowSteps: number,
): number {
  let best = from;
  let worst = -1;
  const dayStep = Math.max(1, Math.round(windowSteps / 8));
  for (let s = from; s + windowSteps <= demand.length; s += dayStep) {
    let over = 0;
    for (let i = s; i < s + windowSteps; i++) if ((demand[i] as number) > (ready[i] as number) * mu) over++;
    if (over > worst) {
      worst = over;
      best = s;
    }
  }
  return best;
}

async function main(): Promise<void> {
  const [trace, daysText, out] = process.argv.slice(2);
  if (!trace || !out) throw new Error("usage: autoscaleTrace.ts <trace> <days> <out.json>");
  const started = performance.now();
  const demand = loadTrace(trace, Number(daysText));
  const memo = forecastMemo(forecastSeries);
  const settings: TraceResult["settings"][number][] = [];
  for (const setting of SETTINGS) {
    const outcome = await replayBacktest(
      {
        peakReplicas: PEAK_REPLICAS,
        leadTimeMs: LEAD_TIME_MS,
        nodeLeadTimeMs: setting.nodeLeadTimeMs,
        policies: POLICIES,
        frontierTargets: FRONTIER_TARGETS,
        recordReady: true,
      },
      {
        demand: () => ({ label: trace, demand }),
        forecast: memo.forecast,
        onProgress: (p) => {
          if (p.steps === p.totalSteps)
            process.stderr.write(`${trace} (${setting.name}) ${p.run}: done (${p.runsDone + 1}/${p.runs})\n`);
        },
      },
    );
    const { report } = outcome;
    const mu = report.saturationPerReplica;
    const stepMs = report.stepSeconds * 1000;
    const windowSteps = Math.min(Math.round(WINDOW_MS / stepMs), report.scoredSteps);
    const from = worstWindow(
      outcome.demand,
      outcome.ready.get("reactive") as Int32Array,
      mu,
      report.steps - report.scoredSteps,
      windowSteps,
    );
    const pick = (values: ArrayLike<number>, scale = 1) => {
      const kept: number[] = [];
      for (let i = from; i < from + windowSteps; i += PLOT_EVERY) kept.push((values[i] as number) * scale);
      return kept;
    };
    const capacity: Record<string, number[]> = {};
    for (const name of ["reactive", "phpa", "crane", "predictive-floor", "oracle"]) {
      const ready = outcome.ready.get(name);
      if (ready) capacity[name] = pick(ready, mu);
    }
    settings.push({
      name: setting.name,
      report,
      window: {
        startMs: outcome.startMs + from * stepMs,
        stepMs: stepMs * PLOT_EVERY,
        demand: pick(outcome.demand),
        capacity,
      },
    });
  }
  const result: TraceResult = {
    trace,
    seconds: (performance.now() - started) / 1000,
    forecasts: memo.stats,
    settings,
  };
  writeFileSync(out, JSON.stringify(result));
}

await main();
