/**
 * The byte budget shared by every Prometheus answer a process is receiving and parsing at once
 * (`prometheus.responseMemoryBudget`). The per-answer cap (`prometheus.maxResponseBytes`) alone
 * does not bound memory: four concurrent 140–150 MB answers took the process to 1.4–2.3 GB.
 *
 * Accounting. Each call opens a lease; the HTTP client reserves every body chunk in it as the chunk
 * arrives, and the lease is released only after the answer has been parsed, so the body, its string
 * and the JSON tree are all covered. A body byte is counted as MEMORY_PER_BODY_BYTE (config/schema.ts) bytes, the worst
 * shape measured on Node 20 (peak RSS growth of one answer alone, over its body size): a range
 * (matrix) answer 7.9× (Buffer chunks, their concatenation and the decoded string, 1× each; the JSON
 * tree, 2×; the [ms, value] points built from it, 3×), an instant vector 4.9×. Garbage is freed by
 * V8 some time after the lease is released, and results the caller keeps are the caller's: leave
 * headroom under the memory limit beyond the budget.
 *
 * When a chunk does not fit, the answer fails at once (the caller turns that into a 503, so the HPA
 * keeps its replica count) rather than waiting for room. Waiting in the middle of a body is
 * hold-and-wait: answers that each hold half of what they need would wait on each other until the
 * timeout and then all fail, and bodies of unknown size (Prometheus streams big answers chunked,
 * with no Content-Length) cannot be admitted up front. This is what the servers do with their own
 * memory bounds (Prometheus' `query.max-samples`, VictoriaMetrics' `search.maxMemoryPerQuery`:
 * the query fails, nobody waits); waiting is for the concurrency bound (`maxConcurrency`), where
 * callers hold nothing while they wait.
 *
 * Hand-written, not a library: without a wait line this is a counter with a check. Weighted
 * semaphores (async-mutex's `Semaphore`) exist for waiting, which is the part not wanted here.
 */

export class MemoryBudget {
  private used = 0;
  private highWater = 0;
  private refused = 0;

  constructor(readonly limitBytes: number) {
    if (!Number.isSafeInteger(limitBytes) || limitBytes < 1) {
      throw new RangeError(`memory budget must be a positive integer of bytes, got ${limitBytes}`);
    }
  }

  /** Bytes reserved now, across all leases. */
  get inUse(): number {
    return this.used;
  }

  /** The most ever reserved at once. Never above `limitBytes`. */
  get peak(): number {
    return this.highWater;
  }

  /** Reservations refused so far. */
  get refusals(): number {
    return this.refused;
  }

  /** A claim for one answer: grows with `reserve`, gives everything back with `release`. */
  open(): MemoryLease {
    let held = 0;
    let released = false;
    return {
      get held() {
        return held;
      },
      reserve: (bytes) => {
        if (released || this.used + bytes > this.limitBytes) {
          this.refused++;
          return false;
        }
        this.used += bytes;
        held += bytes;
        if (this.used > this.highWater) this.highWater = this.used;
        return true;
      },
      release: () => {
        if (released) return;
        released = true;
        this.used -= held;
        held = 0;
      },
    };
  }
}

export interface MemoryLease {
  /** Bytes this lease holds. */
  readonly held: number;
  /**
   * Adds `bytes` to the lease; false (and nothing reserved) when the budget has no room, or when
   * the lease was released (a late chunk of an answer already given up on).
   */
  reserve(bytes: number): boolean;
  /** Gives back everything held. Safe to call more than once. */
  release(): void;
}
