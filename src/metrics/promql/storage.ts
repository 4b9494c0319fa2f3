/**
 * The PromQL evaluator's view of storage: select the raw samples of every series whose
 * labels match all matchers within a time range. The embedded store implements it; tests use an
 * in-memory array. Label sets include `__name__`.
 */
import type { Labels } from "../source.js";

export type MatchType = "=" | "!=" | "=~" | "!~";

export interface LabelMatcher {
  readonly name: string;
  readonly type: MatchType;
  readonly value: string;
}

/**
 * One series' samples in [startMs, endMs], ascending by time. Staleness markers are not samples
 * (they never appear in `timestamps`/`values`); their timestamps come apart in `staleMarkers`.
 */
export interface SelectedSeries {
  readonly labels: Labels;
  readonly timestamps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
  /**
   * Timestamps of Prometheus staleness markers in [startMs, endMs], ascending; absent or empty when
   * none. From a marker until the series' next sample, an instant selector finds no value (a
   * marker at the same timestamp as a sample does not hide it). Range selectors ignore markers.
   */
  readonly staleMarkers?: ArrayLike<number>;
}

export interface SeriesQueryable {
  select(matchers: readonly LabelMatcher[], startMs: number, endMs: number): SelectedSeries[];
}
