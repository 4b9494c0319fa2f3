/**
 * `npm run bench:soak [-- --minutes N --rate R --no-record]`: `foresight serve` (compiled) against
 * a real Prometheus scraping many GPU pods, under a steady `--rate` (default 500) req/s on the
 * pods-wildcard endpoint an HPA uses, for `--minutes` (default 30). The adapter's RSS is read from
 * /proc every 10 s; the section in docs/benchmarks.md gives RSS at start, after warm-up and at the
 * end, its least-squares slope after warm-up per 10 minutes, requests ok/failed and latency.
 * `runSoak` is exported for the short CI run (test/bench/soak.test.ts).
 */
import { pathToFileURL } from "node:url";
import { startAdapter, type TestAdapter } from "../test/harness/adapter.js";
import {
  type AutocannonReport,
  autocannon,
  memoryMiB,
  PODS_PER_DEPLOYMENT,
  prometheusVersion,
  startGpuFleet,
  waitForItems,
} from "./gpuFleet.js";
import { exitOnMissed, machineLine, recordSection } from "./record.js";

const SAMPLE_EVERY_MS = 10_000;
const CONNECTIONS = 8;

export interface SoakOptions {
  readonly minutes: number;
  /** Requests per second, all connections together. */
  readonly rate: number;
  /** Namespaces × 10 Deployments × 10 pods; default 10 (1,000 pods). */
  readonly namespaces?: number;
  /** Run dist/ (as `foresight` runs) rather than the sources through tsx. Default true. */
  readonly compiled?: boolean;
  readonly log?: (message: string) => void;
}

export interface RssSample {
  /** Seconds since the load started. */
  readonly atS: number;
  readonly rssMiB: number;
  /** V8 heap in use (the adapter's own `foresight_nodejs_heap_size_used_bytes`), when it answered. */
  readonly heapUsedMiB?: number;
  /** V8 heap committed (`foresight_nodejs_heap_size_total_bytes`): the live set plus the room V8 keeps. */
  readonly heapTotalMiB?: number;
}

