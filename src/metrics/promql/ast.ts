/**
 * The validated syntax tree of the PromQL subset the embedded store evaluates. `parsePromQL` builds
 * it from the Lezer tree of Prometheus' own grammar; every node carries its result type, checked as
 * Prometheus checks it, so the evaluator never meets an ill-typed node. Parentheses leave no node:
 * Prometheus' engine unwraps them before it looks at an argument (absent(), timestamp(), rate()).
 */
import type { LabelMatcher } from "./storage.js";

export type ValueType = "scalar" | "vector" | "matrix" | "string";

/** `@ <time>` on a selector or subquery: Unix milliseconds, or the query's start/end. */
export type AtModifier = number | "start" | "end";

export interface NumberLiteral {
  readonly kind: "number";
  readonly type: "scalar";
  readonly value: number;
}

export interface StringLiteral {
  readonly kind: "string";
  readonly type: "string";
  readonly value: string;
}

export interface VectorSelector {
  readonly kind: "vectorSelector";
  readonly type: "vector";
  readonly matchers: readonly LabelMatcher[];
  /** Milliseconds; positive looks back. */
  readonly offsetMs: number;
  readonly at?: AtModifier;
}

export interface MatrixSelector {
  readonly kind: "matrixSelector";
  readonly type: "matrix";
  readonly selector: VectorSelector;
  readonly rangeMs: number;
}

/** `expr[range:step]`: `expr` evaluated at the multiples of `step` inside each range window. */
export interface Subquery {
  readonly kind: "subquery";
  readonly type: "matrix";
  readonly expr: Expr;
  readonly rangeMs: number;
  /** Absent: the default evaluation interval (`[5m:]`). */
  readonly stepMs?: number;
  readonly offsetMs: number;
  readonly at?: AtModifier;
}

/** The functions the evaluator implements (src/metrics/promql/functions.ts has their signatures). */
export type FunctionName =
  | "abs"
  | "absent"
  | "absent_over_time"
  | "acos"
  | "acosh"
  | "asin"
  | "asinh"
  | "atan"
  | "atanh"
  | "avg_over_time"
  | "ceil"
  | "changes"
  | "clamp"
  | "clamp_max"
  | "clamp_min"
  | "cos"
  | "cosh"
  | "count_over_time"
  | "days_in_month"
  | "day_of_month"
  | "day_of_week"
  | "day_of_year"
  | "deg"
  | "delta"
  | "deriv"
  | "exp"
  | "floor"
  | "histogram_quantile"
  | "holt_winters"
  | "hour"
  | "idelta"
  | "increase"
  | "irate"
  | "label_join"
  | "label_replace"
  | "last_over_time"
  | "ln"
  | "log10"
  | "log2"
  | "max_over_time"
  | "min_over_time"
  | "minute"
  | "month"
  | "pi"
  | "predict_linear"
  | "present_over_time"
  | "quantile_over_time"
  | "rad"
  | "rate"
  | "resets"
  | "round"
  | "scalar"
  | "sgn"
  | "sin"
  | "sinh"
  | "sort"
  | "sort_desc"
  | "sqrt"
  | "stddev_over_time"
  | "stdvar_over_time"
  | "sum_over_time"
  | "tan"
  | "tanh"
  | "time"
  | "timestamp"
  | "vector"
  | "year";

export interface FunctionCall {
  readonly kind: "call";
  readonly type: "scalar" | "vector";
  readonly func: FunctionName;
  readonly args: readonly Expr[];
}

export type AggregateOp =
  | "sum"
  | "avg"
  | "min"
  | "max"
  | "count"
  | "group"
  | "stddev"
  | "stdvar"
  | "topk"
  | "bottomk"
  | "quantile"
  | "count_values";

export interface Aggregate {
  readonly kind: "aggregate";
  readonly type: "vector";
  readonly op: AggregateOp;
  readonly expr: Expr;
  /** The parameter of topk/bottomk/quantile (a scalar) and count_values (a string). */
  readonly param?: Expr;
  /** `by (...)` (without=false) or `without (...)` (without=true); absent: aggregate everything. */
  readonly grouping?: { readonly without: boolean; readonly labels: readonly string[] };
}

export type ArithmeticOp = "+" | "-" | "*" | "/" | "%" | "^" | "atan2";
export type ComparisonOp = "==" | "!=" | ">" | "<" | ">=" | "<=";
export type SetOp = "and" | "or" | "unless";
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

export interface VectorMatching {
  /** `on (...)` when true, `ignoring (...)` when false (no modifier: ignoring nothing). */
  readonly on: boolean;
  readonly labels: readonly string[];
  /**
   * One-to-one, many-to-one (`group_left`), one-to-many (`group_right`), or many-to-many (the set
   * operators `and`, `or`, `unless`).
   */
  readonly card: "one-to-one" | "many-to-one" | "one-to-many" | "many-to-many";
  /** Labels copied from the "one" side (`group_left(...)`). */
  readonly include: readonly string[];
}

export interface Binary {
  readonly kind: "binary";
  readonly type: "scalar" | "vector";
  readonly op: BinaryOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
  /** The `bool` modifier of a comparison. */
  readonly returnBool: boolean;
  /** Only for vector-vector operations. */
  readonly matching?: VectorMatching;
}

export interface Unary {
  readonly kind: "unary";
  readonly type: "scalar" | "vector";
  readonly op: "-" | "+";
  readonly expr: Expr;
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | Subquery
  | FunctionCall
  | Aggregate
  | Binary
  | Unary;
