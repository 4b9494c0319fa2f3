/**
 * End to end, cold start: a real Prometheus holding only 90 minutes of a new workload's demand,
 * `foresight serve` with one forecast target on its default models, and the HPA's request for
 * `foresight_forecast`. The global model (pretrained network shipped in models/global) must serve
 * it, and the snapshot must say which model serves and why.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import type { StoredForecast } from "../../src/forecast/store.js";
import { startAdapter, type TestAdapter } from "../harness/adapter.js";
import { backfill, openMetricsGauge } from "../harness/backfill.js";
import { startPrometheus, type TestPrometheus } from "../harness/prometheus.js";

const E1 = "/apis/external.metrics.k8s.io/v1beta1";
const MINUTE_MS = 60_000;

describe("foresight_forecast for a workload with 90 minutes of history", { timeout: 120_000 }, () => {
  let dir: string;
  let prom: TestPrometheus;
  let adapter: TestAdapter;
  let storePath: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "foresight-coldstart-it-"));
    prom = await startPrometheus({ scrapeTargets: [] });
    const end = Date.now() - 30_000;
    const samples = [];
    for (let t = end - 90 * MINUTE_MS; t <= end; t += MINUTE_MS)
      samples.push({ timestampMs: t, value: 200 + 20 * Math.sin(t / 1_800_000) });
    await backfill(prom, openMetricsGauge("new_rps", { app: "new" }, samples));
    await prom.waitForSeries("new_rps", 1);
    storePath = join(dir, "forecasts.json");
    const configPath = join(dir, "config.yaml");
    writeFileSync(
      configPath,
      stringify({
        prometheus: { timeout: "10s" },
        forecast: {
          storePath,
          maxTrainSeconds: 60,
          targets: [
            {
              name: "new",
              query: "sum(new_rps)",
              step: "5m",
              history: "1d",
              horizon: "1h",
              quantiles: [0.5, 0.9],
              // The default candidates but the per-series neural model (it needs 2 days anyway).
              models: ["naive", "seasonal_naive", "holt_winters", "dsp", "mstl", "global"],
            },
          ],
        },
      }),
    );
    adapter = await startAdapter({ configPath, prometheusUrl: prom.url });
  });

  after(async () => {
    await adapter?.stop();
    await prom?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("serves the global model's forecast and records which model serves and why", async () => {
    const path = `${E1}/namespaces/default/foresight_forecast?labelSelector=${encodeURIComponent("target=new,quantile=0.9")}`;
    const deadline = Date.now() + 90_000;
    let res: { status: number; body: unknown };
    for (;;) {
      res = await adapter.get(path);
      if (res.status === 200 || Date.now() > deadline) break;
      assert.equal(res.status, 503, JSON.stringify(res.body));
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(res.status, 200, `${JSON.stringify(res.body)}\n${adapter.logs().slice(-3000)}`);
    // The snapshot is written just after the run that answered: wait for it.
    let stored: StoredForecast | undefined;
    while (!stored && Date.now() < deadline + 10_000) {
      try {
        const snapshot = JSON.parse(readFileSync(storePath, "utf8")) as {
          targets: { target: string; forecast?: StoredForecast }[];
        };
        stored = snapshot.targets.find((t) => t.target === "new")?.forecast;
      } catch {
        // Not written yet.
      }
      if (!stored) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(stored, "the forecast is in the snapshot");
    assert.equal(stored.model, "global");
    assert.match(
      stored.servedBecause ?? "",
      /^global \(pretrained\): 1 h of history, too little to backtest; 2 days needed for seasonal_naive, holt_winters, dsp, mstl$/,
    );
    const p90 = stored.quantiles["0.9"] as number[];
    assert.ok(
      p90.every((v) => v > 100 && v < 400),
      `a p90 path near the demand's level: ${p90.join(", ")}`,
    );
    await adapter.waitForLog(/"servedBecause":"global \(pretrained\)/);
  });
});
