/**
 * The GPU fleet the adapter benchmarks run against (bench:adapter, bench:soak): `namespaces` × 10
 * Deployments × 10 pods with DCGM series from the test exporter, a real Prometheus scraping them
 * every 5 s, the pods in the simulated cluster's Kubernetes API, and helpers to write a config,
 * wait for an adapter's first full answer, and read a process's memory.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { type KubeFacade, startKubeFacade } from "../src/demo/kube/index.js";
import type { TestAdapter } from "../test/harness/adapter.js";
import { startTestExporter } from "../test/harness/exporter.js";
import { startPrometheus, type TestPrometheus } from "../test/harness/prometheus.js";

export const ROOT = new URL("../", import.meta.url).pathname;
export const DEPLOYMENTS_PER_NAMESPACE = 10;
export const PODS_PER_DEPLOYMENT = 10;

export interface GpuFleet {
  readonly pods: number;
  readonly kube: KubeFacade;
  readonly prometheus: TestPrometheus;
  readonly kubeconfig: string;
  /** Writes a config with the rules of examples/gpu-dcgm.yaml and this `adapter:` section; returns its path. */
  writeConfig(name: string, adapter: Record<string, unknown>): string;
  close(): Promise<void>;
}

export async function startGpuFleet(namespaces: number, log: (message: string) => void): Promise<GpuFleet> {
  const dir = mkdtempSync(join(tmpdir(), "foresight-bench-"));
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
    for (let n = 0; n < namespaces; n++) {
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
    const pods = namespaces * DEPLOYMENTS_PER_NAMESPACE * PODS_PER_DEPLOYMENT;
    log(`${pods} pods; starting Prometheus`);
    prometheus = await startPrometheus({ scrapeTargets: [exporter.scrapeTarget()], scrapeInterval: "5s" });
    await prometheus.waitForSeries("DCGM_FI_DEV_GPU_UTIL", pods, 60_000);
    const kubeconfig = join(dir, "cluster.kubeconfig");
    kube.kubeconfig(kubeconfig);
    const example = parse(readFileSync(join(ROOT, "examples/gpu-dcgm.yaml"), "utf8")) as { rules: unknown[] };
    const started = prometheus;
    return {
      pods,
      kube,
      prometheus: started,
      kubeconfig,
      writeConfig(name, adapter) {
        const path = join(dir, `${name}.yaml`);
        writeFileSync(path, stringify({ adapter, rules: example.rules }));
        return path;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Polls `path` until the adapter answers 200 with `items` items (a minute at most). */
export async function waitForItems(adapter: TestAdapter, path: string, items: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { status, body } = await adapter.get(path);
    if (status === 200 && (body as { items: unknown[] }).items.length === items) return;
    if (Date.now() > deadline)
      throw new Error(`adapter not answering: ${status} ${JSON.stringify(body).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** VmRSS and VmHWM (peak) of a process, in MiB. */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

export function prometheusVersion(): string {
  return (execFileSync("prometheus", ["--version"], { encoding: "utf8" }).split("\n")[0] ?? "").trim();
}

/** The parts of autocannon's `-j` report the benchmarks read. */
export interface AutocannonReport {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly "2xx": number;
}

/**
 * autocannon in its own process (in ours it would share the event loop with the samplers), over
 * keep-alive HTTPS to the adapter's self-signed certificate; `rate` caps the overall req/s.
 */
export async function autocannon(
  url: string,
  load: { readonly connections: number; readonly seconds: number; readonly rate?: number },
): Promise<AutocannonReport> {
  const args = [join(ROOT, "node_modules/autocannon/autocannon.js"), "-j", "-c", String(load.connections)];
  if (load.rate !== undefined) args.push("-R", String(load.rate));
  args.push("-d", String(load.seconds), url);
  const { stdout } = await promisify(execFile)(process.execPath, args, {
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NODE_TLS_REJECT_UNAUTHORIZED: "0" },
  });
  return JSON.parse(stdout.trim().split("\n").at(-1) as string) as AutocannonReport;
}
