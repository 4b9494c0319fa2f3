/**
 * The embedded time-series store: what the PromQL evaluator reads when no Prometheus
 * is configured. In memory only: per series a SampleRing bounded by a retention time and a sample
 * count, an inverted label index (name → value → series ids) so `=` matchers don't scan every
 * series, and a series limit so a misbehaving exporter cannot exhaust memory. Appends follow the
 * Prometheus head's rules: per series, samples must come in time order (older ones are rejected
 * and counted); a repeat of the last timestamp with the same value is a no-op, with another value a
 * counted duplicate. Labels with empty values are dropped, as Prometheus treats them as absent.
 *
 * Staleness markers (`markStale`, written by the scraper when a series vanishes) end a series at
 * once instead of at the 5-minute lookback. `select` hands them apart from the samples
 * (`SelectedSeries.staleMarkers`), so a marker is never read as a value.
 */

import type { LabelMatcher, SelectedSeries, SeriesQueryable } from "../promql/storage.js";
import type { Labels } from "../source.js";
import { type CompiledMatcher, compileMatchers, matchesAll } from "./matchers.js";
import { SampleRing } from "./sampleRing.js";

export const DEFAULT_RETENTION_MS = 8 * 24 * 3600_000;
/** 8 days at a 15 s scrape interval. */
export const DEFAULT_MAX_SAMPLES_PER_SERIES = (8 * 24 * 3600) / 15;
export const DEFAULT_MAX_SERIES = 200_000;

export interface EmbeddedTSDBOptions {
  /** Samples older than the series' newest sample minus this are dropped. Default 8 days. */
  readonly retentionMs?: number;
  /** Ring size per series; when full the oldest sample is overwritten. Default 46,080. */
  readonly maxSamplesPerSeries?: number;
  /** New series beyond this many are refused (counted in `stats().rejectedSeriesLimit`). Default 200,000. */
  readonly maxSeries?: number;
}

/**
 * - `ok`: stored.
 * - `duplicate_same`: same timestamp and value as the series' last sample; nothing to do.
 * - `out_of_order`: older than the series' last sample; rejected.
 * - `duplicate`: same timestamp as the last sample but another value; rejected.
 * - `series_limit`: a new series while the store holds `maxSeries`; rejected.
 */
export type AppendStatus = "ok" | "duplicate_same" | "out_of_order" | "duplicate" | "series_limit";

export interface TSDBStats {
  readonly series: number;
  /** Stored samples, staleness markers included. */
  readonly samples: number;
  /** Samples appended (staleness markers not counted). */
  readonly appended: number;
  readonly rejectedOutOfOrder: number;
  readonly rejectedDuplicate: number;
  readonly rejectedSeriesLimit: number;
  /** Samples dropped by retention (time or ring size). */
  readonly expired: number;
}

interface MemSeries {
  readonly id: number;
  readonly key: string;
  readonly labels: Labels;
  /** Label pairs sorted by name, for Prometheus' label-set ordering. */
  readonly sorted: ReadonlyArray<readonly [string, string]>;
  readonly ring: SampleRing;
}

