/**
 * Whether one query for a whole namespace answers each object exactly as the object's own query
 * does: the test behind batching (customProvider.ts). `wide` is a rule's query rendered for every
 * object (`pod!=""`), `single` the same rule rendered for one (`pod="a"`). Both are parsed and walked
 * side by side; the only difference allowed is the object's matcher, and every step between those
 * selectors and the result must keep each object's series apart ("object-local"): a series of the
 * answer with `pod="a"` must come only from input series with `pod="a"`, so it cannot change with
 * the other objects the query also selects.
 *
 * Object-local steps: selectors, ranges, subqueries, element-wise functions (rate, clamp,
 * histogram_quantile...), aggregations `by` the object label (or `without` other labels), binary
 * operations whose matching keeps the object label, or a `group_left`/`group_right` whose many side
 * is the objects, and constants (numbers, selectors without the object matcher) on the other side.
 * Everything else (an aggregation across objects, `topk` without `by`, `scalar()`, `absent()`,
 * `label_replace` writing the object label, `or` with a constant side, PromQL the embedded parser
 * does not know) is refused, and the request keeps its own query.
 */
import type { Expr, VectorMatching, VectorSelector } from "../../metrics/promql/ast.js";
import { PromQLError, parsePromQL } from "../../metrics/promql/index.js";
import type { LabelMatcher } from "../../metrics/promql/storage.js";

/**
 * `const`: identical in both queries. `local`: object-local (see above). `no`: neither, so the
 * two queries may answer an object differently.
 */
type Verdict = "const" | "local" | "no";

/** Functions applied to each series on its own, keeping its labels (all but `__name__`). */
const ELEMENTWISE: ReadonlySet<string> = new Set([
  "abs",
  "acos",
  "acosh",
  "asin",
  "asinh",
  "atan",
  "atanh",
  "avg_over_time",
  "ceil",
  "changes",
  "clamp",
  "clamp_max",
  "clamp_min",
  "cos",
  "cosh",
  "count_over_time",
  "day_of_month",
  "day_of_week",
  "day_of_year",
  "days_in_month",
  "deg",
  "delta",
  "deriv",
  "exp",
  "floor",
  "holt_winters",
  "hour",
  "idelta",
  "increase",
  "irate",
  "last_over_time",
  "ln",
  "log10",
  "log2",
  "max_over_time",
  "min_over_time",
  "minute",
  "month",
  "predict_linear",
  "present_over_time",
  "quantile_over_time",
  "rad",
  "rate",
  "resets",
  "round",
  "sgn",
  "sin",
  "sinh",
  "sort",
  "sort_desc",
  "sqrt",
  "stddev_over_time",
  "stdvar_over_time",
  "sum_over_time",
  "tan",
  "tanh",
  "timestamp",
  "year",
]);

/**
 * True when `wide` answers every object as `single` does. `single` must be `wide` with each object
 * matcher `label!=""` turned into `label="<name>"` (the caller checks the text); anything the
 * parser refuses is false.
 */
export function answersEachObject(wide: string, single: string, label: string): boolean {
  let wideExpr: Expr;
  let singleExpr: Expr;
  try {
    wideExpr = parsePromQL(wide);
    singleExpr = parsePromQL(single);
  } catch (err) {
    if (err instanceof PromQLError) return false;
    throw err;
  }
  return verdict(wideExpr, singleExpr, label) !== "no";
}