export interface SoakResult {
  readonly minutes: number;
  readonly rate: number;
  readonly pods: number;
  readonly path: string;
  readonly samples: readonly RssSample[];
  readonly warmupS: number;
  readonly startRssMiB: number;
  readonly warmRssMiB: number;
  readonly endRssMiB: number;
  readonly peakRssMiB: number;
  /** Least-squares slope of RSS over the samples after warm-up, MiB per 10 minutes. */
  readonly slopeMiBPer10Min: number;
  /**
   * The same over the second half of the run only: the process's steady state, once V8's old
   * generation and the allocator have settled (which takes minutes, not the warm-up's two).
   */
  readonly secondHalfSlopeMiBPer10Min: number;
  /**
   * Least-squares slope of the V8 heap's live set after warm-up, MiB per 10 minutes: the smallest
   * heap-in-use of each minute (the sample nearest a full collection), so garbage between
   * collections does not count. Undefined when the heap was not sampled.
   */
  readonly heapSlopeMiBPer10Min?: number;
  readonly warmHeapMiB?: number;
  readonly endHeapMiB?: number;
  /** Slope over the second half of V8's committed heap, MiB per 10 minutes (when sampled). */
  readonly secondHalfHeapTotalSlopeMiBPer10Min?: number;
  /** Slope over the second half of native memory, RSS − V8 committed heap (when sampled). */
  readonly secondHalfNativeSlopeMiBPer10Min?: number;
  readonly requests: number;
  readonly ok: number;
  readonly failed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface SoakArgs {
  readonly minutes: number;
  readonly rate: number;
  readonly record: boolean;
}

export function parseArgs(argv: readonly string[]): SoakArgs {
  let minutes = 30;
  let rate = 500;
  let record = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${arg} needs a positive number, got ${argv[i]}`);
      return v;
    };
    if (arg === "--minutes") minutes = value();
    else if (arg === "--rate") rate = value();
    else if (arg === "--no-record") record = false;
    else throw new Error(`unknown argument ${arg} (use --minutes N, --rate R, --no-record)`);
  }
  return { minutes, rate, record };
}

/** Warm-up excluded from the slope: a tenth of the run, at most two minutes. */
export function warmupSeconds(minutes: number): number {
  return Math.min(120, (minutes * 60) / 10);
}

/** Least-squares slope of `samples` (MiB per second) scaled to MiB per 10 minutes; 0 for < 2 samples. */
export function slopePer10Min(samples: readonly RssSample[]): number {
  if (samples.length < 2) return 0;
  const n = samples.length;
  const mx = samples.reduce((a, s) => a + s.atS, 0) / n;
  const my = samples.reduce((a, s) => a + s.rssMiB, 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.atS - mx) * (s.rssMiB - my);
    den += (s.atS - mx) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 600;
}

/** The smallest heap-in-use of each minute, as RssSample-shaped points for `slopePer10Min`. */
export function heapFloorByMinute(samples: readonly RssSample[]): RssSample[] {
  const byMinute = new Map<number, RssSample>();
  for (const s of samples) {
    if (s.heapUsedMiB === undefined) continue;
    const minute = Math.floor(s.atS / 60);
    const kept = byMinute.get(minute);
    if (kept === undefined || s.heapUsedMiB < (kept.heapUsedMiB as number)) byMinute.set(minute, s);
  }
  return [...byMinute.values()].map((s) => ({ atS: s.atS, rssMiB: s.heapUsedMiB as number }));
}

/** V8's heap in use and committed, from the adapter's Prometheus text exposition, in MiB. */
export function heapFromExposition(text: string): { used: number; total: number } | undefined {
  const read = (name: string) => {
    const m = new RegExp(`^foresight_nodejs_heap_size_${name}_bytes(?:\\{[^}]*\\})? ([0-9.e+]+)`, "m").exec(
      text,
    );
    return m ? Number(m[1]) / 1024 / 1024 : undefined;
  };
  const used = read("used");
  const total = read("total");
  return used === undefined || total === undefined ? undefined : { used, total };
}

async function heapMiB(metricsUrl: string): Promise<{ used: number; total: number } | undefined> {
  try {
    const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) });
    return res.ok ? heapFromExposition(await res.text()) : undefined;
  } catch {
    return undefined;
  }
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const log = options.log ?? (() => {});
  const path =
    "/apis/custom.metrics.k8s.io/v1beta2/namespaces/bench-0/pods/%2A/gpu_utilization?labelSelector=app%3Dsvc-4";
  const fleet = await startGpuFleet(options.namespaces ?? 10, log);
  let adapter: TestAdapter | undefined;
  try {
    adapter = await startAdapter({
      // The defaults an install runs with: 5 s cache, relist every minute.
      configPath: fleet.writeConfig("soak", { relistInterval: "1m", maxAge: "5m" }),
      prometheusUrl: fleet.prometheus.url,
      kubeconfig: fleet.kubeconfig,
      compiled: options.compiled ?? true,
      nodeArgs: ["--max-semi-space-size=4"],
    });
    await waitForItems(adapter, path, PODS_PER_DEPLOYMENT);
    const pid = adapter.process.pid as number;
    const seconds = Math.round(options.minutes * 60);
    log(`${options.rate} req/s for ${seconds} s; RSS every ${SAMPLE_EVERY_MS / 1000} s`);
    const started = Date.now();
    const samples: RssSample[] = [];
    let peak = 0;
    const metricsUrl = `${adapter.httpUrl}/metrics`;
    const sample = async () => {
      const atS = (Date.now() - started) / 1000;
      const m = memoryMiB(pid);
      peak = Math.max(peak, m.peak);
      const heap = await heapMiB(metricsUrl);
      samples.push(
        heap === undefined
          ? { atS, rssMiB: m.rss }
          : { atS, rssMiB: m.rss, heapUsedMiB: heap.used, heapTotalMiB: heap.total },
      );
    };
    await sample();
    const sampler = setInterval(() => {
      void sample().then(() => {
        const last = samples.at(-1) as RssSample;
        if (samples.length % 6 === 1)
          log(
            `${Math.round(last.atS)} s: RSS ${last.rssMiB.toFixed(1)} MiB, heap ${last.heapUsedMiB?.toFixed(1) ?? "?"} MiB`,
          );
      });
    }, SAMPLE_EVERY_MS);
    let load: AutocannonReport;
    try {
      load = await autocannon(`${adapter.url}${path}`, {
        connections: CONNECTIONS,
        rate: options.rate,
        seconds,
      });
    } finally {
      clearInterval(sampler);
    }
    await sample();
    if (adapter.process.exitCode !== null)
      throw new Error(`the adapter exited during the soak:\n${adapter.logs()}`);
    const warmupS = warmupSeconds(options.minutes);
    const afterWarmup = samples.filter((s) => s.atS >= warmupS);
    const first = samples[0] as RssSample;
    const heapFloor = heapFloorByMinute(afterWarmup);
    const secondHalf = samples.filter((s) => s.atS >= (options.minutes * 60) / 2);
    const committed = secondHalf.flatMap((s) =>
      s.heapTotalMiB === undefined
        ? []
        : [{ atS: s.atS, total: s.heapTotalMiB, native: s.rssMiB - s.heapTotalMiB }],
    );
    const split =
      committed.length >= 2
        ? {
            secondHalfHeapTotalSlopeMiBPer10Min: slopePer10Min(
              committed.map((c) => ({ atS: c.atS, rssMiB: c.total })),
            ),
            secondHalfNativeSlopeMiBPer10Min: slopePer10Min(
              committed.map((c) => ({ atS: c.atS, rssMiB: c.native })),
            ),
          }
        : {};
    const heap =
      heapFloor.length >= 2
        ? {
            heapSlopeMiBPer10Min: slopePer10Min(heapFloor),
            warmHeapMiB: (heapFloor[0] as RssSample).rssMiB,
            endHeapMiB: (heapFloor.at(-1) as RssSample).rssMiB,
          }
        : {};
    return {
      ...heap,
      ...split,
      minutes: options.minutes,
      rate: options.rate,
      pods: fleet.pods,
      path,
      samples,
      warmupS,
      startRssMiB: first.rssMiB,
      warmRssMiB: (afterWarmup[0] ?? first).rssMiB,
      endRssMiB: (samples.at(-1) as RssSample).rssMiB,
      peakRssMiB: peak,
      slopeMiBPer10Min: slopePer10Min(afterWarmup),
      secondHalfSlopeMiBPer10Min: slopePer10Min(secondHalf),
      requests: load.requests.total,
      ok: load["2xx"],
      failed: load.non2xx + load.errors + load.timeouts,
      p50Ms: load.latency.p50,
      p99Ms: load.latency.p99,
      maxMs: load.latency.max,
    };
  } finally {
    await adapter?.stop();
    await fleet.close();
  }
}

const signed = (v: number) => `${v >= 0 ? "+" : ""}${v.toFixed(2)}`;
const optional = (v: number | undefined) => (v === undefined ? "n/a" : signed(v));

export function soakTable(r: SoakResult): string {
  const mib = (v: number) => v.toFixed(1);
  const heap =
    r.heapSlopeMiBPer10Min === undefined
      ? "n/a | n/a | n/a"
      : `${mib(r.warmHeapMiB as number)} | ${mib(r.endHeapMiB as number)} | ${signed(r.heapSlopeMiBPer10Min)}`;
  return [
    "| minutes | target req/s | requests | ok | failed | p50 ms | p99 ms | max ms | RSS MiB start | after warm-up | end | peak | RSS slope MiB / 10 min | RSS slope, 2nd half | heap live MiB after warm-up | end | heap slope MiB / 10 min | V8 committed slope, 2nd half | native slope, 2nd half |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    `| ${r.minutes} | ${r.rate} | ${r.requests.toLocaleString("en")} | ${r.ok.toLocaleString("en")} | ${r.failed} | ${r.p50Ms} | ${r.p99Ms} | ${r.maxMs} | ${mib(r.startRssMiB)} | ${mib(r.warmRssMiB)} | ${mib(r.endRssMiB)} | ${mib(r.peakRssMiB)} | ${signed(r.slopeMiBPer10Min)} | ${signed(r.secondHalfSlopeMiBPer10Min)} | ${heap} | ${optional(r.secondHalfHeapTotalSlopeMiBPer10Min)} | ${optional(r.secondHalfNativeSlopeMiBPer10Min)} |`,
  ].join("\n");
}

/** RSS samples, one per minute, as a compact line for the section. */
function rssLine(r: SoakResult): string {
  const perMinute = r.samples.filter(
    (s, i) => i === 0 || Math.floor(s.atS / 60) > Math.floor((r.samples[i - 1] as RssSample).atS / 60),
  );
  return perMinute.map((s) => `${Math.round(s.atS / 60)}′ ${s.rssMiB.toFixed(0)}`).join(" · ");
}

/**
 * Whether memory stays flat, and on what evidence. A leak grows without end in one of two places:
 * the JavaScript heap's live set, or native memory (RSS minus V8's committed heap: buffers, TLS,
 * malloc). Both are judged. RSS itself also moves with the room V8 commits beyond the live set,
 * which V8 grows and gives back on its own schedule; that is reported beside them, not judged.
 */
export function memoryVerdict(r: SoakResult): string[] {
  const live = r.heapSlopeMiBPer10Min;
  const native = r.secondHalfNativeSlopeMiBPer10Min;
  const flat = live !== undefined && native !== undefined && live <= 1 && native <= 1;
  const evidence =
    live === undefined || native === undefined
      ? "the heap was not sampled (the adapter's /metrics did not answer)"
      : `JS heap live set ${signed(live)}, native ${signed(native)} MiB / 10 min`;
  const committed =
    r.secondHalfHeapTotalSlopeMiBPer10Min === undefined
      ? ""
      : `, of which V8's committed heap ${signed(r.secondHalfHeapTotalSlopeMiBPer10Min)}`;
  return [
    `No leak (≤ 1 MiB per 10 min in the JS heap's live set after warm-up and in native memory, RSS − V8's committed heap, over the second half): ${flat ? "yes" : "**no**"} (${evidence}).`,
    `RSS over the second half: ${signed(r.secondHalfSlopeMiBPer10Min)} MiB / 10 min${committed} (${r.secondHalfSlopeMiBPer10Min <= 1 ? "within" : "**not** within"} 1 MiB).`,
    `RSS after the ${r.warmupS} s warm-up, settling included: ${signed(r.slopeMiBPer10Min)} MiB / 10 min (${r.slopeMiBPer10Min <= 1 ? "within" : "not within"} 1 MiB).`,
  ];
}

