/**
 * A MetricsSource whose series hold value(t) = t / 1000 on whatever grid a range query asks for (NaN
 * where `gap` says), recording every range call: for tests of what reads history in chunks.
 */
import type { MetricsSource, RangeSeries } from "../../src/metrics/source.js";

export interface GridSourceOptions {
  /** Identical series in each answer, labelled i="0", i="1", … (default 1). */
  readonly seriesCount?: number;
  readonly gap?: (t: number) => boolean;
}

export interface RangeCall {
  readonly start: number;
  readonly end: number;
  readonly step: number;
  readonly points: number;
}

export function gridSource(options: GridSourceOptions = {}): { source: MetricsSource; calls: RangeCall[] } {
  const { seriesCount = 1, gap = () => false } = options;
  const calls: RangeCall[] = [];
  const source: MetricsSource = {
    instant: () => Promise.reject(new Error("not used")),
    series: () => Promise.reject(new Error("not used")),
    async range(_query, start, end, stepSeconds) {
      const points: [number, number][] = [];
      for (let t = start.getTime(); t <= end.getTime(); t += stepSeconds * 1000)
        points.push([t, gap(t) ? Number.NaN : t / 1000]);
      calls.push({ start: start.getTime(), end: end.getTime(), step: stepSeconds, points: points.length });
      const out: RangeSeries[] = [];
      for (let i = 0; i < seriesCount; i++) out.push({ labels: { i: String(i) }, points });
      return out;
    },
  };
  return { source, calls };
}
