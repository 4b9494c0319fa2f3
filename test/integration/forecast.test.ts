/**
 * End to end: a real Prometheus holding four days of a daily-pattern demand series (backfilled
 * with promtool), `foresight serve` with one forecast target, and the HPA's request for
 * `foresight_forecast` over HTTPS. The answer must be the max of the stored quantile path over
 * the next hour, and close to the synthetic pattern's true peak in that hour.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import { windowMax } from "../../src/adapter/forecastMetric/targets.js";
import type { StoredForecast } from "../../src/forecast/store.js";
import { milliValue } from "../../src/k8s/quantity.js";
import { startAdapter, type TestAdapter } from "../harness/adapter.js";
import { backfill, openMetricsGauge } from "../harness/backfill.js";
import { eventually } from "../harness/eventually.js";
import { startPrometheus, type TestPrometheus } from "../harness/prometheus.js";

const E1 = "/apis/external.metrics.k8s.io/v1beta1";
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** The synthetic demand: a daily sine around 100 (amplitude 50) with small deterministic wiggle. */
function demand(tMs: number): number {
  const phase = (2 * Math.PI * (tMs % DAY_MS)) / DAY_MS;
  return 100 + 50 * Math.sin(phase) + 3 * Math.sin(tMs / 437_000);
}

function truePeak(fromMs: number, toMs: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let t = fromMs; t <= toMs; t += 60_000) max = Math.max(max, demand(t));
  return max;
}

interface ExternalList {
  kind: string;
  items: { metricName: string; metricLabels: Record<string, string>; value: string; timestamp: string }[];
}

/** The value as the HPA reads it (milli-units). */
function quantityNumber(text: string): number {
  return Number(milliValue(text)) / 1000;
}

describe("foresight_forecast against a real Prometheus with history", { timeout: 90_000 }, () => {
  let dir: string;
  let prom: TestPrometheus;
  let adapter: TestAdapter;
  let storePath: string;
  let configPath: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "foresight-forecast-it-"));
    prom = await startPrometheus({ scrapeTargets: [] });
    const end = Date.now() - 30_000;
    const samples = [];
    for (let t = end - 4 * DAY_MS; t <= end; t += 60_000) samples.push({ timestampMs: t, value: demand(t) });
    await backfill(prom, openMetricsGauge("demand_rps", { app: "web" }, samples));
    await prom.waitForSeries("demand_rps", 1);
    storePath = join(dir, "forecasts.json");
    configPath = join(dir, "config.yaml");
    writeFileSync(
      configPath,
      stringify({
        prometheus: { timeout: "10s" },
        forecast: {
          storePath,
          maxTrainSeconds: 50,
          targets: [
            {
              name: "web",
              query: "sum(demand_rps)",
              step: "5m",
              history: "4d",
              horizon: "1h",
              quantiles: [0.5, 0.9],
              // Without the neural model, to keep the test fast; selection still runs over these.
              models: ["naive", "seasonal_naive", "holt_winters", "dsp", "mstl"],
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

  it("lists foresight_forecast in the external discovery document", async () => {
    const res = await adapter.get(E1);
    assert.equal(res.status, 200);
    const names = (res.body as { resources: { name: string }[] }).resources.map((r) => r.name);
    assert.ok(names.includes("foresight_forecast"), JSON.stringify(names));
  });

  it("serves the max of the stored p90 path over the next hour, close to the true peak", async () => {
    const path = `${E1}/namespaces/default/foresight_forecast?labelSelector=${encodeURIComponent("target=web,quantile=0.9")}`;
    const deadline = Date.now() + 60_000;
    let res: { status: number; body: unknown };
    for (;;) {
      res = await adapter.get(path);
      if (res.status === 200 || Date.now() > deadline) break;
      assert.equal(res.status, 503, JSON.stringify(res.body));
      await new Promise((r) => setTimeout(r, 500));
    }
    const askedAt = Date.now();
    assert.equal(res.status, 200, `${JSON.stringify(res.body)}\n${adapter.logs().slice(-3000)}`);
    const list = res.body as ExternalList;
    assert.equal(list.kind, "ExternalMetricValueList");
    assert.equal(list.items.length, 1);
    const item = list.items[0] as ExternalList["items"][number];
    assert.deepEqual(item.metricLabels, { target: "web", quantile: "0.9", horizon: "1h" });
    const value = quantityNumber(item.value);

    // The forecast is served from memory as soon as it is made; the snapshot is written just after.
    const stored = await eventually(
      "the forecast in the snapshot",
      () => {
        const snapshot = JSON.parse(readFileSync(storePath, "utf8")) as {
          targets: { target: string; forecast: StoredForecast }[];
        };
        return snapshot.targets.find((t) => t.target === "web")?.forecast;
      },
      { timeoutMs: 10_000, retryErrors: true },
    );
    const p90 = stored.quantiles["0.9"] as number[];
    // The window may have moved by a step between the answer and this check: either edge matches.
    const expected = [askedAt - 2_000, askedAt].map((t) => windowMax(stored, p90, t, HOUR_MS));
    assert.ok(
      expected.some((e) => e !== undefined && Math.abs(e - value) <= Math.max(1e-3, Math.abs(e) * 1e-3)),
      `served ${value}, stored path max ${JSON.stringify(expected)}`,
    );
    const peak = truePeak(askedAt - 5 * 60_000, askedAt + HOUR_MS);
    assert.ok(
      value >= peak - 10 && value <= peak + 30,
      `p90 peak ${value} vs true peak ${peak} (model ${stored.model})`,
    );
  });

  it("answers 404 for a quantile no target serves", async () => {
    const res = await adapter.get(
      `${E1}/namespaces/default/foresight_forecast?labelSelector=${encodeURIComponent("target=web,quantile=0.99")}`,
    );
    assert.equal(res.status, 404);
    assert.match((res.body as { message: string }).message, /served are target=web,quantile=0.5,horizon=1h/);
  });

  it("exports the forecast's self-metrics", async () => {
    const text = await (await fetch(`${adapter.httpUrl}/metrics`)).text();
    assert.match(text, /foresight_forecast_age_seconds\{target="web"\} \d/);
    assert.match(text, /foresight_forecast_last_error\{target="web"\} 0/);
    assert.match(text, /foresight_forecast_runs_total\{target="web",kind="full",outcome="ok"\} 1/);
  });

  it("a restart serves the snapshot at once, even with Prometheus down", async () => {
    await adapter.stop();
    await prom.stop();
    adapter = await startAdapter({ configPath, prometheusUrl: prom.url });
    const res = await adapter.get(
      `${E1}/namespaces/default/foresight_forecast?labelSelector=${encodeURIComponent("target=web")}`,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      (res.body as ExternalList).items.map((i) => i.metricLabels.quantile),
      ["0.5", "0.9"],
    );
  });
});
