/**
 * `npm run bench:adapter`: 1,000 pods with DCGM GPU series in a real Prometheus; two `foresight
 * serve` processes side by side (query cache on, and one query per request as prometheus-adapter
 * does); load from autocannon in a second process on the pods-wildcard endpoint an HPA uses.
 * Writes its table into docs/benchmarks.md with the machine and the date.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { startKubeFacade } from "../src/sim/index.js";
import { startAdapter, type TestAdapter } from "../test/harness/adapter.js";
import { startTestExporter } from "../test/harness/exporter.js";
import { startPrometheus } from "../test/harness/prometheus.js";
import { machineLine, recordSection } from "./record.js";

const run = promisify(execFile);
const NAMESPACES = 10;
const DEPLOYMENTS_PER_NAMESPACE = 10;
const PODS_PER_DEPLOYMENT = 10;
const DURATION_S = Number(process.env.BENCH_DURATION ?? 30);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROOT = new URL("../", import.meta.url).pathname;
const PATH =
  "/apis/custom.metrics.k8s.io/v1beta2/namespaces/bench-3/pods/%2A/gpu_utilization?labelSelector=app%3Dsvc-4";

interface Load {
  readonly label: string;
  readonly requests: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly idleRssMiB: number;
  readonly rssMiB: number;
  readonly peakRssMiB: number;
}

function log(message: string): void {
  process.stderr.write(`[bench:adapter] ${message}\n`);
}

function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

/** wrk's duration text (`812.00us`, `1.23ms`, `2.01s`) in milliseconds. */
function wrkMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`unexpected wrk latency "${text}"`);
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as "us" | "ms" | "s" | "m"];
  return Number(m[1]) * scale;
}

async function loadWithWrk(
  url: string,
): Promise<Omit<Load, "label" | "rssMiB" | "peakRssMiB" | "idleRssMiB">> {
  const { stdout } = await run(
    "wrk",
    ["-t", "2", "-c", String(CONNECTIONS), "-d", `${DURATION_S}s`, "--latency", url],
    {
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const find = (re: RegExp) => re.exec(stdout)?.[1];
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  return {
    requests: Number(find(/(\d+) requests in/)),
    rps: Number(find(/Requests\/sec:\s+([\d.]+)/)),
    p50: wrkMs(find(/ 50%\s+(\S+)/) ?? ""),
    p99: wrkMs(find(/ 99%\s+(\S+)/) ?? ""),
    errors: socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    non2xx: Number(find(/Non-2xx or 3xx responses: (\d+)/) ?? 0),
  };
}

async function loadWithAutocannon(
  url: string,
): Promise<Omit<Load, "label" | "rssMiB" | "peakRssMiB" | "idleRssMiB">> {
  const { stdout } = await run(
    process.execPath,
    [
      join(ROOT, "node_modules/autocannon/autocannon.js"),
      "-j",
      "-c",
      String(CONNECTIONS),
      "-d",
      String(DURATION_S),
      url,
    ],
    { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_TLS_REJECT_UNAUTHORIZED: "0" } },
  );
  const result = JSON.parse(stdout.trim().split("\n").at(-1) as string) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    errors: number;
    non2xx: number;
  };
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

function haveWrk(): boolean {
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
    return true;
  } catch (err) {
    // wrk --version exits 1 after printing its version; only a missing binary is ENOENT.
    return (err as NodeJS.ErrnoException).code !== "ENOENT";
  }
}

async function load(label: string, adapter: TestAdapter, tool: "wrk" | "autocannon"): Promise<Load> {
  const pid = adapter.process.pid as number;
  const idle = memoryMiB(pid);
  log(`${label}: ${tool}, ${CONNECTIONS} connections for ${DURATION_S} s`);
  const url = `${adapter.url}${PATH}`;
  const result = tool === "wrk" ? await loadWithWrk(url) : await loadWithAutocannon(url);
  const memory = memoryMiB(pid);
  return { label, ...result, idleRssMiB: idle.rss, rssMiB: memory.rss, peakRssMiB: memory.peak };
}

