/**
 * The PromQL evaluator of the embedded metrics store: parse with Prometheus' own
 * grammar, evaluate over a SeriesQueryable. See docs/promql.md for what is supported.
 */
export type { Expr } from "./ast.js";
export { PromQLError, type PromQLErrorKind, type PromQLPosition } from "./errors.js";
export { type EvaluateOptions, evaluateInstant, evaluateRange, LOOKBACK_DELTA_MS } from "./evaluate.js";
export { parsePromQL } from "./parse.js";
export type { LabelMatcher, MatchType, SelectedSeries, SeriesQueryable } from "./storage.js";
