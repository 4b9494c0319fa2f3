import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type CacheOutcome, QueryCache } from "../../src/adapter/queryCache.js";

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("QueryCache", () => {
  it("coalesces concurrent callers into one load and reuses the value until the TTL passes", async () => {
    let now = 1_000;
    const outcomes: CacheOutcome[] = [];
    const cache = new QueryCache<number>({ ttlMs: 5_000, now: () => now, onLookup: (o) => outcomes.push(o) });
    let loads = 0;
    const gate = deferred<number>();
    const load = () => {
      loads++;
      return gate.promise;
    };
    const calls = Array.from({ length: 100 }, () => cache.get("q", load));
    gate.resolve(42);
    assert.deepEqual(new Set(await Promise.all(calls)), new Set([42]));
    assert.equal(loads, 1);
    assert.equal(outcomes.filter((o) => o === "coalesced").length, 99);

    now += 4_999;
    assert.equal(await cache.get("q", async () => 7), 42);
    assert.equal(outcomes.at(-1), "hit");
    now += 2;
    assert.equal(await cache.get("q", async () => 7), 7);
    assert.equal(outcomes.at(-1), "miss");
  });

  it("shares a failure with waiting callers but does not keep it", async () => {
    const cache = new QueryCache<number>({ ttlMs: 5_000, now: () => 0 });
    const gate = deferred<number>();
    const a = cache.get("q", () => gate.promise);
    const b = cache.get("q", () => Promise.resolve(1));
    gate.reject(new Error("down"));
    await assert.rejects(a, /down/);
    await assert.rejects(b, /down/);
    assert.equal(await cache.get("q", async () => 3), 3);
  });

  it("with ttl 0 loads every time", async () => {
    const cache = new QueryCache<number>({ ttlMs: 0, now: () => 0 });
    let loads = 0;
    await Promise.all([1, 2, 3].map(() => cache.get("q", async () => ++loads)));
    assert.equal(loads, 3);
  });

  it("keeps at most maxEntries", async () => {
    const cache = new QueryCache<number>({ ttlMs: 1_000, now: () => 0, maxEntries: 3 });
    for (let i = 0; i < 10; i++) await cache.get(`q${i}`, async () => i);
    assert.equal(cache.size, 3);
    let reloaded = false;
    await cache.get("q0", async () => {
      reloaded = true;
      return 0;
    });
    assert.equal(reloaded, true, "the oldest entry was evicted");
  });
});
