/**
 * What `bench:autoscale` and its per-trace worker share: the traces (every series of
 * ../shared/traces long enough to forecast, and one synthetic series of random bursts that nothing
 * can forecast), the settings (`foresight backtest --peak-replicas 40 --lead-time 5m`, with and
 * without an 8-minute node lead time), and the policies.
 */
import { join } from "node:path";
import { seededRandom } from "../src/forecast/random.js";
import { readTrace } from "../src/forecast/traces.js";
import { TraceDemand } from "../src/replay/cluster/demand.js";

export const TRACES_DIR = "/work/shared/traces/norm";
/** Real traces: every one of the shared series with at least two weeks. */
export const REAL_TRACES = [
  "nasa_http_requests",
  "nab_cpu_utilization_asg_misconfiguration",
  "nab_twitter_volume_amzn",
  "servegen_m_small_rate",
  "nab_elb_request_count_8c0756",
  "nab_ec2_cpu_utilization_5f5533",
  "nab_ec2_cpu_utilization_ac20cd",
  "nab_rds_cpu_utilization_e47b3b",
];
/** Random bursts on a flat base: nothing can forecast them. */
export const BURSTS = "synthetic_bursts";
export const TRACES = [...REAL_TRACES, BURSTS];

export const PEAK_REPLICAS = 40;
export const LEAD_TIME_MS = 5 * 60_000;
/** Traces are cut to this many days (7 of warmup, then two weeks scored) to bound the run. */
export const DEFAULT_DAYS = 21;
/** The reactive frontier: the HPA alone at these targets (the 50–90 %, and 30–40 % for policies that buy more). */
export const FRONTIER_TARGETS = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
export const POLICIES = [
  "reactive",
  "phpa",
  "crane",
  "predictive-metric",
  "predictive-floor",
  "predictive-direct",
];

export interface Setting {
  readonly name: string;
  readonly nodeLeadTimeMs: number;
}

export const SETTINGS: readonly Setting[] = [
  { name: "lead 5m", nodeLeadTimeMs: 0 },
  { name: "lead 5m, nodes 8m", nodeLeadTimeMs: 8 * 60_000 },
];

/**
 * Fourteen days at one-minute steps: a base of 100 with noise, and bursts arriving at random
 * (about eight a day) lifting demand 2–5× for 3–30 minutes. Seeded: the same series every run.
 */
export function burstsTrace(days = 14): TraceDemand {
  const random = seededRandom(20_261_204);
  const start = Date.UTC(2026, 0, 5);
  const minutes = days * 1440;
  const values = new Float64Array(minutes).fill(0);
  for (let m = 0; m < minutes; m++) values[m] = 100 * (0.9 + 0.2 * random());
  for (let m = 0; m < minutes; m++) {
    if (random() >= 8 / 1440) continue;
    const height = 2 + 3 * random();
    const length = 3 + Math.floor(27 * random());
    for (let k = m; k < Math.min(minutes, m + length); k++) values[k] = (values[k] as number) * height;
  }
  return new TraceDemand(Array.from(values, (v, m) => [start + m * 60_000, v] as const));
}

/** A trace by name, cut to `days`. */
export function loadTrace(name: string, days = DEFAULT_DAYS): TraceDemand {
  if (name === BURSTS) return burstsTrace(Math.min(days, 14));
  const trace = readTrace(join(TRACES_DIR, `${name}.csv`));
  const end = (trace.points[0]?.[0] ?? 0) + days * 86_400_000;
  return new TraceDemand(trace.points.filter((p) => p[0] < end));
}
