import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type {
  Binary,
  Expr,
  MatrixSelector,
  Subquery,
  VectorSelector,
} from "../../../src/metrics/promql/ast.js";
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

  it("names what the embedded store does not support", () => {
    fails(
      "histogram_count(x)",
      "unsupported",
      /^function histogram_count is not supported by the embedded store/,
    );
    fails(
      "double_exponential_smoothing(x[5m], 0.1, 0.1)",
      "unsupported",
      /^function double_exponential_smoothing is not supported by the embedded store/,
    );
    fails("limitk(2, x)", "unsupported", /^aggregation limitk is not supported by the embedded store$/);
    fails("x[5m+1m]", "unsupported", /duration expression/);
    fails("a + fill(0) b", "unsupported", /fill modifier/);
  });

  it("refuses unknown functions by name, as Prometheus' parser does", () => {
    fails("foo_bar(x)", "parse", /unknown function with name "foo_bar"/);
    fails("Rate(x[5m])", "parse", /unknown function with name "Rate"/);
    fails("sum(x) + nope(1)", "parse", /unknown function with name "nope"/);
    fails("step()", "parse", /unknown function with name "step"/);
  });

  it("reads keywords in any case", () => {
    const e = parsePromQL("SUM BY (job) (x) AND ON(job) Avg(y OFFSET 1m)") as Binary;
    assert.equal(e.op, "and");
    assert.equal(e.lhs.kind, "aggregate");
    assert.deepEqual(e.matching, { on: true, labels: ["job"], card: "many-to-many", include: [] });
    assert.equal((parsePromQL("a > BOOL 1") as Binary).returnBool, true);
    assert.equal((parsePromQL("a Unless b") as Binary).op, "unless");
    assert.equal((parsePromQL("a ATAN2 b") as Binary).op, "atan2");
    assert.equal((parsePromQL("x @ START()") as VectorSelector).at, "start");
    assert.equal((parsePromQL('COUNT_VALUES("v", x)') as Expr).kind, "aggregate");
  });

  it("binds offset and @ tighter than any operator", () => {
    // a + ((b offset 1m) * 0), not ((a + b) offset 1m) * 0.
    const e = parsePromQL("a + b offset 1m * 0") as Binary;
    assert.equal(e.op, "+");
    const rhs = e.rhs as Binary;
    assert.equal(rhs.op, "*");
    assert.equal((rhs.lhs as VectorSelector).offsetMs, 60_000);
    const p = parsePromQL("a + b @ 10 ^ 2") as Binary;
    assert.equal(p.op, "+");
    assert.equal(((p.rhs as Binary).lhs as VectorSelector).at, 10_000);
    const u = parsePromQL("-x offset 1m * 2") as Binary;
    assert.equal(u.op, "*");
    assert.equal(u.lhs.kind, "unary");
    const m = parsePromQL("-a * b ^ c") as Binary;
    assert.equal(m.op, "*");
    assert.equal(m.lhs.kind, "unary");
    assert.equal((m.rhs as Binary).op, "^");
  });

  it("reads numbers ending in a dot, octal and hex as Prometheus does", () => {
    const value = (q: string) => {
      const e = parsePromQL(q);
      assert.equal(e.kind, "number", q);
      return e.value;
    };
    assert.equal(value("2."), 2);
    assert.equal(value("2.e3"), 2000);
    assert.equal(value(".5"), 0.5);
    assert.equal(value("017"), 15);
    assert.equal(value("08"), 8);
    assert.equal(value("INF"), Number.POSITIVE_INFINITY);
    const div = parsePromQL("1./6.") as Binary;
    assert.equal(div.op, "/");
    assert.equal((div.rhs as Expr).kind === "number" && (div.rhs as { value: number }).value, 6);
    fails("x +\n 2. * )", "parse", /line 2, column 7/);
  });

  it("reads subqueries, holt_winters and the set operators", () => {
    const s = parsePromQL("max_over_time(rate(x[5m])[30m:1m] offset 5m @ 100)");
    assert.equal(s.kind, "call");
    const sq = s.args[0] as Subquery;
    assert.equal(sq.kind, "subquery");
    assert.equal(sq.rangeMs, 30 * 60_000);
    assert.equal(sq.stepMs, 60_000);
    assert.equal(sq.offsetMs, 300_000);
    assert.equal(sq.at, 100_000);
    assert.equal((parsePromQL("x[5m:]") as Subquery).stepMs, undefined);
    const h = parsePromQL("holt_winters(x[5m], 0.1, 0.2)");
    assert.equal(h.kind === "call" && h.func, "holt_winters");
    fails("1 and x", "type", /set operator "and" not allowed in binary scalar expression/);
    fails("a or on(x) group_left b", "type", /no grouping allowed for "or" operation/);
    fails("a and bool b", "type", /bool modifier can only be used on comparison operators/);
    fails("rate(x[5m])[10m:1m][5m:1m]", "type", /subquery is only allowed on instant vector/);
    assert.equal(parsePromQL("x + on() 1").kind, "binary");
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
