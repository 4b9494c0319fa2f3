/**
 * Every MetricsSource implementation against the port's contract (metricsSource.contract.ts):
 * the Prometheus client against a real Prometheus 2.42 with the samples backfilled by promtool,
 * the embedded store's source over an EmbeddedTSDB holding them, and the in-memory double.
 */
import { systemClock } from "../../src/clock.js";
import { prometheusSchema } from "../../src/config/schema.js";
import { EmbeddedSource } from "../../src/metrics/embedded/embeddedSource.js";
import { EmbeddedTSDB } from "../../src/metrics/embedded/tsdb.js";
import { PrometheusSource } from "../../src/metrics/prometheusSource.js";
import { MemorySource } from "../doubles/memorySource.js";
import { backfill, openMetricsSeries } from "../harness/backfill.js";
import { startPrometheus } from "../harness/prometheus.js";
import { type ContractData, metricsSourceContract } from "./metricsSource.contract.js";

metricsSourceContract("in-memory double (test/doubles/memorySource.ts)", async (data) => ({
  source: new MemorySource({ series: data.series }),
}));

metricsSourceContract("embedded store (EmbeddedSource over EmbeddedTSDB)", async (data) => {
  const tsdb = new EmbeddedTSDB();
  for (const s of data.series) {
    for (const [t, v] of s.samples) {
      const status = tsdb.append(s.labels, t, v);
      if (status !== "ok") throw new Error(`append ${JSON.stringify(s.labels)} @${t}: ${status}`);
    }
  }
  return { source: new EmbeddedSource({ tsdb, clock: systemClock }) };
});

metricsSourceContract(
  "Prometheus client against Prometheus 2.42 (PrometheusSource)",
  async (data: ContractData) => {
    const prom = await startPrometheus({ scrapeTargets: [] });
    try {
      await backfill(prom, openMetricsSeries(data.series));
      await waitForBackfill(prom.url, data);
    } catch (err) {
      await prom.close();
      throw err;
    }
    const source = new PrometheusSource({
      config: prometheusSchema.parse({ url: prom.url, timeout: "10s" }),
    });
    return {
      source,
      close: async () => {
        source.close();
        await prom.close();
      },
    };
  },
  { timeoutMs: 90_000 },
);

/** The blocks are loaded once an instant query inside the data sees every series of its minute. */
async function waitForBackfill(url: string, data: ContractData): Promise<void> {
  const at = (data.startMs + 10 * 60_000) / 1000;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(
        `${url}/api/v1/query?${new URLSearchParams({ query: "contract_gauge", time: String(at) })}`,
      );
      const body = (await res.json()) as { data?: { result?: unknown[] } };
      if ((body.data?.result?.length ?? 0) >= 3) return;
    } catch {
      // Not serving yet.
    }
    if (Date.now() > deadline) throw new Error(`the backfilled series are not visible at ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