function table(results: readonly Load[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.label} | ${r.requests.toLocaleString("en")} | ${Math.round(r.rps).toLocaleString("en")} | ${r.p50} | ${r.p99} | ${r.errors + r.non2xx} | ${r.idleRssMiB.toFixed(0)} | ${r.peakRssMiB.toFixed(0)} |`,
  );
  return [
    "| adapter | requests | req/s | p50 ms | p99 ms | errors + non-2xx | RSS MiB before load | peak RSS MiB |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
}

function prometheusVersion(): string {
  return (execFileSync("prometheus", ["--version"], { encoding: "utf8" }).split("\n")[0] ?? "").trim();
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "foresight-bench-"));
  const exporter = await startTestExporter();
  const kube = await startKubeFacade();
  let prom: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  const adapters: TestAdapter[] = [];
  try {
    for (let n = 0; n < NAMESPACES; n++) {
      const namespace = `bench-${n}`;
      kube.store.addNamespace(namespace);
      const pods = [];
      for (let d = 0; d < DEPLOYMENTS_PER_NAMESPACE; d++) {
        for (let p = 0; p < PODS_PER_DEPLOYMENT; p++) {
          const pod = `svc-${d}-${p}`;
          pods.push({ pod, util: (n * 7 + d * 3 + p) % 100, fbUsed: 1000 + p });
          kube.store.addPod({ namespace, name: pod, labels: { app: `svc-${d}` } });
        }
      }
      exporter.gpuPods({ namespace, honorLabels: true, pods });
    }
    const pods = NAMESPACES * DEPLOYMENTS_PER_NAMESPACE * PODS_PER_DEPLOYMENT;
    log(`${pods} pods; starting Prometheus`);
    prom = await startPrometheus({ scrapeTargets: [exporter.scrapeTarget()], scrapeInterval: "5s" });
    await prom.waitForSeries("DCGM_FI_DEV_GPU_UTIL", pods, 60_000);
    const kubeconfig = join(dir, "cluster.kubeconfig");
    kube.kubeconfig(kubeconfig);
    const example = parse(readFileSync(join(ROOT, "examples/gpu-dcgm.yaml"), "utf8")) as { rules: unknown[] };
    const configFor = (cacheTTL: string) => {
      const path = join(dir, `cache-${cacheTTL}.yaml`);
      writeFileSync(
        path,
        stringify({ adapter: { relistInterval: "1m", maxAge: "5m", cacheTTL }, rules: example.rules }),
      );
      return path;
    };
    for (const cacheTTL of ["5s", "0s"]) {
      adapters.push(
        await startAdapter({
          configPath: configFor(cacheTTL),
          prometheusUrl: prom.url,
          kubeconfig,
          compiled: true,
          nodeArgs: [
            // As the `foresight` command and `npm start` run it (see the shebang of src/cli/main.ts).
            "--max-semi-space-size=4",
            ...(process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
            ...(process.env.BENCH_PROFILE
              ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
              : []),
          ],
        }),
      );
    }
    for (const adapter of adapters) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const { status, body } = await adapter.get(PATH);
        if (status === 200 && (body as { items: unknown[] }).items.length === PODS_PER_DEPLOYMENT) break;
        if (Date.now() > deadline)
          throw new Error(`adapter not answering: ${status} ${JSON.stringify(body).slice(0, 300)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const tool = haveWrk() ? "wrk" : "autocannon";
    if (tool === "autocannon")
      log("wrk not found (apt-get install wrk): using autocannon, which needs a core of its own");
    const results = [
      await load("cache on (5 s TTL, coalescing)", adapters[0] as TestAdapter, tool),
      await load("one query per request (cache off)", adapters[1] as TestAdapter, tool),
    ];
    const [cached, uncached] = results as [Load, Load];
    const ratio = cached.rps / uncached.rps;
    const targets = [
      `cached ≥ 3,000 req/s: ${cached.rps >= 3000 ? "met" : "NOT met"} (${Math.round(cached.rps)})`,
      `cached p99 ≤ 20 ms: ${cached.p99 <= 20 ? "met" : "NOT met"} (${cached.p99} ms)`,
      `cached ≥ 10× query-per-request: ${ratio >= 10 ? "met" : "NOT met"} (${ratio.toFixed(1)}×)`,
      `RSS ≤ 150 MiB: ${Math.max(cached.peakRssMiB, uncached.peakRssMiB) <= 150 ? "met" : "NOT met"} (peak ${Math.max(cached.peakRssMiB, uncached.peakRssMiB).toFixed(0)} MiB)`,
    ];
    const section = [
      "## Adapter: pods wildcard under load (`npm run bench:adapter`)",
      "",
      `Run ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${machineLine(prometheusVersion())}.`,
      "",
      `${pods.toLocaleString("en")} pods with DCGM GPU series (${NAMESPACES} namespaces × ${DEPLOYMENTS_PER_NAMESPACE} Deployments × ${PODS_PER_DEPLOYMENT} pods) in a real Prometheus scraping every 5 s;`,
      "pods known to the adapter through informers on the simulated cluster's Kubernetes API. Two `foresight serve` processes (compiled, one",
      `Node.js process each) side by side in one run, the rules of \`examples/gpu-dcgm.yaml\`; ${tool} in a second process, ${CONNECTIONS} keep-alive`,
      `HTTPS connections for ${DURATION_S} s each on \`GET ${PATH}\``,
      `(what an HPA on a 10-pod Deployment asks every 15 s; 10 items per answer). Ratio cached / per-request: **${ratio.toFixed(1)}×**.`,
      "",
      table(results),
      "",
      ...targets.map((t) => `- ${t}`),
      "",
      "All three processes (Prometheus, adapter, load generator) share the machine's cores, so the per-request figures include",
      'Prometheus\' own query time under contention; the ratio is the comparable number across machines. "Cache on" is the default config:',
      "identical answers are reused for `adapter.cacheTTL` and concurrent identical work is done once, so nearly every request is",
      'answered from memory. "Cache off" (`cacheTTL: 0s`) computes every answer with its own Prometheus query, as prometheus-adapter',
      "does (without its per-request LIST and name regex).",
    ].join("\n");
    recordSection("adapter", section);
    process.stdout.write(`${section}\n`);
  } finally {
    for (const adapter of adapters) await adapter.stop();
    await prom?.close();
    await kube.close();
    await exporter.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:adapter failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
