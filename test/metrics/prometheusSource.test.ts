/**
 * PrometheusSource against a real Prometheus 2.42 scraping the test exporter every second.
 * (Wire-level behaviour against hand-made answers is in prometheusSourceHttp.test.ts.)
 */
import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { prometheusSchema } from "../../src/config/schema.js";
import { PrometheusSource, type QueryEvent } from "../../src/metrics/prometheusSource.js";
import type { Sample } from "../../src/metrics/source.js";
import { startTestExporter, type TestExporter } from "../harness/exporter.js";
import { startPrometheus, type TestPrometheus } from "../harness/prometheus.js";
import { rejectsWith } from "./checks.js";

function source(url: string, extra: Record<string, unknown> = {}, events?: QueryEvent[]): PrometheusSource {
  return new PrometheusSource({
    config: prometheusSchema.parse({ url, timeout: "5s", ...extra }),
    ...(events && { metrics: { onQuery: (e: QueryEvent) => events.push(e) } }),
  });
}

const byPod = (a: Sample, b: Sample) => (a.labels.pod ?? "").localeCompare(b.labels.pod ?? "");

/** Forwards to Prometheus and records the method and URL length of each request. */
async function startRecordingProxy(target: string): Promise<{
  url: string;
  seen: Array<{ method: string; urlLength: number; contentType: string }>;
  close(): Promise<void>;
}> {
  const seen: Array<{ method: string; urlLength: number; contentType: string }> = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    seen.push({
      method: req.method ?? "",
      urlLength: req.url?.length ?? 0,
      contentType: req.headers["content-type"] ?? "",
    });
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on("error", () => res.writeHead(502).end());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("PrometheusSource against a real Prometheus", () => {
  let honoring: TestExporter;
  let renaming: TestExporter;
  let prom: TestPrometheus;
  let client: PrometheusSource;

  before(async () => {
    honoring = await startTestExporter();
    renaming = await startTestExporter();
    honoring.gpuPods({
      namespace: "llm",
      pods: [
        { pod: "llama-0", util: 87, fbUsed: 73412 },
        { pod: "llama-1", util: 12, fbUsed: 2048, gpus: 2 },
      ],
      honorLabels: true,
    });
    renaming.gpuPods({
      namespace: "embeddings",
      pods: [{ pod: "embed-0", util: 41, fbUsed: 1000 }],
      honorLabels: false,
      hostLabel: "hostname",
    });
    honoring.setGauge("foresight_test_gauge", { pod: "a" }, 3);
    honoring.setGauge("foresight_test_gauge", { pod: "b" }, Number.NaN);
    honoring.setGauge("foresight_test_gauge", { pod: "c" }, Number.POSITIVE_INFINITY);
    prom = await startPrometheus({ scrapeTargets: [honoring.scrapeTarget(), renaming.scrapeTarget()] });
    await prom.waitForSeries("DCGM_FI_DEV_GPU_UTIL", 4, 20_000);
    await prom.waitForSeries("foresight_test_gauge", 3, 5_000);
    client = source(prom.url);
  });

  after(async () => {
    client?.close();
    await prom?.close();
    await honoring?.close();
    await renaming?.close();
  });

  it("answers an instant vector with labels, values (NaN and +Inf passed through) and the asked time", async () => {
    // Now, with milliseconds: a time before the first scrape would find nothing.
    const at = new Date(Date.now() - 1);
    const result = await client.instant("foresight_test_gauge", at);
    assert.equal(result.type, "vector");
    if (result.type !== "vector") return;
    const samples = [...result.samples].sort(byPod);
    assert.deepEqual(
      samples.map((s) => s.labels),
      ["a", "b", "c"].map((pod) => ({
        __name__: "foresight_test_gauge",
        instance: honoring.address,
        job: "target-0",
        pod,
      })),
    );
    assert.deepEqual(
      samples.map((s) => s.value),
      [3, Number.NaN, Number.POSITIVE_INFINITY],
    );
    for (const s of samples) assert.equal(s.timestamp, at.getTime());
  });

  it("evaluates at the server's now when no time is given", async () => {
    const before = Date.now();
    const result = await client.instant('foresight_test_gauge{pod="a"}');
    const afterCall = Date.now();
    assert.equal(result.type, "vector");
    if (result.type !== "vector") return;
    assert.equal(result.samples.length, 1);
    const ts = result.samples[0]?.timestamp ?? 0;
    assert.ok(ts >= before - 1000 && ts <= afterCall + 1000, `timestamp ${ts} not near ${before}`);
  });

  it("answers a scalar", async () => {
    const at = new Date(1_700_000_000_250);
    assert.deepEqual(await client.instant("time()", at), {
      type: "scalar",
      sample: { labels: {}, value: 1_700_000_000.25, timestamp: 1_700_000_000_250 },
    });
    const sum = await client.instant('scalar(sum(foresight_test_gauge{pod="a"}))');
    assert.equal(sum.type === "scalar" && sum.sample.value, 3);
  });

  it("refuses matrix and string results of an instant query as bad_response", async () => {
    await rejectsWith(client.instant("foresight_test_gauge[1m]"), "bad_response", /matrix/);
    await rejectsWith(client.instant('"hello"'), "bad_response", /string/);
  });

  it("answers a range query with ascending points at the requested step", async () => {
    const end = new Date(Math.floor(Date.now() / 1000) * 1000);
    const start = new Date(end.getTime() - 4000);
    const clock = await client.range("time()", start, end, 1);
    assert.equal(clock.length, 1);
    assert.deepEqual(clock[0]?.labels, {});
    assert.deepEqual(
      clock[0]?.points,
      [0, 1, 2, 3, 4].map((i) => [start.getTime() + i * 1000, start.getTime() / 1000 + i]),
    );

    // Ends now: the series exists only since the first scrape, a few seconds ago.
    const now = new Date();
    const from = new Date(now.getTime() - 2000);
    const gauge = await client.range('foresight_test_gauge{pod="a"}', from, now, 0.5);
    assert.equal(gauge.length, 1);
    assert.equal(gauge[0]?.labels.pod, "a");
    assert.ok((gauge[0]?.points.length ?? 0) >= 1);
    for (const [t, v] of gauge[0]?.points ?? []) {
      assert.equal(v, 3);
      assert.equal((t - from.getTime()) % 500, 0);
    }
  });

  it("discovers series, keeping pod labels with honor_labels and exported_* without", async () => {
    const now = new Date();
    const series = await client.series(
      ["DCGM_FI_DEV_GPU_UTIL", 'DCGM_FI_DEV_FB_USED{namespace="llm"}'],
      new Date(now.getTime() - 300_000),
      now,
    );
    const util = series.filter((l) => l.__name__ === "DCGM_FI_DEV_GPU_UTIL");
    const fb = series.filter((l) => l.__name__ === "DCGM_FI_DEV_FB_USED");
    assert.equal(util.length, 4);
    assert.equal(fb.length, 3);
    const kept = util.filter((l) => l.namespace === "llm");
    assert.deepEqual(kept.map((l) => l.pod).sort(), ["llama-0", "llama-1", "llama-1"]);
    assert.ok(kept.every((l) => l.Hostname === "gpu-node-00" && l.exported_pod === undefined));
    const renamed = util.filter((l) => l.exported_namespace === "embeddings");
    assert.equal(renamed.length, 1);
    assert.equal(renamed[0]?.exported_pod, "embed-0");
    assert.equal(renamed[0]?.pod, "nvidia-dcgm-exporter-78z52");
    assert.equal(renamed[0]?.hostname, "gpu-node-00");
  });

  it("reports a syntax error, an execution error and too many points as kind query with Prometheus' text", async () => {
    await rejectsWith(client.instant("sum(foresight_test_gauge"), "query", /bad_data.*parse error/);
    await rejectsWith(
      client.instant('abs({__name__=~"DCGM_FI_DEV_GPU_UTIL|DCGM_FI_DEV_FB_USED"})'),
      "query",
      /execution.*same labelset/,
    );
    const end = new Date();
    await rejectsWith(
      client.range("time()", new Date(end.getTime() - 20_000_000), end, 1),
      "query",
      /11,000 points/,
    );
  });

  it("sends long queries as a form POST under method auto, and honours forced GET and POST", async () => {
    const proxy = await startRecordingProxy(prom.url);
    try {
      const alternatives = Array.from({ length: 1500 }, (_, i) => `x${String(i).padStart(5, "0")}`);
      const long = `foresight_test_gauge{pod=~"a|${alternatives.join("|")}"}`;
      assert.ok(long.length > 10_000);
      const short = 'foresight_test_gauge{pod="a"}';
      const cases = [
        { method: "auto", query: long, want: "POST" },
        { method: "auto", query: short, want: "GET" },
        { method: "GET", query: long, want: "GET" },
        { method: "POST", query: short, want: "POST" },
      ] as const;
      for (const c of cases) {
        const viaProxy = source(proxy.url, { method: c.method });
        const result = await viaProxy.instant(c.query);
        viaProxy.close();
        const last = proxy.seen.at(-1);
        assert.equal(last?.method, c.want, `${c.method} with a ${c.query.length}-char query`);
        if (c.want === "POST") {
          assert.equal(last?.contentType, "application/x-www-form-urlencoded");
          assert.ok((last?.urlLength ?? 0) < 100, "POST keeps the query out of the URL");
        }
        assert.equal(result.type, "vector");
        assert.deepEqual(result.type === "vector" && result.samples.map((s) => [s.labels.pod, s.value]), [
          ["a", 3],
        ]);
      }
    } finally {
      await proxy.close();
    }
  });

  it("reports unavailable while Prometheus is stopped and works again once it is back", async () => {
    const events: QueryEvent[] = [];
    const observed = source(prom.url, {}, events);
    try {
      await observed.instant("time()"); // opens a kept-alive connection that the restart will break
      await prom.stop();
      await rejectsWith(observed.instant("time()"), "unavailable", /ECONNREFUSED/);
      await rejectsWith(observed.series(["up"], new Date(0), new Date()), "unavailable");
      await prom.start();
      const back = await observed.instant('foresight_test_gauge{pod="a"}');
      assert.equal(back.type, "vector");
      assert.deepEqual(
        events.map((e) => [e.endpoint, e.outcome]),
        [
          ["query", "ok"],
          ["query", "unavailable"],
          ["series", "unavailable"],
          ["query", "ok"],
        ],
      );
      assert.ok(events.every((e) => e.durationMs >= 0 && e.durationMs < 5000));
    } finally {
      observed.close();
      if (!prom.running) await prom.start();
    }
  });
});
