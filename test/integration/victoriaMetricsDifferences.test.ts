/**
 * What docs/backends.md says VictoriaMetrics 1.79 does differently from Prometheus 2.42, checked on
 * both real servers holding the same samples, so the page cannot drift from what they do. Each case
 * asks both servers the same question through the client Foresight uses (PrometheusSource) or
 * through their HTTP API where the client would hide the difference. Skipped without Debian's
 * victoria-metrics.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { prometheusSchema } from "../../src/config/schema.js";
import { PrometheusSource } from "../../src/metrics/prometheusSource.js";
import type { MetricsSourceError } from "../../src/metrics/source.js";
import { backfill, openMetricsSeries } from "../harness/backfill.js";
import { startPrometheus, type TestPrometheus } from "../harness/prometheus.js";
import {
  startVictoriaMetrics,
  type TestVictoriaMetrics,
  victoriaMetricsMissing,
} from "../harness/victoriaMetrics.js";

const MIN = 60_000;

describe("VictoriaMetrics 1.79 beside Prometheus 2.42 (docs/backends.md)", {
  timeout: 90_000,
  skip: victoriaMetricsMissing(),
}, () => {
  let prom: TestPrometheus;
  let vm: TestVictoriaMetrics;
  let vmOffset: TestVictoriaMetrics;
  let promSource: PrometheusSource;
  let vmSource: PrometheusSource;
  const now = Math.floor(Date.now() / MIN) * MIN;
  /** `stopped` has 15 s samples for 30 minutes, the last one here. */
  const stopAt = now - 20 * MIN;

  before(async () => {
    const stopped: [number, number][] = [];
    for (let t = stopAt - 30 * MIN; t <= stopAt; t += 15_000) stopped.push([t, 1]);
    const wide: Record<string, string> = { __name__: "wide" };
    for (let i = 0; i < 35; i++) wide[`l${String(i).padStart(2, "0")}`] = "x";
    const series = [
      { labels: { __name__: "stopped" }, samples: stopped },
      { labels: wide, samples: [[now - MIN, 1]] as [number, number][] },
    ];
    prom = await startPrometheus({ scrapeTargets: [] });
    vm = await startVictoriaMetrics();
    vmOffset = await startVictoriaMetrics({ extraArgs: ["-search.latencyOffset=30s"] });
    await backfill(prom, openMetricsSeries(series));
    await prom.waitForSeries("stopped", 0);
    await vm.importSeries(series);
    await vmOffset.importSeries([{ labels: { __name__: "fresh" }, samples: [[Date.now() - 10_000, 1]] }]);
    promSource = new PrometheusSource({ config: prometheusSchema.parse({ url: prom.url }) });
    vmSource = new PrometheusSource({ config: prometheusSchema.parse({ url: vm.url }) });
  });

  after(async () => {
    promSource?.close();
    vmSource?.close();
    await prom?.close();
    await vm?.close();
    await vmOffset?.close();
  });

  it("hides samples younger than -search.latencyOffset (30 s by default)", async () => {
    const vmDefault = new PrometheusSource({ config: prometheusSchema.parse({ url: vmOffset.url }) });
    try {
      const result = await vmDefault.instant("fresh");
      assert.deepEqual(result.type === "vector" && result.samples, [], "a sample 10 s old");
    } finally {
      vmDefault.close();
    }
  });

  it("answers a scalar expression as a vector of one sample, and NaN with no sample", async () => {
    const at = new Date(now);
    assert.equal((await promSource.instant("2 * 3", at)).type, "scalar");
    const six = await vmSource.instant("2 * 3", at);
    assert.deepEqual(six.type === "vector" && six.samples.map((s) => [s.labels, s.value]), [[{}, 6]]);
    const nan = await promSource.instant("vector(0) / 0", at);
    assert.ok(nan.type === "vector" && nan.samples.length === 1 && Number.isNaN(nan.samples[0]?.value));
    const vmNan = await vmSource.instant("vector(0) / 0", at);
    assert.equal(vmNan.type === "vector" && vmNan.samples.length, 0);
  });

  it("holds a stopped series 5 minutes in an instant query, as Prometheus does", async () => {
    for (const source of [promSource, vmSource]) {
      const at290 = await source.instant("stopped", new Date(stopAt + 290_000));
      const at310 = await source.instant("stopped", new Date(stopAt + 310_000));
      assert.equal(at290.type === "vector" && at290.samples.length, 1);
      assert.equal(at310.type === "vector" && at310.samples.length, 0);
    }
  });

  it("holds a stopped series about a step in a range query, where Prometheus holds it 5 minutes", async () => {
    const lastAfterStop = async (source: PrometheusSource, step: number) => {
      const series = await source.range("stopped", new Date(stopAt - MIN), new Date(stopAt + 10 * MIN), step);
      const after = (series[0]?.points ?? []).filter(([t]) => t > stopAt).map(([t]) => (t - stopAt) / 1000);
      return after.at(-1);
    };
    assert.deepEqual(
      [
        await lastAfterStop(promSource, 15),
        await lastAfterStop(promSource, 60),
        await lastAfterStop(promSource, 300),
      ],
      [300, 300, 240],
    );
    assert.deepEqual(
      [
        await lastAfterStop(vmSource, 15),
        await lastAfterStop(vmSource, 60),
        await lastAfterStop(vmSource, 300),
      ],
      [15, undefined, 240],
    );
  });

  it("answers rate() without a window and a matcher that matches the empty string, which Prometheus refuses", async () => {
    const at = new Date(stopAt);
    for (const query of ["rate(stopped)", '{job=~".*"}']) {
      await assert.rejects(promSource.instant(query, at), (err: MetricsSourceError) => err.kind === "query");
      const answer = await vmSource.instant(query, at);
      assert.equal(answer.type, "vector", query);
    }
  });

  it("refuses its errors with 422, read as query errors", async () => {
    await assert.rejects(vmSource.instant("sum("), (err: MetricsSourceError) => {
      assert.equal(err.kind, "query");
      assert.match(err.message, /rejected by the server \(422\)/);
      return true;
    });
  });

  it("keeps 30 labels of a series written with 35 (-maxLabelsPerTimeseries)", async () => {
    const data = await vm.query("wide", { time: String((now - 30_000) / 1000) });
    const labels = (data.result as { metric: Record<string, string> }[])[0]?.metric ?? {};
    assert.equal(Object.keys(labels).length, 30);
    const kept = await prom.query(`wide`);
    assert.equal(Array.isArray(kept.result) && kept.result.length, 1);
  });

  it("lists series with samples on the same day but outside the window asked", async (t) => {
    const window = [new Date(stopAt + 5 * MIN), new Date(stopAt + 10 * MIN)] as const;
    const day = (d: Date) => d.toISOString().slice(0, 10);
    if (day(window[1]) !== day(new Date(stopAt))) {
      t.skip("the window is on the next UTC day: VictoriaMetrics indexes series by day");
      return;
    }
    assert.deepEqual(await promSource.series(["stopped"], ...window), []);
    assert.deepEqual(await vmSource.series(["stopped"], ...window), [{ __name__: "stopped" }]);
  });
});
