/**
 * The HPA controller's load on the metrics APIs, open loop, in a process of its own (bench:serving
 * runs it): every HPA asks its own path once per period, at its own phase (seeded), whatever the
 * answers' speed, as the controller's resync does. Latency is counted from the moment a request
 * was due, so waiting for a free connection counts too (no coordinated omission).
 *
 * `node --import tsx bench/hpaLoad.ts <plan.json>`; the plan is a LoadPlan. Prints `measuring` on
 * stdout when the warm-up ends, then one JSON line, a LoadReport.
 */
import { readFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { seededRandom } from "../src/forecast/random.js";

export interface LoadPlan {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  /** One path per HPA. */
  readonly paths: readonly string[];
  readonly periodSeconds: number;
  /** Asked but not counted, first. */
  readonly warmupSeconds: number;
  readonly measureSeconds: number;
  /** Keep-alive connections at most (kube-apiserver's proxy keeps a pool too). */
  readonly connections: number;
  readonly seed: number;
}

export interface LoadReport {
  readonly requests: number;
  /** HTTP status → count; `error` for a request that got no answer. */
  readonly codes: Readonly<Record<string, number>>;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Requests answered per second in the measured window. */
  readonly rps: number;
}

/** A request every HPA makes once per period, due at `phase` within it. */
interface Due {
  readonly path: string;
  readonly phaseMs: number;
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

async function run(plan: LoadPlan): Promise<LoadReport> {
  const agent = new Agent({ keepAlive: true, maxSockets: plan.connections, rejectUnauthorized: false });
  const random = seededRandom(plan.seed);
  const periodMs = plan.periodSeconds * 1000;
  const schedule: Due[] = plan.paths
    .map((path) => ({ path, phaseMs: random() * periodMs }))
    .sort((a, b) => a.phaseMs - b.phaseMs);
  const start = performance.now() + 100;
  const measureFrom = start + plan.warmupSeconds * 1000;
  const end = measureFrom + plan.measureSeconds * 1000;
  const latencies: number[] = [];
  const codes: Record<string, number> = {};
  const inFlight = new Set<Promise<void>>();
  let announced = false;

  const fire = (path: string, dueAt: number) => {
    const counted = dueAt >= measureFrom;
    const done = new Promise<void>((resolve) => {
      const finish = (code: string) => {
        if (counted) {
          latencies.push(performance.now() - dueAt);
          codes[code] = (codes[code] ?? 0) + 1;
        }
        resolve();
      };
      const req = request(`${plan.url}${path}`, { agent, headers: { accept: "application/json" } }, (res) => {
        res.resume();
        res.on("end", () => finish(String(res.statusCode)));
        res.on("error", () => finish("error"));
      });
      req.on("error", () => finish("error"));
      req.end();
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };

  // Walk the schedule round after round; a 2 ms tick fires everything due.
  let round = 0;
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const now = performance.now();
      if (!announced && now >= measureFrom) {
        announced = true;
        process.stdout.write("measuring\n");
      }
      for (;;) {
        const due = schedule[next];
        if (!due) {
          round++;
          next = 0;
          continue;
        }
        const dueAt = start + round * periodMs + due.phaseMs;
        if (dueAt >= end) {
          clearInterval(tick);
          resolve();
          return;
        }
        if (dueAt > now) break;
        fire(due.path, dueAt);
        next++;
      }
    }, 2);
  });
  await Promise.all(inFlight);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    codes,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies.at(-1) ?? Number.NaN,
    rps: latencies.length / plan.measureSeconds,
  };
}

const plan = JSON.parse(readFileSync(process.argv[2] as string, "utf8")) as LoadPlan;
run(plan).then(
  (report) => process.stdout.write(`${JSON.stringify(report)}\n`),
  (err: unknown) => {
    process.stderr.write(`hpaLoad failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
