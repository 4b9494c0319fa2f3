/**
 * parsePromQL: Prometheus' own Lezer grammar (@prometheus-io/lezer-promql) tokenises and parses;
 * this module walks its syntax tree into our validated AST (ast.ts), applying the checks
 * Prometheus' Go parser makes (types, arity, modifiers, matchers) and refusing what the evaluator
 * does not implement with an error naming the construct.
 *
 * Two places where the grammar and Prometheus' parser disagree are corrected here:
 * - Operator precedence. The grammar attaches `offset`, `@` and `[…]` to the whole binary or unary
 *   expression before them (`a + b offset 1m * 0` → ((a + b) offset 1m) * 0); in Prometheus they
 *   bind tightest, to the operand right before them (a + ((b offset 1m) * 0)). So every chain of
 *   operators is flattened to operands, operators and postfix modifiers in source order, and
 *   re-associated with Prometheus' precedence (`^` right-associative above `* / % atan2`, unary
 *   minus at the level of `*`, then `+ -`, comparisons, `and unless`, `or`).
 * - Literals the grammar lacks (`2.`, `holt_winters`), rewritten first (literals.ts).
 * Keywords (aggregations, by/without, on/ignoring, group_left/right, bool, offset, and/or/unless,
 * atan2, start()/end()) are case-insensitive, as in Prometheus; function names are not.
 */
import type { SyntaxNode, Tree } from "@lezer/common";
import { parser } from "@prometheus-io/lezer-promql";
import type {
  Aggregate,
  AggregateOp,
  AtModifier,
  BinaryOp,
  Expr,
  FunctionName,
  MatrixSelector,
  Subquery,
  ValueType,
  VectorMatching,
  VectorSelector,
} from "./ast.js";
import { PromQLError, positionOf, unsupported } from "./errors.js";
import { AGGREGATION_PARAM, AGGREGATIONS, FUNCTIONS } from "./functions.js";
import { parseDuration, parseNumber, type Rewritten, rewriteForGrammar, unquote } from "./literals.js";
import { compileRE2, DOTALL } from "./regex.js";
import type { LabelMatcher, MatchType } from "./storage.js";

const TYPE_NAMES: Readonly<Record<ValueType, string>> = {
  scalar: "scalar",
  vector: "instant vector",
  matrix: "range vector",
  string: "string",
};

/** Binary operators by Lezer node name: the operator, its precedence, and right-associativity. */
const BINARY: Readonly<Record<string, { op: BinaryOp; prec: number; right?: boolean }>> = {
  Or: { op: "or", prec: 1 },
  And: { op: "and", prec: 2 },
  Unless: { op: "unless", prec: 2 },
  Eql: { op: "==", prec: 3 },
  Neq: { op: "!=", prec: 3 },
  Gtr: { op: ">", prec: 3 },
  Lss: { op: "<", prec: 3 },
  Gte: { op: ">=", prec: 3 },
  Lte: { op: "<=", prec: 3 },
  Add: { op: "+", prec: 4 },
  Sub: { op: "-", prec: 4 },
  Mul: { op: "*", prec: 5 },
  Div: { op: "/", prec: 5 },
  Mod: { op: "%", prec: 5 },
  Atan2: { op: "atan2", prec: 5 },
  Pow: { op: "^", prec: 6, right: true },
};
/** A unary operator's operand takes only operators binding tighter than `*` (i.e. `^`). */
const UNARY_OPERAND_PREC = 6;

const COMPARISONS: ReadonlySet<BinaryOp> = new Set(["==", "!=", ">", "<", ">=", "<="]);
const SET_OPERATORS: ReadonlySet<BinaryOp> = new Set(["and", "or", "unless"]);

const MATCH_OPS: Readonly<Record<string, MatchType>> = {
  EqlSingle: "=",
  Neq: "!=",
  EqlRegex: "=~",
  NeqRegex: "!~",
};

/** Names the grammar reads as a call that are not functions: keywords (any case) and duration functions. */
const CALL_KEYWORDS: ReadonlySet<string> = new Set([
  "sum",
  "avg",
  "count",
  "min",
  "max",
  "group",
  "stddev",
  "stdvar",
  "topk",
  "bottomk",
  "quantile",
  "count_values",
  "limitk",
  "limit_ratio",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "offset",
  "start",
  "end",
  "and",
  "or",
  "unless",
  "atan2",
]);
const GRAMMAR_ONLY_CALLS: ReadonlySet<string> = new Set([
  "step",
  "range",
  "start_timestamp",
  "min_of",
  "max_of",
]);

