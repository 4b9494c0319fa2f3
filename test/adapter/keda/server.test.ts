import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import type { ExternalMetricRequest } from "../../../src/adapter/externalProvider.js";
import { type KedaScalerServer, startKedaScalerServer } from "../../../src/adapter/keda/server.js";
import type { ExternalMetricValue } from "../../../src/adapter/metricValues.js";
import { notFound, serviceUnavailable } from "../../../src/k8s/status.js";
import { silentLogger } from "../../../src/telemetry/logger.js";
import { eventually } from "../../harness/eventually.js";
import { firstMessage, type Ref, type ScalerClient, scalerClient, streamEnd } from "./scalerClient.js";

/** External metrics double: each metric name answers from a function of the request. */
class FakeMetrics {
  readonly requests: ExternalMetricRequest[] = [];
  readonly answers = new Map<string, (req: ExternalMetricRequest) => string[]>();

  async getMetric(req: ExternalMetricRequest): Promise<ExternalMetricValue[]> {
    this.requests.push(req);
    const answer = this.answers.get(req.metricName);
    if (!answer) throw notFound(`the server could not find the external metric ${req.metricName}`);
    return answer(req).map((value, i) => ({
      metricName: req.metricName,
      metricLabels: { item: String(i) },
      timestamp: 0,
      value,
    }));
  }
}

const ref = (scalerMetadata: Record<string, string>): Ref => ({
  name: "llm",
  namespace: "ml",
  scalerMetadata,
});

async function rejection(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (err) {
    return err as ServiceError;
  }
  assert.fail("the call succeeded");
}

