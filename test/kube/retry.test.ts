import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiException, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { type KubeFacade, startKubeFacade } from "../../src/demo/kube/server.js";
import { isRetryableKubeError, kubeStatusCode, retryAfterMs, retryKube } from "../../src/kube/retry.js";

function apiError(code: number, headers: Record<string, string> = {}): ApiException<unknown> {
  return new ApiException(code, "test", {}, headers);
}

/** A sleep that records the waits and returns at once. */
function fakeSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms) };
}

describe("kubeStatusCode", () => {
  it("reads ApiException.code, statusCode and response.statusCode", () => {
    assert.equal(kubeStatusCode(apiError(404)), 404);
    assert.equal(kubeStatusCode(Object.assign(new Error("x"), { statusCode: 503 })), 503);
    assert.equal(kubeStatusCode({ response: { statusCode: 429 } }), 429);
  });

  it("gives undefined for errors with no status, including string codes", () => {
    assert.equal(kubeStatusCode(new Error("plain")), undefined);
    assert.equal(kubeStatusCode(Object.assign(new Error("x"), { code: "ECONNREFUSED" })), undefined);
    assert.equal(kubeStatusCode("text"), undefined);
    assert.equal(kubeStatusCode(null), undefined);
  });
});

describe("isRetryableKubeError", () => {
  it("retries conflict, throttling and server errors", () => {
    for (const code of [409, 429, 500, 502, 503, 504])
      assert.equal(isRetryableKubeError(apiError(code)), true);
  });

  it("does not retry client errors", () => {
    for (const code of [400, 401, 403, 404, 405, 410, 422, 501]) {
      assert.equal(isRetryableKubeError(apiError(code)), false, `status ${code}`);
    }
  });

  it("retries network failures, also when wrapped in cause", () => {
    for (const code of ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE"]) {
      assert.equal(isRetryableKubeError(Object.assign(new Error(code), { code })), true, code);
    }
    assert.equal(isRetryableKubeError(new Error("socket hang up")), true);
    assert.equal(
      isRetryableKubeError(new TypeError("fetch failed", { cause: { code: "ECONNRESET" } })),
      true,
    );
    assert.equal(isRetryableKubeError(new DOMException("timed out", "TimeoutError")), true);
    assert.equal(isRetryableKubeError(Object.assign(new Error("aborted"), { name: "AbortError" })), true);
  });

  it("does not retry programming errors", () => {
    assert.equal(isRetryableKubeError(new TypeError("x is not a function")), false);
    assert.equal(isRetryableKubeError(undefined), false);
  });
});

