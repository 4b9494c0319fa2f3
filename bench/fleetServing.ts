/**
 * `npm run bench:serving`: the serving path at 1,000 and 10,000 HPAs. A fleet as clusters grow
 * (namespaces of very different sizes, 1–4 pods per Deployment, one HPA per Deployment; half the
 * HPAs with a Pods metric, `pods/*?labelSelector=app=<d>`, half with an Object metric on their
 * Deployment), vLLM queue gauges per pod in a real Prometheus, the pods and Deployments in the
 * simulated cluster's Kubernetes API. Two `foresight serve` processes in one run, one after the
 * other on the same fleet, each started fresh: one batching requests for single objects (the
 * default) and one asking a query per object (`batchMaxObjects: 0`); each HPA asks every 15 s, open
 * loop (bench/hpaLoad.ts, a process of its own). Reported per adapter: Prometheus queries per 1,000
 * HPA requests (the adapter's `foresight_rule_queries_total`, and Prometheus' own count of
 * /api/v1/query requests), CPU, latency percentiles, RSS and heap. Writes its table into
 * docs/benchmarks.md; exits 1 when a stated target is missed.
 *
 * BENCH_HPAS (default "1000,10000"), BENCH_WARMUP (s, default 15), BENCH_MEASURE (s, default 45);
 * `-- --no-record` prints the section without writing it (for trying other sizes).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { stringify } from "yaml";
import { type KubeFacade, startKubeFacade } from "../src/demo/kube/index.js";
import { seededRandom } from "../src/forecast/random.js";
import { startAdapter, type TestAdapter } from "../test/harness/adapter.js";
import { startTestExporter, type TestExporter } from "../test/harness/exporter.js";
import { startPrometheus, type TestPrometheus } from "../test/harness/prometheus.js";
import { memoryMiB, prometheusVersion, ROOT, waitForItems } from "./gpuFleet.js";
import type { LoadPlan, LoadReport } from "./hpaLoad.js";
import { exitOnMissed, machineLine, recordSection } from "./record.js";

const SIZES = (process.env.BENCH_HPAS ?? "1000,10000").split(",").map(Number);
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 15);
const MEASURE_S = Number(process.env.BENCH_MEASURE ?? 45);
const PERIOD_S = 15;
const CACHE_TTL_S = 5;
const CONNECTIONS = 32;
/** Idle seconds between an adapter's start and its load. */
const SETTLE_S = 20;
/** Resources a request can be about here (pods for Pods metrics, deployments for Object metrics). */
const QUERY_KINDS = 2;
const METRIC = "vllm_num_requests_waiting";
const SERIES = "vllm:num_requests_waiting";
const C2 = "/apis/custom.metrics.k8s.io/v1beta2";

/** Targets, stated before the run. */
const P99_TARGET_MS = 100;
/** The adapter pod's memory request in deploy/base and the Helm chart. */
const RSS_TARGET_MIB = 256;

const RULES = [
  {
    seriesQuery: `${SERIES}{namespace!="",pod!=""}`,
    resources: {
      overrides: {
        namespace: { resource: "namespace" },
        pod: { resource: "pod" },
        deployment: { group: "apps", resource: "deployment" },
      },
    },
    name: { matches: `^${SERIES}$`, as: METRIC },
    metricsQuery: "sum by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>})",
  },
];

const MODES = [
  { label: "batched (default)", adapter: {} },
  { label: "one query per object", adapter: { batchMaxObjects: 0 } },
] as const;

function log(message: string): void {
  process.stderr.write(`[bench:serving] ${message}\n`);
}

interface Hpa {
  readonly namespace: string;
  readonly deployment: string;
  readonly pods: number;
  readonly kind: "Pods" | "Object";
}

interface Fleet {
  readonly hpas: readonly Hpa[];
  readonly namespaces: number;
  readonly pods: number;
  /** Deployments of the biggest namespace. */
  readonly largest: number;
  readonly kube: KubeFacade;
  readonly exporter: TestExporter;
  readonly prometheus: TestPrometheus;
  readonly kubeconfig: string;
  writeConfig(name: string, adapter: Record<string, unknown>): string;
  close(): Promise<void>;
}

/**
 * Namespace sizes fall off as 1/rank^0.8 (a few teams with hundreds of Deployments, a long tail
 * with a handful), and namespaces grow slower than HPAs: 50 for 1,000 HPAs, 300 for 10,000.
 */
