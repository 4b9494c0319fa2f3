/**
 * Runs a real Prometheus (Debian's /usr/bin/prometheus, 2.42) for integration tests: a temp config
 * and data dir, a loopback port, readiness wait, restart on the same port and data, and cleanup
 * that survives a failing or killed test process (exit hook plus a watchdog that kills Prometheus
 * when our end of its stdin pipe closes, which happens even on SIGKILL).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort } from "./ports.js";

export interface ScrapeTarget {
  /** `http://host:port/path` (scheme and path are used), or give `target` instead. */
  readonly url?: string;
  /** `host:port`, scraped at /metrics over http. */
  readonly target?: string;
  /** prometheus `honor_labels`; default false, as in Prometheus. */
  readonly honorLabels?: boolean;
  /** Target labels (static_configs labels); clashing exposed labels become exported_* unless honorLabels. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Per-target scrape interval; default the global one. */
  readonly scrapeInterval?: string;
  /** Default `target-<index>`. */
  readonly jobName?: string;
}

export interface StartPrometheusOptions {
  readonly scrapeTargets: readonly ScrapeTarget[];
  /** Default "1s". */
  readonly scrapeInterval?: string;
  /** Default "1s". */
  readonly evaluationInterval?: string;
  /** Default /usr/bin/prometheus. */
  readonly binary?: string;
  readonly extraArgs?: readonly string[];
  /** How long to wait for /-/ready; default 30 s. */
  readonly readyTimeoutMs?: number;
}

export interface TestPrometheus {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly configFile: string;
  readonly running: boolean;
  /** Stops the process (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts again on the same port and data dir, and waits until ready. */
  start(): Promise<void>;
  /** Stops and removes the temp dir. */
  close(): Promise<void>;
  /** Waits until the instant query `selector` returns at least `minCount` series; returns the count. */
  waitForSeries(selector: string, minCount?: number, timeoutMs?: number): Promise<number>;
  /** The `data` of an instant query (throws on an error answer). */
  query(q: string): Promise<PromData>;
  /** Last lines Prometheus wrote to stderr. */
  stderrTail(): string;
}

export interface PromData {
  readonly resultType: string;
  readonly result: unknown;
}

const DEFAULT_BINARY = "/usr/bin/prometheus";
const STDERR_TAIL_BYTES = 8_000;

