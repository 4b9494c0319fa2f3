/**
 * History of forecast targets, read through the MetricsSource port as step means (stepMeans.ts):
 * the demand query is sampled a few times per step, fetched in chunks (Prometheus refuses range
 * queries of more than 11,000 points per series), and each finished step is kept as the mean of its
 * samples, trimmed to the target's history length. Each call only asks for what is new (plus the last
 * finished step again: its samples may have been evaluated before their scrapes landed), so a call
 * costs what arrived since the last one, not the whole history.
 */
import type { Clock } from "../clock.js";
import type { MetricsSource } from "../metrics/source.js";
import { StepColumns } from "./stepColumns.js";
import { type Point, sampleSeconds, stepMeans } from "./stepMeans.js";
import { ForecastError } from "./types.js";

export type { Point };

/** Prometheus' limit on points per series per range query. */
export const MAX_POINTS_PER_REQUEST = 11_000;

export interface HistoryTarget {
  readonly name: string;
  readonly query: string;
  readonly stepSeconds: number;
  readonly historyMs: number;
}

export interface History {
  /** Finished steps, oldest first: [step start (unix ms), mean demand over the step]; gaps left out. */
  readonly steps: readonly Point[];
  /** The newest finite sample of the query (freshness, and demand now). */
  readonly lastSample: Point | undefined;
  /** The window asked for: steps from startMs, samples up to endMs. */
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
  /** Finished steps (compact: thousands of targets each keep weeks of them). */
  readonly steps: StepColumns;
  /** Samples of the last finished step and after (what the next call may revise or complete). */
  tail: Point[];
  lastSample: Point | undefined;
  /** Samples up to here have been asked for (data may end earlier). */
  fetchedUntilMs: number;
}

/** Fetch the query's samples over [fromMs, toMs] at `stepSeconds`, one series at most, in chunks. */
export async function fetchSamples(
  source: MetricsSource,
  query: string,
  range: { readonly fromMs: number; readonly toMs: number; readonly stepSeconds: number },
  options: { readonly maxPointsPerRequest?: number; readonly signal?: AbortSignal; readonly what: string },
): Promise<{ samples: Point[]; requests: number }> {
  const stepMs = range.stepSeconds * 1000;
  const chunkMs = Math.max(1, (options.maxPointsPerRequest ?? MAX_POINTS_PER_REQUEST) - 1) * stepMs;
  const samples: Point[] = [];
  let requests = 0;
  for (let from = range.fromMs; from <= range.toMs; from += chunkMs + stepMs) {
    const to = Math.min(range.toMs, from + chunkMs);
    const series = await source.range(
      query,
      new Date(from),
      new Date(to),
      range.stepSeconds,
      options.signal ? { signal: options.signal } : {},
    );
    requests++;
    if (series.length > 1)
      throw new ForecastError(
        `${options.what}: query must return one series; got ${series.length}: add sum() (or another aggregation) around ${query}`,
      );
    for (const p of series[0]?.points ?? []) samples.push([p[0], p[1]]);
  }
  return { samples, requests };
}

export class HistoryCache {
  readonly #opts: HistoryCacheOptions;
  readonly #entries = new Map<string, CacheEntry>();

  constructor(options: HistoryCacheOptions) {
    this.#opts = options;
  }

  /** The target's finished steps up to now, fetching only what the cache lacks. */
  async fetch(target: HistoryTarget, signal?: AbortSignal): Promise<History> {
    const stepMs = target.stepSeconds * 1000;
    const sampleMs = sampleSeconds(target.stepSeconds) * 1000;
    const now = this.#opts.clock.now();
    const endMs = Math.floor(now / sampleMs) * sampleMs;
    // The oldest step kept; its first sample lies just after its start.
    const startMs = Math.floor(now / stepMs) * stepMs - Math.floor(target.historyMs / stepMs) * stepMs;
    let entry = this.#entries.get(target.name);
    // A changed query or step invalidates what was cached.
    if (!entry || entry.query !== target.query || entry.stepSeconds !== target.stepSeconds) {
      entry = {
        query: target.query,
        stepSeconds: target.stepSeconds,
        steps: new StepColumns(),
        tail: [],
        lastSample: undefined,
        fetchedUntilMs: Number.NEGATIVE_INFINITY,
      };
      this.#entries.set(target.name, entry);
    }
    // Ask again from the start of the last finished step: its samples may have been revised.
    const lastStep = entry.steps.lastTime();
    const refetchFrom =
      lastStep === undefined ? entry.fetchedUntilMs : Math.min(entry.fetchedUntilMs, lastStep + sampleMs);
    const from = Math.max(
      startMs + sampleMs,
      Number.isFinite(refetchFrom) ? refetchFrom : startMs + sampleMs,
    );
    let requests = 0;
    if (from <= endMs) {
      const fetched = await fetchSamples(
        this.#opts.source,
        target.query,
        { fromMs: from, toMs: endMs, stepSeconds: sampleMs / 1000 },
        {
          ...(this.#opts.maxPointsPerRequest !== undefined
            ? { maxPointsPerRequest: this.#opts.maxPointsPerRequest }
            : {}),
          ...(signal ? { signal } : {}),
          what: `forecast target ${target.name}`,
        },
      );
      requests = fetched.requests;
      const samples = entry.tail.filter((p) => p[0] < from);
      for (const p of fetched.samples) samples.push(p);
      // Steps from the first one these samples touch are computed again.
      const firstStep = Math.ceil(from / stepMs) * stepMs - stepMs;
      const redone = stepMeans(samples, target.stepSeconds, firstStep, endMs);
      const kept = entry.steps;
      kept.dropFrom(firstStep);
      for (const [t, v] of redone) kept.push(t, v);
      const last = kept.lastTime();
      entry.tail = samples.filter((p) => last === undefined || p[0] > last);
      for (let i = samples.length - 1; i >= 0; i--) {
        const p = samples[i] as Point;
        if (Number.isFinite(p[1])) {
          entry.lastSample = p;
          break;
        }
      }
      entry.fetchedUntilMs = endMs;
    }
    entry.steps.dropBefore(startMs);
    return { steps: entry.steps.toPoints(), lastSample: entry.lastSample, startMs, endMs, requests };
  }

  /** Forget a target (e.g. removed from the config). */
  forget(name: string): void {
    this.#entries.delete(name);
  }
}
