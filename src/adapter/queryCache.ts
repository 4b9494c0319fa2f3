/**
 * A short-TTL cache of query results with in-flight coalescing, over lru-cache's `fetch()`: while
 * one query for a key runs, every other caller for that key awaits the same promise, so 100 HPAs
 * asking the same thing cause one backend query. A failure reaches the callers that were waiting
 * and is never kept. Time comes from the given `now` (a Clock in tests).
 */
import { LRUCache } from "lru-cache";

export type CacheOutcome = "hit" | "miss" | "coalesced";

export interface QueryCacheOptions {
  /** How long a successful result is reused; 0 disables reuse (coalescing of concurrent calls remains off too). */
  readonly ttlMs: number;
  /** Upper bound on kept entries; the least recently used are dropped first. */
  readonly maxEntries?: number;
  /** Current time in ms (a Clock in tests). */
  readonly now: () => number;
  readonly onLookup?: (outcome: CacheOutcome) => void;
}

type Load<V> = () => Promise<V>;

export class QueryCache<V extends {}> {
  readonly #lru: LRUCache<string, V, Load<V>> | undefined;
  readonly #onLookup: ((outcome: CacheOutcome) => void) | undefined;

  constructor(options: QueryCacheOptions) {
    if (!(options.ttlMs >= 0)) throw new RangeError(`ttlMs must be >= 0, got ${options.ttlMs}`);
    this.#onLookup = options.onLookup;
    this.#lru =
      options.ttlMs === 0
        ? undefined
        : new LRUCache<string, V, Load<V>>({
            max: options.maxEntries ?? 10_000,
            ttl: options.ttlMs,
            // Read the clock on every lookup (the default caches it for 1 ms with a timer).
            ttlResolution: 0,
            perf: { now: options.now },
            // A load evicted while in flight still answers its callers.
            ignoreFetchAbort: true,
            fetchMethod: (_key, _stale, { context }) => context(),
          });
  }

  get size(): number {
    return this.#lru?.size ?? 0;
  }

  /** The cached value for `key`, or the result of `load()` (shared by concurrent callers). */
  async get(key: string, load: Load<V>): Promise<V> {
    if (!this.#lru) {
      this.#onLookup?.("miss");
      return load();
    }
    const status: LRUCache.Status<string, V, Load<V>> = {};
    const pending = this.#lru.fetch(key, { context: load, status });
    this.#onLookup?.(status.fetch === "hit" ? "hit" : status.fetch === "inflight" ? "coalesced" : "miss");
    const value = await pending;
    if (value === undefined) throw new Error(`query cache: the load of ${key} gave no value`);
    return value;
  }

  clear(): void {
    this.#lru?.clear();
  }
}
