/** Scalers → shards: stable, balanced, and moving as little as possible when the count changes. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { actingFor, actingScaler, fnv1a64, jumpHash, shardOf } from "../../src/actuator/shards.js";

const keys = Array.from({ length: 10_000 }, (_, i) => `team-${i % 97}/scaler-${i}`);

describe("shardOf", () => {
  it("is FNV-1a 64 and jump consistent hash as published", () => {
    // FNV-1a 64 test vectors (Fowler, Noll, Vo).
    assert.equal(fnv1a64(""), 0xcbf29ce484222325n);
    assert.equal(fnv1a64("a"), 0xaf63dc4c8601ec8cn);
    assert.equal(fnv1a64("foobar"), 0x85944171f73967e8n);
    // Jump hash: one bucket is always 0; the bucket of a key never moves but to a new bucket.
    assert.equal(jumpHash(123456789n, 1), 0);
    for (const key of [0n, 1n, 0xdeadbeefn, (1n << 64n) - 1n]) {
      let last = 0;
      for (let n = 1; n <= 64; n++) {
        const b = jumpHash(key, n);
        assert.ok(b >= 0 && b < n);
        assert.ok(b === last || b === n - 1, `key ${key}: ${last} → ${b} at ${n} buckets`);
        last = b;
      }
    }
  });

  it("gives every replica the same answer, in range", () => {
    for (const key of keys.slice(0, 200)) {
      const s = shardOf(key, 16);
      assert.ok(Number.isInteger(s) && s >= 0 && s < 16);
      assert.equal(shardOf(key, 16), s);
      assert.equal(shardOf(key, 1), 0);
    }
    // Pinned: a change of hash would move every scaler between versions during a roll.
    assert.deepEqual(
      ["shop/web", "llm/vllm", "default/a"].map((k) => shardOf(k, 16)),
      ["shop/web", "llm/vllm", "default/a"].map((k) => jumpHash(fnv1a64(k), 16)),
    );
  });

  it("balances 10,000 scalers over 16 shards within 10 % of the mean", () => {
    const counts = new Array<number>(16).fill(0);
    for (const key of keys) counts[shardOf(key, 16)] = (counts[shardOf(key, 16)] ?? 0) + 1;
    const mean = keys.length / 16;
    for (const c of counts) assert.ok(Math.abs(c - mean) < 0.1 * mean, `counts ${counts}`);
  });

  it("moves only about 1/(n+1) of the scalers from n to n+1 shards, all to the new shard", () => {
    const moved = keys.filter((k) => shardOf(k, 16) !== shardOf(k, 17));
    for (const k of moved) assert.equal(shardOf(k, 17), 16);
    const share = moved.length / keys.length;
    assert.ok(Math.abs(share - 1 / 17) < 0.015, `moved ${share}`);
  });
});

describe("actingFor", () => {
  it("names the scaler through awaits and timers, and nothing outside", async () => {
    assert.equal(actingScaler(), undefined);
    const seen = await actingFor("shop/web", async () => {
      await new Promise((r) => setTimeout(r, 1));
      return actingScaler();
    });
    assert.equal(seen, "shop/web");
    assert.equal(actingScaler(), undefined);
  });
});
