/**
 * parsePromQL: Prometheus' own Lezer grammar (@prometheus-io/lezer-promql) tokenises and parses; this
 * module walks its syntax tree into our validated AST (ast.ts), applying the checks Prometheus' Go
 * parser makes (types, modifiers, matchers) and refusing what the evaluator does not implement with
 * an error naming the construct. No hand-written parser: only the tree walk is ours.
 */
import type { SyntaxNode } from "@lezer/common";
import { parser } from "@prometheus-io/lezer-promql";
import { RE2JS } from "re2js";
import type {
  Aggregate,
  AggregateOp,
  AtModifier,
  BinaryOp,
  Expr,
  FunctionName,
  MatrixSelector,
  ValueType,
  VectorMatching,
  VectorSelector,
} from "./ast.js";
import { PromQLError, positionOf, unsupported } from "./errors.js";
import { parseDuration, parseNumber, unquote } from "./literals.js";
import type { LabelMatcher, MatchType } from "./storage.js";

const TYPE_NAMES: Readonly<Record<ValueType, string>> = {
  scalar: "scalar",
  vector: "instant vector",
  matrix: "range vector",
  string: "string",
};

interface Signature {
  readonly args: readonly ValueType[];
  readonly returns: "scalar" | "vector";
}

const RANGE_FN: Signature = { args: ["matrix"], returns: "vector" };
const MATH_FN: Signature = { args: ["vector"], returns: "vector" };

const FUNCTIONS: Readonly<Record<FunctionName, Signature>> = {
  rate: RANGE_FN,
  irate: RANGE_FN,
  increase: RANGE_FN,
  delta: RANGE_FN,
  avg_over_time: RANGE_FN,
  min_over_time: RANGE_FN,
  max_over_time: RANGE_FN,
  sum_over_time: RANGE_FN,
  count_over_time: RANGE_FN,
  last_over_time: RANGE_FN,
  quantile_over_time: { args: ["scalar", "matrix"], returns: "vector" },
  histogram_quantile: { args: ["scalar", "vector"], returns: "vector" },
  scalar: { args: ["vector"], returns: "scalar" },
  vector: { args: ["scalar"], returns: "vector" },
  time: { args: [], returns: "scalar" },
  abs: MATH_FN,
  ceil: MATH_FN,
  floor: MATH_FN,
  sqrt: MATH_FN,
  exp: MATH_FN,
  ln: MATH_FN,
  log2: MATH_FN,
  log10: MATH_FN,
  clamp: { args: ["vector", "scalar", "scalar"], returns: "vector" },
  clamp_min: { args: ["vector", "scalar"], returns: "vector" },
  clamp_max: { args: ["vector", "scalar"], returns: "vector" },
};

const AGGREGATIONS: ReadonlySet<string> = new Set<AggregateOp>([
  "sum",
  "avg",
  "min",
  "max",
  "count",
  "topk",
  "bottomk",
  "quantile",
]);
const PARAM_AGGREGATIONS: ReadonlySet<string> = new Set(["topk", "bottomk", "quantile"]);

const BINARY_OPS: Readonly<Record<string, BinaryOp>> = {
  Pow: "^",
  Mul: "*",
  Div: "/",
  Mod: "%",
  Add: "+",
  Sub: "-",
  Eql: "==",
  Neq: "!=",
  Gtr: ">",
  Lss: "<",
  Gte: ">=",
  Lte: "<=",
};
const COMPARISONS: ReadonlySet<BinaryOp> = new Set(["==", "!=", ">", "<", ">=", "<="]);

const MATCH_OPS: Readonly<Record<string, MatchType>> = {
  EqlSingle: "=",
  Neq: "!=",
  EqlRegex: "=~",
  NeqRegex: "!~",
};

/** Parse and validate a PromQL expression; throws PromQLError (kind parse/type/unsupported). */
export function parsePromQL(text: string): Expr {
  if (text.trim() === "") throw new PromQLError("parse", "PromQL parse error: empty query");
  const tree = parser.parse(text);
  let errorAt: number | undefined;
  tree.iterate({
    enter(node) {
      if (errorAt === undefined && node.type.isError) errorAt = node.from;
      return errorAt === undefined;
    },
  });
  if (errorAt !== undefined) throw parseErrorAt(text, errorAt);
  const top = tree.topNode.firstChild;
  if (!top) throw new PromQLError("parse", "PromQL parse error: empty query");
  return new Walker(text).expr(top);
}

