import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ActuatorCluster, ClusterObject } from "../../src/actuator/cluster.js";
import { NotLeaderError } from "../../src/kube/leaderTerm.js";
import { isRetryableKubeError, retryKube } from "../../src/kube/retry.js";
import { KubeTimeoutError, withTimeout } from "../../src/kube/timeoutCluster.js";

const hpa: ClusterObject = {
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

describe("withTimeout with a leader term (fenced writes)", () => {
  /** A cluster whose patches wait for their signal; records what reached it and what was cancelled. */
  function recording() {
    const seen: string[] = [];
    const cluster = {
      get: async () => {
        seen.push("get");
        return hpa;
      },
      patch: (_ref: unknown, _patch: unknown, options?: { signal?: AbortSignal }) =>
        new Promise<ClusterObject>((_resolve, reject) => {
          seen.push("patch");
          options?.signal?.addEventListener("abort", () => {
            seen.push("patch cancelled");
            reject(options.signal?.reason);
          });
        }),
    };
    return { seen, cluster: cluster as unknown as ActuatorCluster };
  }
  const ref = { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", name: "web" };

  it("refuses a write outside the term without sending it; reads are not fenced", async () => {
    const { seen, cluster } = recording();
    const fenced = withTimeout(cluster, 1000, { writableForMs: () => 0 });
    await assert.rejects(fenced.patch(ref, {}), (err: unknown) => {
      assert.ok(err instanceof NotLeaderError);
      assert.equal(isRetryableKubeError(err), false, "a deposed leader does not retry");
      return true;
    });
    assert.equal((await fenced.get(ref))?.metadata.name, "web");
    assert.deepEqual(seen, ["get"]);
  });

  it("cancels a write still unanswered when the term ends, unless a renewal extended it", async () => {
    const { seen, cluster } = recording();
    let termEndsAt = Date.now() + 200;
    const fenced = withTimeout(cluster, 5000, { writableForMs: () => Math.max(0, termEndsAt - Date.now()) });
    const pending = fenced.patch(ref, {});
    await new Promise((r) => setTimeout(r, 100));
    termEndsAt += 300; // renewed: the term now ends 500 ms after the start
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(seen, ["patch"], "still waiting for its answer after the first term's end");
    await assert.rejects(pending, NotLeaderError);
    assert.deepEqual(seen, ["patch", "patch cancelled"]);
  });
});