function plan(hpas: number): Hpa[] {
  const namespaces = Math.max(1, Math.round(50 * (hpas / 1000) ** (Math.log(6) / Math.log(10))));
  const weights = Array.from({ length: namespaces }, (_, r) => 1 / (r + 1) ** 0.8);
  const total = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((w) => Math.max(1, Math.round((hpas * w) / total)));
  sizes[0] = (sizes[0] as number) + hpas - sizes.reduce((a, b) => a + b, 0);
  const random = seededRandom(hpas);
  const out: Hpa[] = [];
  sizes.forEach((size, n) => {
    for (let d = 0; d < size; d++) {
      out.push({
        namespace: `team-${n}`,
        deployment: `svc-${d}`,
        pods: 1 + Math.floor(random() * 4),
        kind: out.length % 2 === 0 ? "Pods" : "Object",
      });
    }
  });
  return out;
}

function pathOf(hpa: Hpa): string {
  return hpa.kind === "Pods"
    ? `${C2}/namespaces/${hpa.namespace}/pods/%2A/${METRIC}?labelSelector=app%3D${hpa.deployment}`
    : `${C2}/namespaces/${hpa.namespace}/deployments.apps/${hpa.deployment}/${METRIC}`;
}

async function startFleet(hpaCount: number): Promise<Fleet> {
  const dir = mkdtempSync(join(tmpdir(), "foresight-serving-"));
  const hpas = plan(hpaCount);
  const exporter = await startTestExporter();
  const kube = await startKubeFacade();
  let prometheus: TestPrometheus | undefined;
  const close = async () => {
    await prometheus?.close();
    await kube.close();
    await exporter.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const namespaces = new Set<string>();
    let pods = 0;
    for (const hpa of hpas) {
      if (!namespaces.has(hpa.namespace)) {
        namespaces.add(hpa.namespace);
        kube.store.addNamespace(hpa.namespace);
      }
      const selector = { app: hpa.deployment };
      kube.store.addDeployment({
        namespace: hpa.namespace,
        name: hpa.deployment,
        replicas: hpa.pods,
        selector,
      });
      for (let p = 0; p < hpa.pods; p++) {
        const pod = `${hpa.deployment}-${p}`;
        kube.store.addPod({ namespace: hpa.namespace, name: pod, labels: selector });
        exporter.setGauge(
          SERIES,
          { namespace: hpa.namespace, pod, deployment: hpa.deployment, model_name: "llama-3-8b" },
          (pods * 7) % 13,
        );
        pods++;
      }
    }
    log(`${hpas.length} HPAs, ${namespaces.size} namespaces, ${pods} pods; starting Prometheus`);
    prometheus = await startPrometheus({ scrapeTargets: [exporter.scrapeTarget()], scrapeInterval: "15s" });
    await prometheus.waitForSeries(SERIES, pods, 120_000);
    const kubeconfig = join(dir, "cluster.kubeconfig");
    kube.kubeconfig(kubeconfig);
    const perNamespace = new Map<string, number>();
    for (const h of hpas) perNamespace.set(h.namespace, (perNamespace.get(h.namespace) ?? 0) + 1);
    return {
      hpas,
      namespaces: namespaces.size,
      pods,
      largest: Math.max(...perNamespace.values()),
      kube,
      exporter,
      prometheus,
      kubeconfig,
      writeConfig(name, adapter) {
        const path = join(dir, `${name}.yaml`);
        writeFileSync(path, stringify({ adapter, rules: RULES }));
        return path;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The sum of the samples of `name` in an exposition whose labels contain `having`. */
function sumOf(text: string, name: string, having = ""): number {
  let total = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`, "gm"))) {
    if ((m[1] ?? "").includes(having)) total += Number(m[2]);
  }
  return total;
}

interface Counters {
  /** The adapter's foresight_rule_queries_total, batched and not. */
  readonly batched: number;
  readonly single: number;
  /** Instant queries Prometheus answered (its own prometheus_http_requests_total). */
  readonly prometheusQueries: number;
  readonly adapterCpuS: number;
  readonly prometheusCpuS: number;
  /** The adapter's event-loop delay p99 since the last read (prom-client resets it on each read). */
  readonly eventLoopP99Ms: number;
  /** The adapter's V8 heap in use, MiB. */
  readonly heapUsedMiB: number;
  /** The adapter's major (mark-compact) garbage collections so far. */
  readonly majorGcs: number;
}

async function counters(adapter: TestAdapter, prometheus: TestPrometheus): Promise<Counters> {
  const [mine, theirs] = await Promise.all(
    [`${adapter.httpUrl}/metrics`, `${prometheus.url}/metrics`].map(async (url) => (await fetch(url)).text()),
  );
  const a = mine as string;
  const p = theirs as string;
  return {
    batched: sumOf(a, "foresight_rule_queries_total", 'batched="true"'),
    single: sumOf(a, "foresight_rule_queries_total", 'batched="false"'),
    prometheusQueries: sumOf(p, "prometheus_http_requests_total", 'handler="/api/v1/query"'),
    adapterCpuS: sumOf(a, "foresight_process_cpu_seconds_total"),
    prometheusCpuS: sumOf(p, "process_cpu_seconds_total"),
    eventLoopP99Ms: sumOf(a, "foresight_nodejs_eventloop_lag_p99_seconds") * 1000,
    heapUsedMiB: sumOf(a, "foresight_nodejs_heap_size_used_bytes") / 2 ** 20,
    majorGcs: sumOf(a, "foresight_nodejs_gc_duration_seconds_count", 'kind="major"'),
  };
}

interface Measured {
  readonly label: string;
  readonly hpas: number;
  readonly namespaces: number;
  readonly report: LoadReport;
  readonly errors: number;
  /** Over the measured window: counts and CPU as differences, event-loop delay and heap at its end. */
  readonly window: Counters;
  /** The machine's 1-minute load average at the end of the window (2 cores). */
  readonly loadAverage: number;
  readonly rssMiB: number;
  readonly peakRssMiB: number;
}

async function measure(label: string, adapter: TestAdapter, fleet: Fleet, dir: string): Promise<Measured> {
  const planFile = join(dir, "plan.json");
  const loadPlan: LoadPlan = {
    url: adapter.url,
    paths: fleet.hpas.map(pathOf),
    periodSeconds: PERIOD_S,
    warmupSeconds: WARMUP_S,
    measureSeconds: MEASURE_S,
    connections: CONNECTIONS,
    seed: 42,
  };
  writeFileSync(planFile, JSON.stringify(loadPlan));
  log(`${fleet.hpas.length} HPAs, ${label}: ${WARMUP_S} s warm-up, ${MEASURE_S} s measured`);
  const pid = adapter.process.pid as number;
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench/hpaLoad.ts"), planFile], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let before: Counters | undefined;
  let rss = 0;
  let sampler: NodeJS.Timeout | undefined;
  let last = "";
  const lines = createInterface({ input: child.stdout });
  lines.on("line", (line) => {
    if (line === "measuring") {
      void counters(adapter, fleet.prometheus).then((c) => {
        before = c;
      });
      sampler = setInterval(() => {
        rss = Math.max(rss, memoryMiB(pid).rss);
      }, 1000);
    } else if (line.trim() !== "") last = line;
  });
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  clearInterval(sampler);
  if (code !== 0 || !before) throw new Error(`hpaLoad exited with ${code}`);
  const report = JSON.parse(last) as LoadReport;
  const after = await counters(adapter, fleet.prometheus);
  return {
    label,
    hpas: fleet.hpas.length,
    namespaces: fleet.namespaces,
    report,
    errors: Object.entries(report.codes)
      .filter(([c]) => c !== "200")
      .reduce((a, [, n]) => a + n, 0),
    window: {
      batched: after.batched - before.batched,
      single: after.single - before.single,
      prometheusQueries: after.prometheusQueries - before.prometheusQueries,
      adapterCpuS: after.adapterCpuS - before.adapterCpuS,
      prometheusCpuS: after.prometheusCpuS - before.prometheusCpuS,
      eventLoopP99Ms: after.eventLoopP99Ms,
      heapUsedMiB: after.heapUsedMiB,
      majorGcs: after.majorGcs - before.majorGcs,
    },
    loadAverage: loadavg()[0] as number,
    rssMiB: Math.max(rss, memoryMiB(pid).rss),
    peakRssMiB: memoryMiB(pid).peak,
  };
}

function perThousand(queries: number, requests: number): string {
  return requests > 0 ? ((queries / requests) * 1000).toFixed(1) : "–";
}

function table(results: readonly Measured[]): string {
  const rows = results.map((r) => {
    const queries = r.window.batched + r.window.single;
    const n = (x: number) => x.toLocaleString("en");
    return `| ${n(r.hpas)} | ${r.label} | ${n(r.report.requests)} (${Math.round(r.report.rps)}/s) | ${n(r.window.prometheusQueries)} | **${perThousand(r.window.prometheusQueries, r.report.requests)}** | ${n(queries)} (${n(r.window.batched)}) | ${r.window.prometheusCpuS.toFixed(1)} | ${r.window.adapterCpuS.toFixed(1)} | ${r.report.p50Ms.toFixed(1)} | **${r.report.p99Ms.toFixed(1)}** | ${r.report.maxMs.toFixed(0)} | ${r.window.eventLoopP99Ms.toFixed(0)} | ${r.errors} | **${r.rssMiB.toFixed(0)}** | ${r.peakRssMiB.toFixed(0)} | ${r.window.heapUsedMiB.toFixed(0)} | ${r.window.majorGcs} | ${r.loadAverage.toFixed(1)} |`;
  });
  return [
    "| HPAs | adapter | requests | Prometheus queries | per 1,000 requests | adapter's count (batched) | Prometheus CPU s | adapter CPU s | p50 ms | p99 ms | max ms | event-loop delay p99 ms | errors | RSS MiB under load | peak RSS MiB | heap used MiB | major GCs | load average |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
}

async function main(): Promise<void> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), "foresight-serving-plan-"));
  const results: Measured[] = [];
  const fleets: { hpas: number; namespaces: number; pods: number; largest: number }[] = [];
  try {
    for (const size of SIZES) {
      const fleet = await startFleet(size);
      fleets.push({ hpas: size, namespaces: fleet.namespaces, pods: fleet.pods, largest: fleet.largest });
      try {
        // Each adapter starts fresh, alone, and idles SETTLE_S before its load, so both are measured in
        // the same state: V8 gives back the garbage of the informers' initial lists once idle.
        for (const [i, mode] of MODES.entries()) {
          const adapter = await startAdapter({
            configPath: fleet.writeConfig(`mode-${i}`, {
              relistInterval: "1m",
              maxAge: "5m",
              cacheTTL: `${CACHE_TTL_S}s`,
              ...mode.adapter,
            }),
            prometheusUrl: fleet.prometheus.url,
            kubeconfig: fleet.kubeconfig,
            compiled: true,
            nodeArgs: ["--max-semi-space-size=4"],
          });
          try {
            const probe = fleet.hpas.find((h) => h.kind === "Pods") as Hpa;
            await waitForItems(adapter, pathOf(probe), probe.pods);
            await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
            results.push(await measure(mode.label, adapter, fleet, dir));
          } finally {
            await adapter.stop();
          }
        }
      } finally {
        await fleet.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const minutes = (Date.now() - started) / 60_000;
  const windows = MEASURE_S / CACHE_TTL_S + 1;
  const targets: string[] = [];
  for (const r of results) {
    const size = `${r.hpas.toLocaleString("en")} HPAs, ${r.label}`;
    if (r.label.startsWith("batched")) {
      const bound = QUERY_KINDS * r.namespaces * windows;
      const queries = r.window.batched + r.window.single;
      targets.push(
        `${size}: backend queries ≤ resources × namespaces × cache periods (${QUERY_KINDS} × ${r.namespaces} × ${windows} = ${bound.toLocaleString("en")}): ${queries <= bound ? "met" : "NOT met"} (${queries.toLocaleString("en")})`,
      );
      targets.push(
        `${size}: p99 ≤ ${P99_TARGET_MS} ms: ${r.report.p99Ms <= P99_TARGET_MS ? "met" : "NOT met"} (${r.report.p99Ms.toFixed(1)} ms)`,
      );
      targets.push(
        `${size}: RSS under load ≤ ${RSS_TARGET_MIB} MiB: ${r.rssMiB <= RSS_TARGET_MIB ? "met" : "NOT met"} (${r.rssMiB.toFixed(0)} MiB)`,
      );
    }
    targets.push(
      `${size}: every request answered 200: ${r.errors === 0 ? "met" : "NOT met"} (${r.errors} errors)`,
    );
  }
  const comparisons = SIZES.flatMap((size) => {
    const [batched, single] = MODES.map((m) => results.find((r) => r.hpas === size && r.label === m.label));
    if (!batched || !single) return [];
    const per = (r: Measured) => (r.window.prometheusQueries / r.report.requests) * 1000;
    const fleet = fleets.find((f) => f.hpas === size);
    return [
      `${size.toLocaleString("en")} HPAs: batching sends ${(per(single) / per(batched)).toFixed(1)}× fewer Prometheus queries than one query per object (${per(batched).toFixed(1)} vs ${per(single).toFixed(1)} per 1,000 requests); batched vs per object: Prometheus CPU ${batched.window.prometheusCpuS.toFixed(1)} vs ${single.window.prometheusCpuS.toFixed(1)} s, adapter CPU ${batched.window.adapterCpuS.toFixed(1)} vs ${single.window.adapterCpuS.toFixed(1)} s, p99 ${batched.report.p99Ms.toFixed(1)} vs ${single.report.p99Ms.toFixed(1)} ms, RSS under load ${batched.rssMiB.toFixed(0)} vs ${single.rssMiB.toFixed(0)} MiB (the informers hold ${fleet?.pods.toLocaleString("en")} pods and ${size.toLocaleString("en")} Deployments).`,
    ];
  });
  const fleetLines = fleets.map(
    (f) =>
      `${f.hpas.toLocaleString("en")} HPAs: ${f.namespaces} namespaces (the largest with ${f.largest} Deployments), ${f.pods.toLocaleString("en")} pods`,
  );
  const section = [
    "## Serving at 1,000 and 10,000 HPAs (`npm run bench:serving`)",
    "",
    `Run ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${machineLine(prometheusVersion())}; whole run ${minutes.toFixed(1)} min.`,
    "",
    `One HPA per Deployment, each asking every ${PERIOD_S} s at its own phase (open loop, latency counted from when the request was due);`,
    "half with a Pods metric (`pods/*?labelSelector=app=<deployment>`), half with an Object metric on their Deployment",
    `(\`deployments.apps/<deployment>\`), both \`${METRIC}\` from one rule, \`sum by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>})\`.`,
    `Namespace sizes fall off as 1/rank^0.8, 1–4 pods per Deployment: ${fleetLines.join("; ")}.`,
    `The pods' \`${SERIES}\` gauges in a real Prometheus scraping every 15 s; pods and Deployments in the simulated cluster's Kubernetes API.`,
    `Two \`foresight serve\` processes (compiled), cache ${CACHE_TTL_S} s, in one run, one after the other, each started fresh and left idle ${SETTLE_S} s`,
    "before its load: batching single-object requests (the default, `batchMaxObjects: 1000`) and one query per object",
    "(`batchMaxObjects: 0`, the serving path before batching); the load generator",
    `(bench/hpaLoad.ts) in a process of its own, ${CONNECTIONS} keep-alive HTTPS connections at most, ${WARMUP_S} s of warm-up, then ${MEASURE_S} s measured.`,
    'Prometheus queries: its own count of instant queries (`prometheus_http_requests_total{handler="/api/v1/query"}`) over the measured window;',
    "the adapter's count: its `foresight_rule_queries_total` (batched: a query of a whole namespace). CPU: seconds of CPU over the window",
    "(`process_cpu_seconds_total` of each). Event-loop delay: the adapter's `foresight_nodejs_eventloop_lag_p99_seconds` over the window.",
    "RSS under load: the largest of the adapter's RSS read every second while measured; peak RSS: VmHWM since start (the informers' initial lists);",
    "heap used: the adapter's V8 heap at the end of the window, garbage not yet collected included, with the major (mark-compact) collections",
    "it ran during the window; load average: the machine's, over the last minute of the window.",
    "",
    table(results),
    "",
    ...targets.map((t) => `- ${t}`),
    "",
    ...comparisons,
    "",
    "Pods metrics were already one query per namespace (a wildcard never names pods); batching makes the Object metrics so too.",
    "The machine is shared: Prometheus, both adapters, the simulated Kubernetes API with the exporter, and the load generator run on",
    "its 2 cores, beside other work, so latencies include their contention; the query counts do not depend on it.",
  ].join("\n");
  if (!process.argv.includes("--no-record")) recordSection("serving", section);
  process.stdout.write(`${section}\n`);
  exitOnMissed(
    "serving",
    targets.filter((t) => t.includes("NOT met")),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:serving failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