/** Parse and validate a PromQL expression; throws PromQLError (kind parse/type/unsupported). */
export function parsePromQL(text: string): Expr {
  const { tree, rewritten } = grammarTree(text);
  const top = children(tree.topNode)[0];
  if (!top) throw new PromQLError("parse", "PromQL parse error: no expression found in input");
  return new Walker(text, rewritten).top(top);
}

/**
 * The syntax tree of Prometheus' grammar for `text` (as rewritten for the grammar; `rewritten.origin`
 * maps its offsets back), without our checks: every function and construct the grammar knows is
 * accepted. Throws PromQLError (kind parse) where the grammar fails.
 */
export function grammarTree(text: string): { readonly tree: Tree; readonly rewritten: Rewritten } {
  if (text.trim() === "") throw new PromQLError("parse", "PromQL parse error: empty query");
  const rewritten = rewriteForGrammar(text);
  const tree = parser.parse(rewritten.text);
  let errorAt: number | undefined;
  tree.iterate({
    enter(node) {
      if (errorAt === undefined && node.type.isError) errorAt = node.from;
      return errorAt === undefined;
    },
  });
  if (errorAt !== undefined) throw grammarError(text, rewritten, errorAt);
  return { tree, rewritten };
}

function grammarError(text: string, rewritten: Rewritten, errorAt: number): PromQLError {
  const offset = rewritten.origin[errorAt] ?? text.length;
  // An identifier called like a function that Prometheus does not know is named, as Prometheus does.
  for (const call of rewritten.calls) {
    if (call.offset > offset) break;
    const known =
      CALL_KEYWORDS.has(call.name.toLowerCase()) ||
      FUNCTIONS[call.name] !== undefined ||
      GRAMMAR_ONLY_CALLS.has(call.name);
    if (!known) {
      const position = positionOf(text, call.offset);
      return new PromQLError(
        "parse",
        `PromQL parse error at line ${position.line}, column ${position.column}: unknown function with name ${JSON.stringify(call.name)}`,
        position,
      );
    }
  }
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

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.name !== "LineComment") out.push(c);
  return out;
}

/** One element of a flattened operator chain, in source order. */
type Token =
  | { readonly t: "operand"; readonly node: SyntaxNode; readonly number?: number }
  | { readonly t: "unary"; readonly op: "-" | "+"; readonly node: SyntaxNode }
  | {
      readonly t: "binary";
      readonly opNode: SyntaxNode;
      readonly modifiers: readonly SyntaxNode[];
      readonly node: SyntaxNode;
    }
  /** OffsetExpr, StepInvariantExpr, MatrixSelector or SubqueryExpr: the modifier part of the node. */
  | { readonly t: "postfix"; readonly node: SyntaxNode };

/** A chain re-associated with Prometheus' precedence. */
type Syntax =
  | { readonly k: "operand"; readonly node: SyntaxNode; readonly number?: number }
  | { readonly k: "unary"; readonly op: "-" | "+"; readonly node: SyntaxNode; readonly operand: Syntax }
  | {
      readonly k: "binary";
      readonly opNode: SyntaxNode;
      readonly modifiers: readonly SyntaxNode[];
      readonly node: SyntaxNode;
      readonly lhs: Syntax;
      readonly rhs: Syntax;
    }
  | { readonly k: "postfix"; readonly node: SyntaxNode; readonly operand: Syntax };

class Walker {
  constructor(
    private readonly original: string,
    private readonly rewritten: Rewritten,
  ) {}

  private get text(): string {
    return this.rewritten.text;
  }

  /** Source text of a node as the grammar read it. */
  private src(node: SyntaxNode): string {
    return this.text.slice(node.from, node.to);
  }

  /** Source text of a node as the user wrote it. */
  private originalSrc(node: SyntaxNode): string {
    const o = this.rewritten.origin;
    return this.original.slice(o[node.from], o[node.to]);
  }

  private fail(node: SyntaxNode, message: string, kind: "parse" | "type" = "parse"): PromQLError {
    const position = positionOf(this.original, this.rewritten.origin[node.from] ?? 0);
    return new PromQLError(
      kind,
      `${message} (at line ${position.line}, column ${position.column})`,
      position,
    );
  }

