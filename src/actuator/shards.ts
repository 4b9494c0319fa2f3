/**
 * Scalers spread over controller replicas: every scaler belongs to one of a fixed number of shards
 * (`actuator.leaderElection.shards`, `serve --shards`), chosen by a stable hash of its
 * `namespace/name`, and a replica acts and trains only for the scalers of the shards whose Lease it
 * holds (src/kube/shardElection.ts). One shard is today's single leader.
 *
 * The hash is jump consistent hashing (Lamping & Veach, 2014) over FNV-1a 64 of the key: the same
 * key lands on the same shard on every replica and every version, shards get equal shares, and
 * changing the number of shards from n to n+1 moves only 1/(n+1) of the scalers.
 *
 * `actingFor` runs a scaler's work in an async scope naming the scaler, so a write deep inside it
 * (the cluster port, the Event sink) can be fenced by the Lease of that scaler's shard.
 */
import { AsyncLocalStorage } from "node:async_hooks";

const MASK64 = (1n << 64n) - 1n;
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const JUMP_MULTIPLIER = 2862933555777941757n;

/** FNV-1a, 64 bits, over the UTF-8 bytes of `text`. */
export function fnv1a64(text: string): bigint {
  let h = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * FNV_PRIME) & MASK64;
  }
  return h;
}

/** Jump consistent hash: the bucket in [0, buckets) of a 64-bit key. */
export function jumpHash(key: bigint, buckets: number): number {
  if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError(`buckets must be ≥ 1, got ${buckets}`);
  let k = key & MASK64;
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    k = (k * JUMP_MULTIPLIER + 1n) & MASK64;
    j = Math.floor((b + 1) * (2 ** 31 / Number((k >> 33n) + 1n)));
  }
  return b;
}

/** The shard of a scaler (`namespace/name`) among `shards`. */
export function shardOf(key: string, shards: number): number {
  return shards === 1 ? 0 : jumpHash(fnv1a64(key), shards);
}

/**
 * Rendezvous (highest random weight) score of a shard for a replica: each replica prefers the free
 * shards it scores highest, so replicas reaching for free shards at once mostly reach for different
 * ones.
 */
export function rendezvousScore(identity: string, shard: number): bigint {
  return fnv1a64(`${identity}#${shard}`);
}

const acting = new AsyncLocalStorage<string>();

/** Runs `fn` in the scope of the scaler `key` (`namespace/name`): writes within it are fenced by its shard. */
export function actingFor<T>(key: string, fn: () => T): T {
  return acting.run(key, fn);
}

/** The scaler whose work is running (set by `actingFor`), if any. */
export function actingScaler(): string | undefined {
  return acting.getStore();
}