describe("retryAfterMs", () => {
  it("reads seconds and HTTP dates", () => {
    assert.equal(retryAfterMs(apiError(429, { "retry-after": "3" })), 3000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    assert.equal(retryAfterMs(apiError(429, { "Retry-After": "Thu, 01 Jan 2026 00:00:02 GMT" }), now), 2000);
    assert.equal(retryAfterMs(apiError(429)), undefined);
    assert.equal(retryAfterMs(apiError(429, { "retry-after": "soon" })), undefined);
  });
});

describe("retryKube", () => {
  it("succeeds after retryable failures, calling fn again each time", async () => {
    const { sleep, waits } = fakeSleep();
    const seen: number[] = [];
    const result = await retryKube(
      async (attempt) => {
        seen.push(attempt);
        if (attempt < 3) throw apiError(409);
        return "done";
      },
      { sleep, random: () => 0.5 },
    );
    assert.equal(result, "done");
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(waits.length, 2);
  });

  it("gives up after `attempts` calls and rethrows the last error", async () => {
    const { sleep, waits } = fakeSleep();
    let calls = 0;
    const errors: ApiException<unknown>[] = [];
    await assert.rejects(
      retryKube(
        async () => {
          calls++;
          const err = apiError(503);
          errors.push(err);
          throw err;
        },
        { attempts: 4, sleep },
      ),
      (err) => err === errors[errors.length - 1],
    );
    assert.equal(calls, 4);
    assert.equal(waits.length, 3);
  });

  it("rethrows a non-retryable error at once", async () => {
    const { sleep, waits } = fakeSleep();
    let calls = 0;
    const notFound = apiError(404);
    await assert.rejects(
      retryKube(
        async () => {
          calls++;
          throw notFound;
        },
        { sleep },
      ),
      (err) => err === notFound,
    );
    assert.equal(calls, 1);
    assert.deepEqual(waits, []);
  });

  it("doubles the jitter ceiling each retry and caps it at maxDelayMs", async () => {
    const { sleep, waits } = fakeSleep();
    const retried: Array<[number, number]> = [];
    await assert.rejects(
      retryKube(
        async () => {
          throw apiError(500);
        },
        {
          attempts: 7,
          baseDelayMs: 100,
          maxDelayMs: 1000,
          sleep,
          random: () => 0.999,
          onRetry: (_err, attempt, delay) => retried.push([attempt, delay]),
        },
      ),
    );
    assert.deepEqual(waits, [99, 199, 399, 799, 999, 999]);
    assert.deepEqual(
      retried.map(([attempt]) => attempt),
      [1, 2, 3, 4, 5, 6],
    );
  });

  it("applies full jitter: the wait is random() times the ceiling", async () => {
    const { sleep, waits } = fakeSleep();
    const draws = [0, 0.25, 0.5];
    await assert.rejects(
      retryKube(
        async () => {
          throw apiError(502);
        },
        { attempts: 4, baseDelayMs: 1000, maxDelayMs: 60_000, sleep, random: () => draws.shift() ?? 0 },
      ),
    );
    assert.deepEqual(waits, [0, 500, 2000]);
  });

  it("waits at least Retry-After on 429, capped at maxDelayMs", async () => {
    const { sleep, waits } = fakeSleep();
    const headers = [{ "retry-after": "2" }, { "retry-after": "120" }];
    let calls = 0;
    await retryKube(
      async () => {
        const h = headers[calls++];
        if (h) throw apiError(429, h);
        return 1;
      },
      { sleep, random: () => 0, baseDelayMs: 10, maxDelayMs: 5000 },
    );
    assert.deepEqual(waits, [2000, 5000]);
  });

  it("stops when the signal is aborted, throwing its reason", async () => {
    const controller = new AbortController();
    let calls = 0;
    await assert.rejects(
      retryKube(
        async () => {
          calls++;
          throw apiError(503);
        },
        { signal: controller.signal, sleep: async () => controller.abort(new Error("cancelled")) },
      ),
      /cancelled/,
    );
    assert.equal(calls, 1);
  });

  it("rejects bad options with the option's name", async () => {
    await assert.rejects(
      retryKube(async () => 1, { attempts: 0 }),
      /attempts/,
    );
    await assert.rejects(
      retryKube(async () => 1, { baseDelayMs: -1 }),
      /baseDelayMs/,
    );
  });
});

describe("classification of real client-node errors", () => {
  let facade: KubeFacade;
  let core: CoreV1Api;

  before(async () => {
    facade = await startKubeFacade();
    const kc = new KubeConfig();
    kc.loadFromString(facade.kubeconfig());
    core = kc.makeApiClient(CoreV1Api);
  });

  after(async () => {
    await facade.close();
  });

  it("404 on a missing pod is not retryable, and retryKube calls once", async () => {
    let calls = 0;
    const err = await retryKube(
      () => {
        calls++;
        return core.readNamespacedPod({ name: "missing", namespace: "default" });
      },
      { sleep: async () => {} },
    ).then(
      () => assert.fail("expected a 404"),
      (e: unknown) => e,
    );
    assert.equal(kubeStatusCode(err), 404);
    assert.equal(isRetryableKubeError(err), false);
    assert.equal(calls, 1);
  });

  it("creating an existing object gives 409, classified retryable", async () => {
    const body = { metadata: { name: "dup" }, data: { a: "1" } };
    await core.createNamespacedConfigMap({ namespace: "default", body });
    const err = await core.createNamespacedConfigMap({ namespace: "default", body }).then(
      () => assert.fail("expected a 409"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApiException);
    assert.equal(kubeStatusCode(err), 409);
    assert.equal(isRetryableKubeError(err), true);
  });

  it("a stale resourceVersion gives 409 and retryKube succeeds by re-reading", async () => {
    await core.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "counter" }, data: { n: "0" } },
    });
    const stale = await core.readNamespacedConfigMap({ name: "counter", namespace: "default" });
    await core.replaceNamespacedConfigMap({
      name: "counter",
      namespace: "default",
      body: { ...stale, data: { n: "1" } },
    });
    let conflicts = 0;
    await retryKube(
      async (attempt) => {
        const current =
          attempt === 1
            ? stale
            : await core.readNamespacedConfigMap({ name: "counter", namespace: "default" });
        const n = Number(current.data?.n ?? "0");
        return core.replaceNamespacedConfigMap({
          name: "counter",
          namespace: "default",
          body: { ...current, data: { n: String(n + 1) } },
        });
      },
      { sleep: async () => {}, onRetry: (err) => void (kubeStatusCode(err) === 409 && conflicts++) },
    );
    assert.equal(conflicts, 1);
    const final = await core.readNamespacedConfigMap({ name: "counter", namespace: "default" });
    assert.equal(final.data?.n, "2");
  });

  it("connection refused (closed port) is retryable", async () => {
    const closed = await startKubeFacade();
    const kc = new KubeConfig();
    kc.loadFromString(closed.kubeconfig());
    await closed.close();
    const api = kc.makeApiClient(CoreV1Api);
    let calls = 0;
    const err = await retryKube(
      () => {
        calls++;
        return api.listNamespace();
      },
      { attempts: 3, sleep: async () => {} },
    ).then(
      () => assert.fail("expected a connection error"),
      (e: unknown) => e,
    );
    assert.equal(kubeStatusCode(err), undefined);
    assert.equal(isRetryableKubeError(err), true, String(err));
    assert.equal(calls, 3);
  });
});