function parseErrorAt(text: string, offset: number): PromQLError {
  const position = positionOf(text, offset);
  const rest = text.slice(offset);
  const what =
    rest.trim() === "" ? "unexpected end of input" : `unexpected ${JSON.stringify(rest.slice(0, 20))}`;
  return new PromQLError(
    "parse",
    `PromQL parse error at line ${position.line}, column ${position.column}: ${what}`,
    position,
  );
}

/** A postfix modifier (offset, @, [range]) waiting to be applied to the operand it belongs to. */
type Postfix = (target: Expr) => Expr;

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

class Walker {
  constructor(private readonly text: string) {}

  private src(node: SyntaxNode): string {
    return this.text.slice(node.from, node.to);
  }

  private fail(node: SyntaxNode, message: string, kind: "parse" | "type" = "parse"): PromQLError {
    const position = positionOf(this.text, node.from);
    return new PromQLError(
      kind,
      `${message} (at line ${position.line}, column ${position.column})`,
      position,
    );
  }

  /**
   * Convert `node`, then apply the `pending` postfix modifiers (offset, @, [range]) to it. Lezer's
   * grammar attaches a postfix modifier to a whole binary or unary expression before it
   * (`a - b offset 1m` → (a - b) offset 1m); Prometheus binds it to the operand right before
   * it (a - (b offset 1m)). So modifiers over a binary/unary node are pushed down to its rightmost
   * operand, innermost first.
   */
  expr(node: SyntaxNode, pending: readonly Postfix[] = []): Expr {
    switch (node.name) {
      case "OffsetExpr":
        return this.expr(this.first(node), [this.offset(node), ...pending]);
      case "StepInvariantExpr":
        return this.expr(this.first(node), [this.at(node), ...pending]);
      case "MatrixSelector":
        return this.expr(this.first(node), [this.range(node), ...pending]);
      case "SubqueryExpr":
        throw unsupported("subquery");
      case "UnaryExpr":
        return this.unary(node, pending);
      case "BinaryExpr":
        return this.binary(node, pending);
      default: {
        const e = this.primary(node);
        // Prometheus refuses modifiers on a parenthesised expression: hide the selector inside.
        const target: Expr =
          node.name === "ParenExpr" && pending.length > 0
            ? ({ kind: "unary", type: "vector", op: "+", expr: e } as Expr)
            : e;
        return pending.reduce((acc, apply) => apply(acc), target);
      }
    }
  }

  private primary(node: SyntaxNode): Expr {
    switch (node.name) {
      case "ParenExpr":
        return this.expr(this.only(node));
      case "NumberDurationLiteral":
        return { kind: "number", type: "scalar", value: this.signedNumber(node) };
      case "StringLiteral":
        return { kind: "string", type: "string", value: this.string(node) };
      case "VectorSelector":
        return this.vectorSelector(node);
      case "FunctionCall":
        return this.call(node);
      case "AggregateExpr":
        return this.aggregate(node);
      case "AnchoredExpr":
        throw unsupported('"anchored" modifier');
      case "SmoothedExpr":
        throw unsupported('"smoothed" modifier');
      default:
        throw unsupported(`expression ${node.name} ("${this.src(node)}")`);
    }
  }

  private first(node: SyntaxNode): SyntaxNode {
    const c = node.firstChild;
    if (!c) throw this.fail(node, `incomplete ${node.name}`);
    return c;
  }

  private only(node: SyntaxNode): SyntaxNode {
    const c = node.firstChild;
    if (!c) throw this.fail(node, "empty expression");
    return c;
  }

  private signedNumber(node: SyntaxNode): number {
    const text = this.src(node).replace(/\s+/g, "");
    const sign = text[0] === "-" ? -1 : 1;
    const body = text[0] === "-" || text[0] === "+" ? text.slice(1) : text;
    return sign * parseNumber(body);
  }

  private string(node: SyntaxNode): string {
    try {
      return unquote(this.src(node));
    } catch (err) {
      throw this.fail(node, (err as Error).message);
    }
  }

  private vectorSelector(node: SyntaxNode): VectorSelector {
    const matchers: LabelMatcher[] = [];
    let nameFromIdentifier: string | undefined;
    for (const c of children(node)) {
      if (c.name === "Identifier") {
        nameFromIdentifier = this.src(c);
        matchers.push({ name: "__name__", type: "=", value: nameFromIdentifier });
      } else if (c.name === "LabelMatchers") {
        for (const m of children(c)) matchers.push(this.matcher(m));
      }
    }
    if (nameFromIdentifier !== undefined && matchers.filter((m) => m.name === "__name__").length > 1) {
      throw this.fail(node, `metric name must not be set twice: "${nameFromIdentifier}"`);
    }
    if (!matchers.some((m) => !matchesEmpty(m))) {
      throw this.fail(node, "vector selector must contain at least one non-empty matcher");
    }
    return { kind: "vectorSelector", type: "vector", matchers, offsetMs: 0 };
  }

