/**
 * Fuzzing of parsePromQL (src/metrics/promql/parse.ts) with fast-check: any text yields an Expr or
 * a PromQLError, never another exception. Inputs mix arbitrary strings with token soup from the
 * PromQL vocabulary, so many get deep into the tree walk. fast-check prints seed and counterexample.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { Expr } from "../../src/metrics/promql/ast.js";
import { PromQLError } from "../../src/metrics/promql/errors.js";
import { parsePromQL } from "../../src/metrics/promql/parse.js";

const TOKENS = [
  "sum",
  "avg",
  "count",
  "topk",
  "quantile",
  "count_values",
  "stddev",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "offset",
  "@",
  "start()",
  "rate",
  "histogram_quantile",
  "clamp",
  "time",
  "vector",
  "scalar",
  "label_replace",
  "label_join",
  "absent",
  "holt_winters",
  "double_exponential_smoothing",
  "histogram_count",
  "limitk",
  "SUM",
  "BY",
  "OFFSET",
  "AND",
  "predict_linear",
  "timestamp",
  "hour",
  "sort_desc",
  "up",
  "http_requests_total",
  "__name__",
  "{",
  "}",
  "(",
  ")",
  "[",
  "]",
  "[5m]",
  "[5m:1m]",
  "[5m:]",
  "[100s:30s]",
  ":",
  ",",
  "=",
  "!=",
  "=~",
  "!~",
  "==",
  ">=",
  "<=",
  ">",
  "<",
  "+",
  "-",
  "*",
  "/",
  "%",
  "^",
  "and",
  "or",
  "unless",
  '"a"',
  '"x|y"',
  '"(?i)x"',
  '"[[:alpha:]]+"',
  '"$1"',
  '"\\xZZ"',
  "'q'",
  "`raw`",
  '"',
  "0",
  "1.5",
  "2.",
  ".5",
  "017",
  "2.e3",
  "-1",
  "1e308",
  "1e999",
  "0x1F",
  "Inf",
  "NaN",
  "5m",
  "1h30m",
  "999999999999y",
  "0s",
  " ",
  "\n",
  "#c\n",
  "é",
];

/** Mostly well-formed expressions, so the tree walk (types, modifiers, matchers) gets exercised. */
const { expr: grammarExpr } = fc.letrec<{ expr: string; selector: string }>((tie) => ({
  selector: fc
    .tuple(
      fc.constantFrom("up", "http_requests_total", "vllm:queue", ""),
      fc.array(
        fc.tuple(
          fc.constantFrom("pod", "namespace", "__name__", "le"),
          fc.constantFrom("=", "!=", "=~", "!~"),
          fc.constantFrom('""', '"web"', '"a|b"', '".*"', '"("', '"\\d+"'),
        ),
        { maxLength: 3 },
      ),
    )
    .map(([name, matchers]) => `${name}{${matchers.map((m) => m.join("")).join(",")}}`),
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    tie("selector"),
    fc.constantFrom("1", "0.5", "-2", "NaN", "Inf", '"s"', "time()"),
    fc
      .tuple(
        tie("selector"),
        fc.constantFrom("[5m]", "[1m:10s]", "[0s]", " offset 1h", " @ 100", "[5m] offset -1m"),
      )
      .map(([s, suffix]) => `${s}${suffix}`),
    fc
      .tuple(
        fc.constantFrom(
          "rate",
          "irate",
          "avg_over_time",
          "abs",
          "scalar",
          "vector",
          "histogram_quantile",
          "clamp_min",
        ),
        fc.array(tie("expr"), { maxLength: 3 }),
      )
      .map(([fn, args]) => `${fn}(${args.join(", ")})`),
    fc
      .tuple(
        fc.constantFrom("sum", "avg", "max", "count", "topk", "quantile", "stddev"),
        fc.constantFrom("", " by (pod)", " without (le)", " by ()"),
        fc.array(tie("expr"), { minLength: 1, maxLength: 2 }),
      )
      .map(([op, grouping, args]) => `${op}${grouping} (${args.join(", ")})`),
    fc
      .tuple(
        tie("expr"),
        fc.constantFrom("+", "-", "*", "/", "%", "^", "==", "> bool", "and", "or", "unless"),
        fc.constantFrom("", " on (pod)", " ignoring (le)", " on (pod) group_left", " group_right"),
        tie("expr"),
      )
      .map(([a, op, matching, b]) => `${a} ${op}${matching} ${b}`),
    tie("expr").map((e) => `(${e})`),
    tie("expr").map((e) => `-${e}`),
  ),
}));

const query = fc.oneof(
  grammarExpr,
  fc.string({ maxLength: 80 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.array(fc.constantFrom(...TOKENS), { maxLength: 25 }).map((parts) => parts.join(" ")),
  fc.array(fc.constantFrom(...TOKENS), { maxLength: 25 }).map((parts) => parts.join("")),
  fc.string({ unit: fc.constantFrom("(", ")", "sum", "1", "+", "-"), minLength: 500, maxLength: 2000 }),
);

describe("fuzz: parsePromQL", () => {
  it("returns an Expr or throws PromQLError, nothing else", () => {
    fc.assert(
      fc.property(query, (text) => {
        let expr: Expr;
        try {
          expr = parsePromQL(text);
        } catch (err) {
          assert.ok(
            err instanceof PromQLError,
            `unexpected ${err instanceof Error ? err.stack : String(err)}`,
          );
          assert.ok(["parse", "type", "unsupported"].includes(err.kind), `kind ${err.kind}`);
          assert.notEqual(err.message, "");
          return;
        }
        assert.equal(typeof expr, "object");
        assert.equal(typeof expr.kind, "string");
        assert.ok(["scalar", "vector", "matrix", "string"].includes(expr.type), `type ${expr.type}`);
      }),
      { numRuns: Number(process.env.PROMQL_FUZZ_RUNS ?? 1000) },
    );
  });
});