export function soakSection(r: SoakResult, prometheusVersion: string): string {
  const full = r.minutes >= 30;
  return [
    "## Adapter: soak (`npm run bench:soak`)",
    "",
    `Run ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${machineLine(prometheusVersion)}.`,
    "",
    full
      ? `${r.minutes} minutes at ${r.rate} req/s.`
      : `**A shortened run: ${r.minutes} minute${r.minutes === 1 ? "" : "s"}** at ${r.rate} req/s (\`--minutes ${r.minutes}\`), not the 30 minutes of the default; rerun \`npm run bench:soak\` for the full one.`,
    `${r.pods.toLocaleString("en")} pods with DCGM GPU series in a real Prometheus scraping every 5 s; one \`foresight serve\` (compiled, default`,
    `cache settings, the rules of \`examples/gpu-dcgm.yaml\`); autocannon in a second process, ${CONNECTIONS} keep-alive HTTPS connections at a`,
    `fixed overall rate on \`GET ${r.path}\`. RSS (VmRSS of the adapter process) sampled every ${SAMPLE_EVERY_MS / 1000} s; the slope is the`,
    `least-squares fit over the samples after the first ${r.warmupS} s of warm-up. The heap columns read the adapter's own`,
    "`foresight_nodejs_heap_size_used_bytes` at each sample and fit the smallest value of each minute (the live set",
    "nearest a collection), so a leak in JavaScript objects shows there even when RSS hides it. Native memory is RSS minus",
    "`foresight_nodejs_heap_size_total_bytes` (V8's committed heap): buffers, TLS and malloc, where a leak outside JavaScript would show.",
    "",
    soakTable(r),
    "",
    `RSS by minute (MiB): ${rssLine(r)}`,
    "",
    ...memoryVerdict(r),
    `No failed requests: ${r.failed === 0 ? "yes" : `**no** (${r.failed})`}.`,
  ].join("\n");
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const result = await runSoak({
    minutes: args.minutes,
    rate: args.rate,
    log: (m) => process.stderr.write(`[bench:soak] ${m}\n`),
  });
  const section = soakSection(result, prometheusVersion());
  if (args.record) recordSection("soak", section);
  process.stdout.write(`${section}\n`);
  exitOnMissed("soak", [
    /No leak[^\n]*: \*\*no\*\*/.test(section) && "memory grew: the section's No leak line says no",
    /No failed requests: \*\*no\*\*/.test(section) &&
      "requests failed: the section's No failed requests line says no",
  ]);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench:soak failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
