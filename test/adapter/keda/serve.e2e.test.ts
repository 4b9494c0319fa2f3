/**
 * The KEDA external scaler end to end: `foresight serve --keda-port` as a child process, a real
 * Prometheus scraping a test exporter, an external rule, and a gRPC client speaking KEDA's proto,
 * as KEDA's external scaler does (GetMetricSpec, GetMetrics, IsActive, StreamIsActive). Prometheus
 * stopped under it must answer UNAVAILABLE (never a value), and the answers come back with it.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import { startAdapter, type TestAdapter } from "../../harness/adapter.js";
import { eventually } from "../../harness/eventually.js";
import { startTestExporter, type TestExporter } from "../../harness/exporter.js";
import { gpuAndQueueConfig } from "../../harness/gpuRules.js";
import { freePort } from "../../harness/ports.js";
import { startPrometheus, type TestPrometheus } from "../../harness/prometheus.js";
import { firstMessage, type Ref, type ScalerClient, scalerClient, streamEnd } from "./scalerClient.js";

const PROMETHEUS = "/usr/bin/prometheus";
const ref = (scalerMetadata: Record<string, string>): Ref => ({
  name: "orders-worker",
  namespace: "ml",
  scalerMetadata: { scalerAddress: "foresight.foresight:9090", ...scalerMetadata },
});

async function rejection(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (err) {
    return err as ServiceError;
  }
  assert.fail("the call succeeded");
}

describe("foresight serve --keda-port with Prometheus", { timeout: 120_000 }, () => {
  const skip = existsSync(PROMETHEUS) ? false : `${PROMETHEUS} is not installed`;
  let dir: string;
  let exporter: TestExporter;
  let prom: TestPrometheus;
  let adapter: TestAdapter;
  let client: ScalerClient;

  before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), "foresight-keda-"));
    exporter = await startTestExporter();
    exporter.setGauge("queue_depth", { namespace: "ml", queue: "orders" }, 42);
    exporter.setGauge("queue_depth", { namespace: "ml", queue: "billing" }, 5);
    prom = await startPrometheus({ scrapeTargets: [exporter.scrapeTarget()], scrapeInterval: "1s" });
    await prom.waitForSeries("queue_depth", 2, 30_000);
    const configPath = join(dir, "config.yaml");
    writeFileSync(configPath, gpuAndQueueConfig());
    const kedaPort = await freePort();
    adapter = await startAdapter({
      configPath,
      prometheusUrl: prom.url,
      extraArgs: ["--keda-port", String(kedaPort), "--authentication", "off"],
    });
    client = scalerClient(kedaPort);
  });
  after(async () => {
    client?.close();
    await adapter?.stop();
    await prom?.close();
    await exporter?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("GetMetricSpec gives the external rule's name and targetValue", async (t) => {
    if (skip) return t.skip(skip);
    const spec = await client.getMetricSpec(ref({ metricName: "queue_depth", targetValue: "10" }));
    assert.deepEqual(spec.metricSpecs, [{ metricName: "queue_depth", targetSize: 10, targetSizeFloat: 10 }]);
  });

  it("GetMetrics answers what external.metrics.k8s.io answers", async (t) => {
    if (skip) return t.skip(skip);
    const orders = ref({ metricName: "queue_depth", labelSelector: "queue=orders", targetValue: "10" });
    const got = await eventually(
      "queue_depth from Prometheus",
      () => client.getMetrics(orders, "queue_depth"),
      {
        timeoutMs: 20_000,
        retryErrors: true,
      },
    );
    assert.deepEqual(got.metricValues, [
      { metricName: "queue_depth", metricValue: 42, metricValueFloat: 42 },
    ]);
    const all = await client.getMetrics(ref({ metricName: "queue_depth" }), "queue_depth");
    const http = await adapter.get("/apis/external.metrics.k8s.io/v1beta1/namespaces/ml/queue_depth");
    assert.equal(http.status, 200);
    const httpValues = (http.body as { items: { value: string }[] }).items.map((i) => Number(i.value)).sort();
    assert.deepEqual(all.metricValues.map((v) => v.metricValueFloat).sort(), httpValues);
    assert.deepEqual(httpValues, [42, 5].sort());
  });

  it("IsActive compares the summed value with activationValue", async (t) => {
    if (skip) return t.skip(skip);
    // 42 + 5 = 47
    assert.equal(
      (await client.isActive(ref({ metricName: "queue_depth", activationValue: "46" }))).result,
      true,
    );
    assert.equal(
      (await client.isActive(ref({ metricName: "queue_depth", activationValue: "47" }))).result,
      false,
    );
  });

  it("StreamIsActive sends the activity at once and ends when cancelled", async (t) => {
    if (skip) return t.skip(skip);
    const stream = client.streamIsActive(
      ref({ metricName: "queue_depth", labelSelector: "queue=billing", activationValue: "4" }),
    );
    const ended = streamEnd(stream);
    const started = Date.now();
    assert.deepEqual(await firstMessage(stream), { result: true });
    assert.ok(Date.now() - started < 5_000, "the first push does not wait for the interval");
    stream.cancel();
    assert.equal((await ended).code, GrpcStatus.CANCELLED);
  });

  it("refuses bad metadata and unknown metrics with their codes", async (t) => {
    if (skip) return t.skip(skip);
    const bad = await rejection(
      client.getMetrics(ref({ metricName: "queue_depth", labelSelector: "queue in (" }), "queue_depth"),
    );
    assert.equal(bad.code, GrpcStatus.INVALID_ARGUMENT);
    const none = await rejection(client.getMetricSpec(ref({})));
    assert.equal(none.code, GrpcStatus.INVALID_ARGUMENT);
    const unknown = await rejection(
      client.getMetrics(ref({ metricName: "no_such_metric" }), "no_such_metric"),
    );
    assert.equal(unknown.code, GrpcStatus.NOT_FOUND);
    // No forecast targets and no controller: foresight_forecast is not served.
    const forecast = await rejection(client.isActive(ref({ target: "llm-rps", quantile: "0.9" })));
    assert.equal(forecast.code, GrpcStatus.NOT_FOUND);
  });

  it("Prometheus down is UNAVAILABLE on every call, and the values return with it", async (t) => {
    if (skip) return t.skip(skip);
    const orders = ref({ metricName: "queue_depth", labelSelector: "queue=orders" });
    await prom.stop();
    const metrics = await rejection(client.getMetrics(orders, "queue_depth"));
    assert.equal(metrics.code, GrpcStatus.UNAVAILABLE, metrics.details);
    assert.equal((await rejection(client.isActive(orders))).code, GrpcStatus.UNAVAILABLE);
    const streamed = await rejection(firstMessage(client.streamIsActive(orders)));
    assert.equal(streamed.code, GrpcStatus.UNAVAILABLE);
    assert.equal(adapter.process.exitCode, null, "the adapter is still running");
    await prom.start();
    const back = await eventually(
      "queue_depth after Prometheus restarts",
      () => client.getMetrics(orders, "queue_depth"),
      {
        timeoutMs: 30_000,
        everyMs: 250,
        retryErrors: true,
      },
    );
    assert.equal(back.metricValues[0]?.metricValueFloat, 42);
  });
});
