/**
 * Runs a real Prometheus (Debian's /usr/bin/prometheus, 2.42) for integration tests: a temp config
 * and data dir, a loopback port, readiness wait, restart on the same port and data, and cleanup
 * that survives a failing or killed test process (test/harness/serverProcess.ts, shared with
 * VictoriaMetrics).
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { instantQuery, startServerProcess, waitForSeries } from "./serverProcess.js";

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
  /**
   * Remote-read endpoints (`remote_read` with read_recent); one nobody answers makes every query
   * answer with the local data and a warning: a partial response.
   */
  readonly remoteReadUrls?: readonly string[];
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

export async function startPrometheus(options: StartPrometheusOptions): Promise<TestPrometheus> {
  const server = await startServerProcess({
    name: "Prometheus",
    binary: options.binary ?? DEFAULT_BINARY,
    tempPrefix: "foresight-prom-",
    readyPath: "/-/ready",
    ...(options.readyTimeoutMs !== undefined && { readyTimeoutMs: options.readyTimeoutMs }),
    prepare: (dir) => writeFile(join(dir, "prometheus.yml"), renderConfig(options)),
    args: (dir, port) => [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--web.enable-lifecycle",
      "--log.level=warn",
      ...(options.extraArgs ?? []),
    ],
  });
  const { url } = server;
  return {
    url,
    port: server.port,
    dataDir: join(server.dir, "data"),
    configFile: join(server.dir, "prometheus.yml"),
    get running() {
      return server.running;
    },
    start: server.start,
    stop: server.stop,
    close: server.close,
    waitForSeries: (selector, minCount = 1, timeoutMs = 15_000) =>
      waitForSeries(
        "Prometheus",
        url,
        selector,
        minCount,
        timeoutMs,
        async () => `; targets: ${await targetHealth(url)}`,
      ),
    query: (q) => instantQuery(url, q),
    stderrTail: server.stderrTail,
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
    ...(options.remoteReadUrls && {
      remote_read: options.remoteReadUrls.map((url) => ({ url, read_recent: true, remote_timeout: "1s" })),
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
