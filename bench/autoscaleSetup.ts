/**
 * What `bench:autoscale` and `bench:autoscale-sweep` share (issue 5 §6): the five traces and the
 * settings of `foresight backtest --peak-replicas 40 --lead-time 5m` (c = p99 of demand ÷ 40, 7 days
 * of warmup clamped to half the trace), and one replay of one trace under one policy.
 */
import { join } from "node:path";
import { readTrace } from "../src/forecast/traces.js";
import { resampleTrace, SIM_STEP_MS, TraceDemand } from "../src/sim/cluster/demand.js";
import type { PolicyFactory } from "../src/sim/policies/index.js";
import { capacityPerReplica, type RawScores } from "../src/sim/replay/scores.js";
import { replay } from "../src/sim/replay/simulate.js";

export const TRACES_DIR = "/work/shared/traces/norm";
export const TRACES = [
  "nasa_http_requests",
  "nab_cpu_utilization_asg_misconfiguration",
  "nab_twitter_volume_amzn",
  "servegen_m_small_rate",
  "nab_elb_request_count_8c0756",
];
export const PEAK_REPLICAS = 40;
export const LEAD_TIME_MS = 5 * 60_000;
export const WARMUP_MS = 7 * 86_400_000;

export interface TraceRun {
  readonly trace: string;
  /** Replays the trace under `factory`: the workload's scores and time spent forecasting. */
  run(factory: PolicyFactory): Promise<{ readonly scores: RawScores; readonly forecastMs: number }>;
}

export function traceRun(trace: string): TraceRun {
  const demand = TraceDemand.fromTrace(readTrace(join(TRACES_DIR, `${trace}.csv`)));
  const series = resampleTrace(demand, SIM_STEP_MS);
  const c = capacityPerReplica(series, PEAK_REPLICAS);
  const warmupMs = Math.min(
    WARMUP_MS,
    Math.floor((series.length * SIM_STEP_MS) / 2 / SIM_STEP_MS) * SIM_STEP_MS,
  );
  return {
    trace,
    async run(factory) {
      const result = await replay([{ name: trace, demand: series, capacityPerReplica: c }], factory, {
        startMs: demand.startMs,
        stepMs: SIM_STEP_MS,
        leadTimeMs: LEAD_TIME_MS,
        warmupSteps: Math.round(warmupMs / SIM_STEP_MS),
      });
      const workload = result.workloads[0];
      if (workload === undefined) throw new Error(`replay of ${trace} returned no workload`);
      return { scores: workload.scores, forecastMs: workload.forecastMs };
    },
  };
}
