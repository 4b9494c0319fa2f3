/**
 * A SeriesQueryable over a fixed list of series held in arrays, for tests of the PromQL evaluator
 * (src/metrics/promql) and for the in-memory MetricsSource (memorySource.ts). The embedded store
 * has its own ring-buffer implementation (src/metrics/embedded/tsdb.ts).
 */

import { compileMatchers, matchesAll } from "../../src/metrics/embedded/matchers.js";
import type { LabelMatcher, SelectedSeries, SeriesQueryable } from "../../src/metrics/promql/storage.js";
import type { Labels } from "../../src/metrics/source.js";

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
        if (!matchesAll(compileMatchers(matchers), s.labels)) continue;
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