  /** A whole expression (the query, a parenthesised one, an argument). */
  top(node: SyntaxNode): Expr {
    const tokens: Token[] = [];
    this.flatten(node, tokens);
    const pratt = new Pratt(tokens);
    const syntax = pratt.expr(0);
    if (!pratt.done) throw this.fail(node, "unexpected operator");
    return this.syntax(syntax);
  }

  private flatten(node: SyntaxNode, out: Token[]): void {
    switch (node.name) {
      case "BinaryExpr": {
        const parts = children(node);
        const lhs = parts[0];
        const opNode = parts[1];
        const rhs = parts[parts.length - 1];
        if (!lhs || !opNode || !rhs || parts.length < 3)
          throw this.fail(node, "incomplete binary expression");
        this.flatten(lhs, out);
        out.push({ t: "binary", opNode, modifiers: parts.slice(2, -1), node });
        this.flatten(rhs, out);
        return;
      }
      case "UnaryExpr": {
        const [opNode, inner] = children(node);
        if (!opNode || !inner) throw this.fail(node, "incomplete unary expression");
        out.push({ t: "unary", op: this.src(opNode) === "-" ? "-" : "+", node });
        this.flatten(inner, out);
        return;
      }
      case "OffsetExpr":
      case "StepInvariantExpr":
      case "MatrixSelector":
      case "SubqueryExpr": {
        const inner = children(node)[0];
        if (!inner) throw this.fail(node, `incomplete ${node.name}`);
        this.flatten(inner, out);
        out.push({ t: "postfix", node });
        return;
      }
      case "NumberDurationLiteral": {
        // The grammar folds a sign into the number; Prometheus reads it as a unary operator.
        const text = this.src(node);
        let i = 0;
        while (i < text.length && /[\s+-]/.test(text[i] as string)) {
          if (text[i] === "-" || text[i] === "+") out.push({ t: "unary", op: text[i] as "-" | "+", node });
          i++;
        }
        out.push({ t: "operand", node, number: this.number(node, text.slice(i)) });
        return;
      }
      case "AnchoredExpr":
        throw unsupported('the "anchored" modifier');
      case "SmoothedExpr":
        throw unsupported('the "smoothed" modifier');
      default:
        out.push({ t: "operand", node });
    }
  }

  private syntax(s: Syntax): Expr {
    switch (s.k) {
      case "operand":
        return s.number !== undefined
          ? { kind: "number", type: "scalar", value: s.number }
          : this.primary(s.node);
      case "unary":
        return this.unary(s);
      case "binary":
        return this.binary(s);
      case "postfix":
        return this.postfix(s);
    }
  }

  private primary(node: SyntaxNode): Expr {
    switch (node.name) {
      case "ParenExpr": {
        const inner = children(node)[0];
        if (!inner) throw this.fail(node, "empty parentheses");
        return this.top(inner);
      }
      case "StringLiteral":
        return { kind: "string", type: "string", value: this.string(node) };
      case "VectorSelector":
        return this.vectorSelector(node);
      case "FunctionCall":
        return this.call(node);
      case "AggregateExpr":
        return this.aggregate(node);
      default:
        throw unsupported(`the expression ${node.name} ("${this.originalSrc(node)}")`);
    }
  }

  private number(node: SyntaxNode, text: string): number {
    try {
      return parseNumber(text.replace(/\s+/g, ""));
    } catch (err) {
      throw this.fail(node, (err as Error).message);
    }
  }

  /** A number literal with optional signs (the value of `@`). */
  private signedNumber(node: SyntaxNode): number {
    const text = this.src(node).replace(/\s+/g, "");
    let sign = 1;
    let i = 0;
    while (text[i] === "-" || text[i] === "+") {
      if (text[i] === "-") sign = -sign;
      i++;
    }
    return sign * this.number(node, text.slice(i));
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
    if (node.name === "QuotedLabelName") {
      // `{"metric_name"}`: a quoted metric name.
      const inner = children(node)[0];
      if (!inner) throw this.fail(node, "empty metric name");
      return { name: "__name__", type: "=", value: this.string(inner) };
    }
    const [nameNode, opNode, valueNode] = children(node);
    if (!nameNode || !opNode || !valueNode)
      throw this.fail(node, `incomplete label matcher "${this.originalSrc(node)}"`);
    const inner = children(nameNode)[0];
    const name = nameNode.name === "QuotedLabelName" && inner ? this.string(inner) : this.src(nameNode);
    const type = MATCH_OPS[opNode.firstChild?.name ?? ""];
    if (!type) throw this.fail(opNode, `unknown match operator "${this.src(opNode)}"`);
    const value = this.string(valueNode);
    if (type === "=~" || type === "!~") {
      // Prometheus compiles matchers with Go's regexp: what RE2 refuses is a parse error.
      try {
        compileRE2(`^(?:${value})$`, DOTALL);
      } catch (err) {
        throw this.fail(
          valueNode,
          `invalid regular expression ${JSON.stringify(value)}: ${(err as Error).message}`,
        );
      }
    }
    return { name, type, value };
  }