const SEP = "\xff";
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export class EmbeddedTSDB implements SeriesQueryable {
  readonly retentionMs: number;
  readonly maxSamplesPerSeries: number;
  readonly maxSeries: number;
  readonly #byKey = new Map<string, MemSeries>();
  readonly #byId = new Map<number, MemSeries>();
  /** name → value → ids of series carrying that pair. */
  readonly #index = new Map<string, Map<string, Set<number>>>();
  #nextId = 1;
  #samples = 0;
  #appended = 0;
  #outOfOrder = 0;
  #duplicate = 0;
  #seriesLimit = 0;
  #expired = 0;

  constructor(options: EmbeddedTSDBOptions = {}) {
    this.retentionMs = positive("retentionMs", options.retentionMs ?? DEFAULT_RETENTION_MS);
    this.maxSamplesPerSeries = positiveInt(
      "maxSamplesPerSeries",
      options.maxSamplesPerSeries ?? DEFAULT_MAX_SAMPLES_PER_SERIES,
    );
    this.maxSeries = positiveInt("maxSeries", options.maxSeries ?? DEFAULT_MAX_SERIES);
  }

  get seriesCount(): number {
    return this.#byKey.size;
  }

  get sampleCount(): number {
    return this.#samples;
  }

  stats(): TSDBStats {
    return {
      series: this.#byKey.size,
      samples: this.#samples,
      appended: this.#appended,
      rejectedOutOfOrder: this.#outOfOrder,
      rejectedDuplicate: this.#duplicate,
      rejectedSeriesLimit: this.#seriesLimit,
      expired: this.#expired,
    };
  }

  /**
   * Appends one sample (t in Unix ms). The fast path for the scraper, whose parser has already
   * checked names; `labels` must include a non-empty `__name__`.
   */
  append(labels: Labels, t: number, v: number): AppendStatus {
    const key = seriesKey(labels);
    let series = this.#byKey.get(key);
    if (series === undefined) {
      if (this.#byKey.size >= this.maxSeries) {
        this.#seriesLimit++;
        return "series_limit";
      }
      if (!labels.__name__) throw new Error(`embedded store: series ${describe(labels)} has no __name__`);
      series = this.#create(key, labels);
    }
    const ring = series.ring;
    const last = ring.lastTimestamp;
    if (last !== undefined && t <= last) {
      if (t < last) {
        this.#outOfOrder++;
        return "out_of_order";
      }
      const lastValue = ring.lastValue as number;
      if (!ring.lastStale && (Object.is(lastValue, v) || lastValue === v)) return "duplicate_same";
      this.#duplicate++;
      return "duplicate";
    }
    this.#push(ring, t, v, false);
    this.#appended++;
    return "ok";
  }

  /**
   * Appends a staleness marker at `t` to the series with these labels: from `t` on, until its next
   * sample, the series has no value (Prometheus' staleness). Never creates a series. Returns whether
   * a marker was stored; like Prometheus, it silently stores none when the series does not exist,
   * already ends in a marker, or has a sample at or after `t` (not counted as rejections).
   */
  markStale(labels: Labels, t: number): boolean {
    const series = this.#byKey.get(seriesKey(labels));
    if (series === undefined) return false;
    const ring = series.ring;
    const last = ring.lastTimestamp;
    if (last === undefined || t <= last || ring.lastStale) return false;
    this.#push(ring, t, Number.NaN, true);
    return true;
  }

  #push(ring: SampleRing, t: number, v: number, stale: boolean): void {
    const overwritten = ring.push(t, v, stale);
    const dropped = ring.dropBefore(t - this.retentionMs);
    this.#samples += 1 - overwritten - dropped;
    this.#expired += overwritten + dropped;
  }

  /**
   * The simulator's path: like `append`, but checks the metric name, label names and the sample
   * first, and throws an Error naming what is wrong (a bug in the caller, not a scrape to count).
   */
  ingest(labels: Labels, t: number, v: number): AppendStatus {
    const name = labels.__name__;
    if (name === undefined || !METRIC_NAME.test(name)) {
      throw new Error(`embedded store: invalid metric name ${JSON.stringify(name)} in ${describe(labels)}`);
    }
    for (const [k, value] of Object.entries(labels)) {
      if (k !== "__name__" && !LABEL_NAME.test(k)) {
        throw new Error(`embedded store: invalid label name ${JSON.stringify(k)} in ${describe(labels)}`);
      }
      if (typeof value !== "string") {
        throw new Error(`embedded store: label ${k} of ${describe(labels)} is not a string`);
      }
    }
    if (!Number.isFinite(t) || !Number.isInteger(t)) {
      throw new Error(
        `embedded store: timestamp ${t} of ${describe(labels)} is not an integer of milliseconds`,
      );
    }
    if (typeof v !== "number")
      throw new Error(`embedded store: value of ${describe(labels)} is not a number`);
    return this.append(labels, t, v);
  }

  /**
   * Samples of every series matching all matchers, within [startMs, endMs]; series without any are
   * left out. Staleness markers are not samples: their timestamps come apart, in `staleMarkers`.
   */
  select(matchers: readonly LabelMatcher[], startMs: number, endMs: number): SelectedSeries[] {
    const out: { series: MemSeries; selected: SelectedSeries }[] = [];
    for (const series of this.#matching(compileMatchers(matchers))) {
      const { timestamps, values, staleTimestamps } = series.ring.range(startMs, endMs);
      if (timestamps.length === 0) continue;
      const selected: SelectedSeries =
        staleTimestamps.length > 0
          ? { labels: series.labels, timestamps, values, staleMarkers: staleTimestamps }
          : { labels: series.labels, timestamps, values };
      out.push({ series, selected });
    }
    out.sort((a, b) => compareSorted(a.series.sorted, b.series.sorted));
    return out.map((o) => o.selected);
  }

  /**
   * Label sets of the series matching any of the matcher lists and having samples (staleness
   * markers included, as in Prometheus) in [startMs, endMs] (the Prometheus /api/v1/series
   * answer), sorted, without duplicates.
   */
  series(matcherSets: readonly (readonly LabelMatcher[])[], startMs: number, endMs: number): Labels[] {
    const found = new Map<number, MemSeries>();
    for (const matchers of matcherSets) {
      for (const s of this.#matching(compileMatchers(matchers))) {
        if (!found.has(s.id) && s.ring.countIn(startMs, endMs) > 0) found.set(s.id, s);
      }
    }
    return [...found.values()].sort((a, b) => compareSorted(a.sorted, b.sorted)).map((s) => s.labels);
  }

  /** Every label name in the store (including `__name__`), sorted. */
  labelNames(): string[] {
    return [...this.#index.keys()].sort(compareStrings);
  }

  /** Every value of label `name` in the store, sorted. */
  labelValues(name: string): string[] {
    return [...(this.#index.get(name)?.keys() ?? [])].sort(compareStrings);
  }

  /**
   * Drops samples older than `nowMs - retentionMs` and removes series left empty (pods that went
   * away), freeing their index entries. Returns how many series were removed.
   */
  gc(nowMs: number): number {
    const minT = nowMs - this.retentionMs;
    let removed = 0;
    for (const series of [...this.#byKey.values()]) {
      const dropped = series.ring.dropBefore(minT);
      this.#samples -= dropped;
      this.#expired += dropped;
      if (series.ring.length === 0) {
        this.#remove(series);
        removed++;
      }
    }
    return removed;
  }

  #create(key: string, labels: Labels): MemSeries {
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels)) if (v !== "") clean[k] = v;
    const sorted = Object.entries(clean).sort(([a], [b]) => compareStrings(a, b));
    const series: MemSeries = {
      id: this.#nextId++,
      key,
      labels: Object.freeze(clean),
      sorted,
      ring: new SampleRing(this.maxSamplesPerSeries),
    };
    this.#byKey.set(key, series);
    this.#byId.set(series.id, series);
    for (const [k, v] of sorted) {
      let values = this.#index.get(k);
      if (!values) {
        values = new Map();
        this.#index.set(k, values);
      }
      let ids = values.get(v);
      if (!ids) {
        ids = new Set();
        values.set(v, ids);
      }
      ids.add(series.id);
    }
    return series;
  }

  #remove(series: MemSeries): void {
    this.#byKey.delete(series.key);
    this.#byId.delete(series.id);
    for (const [k, v] of series.sorted) {
      const values = this.#index.get(k);
      const ids = values?.get(v);
      if (!values || !ids) continue;
      ids.delete(series.id);
      if (ids.size === 0) values.delete(v);
      if (values.size === 0) this.#index.delete(k);
    }
  }

  /**
   * Series matching every matcher. Matchers that reject the empty value narrow the candidates
   * through the index (a series lacking the label cannot match them); the rest filter afterwards.
   */
  *#matching(matchers: readonly CompiledMatcher[]): Generator<MemSeries> {
    let candidates: Set<number> | undefined;
    for (const m of matchers) {
      if (m.matches("")) continue;
      const postings = this.#postings(m);
      candidates = candidates === undefined ? postings : intersect(candidates, postings);
      if (candidates.size === 0) return;
    }
    if (candidates === undefined) {
      for (const series of this.#byId.values()) if (matchesAll(matchers, series.labels)) yield series;
      return;
    }
    for (const id of candidates) {
      const series = this.#byId.get(id);
      if (series && matchesAll(matchers, series.labels)) yield series;
    }
  }

  /** Ids of the series whose value of `m.name` the matcher accepts. */
  #postings(m: CompiledMatcher): Set<number> {
    const values = this.#index.get(m.name);
    if (!values) return new Set();
    if (m.type === "=") return new Set(values.get(m.value));
    const out = new Set<number>();
    for (const [value, ids] of values) if (m.matches(value)) for (const id of ids) out.add(id);
    return out;
  }
}

