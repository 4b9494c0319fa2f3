/**
 * A MetricsSource whose range queries fit the server's limits: a range of more than
 * `maxPointsPerQuery` points per series is asked in consecutive chunks of at most that many, and a
 * chunk the server refuses for a samples or points limit (MetricsSourceError.limit) is halved and
 * asked again, down to `maxHalvings` times. Chunks are cut on the step grid (start + k·step), one
 * after the other, so the points stitched back are those of the one query: none twice, none lost.
 * Instant and series calls pass through. Chunks run one at a time: a history read is not urgent,
 * and the server's limits are there to keep it from being loaded at once.
 */
import { labelsKey } from "./promql/labels.js";
import {
  type CallOptions,
  type InstantResult,
  type Labels,
  type MetricsSource,
  MetricsSourceError,
  type RangeSeries,
} from "./source.js";

export interface RangeSplitOptions {
  /** Points per series of one range query: Prometheus refuses more than 11,000. */
  readonly maxPointsPerQuery: number;
  /** Halvings of a chunk refused for a limit before the error is given up to the caller; default 6 (1/64). */
  readonly maxHalvings?: number;
  /**
   * Each query sent after a range's first: `points` (a planned chunk) or `limit` (a half of a chunk
   * the server refused). A range's queries are 1 + the calls.
   */
  readonly onSplit?: (reason: "points" | "limit") => void;
}

const DEFAULT_MAX_HALVINGS = 6;

export class RangeSplitSource implements MetricsSource {
  private readonly maxPoints: number;
  private readonly maxHalvings: number;

  constructor(
    private readonly inner: MetricsSource,
    private readonly options: RangeSplitOptions,
  ) {
    if (!(Number.isSafeInteger(options.maxPointsPerQuery) && options.maxPointsPerQuery >= 1))
      throw new RangeError(`maxPointsPerQuery must be a positive integer, got ${options.maxPointsPerQuery}`);
    this.maxPoints = options.maxPointsPerQuery;
    this.maxHalvings = options.maxHalvings ?? DEFAULT_MAX_HALVINGS;
  }

  instant(query: string, at?: Date, options?: CallOptions): Promise<InstantResult> {
    return this.inner.instant(query, at, options);
  }

  series(match: readonly string[], start: Date, end: Date, options?: CallOptions): Promise<Labels[]> {
    return this.inner.series(match, start, end, options);
  }

  async range(
    query: string,
    start: Date,
    end: Date,
    stepSeconds: number,
    options?: CallOptions,
  ): Promise<RangeSeries[]> {
    const startMs = start.getTime();
    const stepMs = stepSeconds * 1000;
    const spanMs = end.getTime() - startMs;
    // What the server must refuse (no step, end before start) is left to it, with its own words.
    if (!(stepMs > 0) || !(spanMs >= 0) || !Number.isFinite(spanMs))
      return this.inner.range(query, start, end, stepSeconds, options);
    const points = Math.floor(spanMs / stepMs) + 1;
    const chunks: RangeSeries[][] = [];
    for (let first = 0; first < points; first += this.maxPoints) {
      const count = Math.min(this.maxPoints, points - first);
      const reason = first > 0 ? "points" : undefined;
      chunks.push(await this.chunk(query, startMs, stepMs, first, count, stepSeconds, options, 0, reason));
    }
    return chunks.length === 1 ? (chunks[0] as RangeSeries[]) : stitch(chunks.flat());
  }

  /** Points first..first+count-1 of the grid; halved and asked again when refused for a limit. */
  private async chunk(
    query: string,
    startMs: number,
    stepMs: number,
    first: number,
    count: number,
    stepSeconds: number,
    options: CallOptions | undefined,
    halvings: number,
    reason: "points" | "limit" | undefined,
  ): Promise<RangeSeries[]> {
    const from = new Date(startMs + first * stepMs);
    const to = new Date(startMs + (first + count - 1) * stepMs);
    if (reason) this.options.onSplit?.(reason);
    try {
      return await this.inner.range(query, from, to, stepSeconds, options);
    } catch (err) {
      const splittable =
        err instanceof MetricsSourceError && (err.limit === "samples" || err.limit === "points");
      if (!splittable) throw err;
      if (count < 2 || halvings >= this.maxHalvings) {
        throw new MetricsSourceError(
          err.kind,
          `${err.message} (still refused with ${count} points per series, after splitting the range ${halvings} times)`,
          { cause: err, ...(err.limit !== undefined && { limit: err.limit }) },
        );
      }
      const half = Math.ceil(count / 2);
      const head = await this.chunk(
        query,
        startMs,
        stepMs,
        first,
        half,
        stepSeconds,
        options,
        halvings + 1,
        "limit",
      );
      const tail = await this.chunk(
        query,
        startMs,
        stepMs,
        first + half,
        count - half,
        stepSeconds,
        options,
        halvings + 1,
        "limit",
      );
      return stitch([...head, ...tail]);
    }
  }
}

/**
 * One series per label set, points in time order. A point at or before the last one kept is
 * dropped: chunks do not overlap, but a server that aligns start and end to the step
 * (VictoriaMetrics with its cache on) could answer a boundary point twice.
 */
function stitch(parts: readonly RangeSeries[]): RangeSeries[] {
  const bySeries = new Map<string, { labels: Labels; points: (readonly [number, number])[] }>();
  for (const part of parts) {
    const key = labelsKey(part.labels);
    let series = bySeries.get(key);
    if (!series) {
      series = { labels: part.labels, points: [] };
      bySeries.set(key, series);
    }
    for (const point of part.points) {
      const last = series.points[series.points.length - 1];
      if (last === undefined || point[0] > last[0]) series.points.push(point);
    }
  }
  return [...bySeries.values()];
}
