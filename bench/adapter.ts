/**
 * `npm run bench:adapter`: 1,000 pods with DCGM GPU series in a real Prometheus; two `foresight
 * serve` processes side by side (query cache on, and one query per request as prometheus-adapter
 * does); load from autocannon in a second process on the pods-wildcard endpoint an HPA uses.
 * Writes its table into docs/benchmarks.md with the machine and the date.
 */
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { startAdapter, type TestAdapter } from "../test/harness/adapter.js";
import {
  autocannon,
  DEPLOYMENTS_PER_NAMESPACE,
  memoryMiB,
  PODS_PER_DEPLOYMENT,
  prometheusVersion,
  startGpuFleet,
  waitForItems,
} from "./gpuFleet.js";
import { exitOnMissed, machineLine, recordSection } from "./record.js";

const run = promisify(execFile);
const NAMESPACES = 10;
const DURATION_S = Number(process.env.BENCH_DURATION ?? 30);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
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
  const result = await autocannon(url, { connections: CONNECTIONS, seconds: DURATION_S });
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

async function main(): Promise<void> {
  const fleet = await startGpuFleet(NAMESPACES, log);
  const adapters: TestAdapter[] = [];
  try {
    const pods = fleet.pods;
    for (const cacheTTL of ["5s", "0s"]) {
      adapters.push(
        await startAdapter({
          configPath: fleet.writeConfig(`cache-${cacheTTL}`, {
            relistInterval: "1m",
            maxAge: "5m",
            cacheTTL,
          }),
          prometheusUrl: fleet.prometheus.url,
          kubeconfig: fleet.kubeconfig,
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
    for (const adapter of adapters) await waitForItems(adapter, PATH, PODS_PER_DEPLOYMENT);
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
    exitOnMissed(
      "adapter",
      targets.filter((t) => t.includes("NOT met")),
    );
  } finally {
    for (const adapter of adapters) await adapter.stop();
    await fleet.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:adapter failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