export async function startPrometheus(options: StartPrometheusOptions): Promise<TestPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), "foresight-prom-"));
  const dataDir = join(dir, "data");
  const configFile = join(dir, "prometheus.yml");
  await writeFile(configFile, renderConfig(options));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${dataDir}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--web.enable-lifecycle",
    "--log.level=warn",
    ...(options.extraArgs ?? []),
  ];
  const binary = options.binary ?? DEFAULT_BINARY;
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;

  let child: ChildProcess | undefined;
  let watchdog: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stderr = "";
  const killOnExit = () => {
    child?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };

  const start = async (): Promise<void> => {
    if (child) return;
    stderr = "";
    const proc = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
    child = proc;
    // "close" also fires when the spawn itself failed (no "exit" then).
    exited = new Promise((resolve) => proc.once("close", () => resolve()));
    // Unreferenced: a test that forgets close() must not keep its process alive; the exit hook kills it.
    proc.unref();
    (proc.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    proc.stderr?.setEncoding("utf8");
    proc.stderr?.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
    });
    const spawnError = new Promise<never>((_, reject) => {
      proc.once("error", (err) => reject(new Error(`cannot run ${binary}: ${err.message}`)));
    });
    void spawnError.catch(() => undefined);
    process.once("exit", killOnExit);
    if (proc.pid !== undefined) watchdog = startWatchdog(proc.pid, dir);
    try {
      await Promise.race([waitReady(url, proc, readyTimeoutMs, () => stderr), spawnError]);
    } catch (err) {
      await stop();
      throw err;
    }
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    if (!proc) return;
    watchdog?.kill("SIGKILL");
    watchdog = undefined;
    if (proc.pid !== undefined && proc.exitCode === null && proc.signalCode === null) {
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    process.removeListener("exit", killOnExit);
    child = undefined;
  };

  const query = async (q: string): Promise<PromData> => {
    const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: q })}`, {
      signal: AbortSignal.timeout(5_000),
    });
    const body = (await res.json()) as { status: string; data: PromData; error?: string };
    if (body.status !== "success") throw new Error(`query ${q} failed: ${body.error ?? res.status}`);
    return body.data;
  };

  const waitForSeries = async (selector: string, minCount = 1, timeoutMs = 15_000): Promise<number> => {
    const deadline = Date.now() + timeoutMs;
    let count = 0;
    let lastError = "";
    while (Date.now() < deadline) {
      try {
        const data = await query(selector);
        count = Array.isArray(data.result) ? data.result.length : 0;
        if (count >= minCount) return count;
      } catch (err) {
        lastError = (err as Error).message;
      }
      await sleep(200);
    }
    throw new Error(
      `Prometheus at ${url} has ${count} series for ${selector} after ${timeoutMs} ms (wanted ${minCount})` +
        `${lastError ? `; last error: ${lastError}` : ""}; targets: ${await targetHealth(url)}`,
    );
  };

  try {
    await start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    port,
    dataDir,
    configFile,
    get running() {
      return child !== undefined;
    },
    start,
    stop,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    waitForSeries,
    query,
    stderrTail: () => stderr,
  };
}

function renderConfig(options: StartPrometheusOptions): string {
  const interval = options.scrapeInterval ?? "1s";
  return stringify({
    global: {
      scrape_interval: interval,
      scrape_timeout: interval,
      evaluation_interval: options.evaluationInterval ?? "1s",
    },
    scrape_configs: options.scrapeTargets.map((t, i) => {
      const where = parseTarget(t);
      const every = t.scrapeInterval ?? interval;
      return {
        job_name: t.jobName ?? `target-${i}`,
        honor_labels: t.honorLabels ?? false,
        scrape_interval: every,
        // Must not exceed the interval (the global default of 10s would be refused at 1s).
        scrape_timeout: every,
        scheme: where.scheme,
        metrics_path: where.path,
        static_configs: [{ targets: [where.hostPort], labels: { ...t.labels } }],
      };
    }),
  });
}

function parseTarget(t: ScrapeTarget): { scheme: string; hostPort: string; path: string } {
  if (t.url !== undefined) {
    const u = new URL(t.url);
    return { scheme: u.protocol.replace(":", ""), hostPort: u.host, path: u.pathname || "/metrics" };
  }
  if (t.target !== undefined) return { scheme: "http", hostPort: t.target, path: "/metrics" };
  throw new Error("scrape target needs url or target");
}

async function waitReady(
  url: string,
  proc: ChildProcess,
  timeoutMs: number,
  tail: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(
        `Prometheus exited (${proc.exitCode ?? proc.signalCode}) before becoming ready; stderr:\n${tail()}`,
      );
    }
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
      await res.body?.cancel();
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new Error(`Prometheus at ${url} not ready after ${timeoutMs} ms; stderr:\n${tail()}`);
}

/**
 * A shell that blocks reading a pipe from us; when the pipe closes (we exited, however), it sends
 * SIGTERM to Prometheus (SIGKILL after 10 s) and removes the temp dir. `read` is a shell builtin,
 * so SIGKILLing the shell on a normal stop leaves nothing behind.
 */
function startWatchdog(pid: number, dir: string): ChildProcess {
  const script = [
    "while read -r _; do :; done",
    'kill -TERM "$1" 2>/dev/null',
    'n=0; while kill -0 "$1" 2>/dev/null && [ $n -lt 100 ]; do sleep 0.1; n=$((n+1)); done',
    'kill -0 "$1" 2>/dev/null && kill -KILL "$1"',
    'rm -rf "$2"',
  ].join("; ");
  const watchdog = spawn("sh", ["-c", script, "watchdog", String(pid), dir], {
    stdio: ["pipe", "ignore", "ignore"],
  });
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return watchdog;
}

async function targetHealth(url: string): Promise<string> {
  try {
    const res = await fetch(`${url}/api/v1/targets`, { signal: AbortSignal.timeout(2_000) });
    const body = (await res.json()) as {
      data: { activeTargets: Array<{ scrapeUrl: string; health: string; lastError: string }> };
    };
    return body.data.activeTargets
      .map((t) => `${t.scrapeUrl} ${t.health}${t.lastError ? ` (${t.lastError})` : ""}`)
      .join("; ");
  } catch (err) {
    return `unknown (${(err as Error).message})`;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