function verdict(w: Expr, s: Expr, label: string): Verdict {
  switch (w.kind) {
    case "number":
    case "string":
      return same(w, s) ? "const" : "no";
    case "vectorSelector":
      return s.kind === w.kind ? selectorVerdict(w, s, label) : "no";
    case "matrixSelector":
      return s.kind === w.kind && s.rangeMs === w.rangeMs ? verdict(w.selector, s.selector, label) : "no";
    case "subquery":
      return s.kind === w.kind &&
        s.rangeMs === w.rangeMs &&
        s.stepMs === w.stepMs &&
        s.offsetMs === w.offsetMs &&
        s.at === w.at
        ? verdict(w.expr, s.expr, label)
        : "no";
    case "unary":
      return s.kind === w.kind && s.op === w.op ? verdict(w.expr, s.expr, label) : "no";
    case "call": {
      if (s.kind !== w.kind || s.func !== w.func || s.args.length !== w.args.length) return "no";
      const args = w.args.map((arg, i) => verdict(arg, s.args[i] as Expr, label));
      if (args.includes("no")) return "no";
      if (args.every((a) => a === "const")) return "const";
      // One object-local vector or range argument; the others (φ, k, a label name) are constants.
      if (args.filter((a) => a === "local").length !== 1) return "no";
      if (ELEMENTWISE.has(w.func)) return "local";
      // histogram_quantile groups by every label but `le`.
      if (w.func === "histogram_quantile") return label === "le" ? "no" : "local";
      if (w.func === "label_replace" || w.func === "label_join") {
        const target = w.args[1];
        return target?.kind === "string" && target.value !== label ? "local" : "no";
      }
      // scalar(), vector(), absent(), absent_over_time() of the objects depend on all of them.
      return "no";
    }
    case "aggregate": {
      if (s.kind !== w.kind || s.op !== w.op || !same(w.grouping, s.grouping)) return "no";
      const param =
        w.param === undefined ? "const" : s.param === undefined ? "no" : verdict(w.param, s.param, label);
      if (param !== "const") return "no";
      const inner = verdict(w.expr, s.expr, label);
      if (inner !== "local") return inner;
      const grouping = w.grouping;
      if (!grouping) return "no";
      const keepsLabel = grouping.without
        ? !grouping.labels.includes(label)
        : grouping.labels.includes(label);
      // count_values writes its parameter as a label: it must not be the object's.
      if (w.op === "count_values" && w.param?.kind === "string" && w.param.value === label) return "no";
      return keepsLabel ? "local" : "no";
    }
    case "binary": {
      if (
        s.kind !== w.kind ||
        s.op !== w.op ||
        s.returnBool !== w.returnBool ||
        !same(w.matching, s.matching)
      ) {
        return "no";
      }
      const lhs = verdict(w.lhs, s.lhs, label);
      const rhs = verdict(w.rhs, s.rhs, label);
      if (lhs === "no" || rhs === "no") return "no";
      if (lhs === "const" && rhs === "const") return "const";
      // A scalar operand is const here (a scalar of the objects was refused above).
      if (!w.matching) return "local";
      return binaryVerdict(w.op, w.matching, lhs, rhs, label);
    }
  }
}

/** Vector-vector operation with at least one object-local side. */
function binaryVerdict(
  op: string,
  matching: VectorMatching,
  lhs: Verdict,
  rhs: Verdict,
  label: string,
): Verdict {
  // Series pair up only within one object when the object label is part of the match.
  const matchesOnLabel = matching.on ? matching.labels.includes(label) : !matching.labels.includes(label);
  if (op === "and" || op === "unless" || op === "or") {
    if (lhs === "local" && rhs === "local") return matchesOnLabel ? "local" : "no";
    // `objects and/unless constant` keeps or drops each object series on its own; `or` adds the
    // constant side's series wherever no object series matched, which depends on all objects.
    return lhs === "local" && op !== "or" ? "local" : "no";
  }
  if (lhs === "local" && rhs === "local") return matchesOnLabel ? "local" : "no";
  // One side is a constant. The object label must not come from it (group_x(label)).
  const oneSide = matching.card === "one-to-many" ? lhs : rhs;
  if (oneSide === "const" && matching.include.includes(label)) return "no";
  if (matchesOnLabel) return "local";
  // Matching across objects is exact only when each object series is on the "many" side.
  if (matching.card === "many-to-one") return lhs === "local" ? "local" : "no";
  if (matching.card === "one-to-many") return rhs === "local" ? "local" : "no";
  return "no";
}

/** An object selector differs from its single-object form only in the object's matcher. */
function selectorVerdict(w: VectorSelector, s: VectorSelector, label: string): Verdict {
  if (w.offsetMs !== s.offsetMs || w.at !== s.at || w.matchers.length !== s.matchers.length) return "no";
  let object = false;
  for (const [i, wm] of w.matchers.entries()) {
    const sm = s.matchers[i] as LabelMatcher;
    if (wm.name === sm.name && wm.type === sm.type && wm.value === sm.value) continue;
    if (wm.name !== label || sm.name !== label || wm.type !== "!=" || wm.value !== "" || sm.type !== "=") {
      return "no";
    }
    object = true;
  }
  return object ? "local" : "const";
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a, numbersAsText) === JSON.stringify(b, numbersAsText);
}

/** NaN and ±Inf would all print as null. */
function numbersAsText(_key: string, value: unknown): unknown {
  return typeof value === "number" ? String(value) : value;
}