  private unary(s: Extract<Syntax, { k: "unary" }>): Expr {
    const expr = this.syntax(s.operand);
    if (expr.type !== "scalar" && expr.type !== "vector") {
      throw this.fail(
        s.node,
        "unary expression only allowed on expressions of type scalar or instant vector",
        "type",
      );
    }
    if (expr.kind === "number") return { ...expr, value: s.op === "-" ? -expr.value : expr.value };
    return { kind: "unary", type: expr.type, op: s.op, expr };
  }

  private binary(s: Extract<Syntax, { k: "binary" }>): Expr {
    const entry = BINARY[s.opNode.name];
    if (entry === undefined) throw unsupported(`the binary operator "${this.src(s.opNode)}"`);
    const op = entry.op;
    const lhs = this.syntax(s.lhs);
    const rhs = this.syntax(s.rhs);
    let returnBool = false;
    let matchingNode: SyntaxNode | undefined;
    for (const c of s.modifiers) {
      if (c.name === "BoolModifier") returnBool = true;
      else if (c.name === "MatchingModifierClause") matchingNode = c;
      else if (c.name === "FillModifier") throw unsupported("the fill modifier");
    }
    const node = s.node;
    const comparison = COMPARISONS.has(op);
    const setOperator = SET_OPERATORS.has(op);
    if (returnBool && !comparison) {
      throw this.fail(node, "bool modifier can only be used on comparison operators", "type");
    }
    if (comparison && !returnBool && lhs.type === "scalar" && rhs.type === "scalar") {
      throw this.fail(node, "comparisons between scalars must use BOOL modifier", "type");
    }
    let matching = this.matching(matchingNode);
    if (setOperator && matching.card === "one-to-one") matching = { ...matching, card: "many-to-many" };
    if (matching.on) {
      for (const l of matching.include) {
        if (matching.labels.includes(l)) {
          throw this.fail(node, `label "${l}" must not occur in ON and GROUP clause at once`, "type");
        }
      }
    }
    const operandOk = (e: Expr) => e.type === "scalar" || e.type === "vector";
    if (!operandOk(lhs) || !operandOk(rhs)) {
      throw this.fail(node, "binary expression must contain only scalar and instant vector types", "type");
    }
    const bothVectors = lhs.type === "vector" && rhs.type === "vector";
    if (!bothVectors && matching.labels.length > 0) {
      throw this.fail(node, "vector matching only allowed between instant vectors", "type");
    }
    if (bothVectors && setOperator && matching.card !== "many-to-many") {
      throw this.fail(node, `no grouping allowed for "${op}" operation`, "type");
    }
    if (!bothVectors && setOperator) {
      throw this.fail(node, `set operator "${op}" not allowed in binary scalar expression`, "type");
    }
    const type = lhs.type === "scalar" && rhs.type === "scalar" ? "scalar" : "vector";
    return { kind: "binary", type, op, lhs, rhs, returnBool, ...(bothVectors ? { matching } : {}) };
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
    return { on, labels: groups[0] ?? [], card, include: groups[1] ?? [] };
  }

  private groupingLabels(node: SyntaxNode): string[] {
    return children(node).map((c) => {
      const inner = children(c)[0];
      return c.name === "QuotedLabelName" && inner ? this.string(inner) : this.src(c);
    });
  }

