/**
 * addMatchers and checkLabelMatcher (src/metrics/promql/inject.ts): the cluster matcher reaches every
 * vector selector, the rest of the query is sent as written, and what the grammar cannot read is
 * refused instead of being sent unscoped. Each rewritten query is parsed again to check that every
 * selector of the result carries the matcher.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Expr } from "../../../src/metrics/promql/ast.js";
import { PromQLError } from "../../../src/metrics/promql/errors.js";
import { addMatchers, checkLabelMatcher } from "../../../src/metrics/promql/inject.js";
import { parsePromQL } from "../../../src/metrics/promql/parse.js";
import type { LabelMatcher } from "../../../src/metrics/promql/storage.js";

const CLUSTER = ['cluster="prod-eu"'];

/** Every vector selector's matchers in an expression of the embedded evaluator's AST. */
function selectors(expr: Expr): (readonly LabelMatcher[])[] {
  switch (expr.kind) {
    case "vectorSelector":
      return [expr.matchers];
    case "matrixSelector":
      return [expr.selector.matchers];
    case "subquery":
    case "unary":
      return selectors(expr.expr);
    case "aggregate":
      return [...selectors(expr.expr), ...(expr.param ? selectors(expr.param) : [])];
    case "call":
      return expr.args.flatMap(selectors);
    case "binary":
      return [...selectors(expr.lhs), ...selectors(expr.rhs)];
    default:
      return [];
  }
}

describe("addMatchers", () => {
  const cases: [string, string][] = [
    ["foo", 'foo{cluster="prod-eu"}'],
    ["foo{}", 'foo{cluster="prod-eu"}'],
    ['foo{a="b",}', 'foo{cluster="prod-eu",a="b",}'],
    ['{__name__=~"a|b"}', '{cluster="prod-eu",__name__=~"a|b"}'],
    [
      "rate(foo[5m] offset 1m) + on(a) group_left bar @ 100",
      'rate(foo{cluster="prod-eu"}[5m] offset 1m) + on(a) group_left bar{cluster="prod-eu"} @ 100',
    ],
    [
      "max_over_time(rate(x[5m])[1h:1m] offset 5m)",
      'max_over_time(rate(x{cluster="prod-eu"}[5m])[1h:1m] offset 5m)',
    ],
    [
      "sum by (x) (a) / ignoring(y) sum(b) or vector(0)",
      'sum by (x) (a{cluster="prod-eu"}) / ignoring(y) sum(b{cluster="prod-eu"}) or vector(0)',
    ],
    [
      'histogram_quantile(0.9, sum by (le) (rate(h_bucket{job="x"}[5m])))',
      'histogram_quantile(0.9, sum by (le) (rate(h_bucket{cluster="prod-eu",job="x"}[5m])))',
    ],
    [
      'label_replace(up, "a", "{x}", "b", "(.*)")',
      'label_replace(up{cluster="prod-eu"}, "a", "{x}", "b", "(.*)")',
    ],
    // Strings and comments are not selectors; a literal the grammar lacks (2.) is sent as written.
    ['foo{a="}"} # not {a} selector', 'foo{cluster="prod-eu",a="}"} # not {a} selector'],
    ["2. * holt_winters(foo[5m], 0.5, 0.5)", '2. * holt_winters(foo{cluster="prod-eu"}[5m], 0.5, 0.5)'],
  ];
  for (const [query, want] of cases) {
    it(`${query} → ${want}`, () => {
      const got = addMatchers(query, CLUSTER);
      assert.equal(got, want);
      for (const matchers of selectors(parsePromQL(got))) {
        assert.ok(
          matchers.some((m) => m.name === "cluster" && m.type === "=" && m.value === "prod-eu"),
          `a selector of ${got} lacks the matcher`,
        );
      }
    });
  }

  it("passes functions the evaluator does not implement (Prometheus 3) through, scoped", () => {
    assert.equal(addMatchers("limitk(2, foo)", CLUSTER), 'limitk(2, foo{cluster="prod-eu"})');
    assert.equal(
      addMatchers('sort_by_label(foo, "a")', CLUSTER),
      'sort_by_label(foo{cluster="prod-eu"}, "a")',
    );
    assert.equal(addMatchers('{"my.metric", a="b"}', CLUSTER), '{"my.metric",cluster="prod-eu", a="b"}');
  });

  it("adds several matchers, and leaves a query alone when there are none", () => {
    assert.equal(addMatchers("foo", ['cluster="a"', 'region=~"eu-.*"']), 'foo{cluster="a",region=~"eu-.*"}');
    assert.equal(addMatchers("rollup_candlestick(foo)", []), "rollup_candlestick(foo)");
  });

  it("refuses what the grammar cannot read (MetricsQL extensions, broken PromQL) instead of sending it unscoped", () => {
    for (const query of ["rollup_candlestick(foo)", "foo default 0", "WITH (x = foo) x", "foo[5i]", "sum("]) {
      assert.throws(() => addMatchers(query, CLUSTER), PromQLError, query);
    }
  });
});

describe("checkLabelMatcher", () => {
  it("accepts one matcher of any operator, trimmed", () => {
    assert.equal(checkLabelMatcher(' cluster="prod-eu" '), 'cluster="prod-eu"');
    for (const m of ['cluster=~"prod-.*"', 'cluster!="dev"', 'cluster!~"dev|test"'])
      assert.equal(checkLabelMatcher(m), m);
  });

  it("refuses what is not exactly one label matcher, saying so", () => {
    const bad: [string, RegExp][] = [
      ["cluster=prod", /not one label matcher/],
      ['a="b",c="d"', /not one label matcher/],
      ["", /not one label matcher/],
      ['cluster=~"("', /invalid regular expression/],
      ['__name__="up"', /not one label matcher|metric name/],
    ];
    for (const [text, why] of bad) assert.throws(() => checkLabelMatcher(text), why, text);
  });
});
