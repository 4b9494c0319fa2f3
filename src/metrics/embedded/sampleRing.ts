/**
 * One series' samples in the embedded store: a ring buffer of (timestamp, value) pairs in two
 * Float64Arrays, ascending by time. It starts small and doubles up to `maxSamples`; once full, a
 * new sample overwrites the oldest. `dropBefore` trims samples past the retention time. Reads
 * binary-search the time range and copy it out (the ring may wrap, and callers must not see later
 * writes).
 *
 * A sample may be a staleness marker (Prometheus' "this series ended here"). Prometheus tags it
 * with a special NaN bit pattern; NaN payloads do not survive JavaScript reliably, so the ring
 * keeps an explicit flag per sample instead, in a byte array allocated only once a series gets its
 * first marker (most series never do). Reads hand markers back apart from the real samples, so a
 * marker can never be mistaken for a value, and a real NaN from an exporter stays a sample.
 */

const INITIAL_CAPACITY = 16;
const NO_MARKERS = new Float64Array(0);

export interface SampleRange {
  /** Real samples only: staleness markers are never in here. */
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  /** Timestamps of the staleness markers in the range, ascending (empty if none). */
  readonly staleTimestamps: Float64Array;
}

export class SampleRing {
  readonly maxSamples: number;
  #timestamps: Float64Array;
  #values: Float64Array;
  /** 1 where the sample is a staleness marker; allocated at the first marker. */
  #stale: Uint8Array | undefined;
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

  /** Whether the newest sample is a staleness marker (false when empty). */
  get lastStale(): boolean {
    return (
      this.#length > 0 && this.#stale !== undefined && this.#stale[this.#physical(this.#length - 1)] === 1
    );
  }

  /** Timestamp of the oldest sample, or undefined when empty. */
  get firstTimestamp(): number | undefined {
    return this.#length === 0 ? undefined : this.#timestampAt(0);
  }

  /**
   * Appends a sample, or with `stale` a staleness marker (its value is stored as NaN but flagged).
   * The caller guarantees `t` is later than `lastTimestamp` (the store rejects out-of-order samples
   * before they get here). Returns how many old samples were overwritten (0 or 1).
   */
  push(t: number, v: number, stale = false): number {
    if (stale && this.#stale === undefined) this.#stale = new Uint8Array(this.#timestamps.length);
    const capacity = this.#timestamps.length;
    let i: number;
    let overwritten = 0;
    if (this.#length < capacity) {
      i = this.#physical(this.#length);
      this.#length++;
    } else if (capacity < this.maxSamples) {
      this.#resize(Math.min(capacity * 2, this.maxSamples));
      return this.push(t, v, stale);
    } else {
      // Full at its maximum: overwrite the oldest.
      i = this.#head;
      this.#head = (this.#head + 1) % capacity;
      overwritten = 1;
    }
    this.#timestamps[i] = t;
    this.#values[i] = stale ? Number.NaN : v;
    if (this.#stale !== undefined) this.#stale[i] = stale ? 1 : 0;
    return overwritten;
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

  /**
   * Copies of the real samples with startMs <= t <= endMs, ascending, and apart from them the
   * timestamps of the staleness markers in that range.
   */
  range(startMs: number, endMs: number): SampleRange {
    const from = this.#lowerBound(startMs);
    const to = endMs < startMs ? from : this.#upperBound(endMs);
    const n = Math.max(0, to - from);
    const stale = this.#stale;
    if (stale !== undefined) {
      let markers = 0;
      for (let k = from; k < to; k++) markers += stale[this.#physical(k)] as number;
      if (markers > 0) return this.#split(from, to, markers, stale);
    }
    const timestamps = new Float64Array(n);
    const values = new Float64Array(n);
    if (n === 0) return { timestamps, values, staleTimestamps: NO_MARKERS };
    const capacity = this.#timestamps.length;
    const start = this.#physical(from);
    const firstPart = Math.min(n, capacity - start);
    timestamps.set(this.#timestamps.subarray(start, start + firstPart), 0);
    values.set(this.#values.subarray(start, start + firstPart), 0);
    if (firstPart < n) {
      timestamps.set(this.#timestamps.subarray(0, n - firstPart), firstPart);
      values.set(this.#values.subarray(0, n - firstPart), firstPart);
    }
    return { timestamps, values, staleTimestamps: NO_MARKERS };
  }

  /** range() when [from, to) holds `markers` staleness markers: real samples and markers apart. */
  #split(from: number, to: number, markers: number, stale: Uint8Array): SampleRange {
    const timestamps = new Float64Array(to - from - markers);
    const values = new Float64Array(to - from - markers);
    const staleTimestamps = new Float64Array(markers);
    let r = 0;
    let m = 0;
    for (let k = from; k < to; k++) {
      const i = this.#physical(k);
      if (stale[i] === 1) {
        staleTimestamps[m++] = this.#timestamps[i] as number;
      } else {
        timestamps[r] = this.#timestamps[i] as number;
        values[r++] = this.#values[i] as number;
      }
    }
    return { timestamps, values, staleTimestamps };
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
    const n = this.#length;
    const timestamps = new Float64Array(capacity);
    const values = new Float64Array(capacity);
    const old = this.#stale;
    let stale: Uint8Array | undefined;
    let markers = 0;
    if (old !== undefined) for (let k = 0; k < n; k++) markers += old[this.#physical(k)] as number;
    // Markers all dropped by retention: give the flag array back too.
    if (markers > 0) stale = new Uint8Array(capacity);
    for (let k = 0; k < n; k++) {
      const i = this.#physical(k);
      timestamps[k] = this.#timestamps[i] as number;
      values[k] = this.#values[i] as number;
      if (stale !== undefined) stale[k] = (old as Uint8Array)[i] as number;
    }
    this.#timestamps = timestamps;
    this.#values = values;
    this.#stale = stale;
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
