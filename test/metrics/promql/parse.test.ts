import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Binary, Expr, MatrixSelector, VectorSelector } from "../../../src/metrics/promql/ast.js";
import { PromQLError } from "../../../src/metrics/promql/errors.js";
import { parsePromQL } from "../../../src/metrics/promql/parse.js";

function fails(query: string, kind: PromQLError["kind"], message: RegExp): PromQLError {
  try {
    parsePromQL(query);
  } catch (err) {
    assert.ok(err instanceof PromQLError, `${query}: ${String(err)}`);
    assert.equal(err.kind, kind, `${query}: ${err.message}`);
    assert.match(err.message, message);
    return err;
  }
  assert.fail(`${query} parsed`);
}

describe("parsePromQL", () => {
  it("reads a selector with all four matcher types", () => {
    const e = parsePromQL('http_requests_total{a="x", b!="y", c=~"z.*", d!~`w+`}') as VectorSelector;
    assert.equal(e.kind, "vectorSelector");
    assert.deepEqual(e.matchers, [
      { name: "__name__", type: "=", value: "http_requests_total" },
      { name: "a", type: "=", value: "x" },
      { name: "b", type: "!=", value: "y" },
      { name: "c", type: "=~", value: "z.*" },
      { name: "d", type: "!~", value: "w+" },
    ]);
    assert.equal(e.offsetMs, 0);
  });

  it("reads a range selector with offset and @ and durations in units", () => {
    const e = parsePromQL("x[1h30m] offset 5m @ 1700000000.5") as MatrixSelector;
    assert.equal(e.kind, "matrixSelector");
    assert.equal(e.rangeMs, 90 * 60_000);
    assert.equal(e.selector.offsetMs, 300_000);
    assert.equal(e.selector.at, 1_700_000_000_500);
    assert.equal((parsePromQL("x @ end()") as VectorSelector).at, "end");
    assert.equal((parsePromQL("x offset -1m") as VectorSelector).offsetMs, -60_000);
  });

  it("reads number literals as Prometheus does", () => {
    const value = (q: string) => {
      const e = parsePromQL(q);
      assert.equal(e.kind, "number", q);
      return e.value;
    };
    assert.equal(value("1.5e3"), 1500);
    assert.equal(value("0x1f"), 31);
    assert.equal(value("-Inf"), Number.NEGATIVE_INFINITY);
    assert.ok(Number.isNaN(value("NaN")));
    assert.equal(value("1_000"), 1000);
    assert.equal(value("5m"), 300);
  });

  it("unquotes strings with Go escapes", () => {
    const text = String.raw`x{a="q\"\n\x41\u00e9", b='it\'s', c=#raw\n#}`.replaceAll("#", "`");
    const e = parsePromQL(text) as VectorSelector;
    assert.deepEqual(
      e.matchers.slice(1).map((m) => m.value),
      ['q"\nAé', "it's", "raw\\n"],
    );
  });

  it("binds ^ tighter than unary minus, and is right-associative", () => {
    const e = parsePromQL("-2 ^ 2") as Expr;
    assert.equal(e.kind, "unary");
    const p = parsePromQL("2 ^ 3 ^ 2") as Binary;
    assert.equal(p.lhs.kind, "number");
    assert.equal(p.rhs.kind, "binary");
  });

  it("applies offset, @ and [range] to the operand right before them, as Prometheus does", () => {
    const e = parsePromQL("a - b offset 1m") as Binary;
    assert.equal(e.kind, "binary");
    assert.equal((e.lhs as VectorSelector).offsetMs, 0);
    assert.equal((e.rhs as VectorSelector).offsetMs, 60_000);
    const u = parsePromQL("-a @ 10") as Expr;
    assert.equal(u.kind, "unary");
    fails("a + b[5m]", "type", /binary expression must contain only scalar and instant vector types/);
    fails("sum(a) offset 1m", "parse", /offset modifier must be preceded by an instant vector selector/);
    fails("(a) offset 1m", "parse", /offset modifier must be preceded/);
    fails("a offset 1m [5m]", "parse", /no offset modifiers allowed before range/);
    fails("a offset 1m offset 2m", "parse", /offset may not be set multiple times/);
  });

  it("reads vector matching and bool modifiers", () => {
    const e = parsePromQL("a / on(job) group_left(team) b") as Binary;
    assert.deepEqual(e.matching, { on: true, labels: ["job"], card: "many-to-one", include: ["team"] });
    const c = parsePromQL("a > bool ignoring(instance) b") as Binary;
    assert.equal(c.returnBool, true);
    assert.deepEqual(c.matching, { on: false, labels: ["instance"], card: "one-to-one", include: [] });
    const s = parsePromQL("a * 2") as Binary;
    assert.equal(s.matching, undefined);
  });

  it("reads aggregations with by/without before or after the body", () => {
    for (const q of ["sum by (a, b) (x)", "sum(x) by (a, b)"]) {
      const e = parsePromQL(q);
      assert.equal(e.kind, "aggregate");
      assert.deepEqual(e.grouping, { without: false, labels: ["a", "b"] });
    }
    const t = parsePromQL("topk without (c) (3, x)");
    assert.equal(t.kind, "aggregate");
    assert.equal(t.param?.kind, "number");
    assert.deepEqual(t.grouping, { without: true, labels: ["c"] });
  });

  it("reports a syntax error with its position", () => {
    const err = fails(
      "sum(rate(x[5m])",
      "parse",
      /PromQL parse error at line 1, column 16: unexpected end of input/,
    );
    assert.deepEqual(err.position, { offset: 15, line: 1, column: 16 });
    fails("x +\n  * y", "parse", /line 2, column 3/);
    fails("", "parse", /empty query/);
    fails('x{a="b}', "parse", /unterminated string|parse error/);
  });

  it("names unsupported constructs", () => {
    fails("predict_linear(x[5m], 60)", "unsupported", /^unsupported PromQL: function "predict_linear"$/);
    fails("max_over_time(x[5m:1m])", "unsupported", /^unsupported PromQL: subquery$/);
    fails("a and b", "unsupported", /set operator "and"/);
    fails("a or b", "unsupported", /set operator "or"/);
    fails("stddev(x)", "unsupported", /aggregation "stddev"/);
    fails('count_values("v", x)', "unsupported", /aggregation "count_values"/);
    fails("a atan2 b", "unsupported", /binary operator "atan2"/);
    fails("x[5m+1m]", "unsupported", /duration expression/);
  });

  it("refuses ill-typed expressions as Prometheus does", () => {
    fails("rate(x)", "type", /expected type range vector in call to function "rate", got instant vector/);
    fails("abs(x[5m])", "type", /expected type instant vector in call to function "abs", got range vector/);
    fails(
      "histogram_quantile(x, y)",
      "type",
      /expected type scalar in call to function "histogram_quantile"/,
    );
    fails("rate(x[5m], 1)", "type", /expected 1 argument\(s\) in call to "rate", got 2/);
    fails("sum(x[5m])", "type", /expected type instant vector in aggregation expression, got range vector/);
    fails("1 > 2", "type", /comparisons between scalars must use BOOL modifier/);
    fails("a + bool b", "type", /bool modifier can only be used on comparison operators/);
    fails("a + on(x) 1", "type", /vector matching only allowed between instant vectors/);
    fails('-"s"', "type", /unary expression only allowed/);
  });

  it("validates selectors", () => {
    fails('{a=""}', "parse", /at least one non-empty matcher/);
    fails('{a=~".*"}', "parse", /at least one non-empty matcher/);
    assert.equal(parsePromQL('{a=~".+"}').kind, "vectorSelector");
    fails('x{__name__="y"}', "parse", /metric name must not be set twice/);
    fails('x{a=~"("}', "parse", /invalid regular expression/);
  });
});