/** Identity of a label set: pairs sorted by name, empty values dropped. */
export function seriesKey(labels: Labels): string {
  const names = Object.keys(labels).sort(compareStrings);
  let key = "";
  for (const name of names) {
    const value = labels[name] as string;
    if (value === "") continue;
    key += `${name}${SEP}${value}${SEP}`;
  }
  return key;
}

function intersect(a: Set<number>, b: Set<number>): Set<number> {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  const out = new Set<number>();
  for (const id of small) if (large.has(id)) out.add(id);
  return out;
}

/** Prometheus' labels.Compare: pairwise by name, then value; a prefix sorts first. */
function compareSorted(
  a: ReadonlyArray<readonly [string, string]>,
  b: ReadonlyArray<readonly [string, string]>,
): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const [an, av] = a[i] as readonly [string, string];
    const [bn, bv] = b[i] as readonly [string, string];
    if (an !== bn) return compareStrings(an, bn);
    if (av !== bv) return compareStrings(av, bv);
  }
  return a.length - b.length;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function describe(labels: Labels): string {
  const { __name__: name, ...rest } = labels;
  const inner = Object.entries(rest)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(",");
  return `${name ?? ""}{${inner}}`;
}

function positive(field: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new Error(`EmbeddedTSDB: ${field} must be a positive number, got ${value}`);
  }
  return value;
}

function positiveInt(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`EmbeddedTSDB: ${field} must be a positive integer, got ${value}`);
  }
  return value;
}