  private matcher(node: SyntaxNode): LabelMatcher {
    const parts = children(node);
    if (node.name === "QuotedLabelName") {
      // `{"metric_name"}`: a quoted metric name.
      return { name: "__name__", type: "=", value: this.string(this.only(node)) };
    }
    const [nameNode, opNode, valueNode] = parts;
    if (!nameNode || !opNode || !valueNode)
      throw this.fail(node, `incomplete label matcher "${this.src(node)}"`);
    const name = nameNode.name === "QuotedLabelName" ? this.string(this.only(nameNode)) : this.src(nameNode);
    const type = MATCH_OPS[opNode.firstChild?.name ?? ""];
    if (!type) throw this.fail(opNode, `unknown match operator "${this.src(opNode)}"`);
    const value = this.string(valueNode);
    if (type === "=~" || type === "!~") {
      // Prometheus compiles matchers with Go's regexp: what RE2 refuses is a parse error; what it
      // accepts and JavaScript cannot run (`(?i)`, `(?P<n>…)`) is valid PromQL the evaluator lacks.
      try {
        RE2JS.compile(`^(?s:${value})$`);
      } catch (err) {
        throw this.fail(
          valueNode,
          `invalid regular expression ${JSON.stringify(value)}: ${(err as Error).message}`,
        );
      }
      try {
        new RegExp(`^(?:${value})$`);
      } catch {
        throw unsupported(`regular expression ${JSON.stringify(value)} (RE2 syntax JavaScript lacks)`);
      }
    }
    return { name, type, value };
  }

  private range(node: SyntaxNode): Postfix {
    const range = children(node)[1];
    if (!range) throw this.fail(node, "incomplete range selector");
    const rangeMs = this.duration(range);
    if (rangeMs <= 0) throw this.fail(range, `range must be positive, got "${this.src(range)}"`);
    return (selector): MatrixSelector => {
      if (selector.kind !== "vectorSelector")
        throw this.fail(node, "ranges only allowed for vector selectors", "type");
      if (selector.offsetMs !== 0) throw this.fail(node, "no offset modifiers allowed before range");
      if (selector.at !== undefined) throw this.fail(node, "no @ modifiers allowed before range");
      return { kind: "matrixSelector", type: "matrix", selector, rangeMs };
    };
  }

  /** A DurationExpr / OffsetDurationExpr: a literal, optionally signed; arithmetic is refused. */
  private duration(node: SyntaxNode): number {
    const parts = children(node);
    const [first, second] = parts;
    if (parts.length === 1 && first?.name === "NumberDurationLiteralInDurationContext") {
      try {
        return parseDuration(this.src(first));
      } catch (err) {
        throw this.fail(first, (err as Error).message);
      }
    }
    if (parts.length === 2 && first?.name === "UnaryOp" && second) {
      const value = this.duration(second);
      return this.src(first) === "-" ? -value : value;
    }
    throw unsupported(`duration expression "${this.src(node)}"`);
  }

  private offset(node: SyntaxNode): Postfix {
    const durationNode = children(node).find((c) => c.name === "OffsetDurationExpr");
    if (!durationNode) throw this.fail(node, "incomplete offset modifier");
    const offsetMs = this.duration(durationNode);
    return (target) => {
      const selector = target.kind === "matrixSelector" ? target.selector : target;
      if (selector.kind !== "vectorSelector") {
        throw this.fail(
          node,
          "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery",
        );
      }
      if (selector.offsetMs !== 0) throw this.fail(node, "offset may not be set multiple times");
      const withOffset: VectorSelector = { ...selector, offsetMs };
      return target.kind === "matrixSelector" ? { ...target, selector: withOffset } : withOffset;
    };
  }

