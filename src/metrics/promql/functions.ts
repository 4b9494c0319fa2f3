/**
 * Signatures of PromQL's functions and aggregations, as Prometheus' parser checks them
 * (promql/parser/functions.go), and which of them the evaluator implements. A function Prometheus
 * has but the evaluator lacks is refused by name ("function X is not supported by the embedded
 * store"), after the same argument checks Prometheus makes; a name Prometheus does not know at all
 * is a parse error, as there.
 */
import type { AggregateOp, FunctionName, ValueType } from "./ast.js";

export interface Signature {
  readonly args: readonly ValueType[];
  /**
   * 0: exactly `args`; n > 0: the last argument is optional, up to n of it; -1: the last argument
   * repeats without limit (label_join).
   */
  readonly variadic: number;
  readonly returns: "scalar" | "vector";
  /** Why the evaluator refuses it; absent when it is implemented. */
  readonly unsupported?: string;
}

const V: ValueType = "vector";
const M: ValueType = "matrix";
const S: ValueType = "scalar";
const STR: ValueType = "string";

const fn = (
  args: readonly ValueType[],
  returns: "scalar" | "vector" = "vector",
  variadic = 0,
): Signature => ({
  args,
  variadic,
  returns,
});
const missing = (sig: Signature, why: string): Signature => ({ ...sig, unsupported: why });

const MATH = fn([V]);
const OVER_TIME = fn([M]);
const DATE = fn([V], "vector", 1);
const NATIVE = "native histograms are not stored";
const NEWER = "it is not in Prometheus 2";

/** Every function of Prometheus 2.42, and the newer ones its grammar (the Lezer parser) knows. */
export const FUNCTIONS: Readonly<Record<string, Signature>> = {
  abs: MATH,
  absent: fn([V]),
  absent_over_time: OVER_TIME,
  acos: MATH,
  acosh: MATH,
  asin: MATH,
  asinh: MATH,
  atan: MATH,
  atanh: MATH,
  avg_over_time: OVER_TIME,
  ceil: MATH,
  changes: OVER_TIME,
  clamp: fn([V, S, S]),
  clamp_max: fn([V, S]),
  clamp_min: fn([V, S]),
  cos: MATH,
  cosh: MATH,
  count_over_time: OVER_TIME,
  days_in_month: DATE,
  day_of_month: DATE,
  day_of_week: DATE,
  day_of_year: DATE,
  deg: MATH,
  delta: OVER_TIME,
  deriv: OVER_TIME,
  exp: MATH,
  floor: MATH,
  histogram_count: missing(MATH, NATIVE),
  histogram_fraction: missing(fn([S, S, V]), NATIVE),
  histogram_quantile: fn([S, V]),
  histogram_sum: missing(MATH, NATIVE),
  holt_winters: fn([M, S, S]),
  hour: DATE,
  idelta: OVER_TIME,
  increase: OVER_TIME,
  irate: OVER_TIME,
  label_join: fn([V, STR, STR, STR], "vector", -1),
  label_replace: fn([V, STR, STR, STR, STR]),
  last_over_time: OVER_TIME,
  ln: MATH,
  log10: MATH,
  log2: MATH,
  max_over_time: OVER_TIME,
  min_over_time: OVER_TIME,
  minute: DATE,
  month: DATE,
  pi: fn([], "scalar"),
  predict_linear: fn([M, S]),
  present_over_time: OVER_TIME,
  quantile_over_time: fn([S, M]),
  rad: MATH,
  rate: OVER_TIME,
  resets: OVER_TIME,
  round: fn([V, S], "vector", 1),
  scalar: fn([V], "scalar"),
  sgn: MATH,
  sin: MATH,
  sinh: MATH,
  sort: fn([V]),
  sort_desc: fn([V]),
  sqrt: MATH,
  stddev_over_time: OVER_TIME,
  stdvar_over_time: OVER_TIME,
  sum_over_time: OVER_TIME,
  tan: MATH,
  tanh: MATH,
  time: fn([], "scalar"),
  timestamp: fn([V]),
  vector: fn([S]),
  year: DATE,
  // Prometheus 3 (some behind feature flags); Prometheus 2.42 does not parse them.
  double_exponential_smoothing: missing(fn([M, S, S]), NEWER),
  first_over_time: missing(OVER_TIME, NEWER),
  histogram_avg: missing(MATH, NATIVE),
  histogram_quantiles: missing(fn([V, STR, S], "vector", -1), NATIVE),
  histogram_stddev: missing(MATH, NATIVE),
  histogram_stdvar: missing(MATH, NATIVE),
  info: missing(fn([V, V], "vector", 1), NEWER),
  mad_over_time: missing(OVER_TIME, NEWER),
  sort_by_label: missing(fn([V, STR], "vector", -1), NEWER),
  sort_by_label_desc: missing(fn([V, STR], "vector", -1), NEWER),
  ts_of_first_over_time: missing(OVER_TIME, NEWER),
  ts_of_last_over_time: missing(OVER_TIME, NEWER),
  ts_of_max_over_time: missing(OVER_TIME, NEWER),
  ts_of_min_over_time: missing(OVER_TIME, NEWER),
};

/** The implemented function `name`, or undefined. */
export function implemented(name: string): FunctionName | undefined {
  const sig = FUNCTIONS[name];
  return sig !== undefined && sig.unsupported === undefined ? (name as FunctionName) : undefined;
}

/**
 * Functions whose result changes with the evaluation time even when their arguments do not
 * (Prometheus' AtModifierUnsafeFunctions).
 */
export const TIME_DEPENDENT: ReadonlySet<string> = new Set([
  "days_in_month",
  "day_of_month",
  "day_of_week",
  "day_of_year",
  "hour",
  "minute",
  "month",
  "year",
  "predict_linear",
  "time",
  "timestamp",
]);

/** Aggregation operators by the Lezer node name of their keyword. */
export const AGGREGATIONS: Readonly<Record<string, AggregateOp | { readonly unsupported: string }>> = {
  Sum: "sum",
  Avg: "avg",
  Min: "min",
  Max: "max",
  Count: "count",
  Group: "group",
  Stddev: "stddev",
  Stdvar: "stdvar",
  Topk: "topk",
  Bottomk: "bottomk",
  Quantile: "quantile",
  CountValues: "count_values",
  LimitK: { unsupported: "limitk" },
  LimitRatio: { unsupported: "limit_ratio" },
};

/** The aggregations that take a parameter, and its type. */
export const AGGREGATION_PARAM: Readonly<Partial<Record<AggregateOp, ValueType>>> = {
  topk: "scalar",
  bottomk: "scalar",
  quantile: "scalar",
  count_values: "string",
};