  private postfix(s: Extract<Syntax, { k: "postfix" }>): Expr {
    const node = s.node;
    const inParens = s.operand.k === "operand" && s.operand.node.name === "ParenExpr";
    const target = this.syntax(s.operand);
    const parts = children(node);
    switch (node.name) {
      case "MatrixSelector": {
        const rangeNode = parts[1];
        if (!rangeNode) throw this.fail(node, "incomplete range selector");
        if (target.kind !== "vectorSelector" || inParens) {
          throw this.fail(node, "ranges only allowed for vector selectors", "type");
        }
        if (target.offsetMs !== 0) throw this.fail(node, "no offset modifiers allowed before range");
        if (target.at !== undefined) throw this.fail(node, "no @ modifiers allowed before range");
        const rangeMs = this.duration(rangeNode);
        if (rangeMs <= 0) throw this.fail(rangeNode, `range must be positive, got "${this.src(rangeNode)}"`);
        return { kind: "matrixSelector", type: "matrix", selector: target, rangeMs } satisfies MatrixSelector;
      }
      case "SubqueryExpr": {
        const [, rangeNode, stepNode] = parts;
        if (!rangeNode) throw this.fail(node, "incomplete subquery");
        if (target.type !== "vector") {
          throw this.fail(
            node,
            `subquery is only allowed on instant vector, got ${TYPE_NAMES[target.type]} instead`,
            "type",
          );
        }
        const rangeMs = this.duration(rangeNode);
        if (rangeMs <= 0) throw this.fail(rangeNode, `range must be positive, got "${this.src(rangeNode)}"`);
        const stepMs = stepNode ? this.duration(stepNode) : undefined;
        if (stepMs !== undefined && stepMs <= 0) {
          throw this.fail(
            stepNode as SyntaxNode,
            `subquery step must be positive, got "${this.src(stepNode as SyntaxNode)}"`,
          );
        }
        return {
          kind: "subquery",
          type: "matrix",
          expr: target,
          rangeMs,
          ...(stepMs !== undefined ? { stepMs } : {}),
          offsetMs: 0,
        } satisfies Subquery;
      }
      case "OffsetExpr": {
        const durationNode = parts.find((c) => c.name === "OffsetDurationExpr");
        if (!durationNode) throw this.fail(node, "incomplete offset modifier");
        const offsetMs = this.duration(durationNode);
        return this.modify(node, target, inParens, "offset", (sel) => {
          if (sel.offsetMs !== 0) throw this.fail(node, "offset may not be set multiple times");
          return { ...sel, offsetMs };
        });
      }
      case "StepInvariantExpr": {
        const value = parts[parts.length - 1];
        if (!value || parts.length < 2) throw this.fail(node, "incomplete @ modifier");
        let at: AtModifier;
        if (value.name === "AtModifierPreprocessors") {
          at = value.firstChild?.name === "AtEnd" ? "end" : "start";
        } else {
          const seconds = this.signedNumber(value);
          if (!Number.isFinite(seconds) || Math.abs(seconds) >= 9.223372036854776e18) {
            throw this.fail(value, `timestamp out of bounds for @ modifier: ${seconds}`);
          }
          at = goRound(seconds * 1000);
        }
        return this.modify(node, target, inParens, "@", (sel) => {
          if (sel.at !== undefined) throw this.fail(node, "@ <timestamp> may not be set multiple times");
          return { ...sel, at };
        });
      }
      default:
        throw this.fail(node, `unexpected ${node.name}`);
    }
  }

  /** Applies offset or @ to a selector, range selector or subquery; anything else is an error. */
  private modify(
    node: SyntaxNode,
    target: Expr,
    inParens: boolean,
    what: "offset" | "@",
    apply: <T extends { offsetMs: number; at?: AtModifier }>(sel: T) => T,
  ): Expr {
    if (!inParens) {
      if (target.kind === "vectorSelector" || target.kind === "subquery") return apply(target);
      if (target.kind === "matrixSelector") return { ...target, selector: apply(target.selector) };
    }
    throw this.fail(
      node,
      `${what === "@" ? "@ modifier" : "offset modifier"} must be preceded by an instant vector selector or range vector selector or a subquery`,
    );
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
    throw unsupported(`the duration expression "${this.originalSrc(node)}"`);
  }