  private at(node: SyntaxNode): Postfix {
    const parts = children(node);
    const value = parts[parts.length - 1];
    if (!value || parts.length < 2) throw this.fail(node, "incomplete @ modifier");
    let at: AtModifier;
    if (value.name === "AtModifierPreprocessors") {
      at = value.firstChild?.name === "AtEnd" ? "end" : "start";
    } else {
      const seconds = this.signedNumber(value);
      if (!Number.isFinite(seconds))
        throw this.fail(value, `timestamp out of bounds for @ modifier: ${seconds}`);
      at = Math.round(seconds * 1000);
    }
    return (target) => {
      const selector = target.kind === "matrixSelector" ? target.selector : target;
      if (selector.kind !== "vectorSelector") {
        throw this.fail(
          node,
          "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery",
        );
      }
      if (selector.at !== undefined) throw this.fail(node, "@ <timestamp> may not be set multiple times");
      const withAt: VectorSelector = { ...selector, at };
      return target.kind === "matrixSelector" ? { ...target, selector: withAt } : withAt;
    };
  }

  private unary(node: SyntaxNode, pending: readonly Postfix[]): Expr {
    const [opNode, inner] = children(node);
    if (!opNode || !inner) throw this.fail(node, "incomplete unary expression");
    const expr = this.expr(inner, pending);
    if (expr.type !== "scalar" && expr.type !== "vector") {
      throw this.fail(
        node,
        "unary expression only allowed on expressions of type scalar or instant vector",
        "type",
      );
    }
    const op = this.src(opNode) === "-" ? "-" : "+";
    if (expr.kind === "number") return { ...expr, value: op === "-" ? -expr.value : expr.value };
    return { kind: "unary", type: expr.type, op, expr };
  }

  private binary(node: SyntaxNode, pending: readonly Postfix[]): Expr {
    const parts = children(node);
    const lhsNode = parts[0];
    const rhsNode = parts[parts.length - 1];
    const opNode = parts[1];
    if (!lhsNode || !rhsNode || !opNode || parts.length < 3)
      throw this.fail(node, "incomplete binary expression");
    const op = BINARY_OPS[opNode.name];
    if (op === undefined) {
      const name = this.src(opNode);
      throw unsupported(
        ["and", "or", "unless"].includes(name.toLowerCase())
          ? `set operator "${name}"`
          : `binary operator "${name}"`,
      );
    }
    let returnBool = false;
    let matchingNode: SyntaxNode | undefined;
    for (const c of parts.slice(2, -1)) {
      if (c.name === "BoolModifier") returnBool = true;
      else if (c.name === "MatchingModifierClause") matchingNode = c;
      else if (c.name === "FillModifier") throw unsupported("fill modifier");
    }
    // Lezer folds a leading sign into the number (`-2 ^ 2` → (-2)^2); Prometheus binds `^` tighter
    // than unary minus (-(2^2)). Re-associate to Prometheus' reading.
    if (op === "^" && lhsNode.name === "NumberDurationLiteral" && /^\s*-/.test(this.src(lhsNode))) {
      const positive: Expr = { kind: "number", type: "scalar", value: -this.signedNumber(lhsNode) };
      const inner = this.binaryExpr(
        node,
        op,
        positive,
        this.expr(rhsNode, pending),
        returnBool,
        matchingNode,
      );
      return inner.kind === "number" ? inner : negate(inner);
    }
    return this.binaryExpr(
      node,
      op,
      this.expr(lhsNode),
      this.expr(rhsNode, pending),
      returnBool,
      matchingNode,
    );
  }

  private binaryExpr(
    node: SyntaxNode,
    op: BinaryOp,
    lhs: Expr,
    rhs: Expr,
    returnBool: boolean,
    matchingNode: SyntaxNode | undefined,
  ): Expr {
    const operandOk = (e: Expr) => e.type === "scalar" || e.type === "vector";
    if (!operandOk(lhs) || !operandOk(rhs)) {
      throw this.fail(node, "binary expression must contain only scalar and instant vector types", "type");
    }
    const comparison = COMPARISONS.has(op);
    if (returnBool && !comparison) {
      throw this.fail(node, "bool modifier can only be used on comparison operators", "type");
    }
    if (comparison && !returnBool && lhs.type === "scalar" && rhs.type === "scalar") {
      throw this.fail(node, "comparisons between scalars must use BOOL modifier", "type");
    }
    const bothVectors = lhs.type === "vector" && rhs.type === "vector";
    if (matchingNode && !bothVectors) {
      throw this.fail(node, "vector matching only allowed between instant vectors", "type");
    }
    const type = lhs.type === "scalar" && rhs.type === "scalar" ? "scalar" : "vector";
    return {
      kind: "binary",
      type,
      op,
      lhs,
      rhs,
      returnBool,
      ...(bothVectors ? { matching: this.matching(matchingNode) } : {}),
    };
  }

