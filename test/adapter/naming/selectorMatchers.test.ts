import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  escapeRegex,
  promQuote,
  requirementToMatcher,
  selectorToMatchers,
  UnsupportedSelectorError,
} from "../../../src/adapter/naming/selectorMatchers.js";
import { parseLabelSelector, type Requirement } from "../../../src/k8s/labelSelector.js";

const req = (key: string, operator: Requirement["operator"], values: string[] = []): Requirement => ({
  key,
  operator,
  values,
});

describe("escapeRegex", () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ["web", "web"],
    ["a.b", "a\\.b"],
    ["x+y", "x\\+y"],
    ["(z)", "\\(z\\)"],
    ["a|b", "a\\|b"],
    ["^[a-z]*$", "\\^\\[a-z\\]\\*\\$"],
    ["{1,2}?", "\\{1,2\\}\\?"],
    ["back\\slash", "back\\\\slash"],
    ["my-app_1", "my-app_1"],
  ];
  for (const [value, expected] of cases) {
    it(`${JSON.stringify(value)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(escapeRegex(value), expected);
    });
  }

  it("makes the value match itself literally, and nothing else, in an anchored regex", () => {
    for (const value of ["a.b", "x+y", "(z)", "a|b", "a*", "[ab]", "a{2}", "$^", "\\d"]) {
      const re = new RegExp(`^(?:${escapeRegex(value)})$`);
      assert.ok(re.test(value), value);
      assert.ok(!re.test(`${value}x`), value);
    }
    assert.ok(!new RegExp(`^(?:${escapeRegex("a.b")})$`).test("axb"));
    assert.ok(!new RegExp(`^(?:${escapeRegex("a|b")})$`).test("a"));
  });
});

describe("promQuote", () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ["web", '"web"'],
    ["", '""'],
    ['say "hi"', '"say \\"hi\\""'],
    ["C:\\dir", '"C:\\\\dir"'],
    ["a\\.b", '"a\\\\.b"'],
    ["line\nbreak\r\ttab", '"line\\nbreak\\r\\ttab"'],
    ["\u0007\b\f\v", '"\\a\\b\\f\\v"'],
    ["nul\u0000del\u007f", '"nul\\x00del\\x7f"'],
    ["é ü 日本 😀", '"é ü 日本 😀"'],
    ["nbsp\u00a0", '"nbsp\\u00a0"'],
    ["ls\u2028", '"ls\\u2028"'],
    ["c1\u0085", '"c1\\u0085"'],
    ["'single'", "\"'single'\""],
  ];
  for (const [value, expected] of cases) {
    it(`${JSON.stringify(value)} → ${expected}`, () => {
      assert.equal(promQuote(value), expected);
    });
  }

  it("refuses unpaired surrogates", () => {
    assert.throws(() => promQuote("bad\ud800"), RangeError);
  });
});

describe("requirementToMatcher", () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    // selector (one requirement), matcher on label "l"
    ["k=v", 'l="v"'],
    ["k==v", 'l="v"'],
    ["k!=v", 'l!="v"'],
    ["k in (a)", 'l="a"'],
    ["k in (b,a)", 'l=~"a|b"'],
    ["k notin (a)", 'l!="a"'],
    ["k notin (a,b)", 'l!~"a|b"'],
    ["k", 'l!=""'],
    ["!k", 'l=""'],
    // Regex metacharacters are escaped inside =~ / !~ (prometheus-adapter does not do this).
    ["k in (a.b,x)", 'l=~"a\\\\.b|x"'],
    ["k notin (a.b,c)", 'l!~"a\\\\.b|c"'],
    ["k=a.b", 'l="a.b"'],
  ];
  for (const [selector, expected] of cases) {
    it(`${selector} → ${expected}`, () => {
      const [requirement] = parseLabelSelector(selector).requirements;
      assert.ok(requirement);
      assert.equal(requirementToMatcher("l", requirement), expected);
    });
  }

  it("escapes values that are not valid label values too (requirements built by hand)", () => {
    assert.equal(requirementToMatcher("l", req("k", "in", ["(z)", "x+y"])), 'l=~"\\\\(z\\\\)|x\\\\+y"');
    assert.equal(requirementToMatcher("l", req("k", "equals", ['say "hi"'])), 'l="say \\"hi\\""');
  });

  const refused: ReadonlyArray<readonly [string, Requirement, RegExp]> = [
    ["gt", req("k", "gt", ["1"]), /cannot compare numbers/],
    ["lt", req("k", "lt", ["1"]), /cannot compare numbers/],
    ["empty equals", req("k", "equals", [""]), /empty label value/],
    ["empty notEquals", req("k", "notEquals", [""]), /empty label value/],
    ["empty in member", req("k", "in", ["", "a"]), /empty label value/],
    ["empty notIn member", req("k", "notIn", [""]), /empty label value/],
    ["no values", req("k", "in", []), /no values/],
    ["equals with two values", req("k", "equals", ["a", "b"]), /exactly one value/],
  ];
  for (const [why, requirement, message] of refused) {
    it(`refuses ${why}`, () => {
      assert.throws(
        () => requirementToMatcher("l", requirement),
        (err: unknown) =>
          err instanceof UnsupportedSelectorError &&
          err.requirement === requirement &&
          message.test(err.message),
      );
    });
  }

  for (const label of ["app.kubernetes.io/name", "1abc", "a-b", ""]) {
    it(`refuses the non-Prometheus label name ${JSON.stringify(label)}`, () => {
      assert.throws(() => requirementToMatcher(label, req("k", "exists")), UnsupportedSelectorError);
    });
  }
});

describe("selectorToMatchers", () => {
  it("translates every requirement in key order", () => {
    const selector = parseLabelSelector("tier in (gpu,cpu),app=web,!canary");
    assert.deepEqual(selectorToMatchers(selector), ['app="web"', 'canary=""', 'tier=~"cpu|gpu"']);
  });

  it("maps keys to series labels through labelFor", () => {
    const selector = parseLabelSelector("app.kubernetes.io/name=web,pod");
    const labelFor = (key: string) => key.replace(/[^a-zA-Z0-9_]/g, "_");
    assert.deepEqual(selectorToMatchers(selector, labelFor), ['app_kubernetes_io_name="web"', 'pod!=""']);
  });

  it("gives no matchers for the everything selector", () => {
    assert.deepEqual(selectorToMatchers(parseLabelSelector("")), []);
  });

  it("refuses the whole selector when one part cannot be exact", () => {
    assert.throws(
      () => selectorToMatchers(parseLabelSelector("app=web,replicas>2")),
      UnsupportedSelectorError,
    );
  });
});
