/**
 * The external scaler's mapping (service.ts) over the real ExternalProvider and the real
 * `foresight_forecast` built-in for PredictiveScalers in mode Metric: the value KEDA gets is the
 * scaler's status, and a status the adapter would not serve (stale, not computed yet, another
 * namespace) fails with the matching gRPC code instead of a value.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { Discovery } from "../../../src/adapter/discovery.js";
import { ExternalProvider } from "../../../src/adapter/externalProvider.js";
import { forecastBuiltin } from "../../../src/adapter/forecastMetric/builtin.js";
import type { MetricScaler } from "../../../src/adapter/forecastMetric/scalers.js";
import { ScalerCallError, ScalerService } from "../../../src/adapter/keda/service.js";
import { QueryCache } from "../../../src/adapter/queryCache.js";
import { QueryRunner } from "../../../src/adapter/queryRunner.js";
import type { Sample } from "../../../src/metrics/source.js";
import { silentLogger } from "../../../src/telemetry/logger.js";
import { FakeSource } from "../../doubles/fakeSource.js";

const NOW = Date.parse("2026-03-01T12:00:00Z");

function service(scalers: MetricScaler[]): ScalerService {
  const source = new FakeSource({});
  const clock = { now: () => NOW };
  const discovery = new Discovery({
    rules: [],
    source,
    clock,
    logger: silentLogger(),
    relistIntervalMs: 60_000,
    maxAgeMs: 600_000,
    rediscoveryIntervalMs: 5_000,
  });
  const runner = new QueryRunner({
    source,
    cache: new QueryCache<readonly Sample[]>({ ttlMs: 0, now: clock.now }),
    logger: silentLogger(),
  });
  const external = new ExternalProvider({
    discovery,
    runner,
    builtins: [forecastBuiltin({ scalers: () => scalers, clock })],
  });
  return new ScalerService(external);
}

const scaler = (name: string, value: string | undefined, ageMs: number): MetricScaler => ({
  namespace: "ml",
  name,
  maxAgeMs: 90_000,
  ...(value === undefined ? {} : { metric: { value, updateTime: new Date(NOW - ageMs).toISOString() } }),
});

const ref = (namespace: string, scalerMetadata: Record<string, string>) => ({
  name: "so",
  namespace,
  scalerMetadata,
});

async function code(promise: Promise<unknown>): Promise<[GrpcStatus, string]> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ScalerCallError, String(err));
    return [err.code, err.message];
  }
  assert.fail("the call succeeded");
}

describe("KEDA external scaler over foresight_forecast of PredictiveScalers", () => {
  const keda = service([
    scaler("chat", "2500m", 10_000),
    scaler("old", "7", 600_000),
    scaler("cold", undefined, 0),
  ]);

  it("serves the scaler's status.metric as a float", async () => {
    const values = await keda.metrics(ref("ml", { scaler: "chat" }), "foresight_forecast");
    assert.deepEqual(values, [{ metricName: "foresight_forecast", metricValue: 3, metricValueFloat: 2.5 }]);
    assert.equal(await keda.isActive(ref("ml", { scaler: "chat", activationValue: "2" })), true);
    assert.equal(await keda.isActive(ref("ml", { scaler: "chat", activationValue: "2.5" })), false);
  });

  it("a stale or not yet computed status is UNAVAILABLE with the reason", async () => {
    const [stale, staleMessage] = await code(
      keda.metrics(ref("ml", { scaler: "old" }), "foresight_forecast"),
    );
    assert.equal(stale, GrpcStatus.UNAVAILABLE);
    assert.match(staleMessage, /stale/);
    const [cold, coldMessage] = await code(keda.isActive(ref("ml", { scaler: "cold" })));
    assert.equal(cold, GrpcStatus.UNAVAILABLE);
    assert.match(coldMessage, /has not computed/);
  });

  it("a scaler of another namespace, or none, is NOT_FOUND", async () => {
    assert.equal((await code(keda.metrics(ref("batch", { scaler: "chat" }), "")))[0], GrpcStatus.NOT_FOUND);
    assert.equal((await code(keda.metrics(ref("ml", { scaler: "nope" }), "")))[0], GrpcStatus.NOT_FOUND);
  });
});
