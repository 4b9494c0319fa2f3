/**
 * One series' samples in the embedded store: a ring buffer of (timestamp, value) pairs in two
 * Float64Arrays, ascending by time. It starts small and doubles up to `maxSamples`; once full, a
 * new sample overwrites the oldest. `dropBefore` trims samples past the retention time. Reads
 * binary-search the time range and copy it out (the ring may wrap, and callers must not see later
 * writes).
 */

const INITIAL_CAPACITY = 16;

export interface SampleRange {
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
}

export class SampleRing {
  readonly maxSamples: number;
  #timestamps: Float64Array;
  #values: Float64Array;
  /** Physical index of the oldest sample. */
  #head = 0;
  #length = 0;

  constructor(maxSamples: number) {
    if (!Number.isInteger(maxSamples) || maxSamples < 1) {
      throw new Error(`SampleRing: maxSamples must be a positive integer, got ${maxSamples}`);
    }
    this.maxSamples = maxSamples;
    const capacity = Math.min(INITIAL_CAPACITY, maxSamples);
    this.#timestamps = new Float64Array(capacity);
    this.#values = new Float64Array(capacity);
  }

  get length(): number {
    return this.#length;
  }

  /** Timestamp of the newest sample, or undefined when empty. */
  get lastTimestamp(): number | undefined {
    return this.#length === 0 ? undefined : this.#timestampAt(this.#length - 1);
  }

  /** Value of the newest sample, or undefined when empty. */
  get lastValue(): number | undefined {
    return this.#length === 0 ? undefined : this.#values[this.#physical(this.#length - 1)];
  }

  /** Timestamp of the oldest sample, or undefined when empty. */
  get firstTimestamp(): number | undefined {
    return this.#length === 0 ? undefined : this.#timestampAt(0);
  }

  /**
   * Appends a sample. The caller guarantees `t` is later than `lastTimestamp` (the store rejects
   * out-of-order samples before they get here). Returns how many old samples were overwritten (0 or 1).
   */
  push(t: number, v: number): number {
    const capacity = this.#timestamps.length;
    if (this.#length < capacity) {
      const i = this.#physical(this.#length);
      this.#timestamps[i] = t;
      this.#values[i] = v;
      this.#length++;
      return 0;
    }
    if (capacity < this.maxSamples) {
      this.#resize(Math.min(capacity * 2, this.maxSamples));
      return this.push(t, v);
    }
    // Full at its maximum: overwrite the oldest.
    this.#timestamps[this.#head] = t;
    this.#values[this.#head] = v;
    this.#head = (this.#head + 1) % capacity;
    return 1;
  }

  /** Drops samples older than `minT`; returns how many were dropped. */
  dropBefore(minT: number): number {
    const keepFrom = this.#lowerBound(minT);
    if (keepFrom === 0) return 0;
    this.#head = this.#physical(keepFrom);
    this.#length -= keepFrom;
    if (this.#length === 0) this.#head = 0;
    this.#shrinkIfSparse();
    return keepFrom;
  }

  /** Number of samples with startMs <= t <= endMs. */
  countIn(startMs: number, endMs: number): number {
    if (endMs < startMs) return 0;
    return this.#upperBound(endMs) - this.#lowerBound(startMs);
  }

  /** Copies of the samples with startMs <= t <= endMs, ascending. */
  range(startMs: number, endMs: number): SampleRange {
    const from = this.#lowerBound(startMs);
    const to = endMs < startMs ? from : this.#upperBound(endMs);
    const n = Math.max(0, to - from);
    const timestamps = new Float64Array(n);
    const values = new Float64Array(n);
    if (n === 0) return { timestamps, values };
    const capacity = this.#timestamps.length;
    const start = this.#physical(from);
    const firstPart = Math.min(n, capacity - start);
    timestamps.set(this.#timestamps.subarray(start, start + firstPart), 0);
    values.set(this.#values.subarray(start, start + firstPart), 0);
    if (firstPart < n) {
      timestamps.set(this.#timestamps.subarray(0, n - firstPart), firstPart);
      values.set(this.#values.subarray(0, n - firstPart), firstPart);
    }
    return { timestamps, values };
  }

  #physical(logical: number): number {
    return (this.#head + logical) % this.#timestamps.length;
  }

  #timestampAt(logical: number): number {
    return this.#timestamps[this.#physical(logical)] as number;
  }

  /** First logical index with timestamp >= t (length if none). */
  #lowerBound(t: number): number {
    let lo = 0;
    let hi = this.#length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#timestampAt(mid) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First logical index with timestamp > t (length if none). */
  #upperBound(t: number): number {
    let lo = 0;
    let hi = this.#length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#timestampAt(mid) <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #resize(capacity: number): void {
    const { timestamps, values } = this.range(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
    this.#timestamps = new Float64Array(capacity);
    this.#values = new Float64Array(capacity);
    this.#timestamps.set(timestamps);
    this.#values.set(values);
    this.#head = 0;
  }

  /** After retention trims most of a large buffer, give the memory back. */
  #shrinkIfSparse(): void {
    const capacity = this.#timestamps.length;
    if (capacity > INITIAL_CAPACITY * 4 && this.#length * 4 < capacity) {
      this.#resize(Math.max(INITIAL_CAPACITY, this.#length * 2));
    }
  }
}
