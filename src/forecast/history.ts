/**
 * History of forecast targets, read through the MetricsSource port: fetched in chunks (Prometheus
 * refuses range queries of more than 11,000 points per series), cached per target, extended from
 * the last cached point on each call, and trimmed to the target's history length. Timestamps are
 * aligned to the step grid so that successive fetches land on the same points.
 */
import type { Clock } from "../clock.js";
import type { MetricsSource } from "../metrics/source.js";
import { ForecastError } from "./types.js";

/** Prometheus' limit on points per series per range query. */
export const MAX_POINTS_PER_REQUEST = 11_000;

export interface HistoryTarget {
  readonly name: string;
  readonly query: string;
  readonly stepSeconds: number;
  readonly historyMs: number;
}

export type Point = readonly [number, number];

export interface History {
  readonly points: readonly Point[];
  /** The window asked for: [startMs, endMs] on the step grid. */
  readonly startMs: number;
  readonly endMs: number;
  /** Range requests this call made (0 when the cache was already current). */
  readonly requests: number;
}

export interface HistoryCacheOptions {
  readonly source: MetricsSource;
  readonly clock: Clock;
  /** Default MAX_POINTS_PER_REQUEST; smaller in tests. */
  readonly maxPointsPerRequest?: number;
}

interface CacheEntry {
  readonly query: string;
  readonly stepSeconds: number;
  points: Point[];
  /** Everything up to here has been asked for (data may end earlier). */
  fetchedUntilMs: number;
}

export class HistoryCache {
  readonly #opts: HistoryCacheOptions;
  readonly #entries = new Map<string, CacheEntry>();

  constructor(options: HistoryCacheOptions) {
    this.#opts = options;
  }

  /** The target's history up to now, fetching only what the cache lacks. */
  async fetch(target: HistoryTarget, signal?: AbortSignal): Promise<History> {
    const stepMs = target.stepSeconds * 1000;
    const endMs = Math.floor(this.#opts.clock.now() / stepMs) * stepMs;
    const startMs = endMs - Math.floor(target.historyMs / stepMs) * stepMs;
    let entry = this.#entries.get(target.name);
    // A changed query or step invalidates what was cached.
    if (!entry || entry.query !== target.query || entry.stepSeconds !== target.stepSeconds) {
      entry = {
        query: target.query,
        stepSeconds: target.stepSeconds,
        points: [],
        fetchedUntilMs: Number.NEGATIVE_INFINITY,
      };
      this.#entries.set(target.name, entry);
    }
    // The last cached point is fetched again: it may have been evaluated before its scrapes landed.
    const from = Math.max(startMs, entry.fetchedUntilMs);
    const fresh: Point[] = [];
    let requests = 0;
    const chunkMs = Math.max(1, (this.#opts.maxPointsPerRequest ?? MAX_POINTS_PER_REQUEST) - 1) * stepMs;
    for (let chunkStart = from; chunkStart <= endMs; chunkStart += chunkMs + stepMs) {
      const chunkEnd = Math.min(endMs, chunkStart + chunkMs);
      const series = await this.#opts.source.range(
        target.query,
        new Date(chunkStart),
        new Date(chunkEnd),
        target.stepSeconds,
        signal ? { signal } : {},
      );
      requests++;
      if (series.length > 1) {
        throw new ForecastError(
          `forecast target ${target.name}: query must return one series; got ${series.length}: add sum() (or another aggregation) around ${target.query}`,
        );
      }
      for (const p of series[0]?.points ?? []) fresh.push([p[0], p[1]]);
    }
    const kept = entry.points.filter((p) => p[0] >= startMs && p[0] < from);
    for (const p of fresh) kept.push(p);
    entry.points = kept;
    entry.fetchedUntilMs = endMs;
    return { points: kept, startMs, endMs, requests };
  }

  /** Forget a target (e.g. removed from the config). */
  forget(name: string): void {
    this.#entries.delete(name);
  }
}
