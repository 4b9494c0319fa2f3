/**
 * A short-TTL cache of query results with in-flight coalescing: while one query for a key runs,
 * every other caller for that key awaits the same promise, so 100 HPAs asking the same thing
 * cause one backend query. Failures are shared with the callers that were waiting but never kept.
 * Hand-written because the usual caches (lru-cache, etc.) either lack coalescing or cache rejections.
 */

export type CacheOutcome = "hit" | "miss" | "coalesced";

export interface QueryCacheOptions {
  /** How long a successful result is reused; 0 disables reuse (coalescing of concurrent calls remains off too). */
  readonly ttlMs: number;
  /** Upper bound on kept entries; the oldest are dropped first. */
  readonly maxEntries?: number;
  /** Current time in ms (a Clock in tests). */
  readonly now: () => number;
  readonly onLookup?: (outcome: CacheOutcome) => void;
}

interface Entry<V> {
  readonly promise: Promise<V>;
  /** When the settled value stops being fresh; Infinity while in flight. */
  expiresAt: number;
}

export class QueryCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #onLookup: ((outcome: CacheOutcome) => void) | undefined;

  constructor(options: QueryCacheOptions) {
    if (!(options.ttlMs >= 0)) throw new RangeError(`ttlMs must be >= 0, got ${options.ttlMs}`);
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now;
    this.#onLookup = options.onLookup;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The cached value for `key`, or the result of `load()` (shared by concurrent callers). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    if (this.#ttlMs === 0) {
      this.#onLookup?.("miss");
      return load();
    }
    const now = this.#now();
    const found = this.#entries.get(key);
    if (found && found.expiresAt > now) {
      this.#onLookup?.(found.expiresAt === Number.POSITIVE_INFINITY ? "coalesced" : "hit");
      return found.promise;
    }
    this.#onLookup?.("miss");
    if (found) this.#entries.delete(key);
    const entry: Entry<V> = { promise: load(), expiresAt: Number.POSITIVE_INFINITY };
    this.#entries.set(key, entry);
    this.#evict();
    entry.promise.then(
      () => {
        entry.expiresAt = this.#now() + this.#ttlMs;
      },
      () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    return entry.promise;
  }

  clear(): void {
    this.#entries.clear();
  }

  #evict(): void {
    if (this.#entries.size <= this.#maxEntries) return;
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(key);
    }
    // Map iteration order is insertion order: drop the oldest until within bounds.
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break;
      this.#entries.delete(key);
    }
  }
}