  private call(node: SyntaxNode): Expr {
    const [idNode, body] = children(node);
    if (!idNode || !body) throw this.fail(node, "incomplete function call");
    const name = this.originalSrc(idNode);
    const signature = FUNCTIONS[name];
    if (!signature) throw this.fail(node, `unknown function with name ${JSON.stringify(name)}`);
    const args = children(body).map((c) => this.top(c));
    const want = signature.args;
    if (signature.variadic === 0) {
      if (args.length !== want.length) {
        throw this.fail(
          node,
          `expected ${want.length} argument(s) in call to ${JSON.stringify(name)}, got ${args.length}`,
          "type",
        );
      }
    } else {
      const least = want.length - 1;
      if (args.length < least) {
        throw this.fail(
          node,
          `expected at least ${least} argument(s) in call to ${JSON.stringify(name)}, got ${args.length}`,
          "type",
        );
      }
      if (signature.variadic > 0 && args.length > least + signature.variadic) {
        throw this.fail(
          node,
          `expected at most ${least + signature.variadic} argument(s) in call to ${JSON.stringify(name)}, got ${args.length}`,
          "type",
        );
      }
    }
    args.forEach((arg, i) => {
      const type = want[Math.min(i, want.length - 1)] as ValueType;
      if (arg.type !== type) {
        throw this.fail(
          node,
          `expected type ${TYPE_NAMES[type]} in call to function ${JSON.stringify(name)}, got ${TYPE_NAMES[arg.type]}`,
          "type",
        );
      }
    });
    if (signature.unsupported !== undefined) {
      throw unsupported(`function ${name}`, signature.unsupported);
    }
    return { kind: "call", type: signature.returns, func: name as FunctionName, args };
  }

  private aggregate(node: SyntaxNode): Aggregate {
    const parts = children(node);
    const opNode = parts.find((c) => c.name === "AggregateOp");
    const body = parts.find((c) => c.name === "FunctionCallBody");
    const modifier = parts.find((c) => c.name === "AggregateModifier");
    if (!opNode || !body) throw this.fail(node, "incomplete aggregation");
    const entry = AGGREGATIONS[opNode.firstChild?.name ?? ""];
    if (entry === undefined) throw this.fail(opNode, `unknown aggregation "${this.src(opNode)}"`);
    if (typeof entry === "object") throw unsupported(`aggregation ${entry.unsupported}`);
    const op: AggregateOp = entry;
    const args = children(body).map((c) => this.top(c));
    const paramType = AGGREGATION_PARAM[op];
    const wantArgs = paramType !== undefined ? 2 : 1;
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
    const param = paramType !== undefined ? (args[0] as Expr) : undefined;
    if (param && param.type !== paramType) {
      throw this.fail(
        node,
        `expected type ${TYPE_NAMES[paramType as ValueType]} in aggregation parameter, got ${TYPE_NAMES[param.type]}`,
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

/** Precedence climbing over a flattened chain (see the module comment). */
class Pratt {
  #pos = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  get done(): boolean {
    return this.#pos === this.tokens.length;
  }

  expr(minPrec: number): Syntax {
    let lhs = this.operand();
    for (;;) {
      const tok = this.tokens[this.#pos];
      if (tok?.t !== "binary") return lhs;
      const entry = BINARY[tok.opNode.name];
      const prec = entry?.prec ?? 5;
      if (prec < minPrec) return lhs;
      this.#pos++;
      const rhs = this.expr(entry?.right ? prec : prec + 1);
      lhs = { k: "binary", opNode: tok.opNode, modifiers: tok.modifiers, node: tok.node, lhs, rhs };
    }
  }

  private operand(): Syntax {
    const tok = this.tokens[this.#pos++];
    if (tok === undefined) throw new PromQLError("parse", "PromQL parse error: unexpected end of input");
    if (tok.t === "unary") {
      return { k: "unary", op: tok.op, node: tok.node, operand: this.expr(UNARY_OPERAND_PREC) };
    }
    if (tok.t !== "operand") throw new PromQLError("parse", `PromQL parse error: unexpected ${tok.t}`);
    let s: Syntax =
      tok.number !== undefined
        ? { k: "operand", node: tok.node, number: tok.number }
        : { k: "operand", node: tok.node };
    for (let next = this.tokens[this.#pos]; next?.t === "postfix"; next = this.tokens[this.#pos]) {
      s = { k: "postfix", node: next.node, operand: s };
      this.#pos++;
    }
    return s;
  }
}

/** Go's math.Round: halves away from zero. */
function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Whether a matcher matches the empty label value (i.e. would select series without the label). */
export function matchesEmpty(m: LabelMatcher): boolean {
  switch (m.type) {
    case "=":
      return m.value === "";
    case "!=":
      return m.value !== "";
    case "=~":
      return compileRE2(`^(?:${m.value})$`, DOTALL).testExact("");
    case "!~":
      return !compileRE2(`^(?:${m.value})$`, DOTALL).testExact("");
  }
}
