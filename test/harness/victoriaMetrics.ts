/**
 * Runs a real single-node VictoriaMetrics (Debian's /usr/bin/victoria-metrics, 1.79) for
 * integration tests, as prometheus.ts runs Prometheus (the process handling is shared:
 * serverProcess.ts). Data goes in through /api/v1/import/prometheus (history with timestamps,
 * `importSeries`) or Prometheus remote write at /api/v1/write (remoteWrite.ts works as is).
 *
 * Flags every test wants: -search.latencyOffset=0 (by default the newest 30 s are hidden from
 * queries), -search.disableCache (the rollup cache would keep answering from before a backfill
 * into the past), a retention long enough for any backfill, and errors-only logging.
 */
import { prometheusTextSeries } from "./backfill.js";
import { instantQuery, missingBinary, startServerProcess, waitForSeries } from "./serverProcess.js";

export const VICTORIA_METRICS_BINARY = "/usr/bin/victoria-metrics";

/** Why a VictoriaMetrics test skips here (the binary is missing), or undefined when it can run. */
export function victoriaMetricsMissing(binary = VICTORIA_METRICS_BINARY): string | undefined {
  return missingBinary(binary, "victoria-metrics");
}

export interface StartVictoriaMetricsOptions {
  /** More flags, e.g. `-search.maxSamplesPerQuery=1000`; a flag given here wins over the defaults. */
  readonly extraArgs?: readonly string[];
  readonly binary?: string;
  /** How long to wait for /health; default 30 s. */
  readonly readyTimeoutMs?: number;
}

export interface ImportSeries {
  /** Including `__name__`. */
  readonly labels: Readonly<Record<string, string>>;
  /** [unix ms, value], ascending. */
  readonly samples: ReadonlyArray<readonly [number, number]>;
}

export interface TestVictoriaMetrics {
  /** `http://127.0.0.1:<port>`: the Prometheus API is under /api/v1. */
  readonly url: string;
  readonly port: number;
  readonly running: boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
  /** Writes the samples through /api/v1/import/prometheus and flushes them, so queries see them at once. */
  importSeries(series: readonly ImportSeries[]): Promise<void>;
  /** Makes samples written by remote write searchable now (/internal/force_flush). */
  flush(): Promise<void>;
  waitForSeries(selector: string, minCount?: number, timeoutMs?: number): Promise<number>;
  query(q: string, params?: Readonly<Record<string, string>>): ReturnType<typeof instantQuery>;
  stderrTail(): string;
}

const DEFAULT_FLAGS: Readonly<Record<string, string>> = {
  "-retentionPeriod": "100y",
  "-search.latencyOffset": "0",
  "-search.disableCache": "true",
  "-loggerLevel": "ERROR",
};

export async function startVictoriaMetrics(
  options: StartVictoriaMetricsOptions = {},
): Promise<TestVictoriaMetrics> {
  const given = new Set((options.extraArgs ?? []).map((a) => a.split("=")[0]));
  const defaults = Object.entries(DEFAULT_FLAGS)
    .filter(([flag]) => !given.has(flag))
    .map(([flag, value]) => `${flag}=${value}`);
  const server = await startServerProcess({
    name: "VictoriaMetrics",
    binary: options.binary ?? VICTORIA_METRICS_BINARY,
    tempPrefix: "foresight-vm-",
    readyPath: "/health",
    ...(options.readyTimeoutMs !== undefined && { readyTimeoutMs: options.readyTimeoutMs }),
    args: (dir, port) => [
      `-storageDataPath=${dir}/data`,
      `-httpListenAddr=127.0.0.1:${port}`,
      ...defaults,
      ...(options.extraArgs ?? []),
    ],
  });
  const { url } = server;
  const flush = async () => {
    const res = await fetch(`${url}/internal/force_flush`, { signal: AbortSignal.timeout(10_000) });
    await res.body?.cancel();
    if (res.status !== 200) throw new Error(`VictoriaMetrics force_flush answered ${res.status}`);
  };
  return {
    url,
    port: server.port,
    get running() {
      return server.running;
    },
    start: server.start,
    stop: server.stop,
    close: server.close,
    flush,
    async importSeries(series) {
      const res = await fetch(`${url}/api/v1/import/prometheus`, {
        method: "POST",
        body: prometheusTextSeries(series),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      if (res.status !== 204 && res.status !== 200)
        throw new Error(`VictoriaMetrics refused the import (${res.status}): ${text.slice(0, 500)}`);
      await flush();
    },
    waitForSeries: (selector, minCount = 1, timeoutMs = 15_000) =>
      waitForSeries("VictoriaMetrics", url, selector, minCount, timeoutMs, async () => {
        const tail = server.stderrTail().trim();
        return tail ? `; stderr: ${tail.slice(-1000)}` : "";
      }),
    query: (q, params) => instantQuery(url, q, params),
    stderrTail: server.stderrTail,
  };
}
