/**
 * A SeriesQueryable over a fixed list of series held in arrays: for tests and for callers that
 * already have samples in memory. The embedded store has its own ring-buffer implementation.
 */
import type { Labels } from "../source.js";
import { matchesAll } from "./labels.js";
import type { LabelMatcher, SelectedSeries, SeriesQueryable } from "./storage.js";

export interface MemorySeries {
  readonly labels: Labels;
  /** [unix milliseconds, value], any order. */
  readonly samples: ReadonlyArray<readonly [number, number]>;
  /** Timestamps (unix milliseconds, any order) of staleness markers ending the series there. */
  readonly staleMarkers?: readonly number[];
}

export function memoryQueryable(series: readonly MemorySeries[]): SeriesQueryable {
  const sorted = series.map((s) => {
    const samples = [...s.samples].sort((a, b) => a[0] - b[0]);
    return {
      labels: s.labels,
      timestamps: samples.map((p) => p[0]),
      values: samples.map((p) => p[1]),
      stale: [...(s.staleMarkers ?? [])].sort((a, b) => a - b),
    };
  });
  return {
    select(matchers: readonly LabelMatcher[], startMs: number, endMs: number): SelectedSeries[] {
      const out: SelectedSeries[] = [];
      for (const s of sorted) {
        if (!matchesAll(matchers, s.labels)) continue;
        const from = s.timestamps.findIndex((t) => t >= startMs);
        if (from < 0) continue;
        let to = from;
        while (to < s.timestamps.length && (s.timestamps[to] as number) <= endMs) to++;
        if (to === from) continue;
        const stale = s.stale.filter((t) => t >= startMs && t <= endMs);
        out.push({
          labels: s.labels,
          timestamps: s.timestamps.slice(from, to),
          values: s.values.slice(from, to),
          ...(stale.length > 0 ? { staleMarkers: stale } : {}),
        });
      }
      return out;
    },
  };
}
