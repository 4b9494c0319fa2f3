import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ActuatorCluster, KubeObject } from "../../src/actuator/cluster.js";
import { isRetryableKubeError, retryKube } from "../../src/kube/retry.js";
import { KubeTimeoutError, withTimeout } from "../../src/kube/timeoutCluster.js";

const hpa: KubeObject = {
  apiVersion: "autoscaling/v2",
  kind: "HorizontalPodAutoscaler",
  metadata: { name: "web" },
};

/** A cluster whose first `hangs` calls of get never answer. */
function hanging(hangs: number): ActuatorCluster & { calls: number } {
  let calls = 0;
  const never = () => new Promise<never>(() => {});
  const cluster = {
    get calls() {
      return calls;
    },
    get: async () => {
      calls++;
      return calls <= hangs ? never() : hpa;
    },
    list: never,
    create: never,
    patch: never,
    patchStatus: never,
    delete: never,
    getScale: never,
    setScale: never,
  };
  return cluster as unknown as ActuatorCluster & { calls: number };
}

describe("withTimeout", () => {
  it("fails a call the API server never answers with a retryable timeout", async () => {
    const cluster = withTimeout(hanging(1), 50);
    await assert.rejects(cluster.get({ apiVersion: "v1", kind: "Pod", name: "x" }), (err: unknown) => {
      assert.ok(err instanceof KubeTimeoutError);
      assert.match((err as Error).message, /get got no answer within 50 ms/);
      assert.equal(isRetryableKubeError(err), true);
      return true;
    });
  });

  it("so a retry gets through once the server answers again", async () => {
    const inner = hanging(2);
    const cluster = withTimeout(inner, 30);
    const got = await retryKube(() => cluster.get({ apiVersion: "v1", kind: "Pod", name: "x" }), {
      sleep: async () => {},
    });
    assert.equal(got?.metadata.name, "web");
    assert.equal(inner.calls, 3);
  });
});
