/**
 * The validated syntax tree of the PromQL subset the embedded store evaluates. `parsePromQL` builds
 * it from the Lezer tree of Prometheus' own grammar; every node carries its result type, checked as
 * Prometheus checks it, so the evaluator never meets an ill-typed node.
 */
import type { LabelMatcher } from "./storage.js";

export type ValueType = "scalar" | "vector" | "matrix" | "string";

/** `@ <time>` on a selector: Unix milliseconds, or the query's start/end. */
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

export type FunctionName =
  | "rate"
  | "irate"
  | "increase"
  | "delta"
  | "avg_over_time"
  | "min_over_time"
  | "max_over_time"
  | "sum_over_time"
  | "count_over_time"
  | "last_over_time"
  | "quantile_over_time"
  | "histogram_quantile"
  | "scalar"
  | "vector"
  | "time"
  | "abs"
  | "ceil"
  | "floor"
  | "sqrt"
  | "exp"
  | "ln"
  | "log2"
  | "log10"
  | "clamp"
  | "clamp_min"
  | "clamp_max";

export interface FunctionCall {
  readonly kind: "call";
  readonly type: "scalar" | "vector";
  readonly func: FunctionName;
  readonly args: readonly Expr[];
}

export type AggregateOp = "sum" | "avg" | "min" | "max" | "count" | "topk" | "bottomk" | "quantile";

export interface Aggregate {
  readonly kind: "aggregate";
  readonly type: "vector";
  readonly op: AggregateOp;
  readonly expr: Expr;
  /** The scalar parameter of topk/bottomk/quantile. */
  readonly param?: Expr;
  /** `by (...)` (without=false) or `without (...)` (without=true); absent: aggregate everything. */
  readonly grouping?: { readonly without: boolean; readonly labels: readonly string[] };
}

export type ArithmeticOp = "+" | "-" | "*" | "/" | "%" | "^";
export type ComparisonOp = "==" | "!=" | ">" | "<" | ">=" | "<=";
export type BinaryOp = ArithmeticOp | ComparisonOp;

export interface VectorMatching {
  /** `on (...)` when true, `ignoring (...)` when false (no modifier: ignoring nothing). */
  readonly on: boolean;
  readonly labels: readonly string[];
  /** One-to-one, or many-to-one (`group_left`) / one-to-many (`group_right`). */
  readonly card: "one-to-one" | "many-to-one" | "one-to-many";
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
  | FunctionCall
  | Aggregate
  | Binary
  | Unary;
