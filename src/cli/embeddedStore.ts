/**
 * Composition of the embedded metrics store for `foresight serve` without `prometheus.url`: the
 * TSDB, a scraper of the configured static targets and (with a Kubernetes connection) of pods
 * annotated `prometheus.io/scrape`, periodic expiry, and the PromQL MetricsSource over it.
 */
import type { Clock } from "../clock.js";
import type { EmbeddedConfig } from "../config/schema.js";
import type { KubeConfigChoice } from "../kube/kubeconfig.js";
import { EmbeddedSource } from "../metrics/embedded/embeddedSource.js";
import { kubePodLister } from "../metrics/embedded/kubePodLister.js";
import { Scraper, systemIntervalTimers } from "../metrics/embedded/scraper.js";
import { EmbeddedTSDB } from "../metrics/embedded/tsdb.js";
import type { Logger } from "../telemetry/logger.js";

export interface EmbeddedStore {
  readonly source: EmbeddedSource;
  readonly tsdb: EmbeddedTSDB;
  start(): void;
  stop(): Promise<void>;
}

export function createEmbeddedStore(deps: {
  readonly config: EmbeddedConfig;
  readonly kube: KubeConfigChoice | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
}): EmbeddedStore {
  const { config, kube, clock, logger } = deps;
  const log = logger.child({ component: "embedded-store" });
  const tsdb = new EmbeddedTSDB({ retentionMs: config.retention, maxSeries: config.maxSeries });
  const scraper = new Scraper({
    store: tsdb,
    clock,
    timers: systemIntervalTimers,
    staticTargets: config.staticTargets.map((t) => ({
      url: t.url,
      ...(t.job !== undefined ? { job: t.job } : {}),
      ...(t.labels !== undefined ? { labels: t.labels } : {}),
      ...(t.interval !== undefined ? { intervalMs: t.interval } : {}),
      ...(t.honorLabels !== undefined ? { honorLabels: t.honorLabels } : {}),
    })),
    ...(kube && config.kubernetesPods ? { pods: { lister: kubePodLister(kube.kubeConfig) } } : {}),
    defaults: { intervalMs: config.scrapeInterval, timeoutMs: config.scrapeTimeout },
    onScrape: (r) => {
      if (!r.ok) log.debug({ target: r.target.url, err: r.error }, "scrape failed");
    },
    onDiscoveryError: (err) => log.warn({ err: err.message }, "listing pods to scrape failed"),
  });
  let gc: NodeJS.Timeout | undefined;
  return {
    source: new EmbeddedSource({ tsdb, clock }),
    tsdb,
    start() {
      void scraper.start();
      gc = setInterval(() => tsdb.gc(clock.now()), 60_000);
      gc.unref();
      log.info(
        { staticTargets: config.staticTargets.length, pods: Boolean(kube && config.kubernetesPods) },
        "no prometheus.url: serving from the embedded metrics store",
      );
    },
    async stop() {
      clearInterval(gc);
      await scraper.stop();
    },
  };
}
