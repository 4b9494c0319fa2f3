/**
 * A small TTL cache for review answers (TokenReview and SubjectAccessReview, 10 s as the generic
 * API server's webhook caches), bounded by dropping the oldest entry.
 */
import type { Clock } from "../../clock.js";

export class TtlCache<V> {
  readonly #entries = new Map<string, { value: V; expiresMs: number }>();

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
}
