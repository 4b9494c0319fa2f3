/**
 * The PromQL evaluator's view of storage (issue 6 §3): select the raw samples of every series whose
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

/** One series' samples in [startMs, endMs], ascending by time. */
export interface SelectedSeries {
  readonly labels: Labels;
  readonly timestamps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

export interface SeriesQueryable {
  select(matchers: readonly LabelMatcher[], startMs: number, endMs: number): SelectedSeries[];
}
