/**
 * A metrics server run as a child process for integration tests (Prometheus, VictoriaMetrics): a
 * temp dir, a loopback port, a readiness probe, restart on the same port and data, and cleanup
 * that survives a failing or killed test process (exit hook plus a watchdog that kills the server
 * when our end of its stdin pipe closes, which happens even on SIGKILL).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.js";

export interface ServerProcessOptions {
  /** Names the server in errors ("Prometheus", "VictoriaMetrics"). */
  readonly name: string;
  readonly binary: string;
  /** Prefix of the temp dir's name. */
  readonly tempPrefix: string;
  /** The arguments, given the temp dir and the port chosen. */
  args(dir: string, port: number): readonly string[];
  /** Path answering 200 when the server is ready (`/-/ready`, `/health`). */
  readonly readyPath: string;
  /** How long to wait for it; default 30 s. */
  readonly readyTimeoutMs?: number;
  /** Written into the temp dir before the first start (a config file). */
  prepare?(dir: string): Promise<void>;
}

export interface ServerProcess {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The temp dir (removed by close()). */
  readonly dir: string;
  readonly running: boolean;
  /** Stops the process (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts again on the same port and data, and waits until ready. */
  start(): Promise<void>;
  /** Stops and removes the temp dir. */
  close(): Promise<void>;
  /** Last lines the server wrote to stderr. */
  stderrTail(): string;
}

const STDERR_TAIL_BYTES = 8_000;

/** The reason a test skips when `binary` is not installed, naming the Debian package; undefined when it is. */
export function missingBinary(binary: string, debianPackage: string): string | undefined {
  return existsSync(binary) ? undefined : `${binary} is not installed (apt-get install ${debianPackage})`;
}

export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const { name, binary } = options;
  const dir = await mkdtemp(join(tmpdir(), options.tempPrefix));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = options.args(dir, port);
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
      await Promise.race([waitReady(), spawnError]);
    } catch (err) {
      await stop();
      throw err;
    }
  };

  const waitReady = async (): Promise<void> => {
    const proc = child as ChildProcess;
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(
          `${name} exited (${proc.exitCode ?? proc.signalCode}) before becoming ready; stderr:\n${stderr}`,
        );
      }
      try {
        const res = await fetch(`${url}${options.readyPath}`, { signal: AbortSignal.timeout(1_000) });
        await res.body?.cancel();
        if (res.status === 200) return;
      } catch {
        // Not listening yet.
      }
      await sleep(100);
    }
    throw new Error(`${name} at ${url} not ready after ${readyTimeoutMs} ms; stderr:\n${stderr}`);
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

  try {
    await options.prepare?.(dir);
    await start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    port,
    dir,
    get running() {
      return child !== undefined;
    },
    start,
    stop,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    stderrTail: () => stderr,
  };
}

/**
 * A shell that blocks reading a pipe from us; when the pipe closes (we exited, however), it sends
 * SIGTERM to the server (SIGKILL after 10 s) and removes the temp dir. `read` is a shell builtin,
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

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The `data` of an instant query at `url` (throws on an error answer). */
export async function instantQuery(
  url: string,
  query: string,
  params: Readonly<Record<string, string>> = {},
): Promise<{ readonly resultType: string; readonly result: unknown }> {
  const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query, ...params })}`, {
    signal: AbortSignal.timeout(5_000),
  });
  const body = (await res.json()) as {
    status: string;
    data: { resultType: string; result: unknown };
    error?: string;
  };
  if (body.status !== "success") throw new Error(`query ${query} failed: ${body.error ?? res.status}`);
  return body.data;
}

/** Polls `query` until it returns at least `minCount` series; returns the count. */
export async function waitForSeries(
  name: string,
  url: string,
  selector: string,
  minCount: number,
  timeoutMs: number,
  diagnose: () => Promise<string> = async () => "",
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let count = 0;
  let lastError = "";
  while (Date.now() < deadline) {
    try {
      const data = await instantQuery(url, selector);
      count = Array.isArray(data.result) ? data.result.length : 0;
      if (count >= minCount) return count;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await sleep(200);
  }
  throw new Error(
    `${name} at ${url} has ${count} series for ${selector} after ${timeoutMs} ms (wanted ${minCount})` +
      `${lastError ? `; last error: ${lastError}` : ""}${await diagnose()}`,
  );
}