  private matching(node: SyntaxNode | undefined): VectorMatching {
    if (!node) return { on: false, labels: [], card: "one-to-one", include: [] };
    let on = false;
    let card: VectorMatching["card"] = "one-to-one";
    const groups: string[][] = [];
    for (const c of children(node)) {
      if (c.name === "On") on = true;
      else if (c.name === "GroupLeft") card = "many-to-one";
      else if (c.name === "GroupRight") card = "one-to-many";
      else if (c.name === "GroupingLabels") groups.push(this.groupingLabels(c));
    }
    const labels = groups[0] ?? [];
    const include = groups[1] ?? [];
    if (on) {
      for (const l of include) {
        if (labels.includes(l)) {
          throw this.fail(node, `label "${l}" must not occur in ON and GROUP clause at once`);
        }
      }
    }
    return { on, labels, card, include };
  }

  private groupingLabels(node: SyntaxNode): string[] {
    return children(node).map((c) =>
      c.name === "QuotedLabelName" ? this.string(this.only(c)) : this.src(c),
    );
  }

  private args(body: SyntaxNode): Expr[] {
    return children(body).map((c) => this.expr(c));
  }

  private call(node: SyntaxNode): Expr {
    const [idNode, body] = children(node);
    if (!idNode || !body) throw this.fail(node, "incomplete function call");
    const name = this.src(idNode);
    const signature = (FUNCTIONS as Readonly<Record<string, Signature>>)[name];
    if (!signature) throw unsupported(`function "${name}"`);
    const args = this.args(body);
    if (args.length !== signature.args.length) {
      throw this.fail(
        node,
        `expected ${signature.args.length} argument(s) in call to "${name}", got ${args.length}`,
        "type",
      );
    }
    args.forEach((arg, i) => {
      const want = signature.args[i] as ValueType;
      if (arg.type !== want) {
        throw this.fail(
          node,
          `expected type ${TYPE_NAMES[want]} in call to function "${name}", got ${TYPE_NAMES[arg.type]}`,
          "type",
        );
      }
    });
    return { kind: "call", type: signature.returns, func: name as FunctionName, args };
  }

  private aggregate(node: SyntaxNode): Aggregate {
    const parts = children(node);
    const opNode = parts.find((c) => c.name === "AggregateOp");
    const body = parts.find((c) => c.name === "FunctionCallBody");
    const modifier = parts.find((c) => c.name === "AggregateModifier");
    if (!opNode || !body) throw this.fail(node, "incomplete aggregation");
    const name = this.src(opNode);
    if (!AGGREGATIONS.has(name)) throw unsupported(`aggregation "${name}"`);
    const op = name as AggregateOp;
    const args = this.args(body);
    const wantArgs = PARAM_AGGREGATIONS.has(op) ? 2 : 1;
    if (args.length !== wantArgs) {
      throw this.fail(
        node,
        `wrong number of arguments for aggregate expression provided, expected ${wantArgs}, got ${args.length}`,
        "type",
      );
    }
    const expr = args[wantArgs - 1] as Expr;
    if (expr.type !== "vector") {
      throw this.fail(
        node,
        `expected type instant vector in aggregation expression, got ${TYPE_NAMES[expr.type]}`,
        "type",
      );
    }
    const param = wantArgs === 2 ? (args[0] as Expr) : undefined;
    if (param && param.type !== "scalar") {
      throw this.fail(
        node,
        `expected type scalar in aggregation parameter, got ${TYPE_NAMES[param.type]}`,
        "type",
      );
    }
    let grouping: Aggregate["grouping"];
    if (modifier) {
      const without = modifier.firstChild?.name === "Without";
      const labelsNode = children(modifier).find((c) => c.name === "GroupingLabels");
      grouping = { without, labels: labelsNode ? this.groupingLabels(labelsNode) : [] };
    }
    return {
      kind: "aggregate",
      type: "vector",
      op,
      expr,
      ...(param ? { param } : {}),
      ...(grouping ? { grouping } : {}),
    };
  }
}

function negate(expr: Expr): Expr {
  if (expr.type !== "scalar" && expr.type !== "vector") return expr;
  return { kind: "unary", type: expr.type, op: "-", expr };
}

/** Whether a matcher matches the empty label value (i.e. would select series without the label). */
export function matchesEmpty(m: LabelMatcher): boolean {
  switch (m.type) {
    case "=":
      return m.value === "";
    case "!=":
      return m.value !== "";
    case "=~":
      return new RegExp(`^(?:${m.value})$`).test("");
    case "!~":
      return !new RegExp(`^(?:${m.value})$`).test("");
  }
}