describe("KEDA external scaler server", () => {
  const metrics = new FakeMetrics();
  let server: KedaScalerServer;
  let client: ScalerClient;

  before(async () => {
    server = await startKedaScalerServer({
      metrics,
      logger: silentLogger(),
      port: 0,
      bindAddress: "127.0.0.1",
    });
    client = scalerClient(server.port);
  });
  after(async () => {
    client.close();
    await server.close();
  });

  it("GetMetricSpec names the metric and carries targetValue in both fields", async () => {
    const spec = await client.getMetricSpec(ref({ target: "llm-rps", quantile: "0.9", targetValue: "2.5" }));
    assert.deepEqual(spec.metricSpecs, [
      { metricName: "foresight_forecast", targetSize: 3, targetSizeFloat: 2.5 },
    ]);
    const rule = await client.getMetricSpec(ref({ metricName: "queue_depth", targetValue: "40" }));
    assert.deepEqual(rule.metricSpecs, [{ metricName: "queue_depth", targetSize: 40, targetSizeFloat: 40 }]);
  });

  it("GetMetricSpec without targetValue is INVALID_ARGUMENT naming it", async () => {
    const err = await rejection(client.getMetricSpec(ref({ metricName: "queue_depth" })));
    assert.equal(err.code, GrpcStatus.INVALID_ARGUMENT);
    assert.match(err.details, /targetValue is required/);
    assert.match(err.details, /ml\/llm/);
  });

  it("GetMetrics answers an external rule's items in the ScaledObject's namespace, with its selector", async () => {
    metrics.answers.set("queue_depth", () => ["1500m", "2"]);
    const before = metrics.requests.length;
    const got = await client.getMetrics(
      ref({ metricName: "queue_depth", labelSelector: "queue in (a,b)" }),
      "queue_depth",
    );
    assert.deepEqual(got.metricValues, [
      { metricName: "queue_depth", metricValue: 2, metricValueFloat: 1.5 },
      { metricName: "queue_depth", metricValue: 2, metricValueFloat: 2 },
    ]);
    const req = metrics.requests[before] as ExternalMetricRequest;
    assert.equal(req.namespace, "ml");
    assert.equal(req.labelSelector.toString(), "queue in (a,b)");
  });

  it("a forecast target's metadata becomes foresight_forecast's labels, normalized", async () => {
    metrics.answers.set("foresight_forecast", () => ["12"]);
    const before = metrics.requests.length;
    const got = await client.getMetrics(
      ref({ target: "llm-rps", quantile: "0.90", horizon: "1800s", targetValue: "5" }),
      "foresight_forecast",
    );
    assert.equal(got.metricValues[0]?.metricValueFloat, 12);
    const req = metrics.requests[before] as ExternalMetricRequest;
    assert.equal(req.metricName, "foresight_forecast");
    assert.ok(req.labelSelector.matches({ target: "llm-rps", quantile: "0.9", horizon: "30m" }));
    assert.ok(!req.labelSelector.matches({ target: "llm-rps", quantile: "0.5", horizon: "30m" }));
  });

  it("a PredictiveScaler's metadata asks for its scaler label in the ScaledObject's namespace", async () => {
    metrics.answers.set("foresight_forecast", () => ["7"]);
    const before = metrics.requests.length;
    await client.getMetrics(ref({ scaler: "llm-scaler" }), "foresight_forecast");
    const req = metrics.requests[before] as ExternalMetricRequest;
    assert.equal(req.namespace, "ml");
    assert.ok(req.labelSelector.matches({ scaler: "llm-scaler" }));
    assert.ok(!req.labelSelector.matches({ scaler: "other" }));
  });

  it("a forecast metadata matching several forecasts is refused, not summed", async () => {
    metrics.answers.set("foresight_forecast", () => ["1", "2"]);
    const err = await rejection(client.getMetrics(ref({ target: "llm-rps" }), "foresight_forecast"));
    assert.equal(err.code, GrpcStatus.INVALID_ARGUMENT);
    assert.match(err.details, /matches 2 forecasts/);
  });

  it("IsActive is the summed value above activationValue (default 0)", async () => {
    metrics.answers.set("queue_depth", () => ["1", "2"]);
    assert.equal(
      (await client.isActive(ref({ metricName: "queue_depth", activationValue: "3" }))).result,
      false,
    );
    assert.equal(
      (await client.isActive(ref({ metricName: "queue_depth", activationValue: "2.9" }))).result,
      true,
    );
    assert.equal((await client.isActive(ref({ metricName: "queue_depth" }))).result, true);
    metrics.answers.set("queue_depth", () => ["0"]);
    assert.equal((await client.isActive(ref({ metricName: "queue_depth" }))).result, false);
  });

  it("maps the adapter's errors: outage UNAVAILABLE, unknown metric NOT_FOUND, anything else INTERNAL", async () => {
    metrics.answers.set("down", () => {
      throw serviceUnavailable("unable to fetch metrics: the metrics backend is unreachable");
    });
    metrics.answers.set("broken", () => {
      throw new TypeError("boom");
    });
    const down = await rejection(client.getMetrics(ref({ metricName: "down" }), "down"));
    assert.equal(down.code, GrpcStatus.UNAVAILABLE);
    assert.match(down.details, /unreachable/);
    assert.equal(
      (await rejection(client.isActive(ref({ metricName: "down" })))).code,
      GrpcStatus.UNAVAILABLE,
    );
    const unknown = await rejection(client.getMetrics(ref({ metricName: "nope" }), "nope"));
    assert.equal(unknown.code, GrpcStatus.NOT_FOUND);
    const broken = await rejection(client.getMetrics(ref({ metricName: "broken" }), "broken"));
    assert.equal(broken.code, GrpcStatus.INTERNAL);
    assert.doesNotMatch(broken.details, /boom/);
  });

  it("bad metadata is INVALID_ARGUMENT with what to fix", async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /needs one of scaler .* target .* or metricName/],
      [{ scaler: "a", target: "b" }, /exclusive/],
      [{ target: "a", quantile: "2" }, /quantile must be a number between 0 and 1/],
      [{ target: "a", horizon: "soon" }, /horizon must be a duration/],
      [{ metricName: "q", activationValue: "lots" }, /activationValue must be a number/],
      [{ metricName: "q", labelSelector: "a in (" }, /label selector/],
      [{ metricName: "q", pushInterval: "1ms" }, /pushInterval/],
      [{ scaler: "a", quantile: "0.9" }, /go with target/],
    ];
    for (const [metadata, message] of cases) {
      const err = await rejection(client.isActive(ref(metadata)));
      assert.equal(err.code, GrpcStatus.INVALID_ARGUMENT, JSON.stringify(metadata));
      assert.match(err.details, message);
    }
    const noRef = await rejection(
      new Promise((resolve, reject) =>
        // A GetMetricsRequest without its ScaledObjectRef.
        client.getMetrics(undefined as unknown as Ref, "q").then(resolve, reject),
      ),
    );
    assert.equal(noRef.code, GrpcStatus.INVALID_ARGUMENT);
  });

  it("StreamIsActive pushes at once, then every interval, and stops asking when cancelled", async () => {
    let value = "0";
    let asked = 0;
    metrics.answers.set("pushed", () => {
      asked++;
      return [value];
    });
    const stream = client.streamIsActive(ref({ metricName: "pushed", pushInterval: "1s" }));
    const seen: boolean[] = [];
    stream.on("data", (m: { result: boolean }) => seen.push(m.result));
    const ended = streamEnd(stream);
    // The first answer comes at once, not after the 1 s interval.
    await eventually("the first push", () => (seen.length > 0 ? true : undefined), { timeoutMs: 800 });
    assert.deepEqual(seen, [false]);
    value = "5";
    await eventually("the next push", () => (seen.length > 1 ? true : undefined), { timeoutMs: 3000 });
    assert.deepEqual(seen.slice(0, 2), [false, true]);
    stream.cancel();
    assert.equal((await ended).code, GrpcStatus.CANCELLED);
    const askedAtCancel = asked;
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(asked <= askedAtCancel + 1, `asked ${asked - askedAtCancel} more times after cancel`);
  });

  it("StreamIsActive ends with the adapter's error instead of pushing a made-up value", async () => {
    metrics.answers.set("down", () => {
      throw serviceUnavailable("the metrics backend is unreachable");
    });
    const stream = client.streamIsActive(ref({ metricName: "down" }));
    const err = (await rejection(firstMessage(stream))) as ServiceError;
    assert.equal(err.code, GrpcStatus.UNAVAILABLE);
    const bad = await rejection(firstMessage(client.streamIsActive(ref({ target: "a", quantile: "x" }))));
    assert.equal(bad.code, GrpcStatus.INVALID_ARGUMENT);
  });

  it("StreamMetricSpec is UNIMPLEMENTED, so KEDA falls back to GetMetricSpec", async () => {
    const err = await rejection(firstMessage(client.streamMetricSpec(ref({ metricName: "q" }))));
    assert.equal(err.code, GrpcStatus.UNIMPLEMENTED);
  });
});

describe("KEDA external scaler shutdown", () => {
  it("close() ends open streams and returns promptly", async () => {
    const metrics = new FakeMetrics();
    metrics.answers.set("q", () => ["1"]);
    const server = await startKedaScalerServer({
      metrics,
      logger: silentLogger(),
      port: 0,
      bindAddress: "127.0.0.1",
    });
    const client = scalerClient(server.port);
    const stream = client.streamIsActive(ref({ metricName: "q" }));
    await firstMessage(stream);
    const ended = streamEnd(stream);
    const start = Date.now();
    await server.close();
    assert.ok(Date.now() - start < 1500, `close took ${Date.now() - start} ms`);
    assert.equal((await ended).code, GrpcStatus.OK);
    client.close();
  });
});
