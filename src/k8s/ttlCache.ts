/**
 * A small TTL cache for review answers (TokenReview and SubjectAccessReview, 10 s as the generic
 * API server's webhook caches), bounded by dropping the oldest entry. `load` also shares one review
 * between the callers that miss the same key at the same time; a review that fails (or times out)
 * releases all of them with its error and is not cached.
 */
import type { Clock } from "../clock.js";

export class TtlCache<V> {
  readonly #entries = new Map<string, { value: V; expiresMs: number }>();
  readonly #inFlight = new Map<string, Promise<V>>();

  constructor(
    readonly ttlMs: number,
    readonly maxEntries: number,
    readonly clock: Clock,
  ) {}

  get(key: string): V | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    if (e.expiresMs <= this.clock.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { value, expiresMs: this.clock.now() + this.ttlMs });
  }

  /**
   * The cached value, else the review already under way for `key`, else a new one from `review`
   * (cached when it succeeds). `review` should carry its own deadline: every waiter is released
   * when it settles.
   */
  load(key: string, review: () => Promise<V>): Promise<V> {
    const cached = this.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending;
    const started = review().then(
      (value) => {
        this.#inFlight.delete(key);
        this.set(key, value);
        return value;
      },
      (err: unknown) => {
        this.#inFlight.delete(key);
        throw err;
      },
    );
    this.#inFlight.set(key, started);
    return started;
  }
}
