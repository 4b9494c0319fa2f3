import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseLabelSelector, type Requirement, SelectorParseError } from "../../src/k8s/labelSelector.js";

const req = (key: string, operator: Requirement["operator"], values: string[] = []): Requirement => ({
  key,
  operator,
  values,
});

describe("parseLabelSelector: valid input", () => {
  const cases: ReadonlyArray<readonly [string | undefined | null, string, Requirement[]]> = [
    // input, canonical toString(), requirements (sorted by key)
    [undefined, "", []],
    [null, "", []],
    ["", "", []],
    ["  \t\n", "", []],
    [
      "app=web,tier in (gpu)",
      "app=web,tier in (gpu)",
      [req("app", "equals", ["web"]), req("tier", "in", ["gpu"])],
    ],
    ["a==b", "a=b", [req("a", "equals", ["b"])]],
    ["a!=b", "a!=b", [req("a", "notEquals", ["b"])]],
    ["a in (z,y,x)", "a in (x,y,z)", [req("a", "in", ["x", "y", "z"])]],
    ["a in (x,x)", "a in (x)", [req("a", "in", ["x"])]],
    ["a notin (b)", "a notin (b)", [req("a", "notIn", ["b"])]],
    ["a", "a", [req("a", "exists")]],
    ["!a", "!a", [req("a", "doesNotExist")]],
    ["a>1", "a>1", [req("a", "gt", ["1"])]],
    ["a<10", "a<10", [req("a", "lt", ["10"])]],
    ["a=", "a=", [req("a", "equals", [""])]],
    ["a=,b", "a=,b", [req("a", "equals", [""]), req("b", "exists")]],
    ["a in ()", "a in ()", [req("a", "in", [""])]],
    ["a in (x,)", "a in (,x)", [req("a", "in", ["", "x"])]],
    ["a in (,x)", "a in (,x)", [req("a", "in", ["", "x"])]],
    ["a in (x,,y)", "a in (,x,y)", [req("a", "in", ["", "x", "y"])]],
    // Sorted by key; duplicates kept in input order.
    ["z=1,a=2,m", "a=2,m,z=1", [req("a", "equals", ["2"]), req("m", "exists"), req("z", "equals", ["1"])]],
    ["k=2,k=1", "k=2,k=1", [req("k", "equals", ["2"]), req("k", "equals", ["1"])]],
    // Whitespace between any tokens.
    [
      "  a = b ,  c in ( x , y ) , ! d ,e  ",
      "a=b,c in (x,y),!d,e",
      [req("a", "equals", ["b"]), req("c", "in", ["x", "y"]), req("d", "doesNotExist"), req("e", "exists")],
    ],
    ["a in(x)", "a in (x)", [req("a", "in", ["x"])]],
    // Keywords are plain identifiers where a key or value is expected.
    ["in in (notin)", "in in (notin)", [req("in", "in", ["notin"])]],
    ["notin", "notin", [req("notin", "exists")]],
    // Qualified keys and the full value charset.
    [
      "app.kubernetes.io/name=my-app_1.0",
      "app.kubernetes.io/name=my-app_1.0",
      [req("app.kubernetes.io/name", "equals", ["my-app_1.0"])],
    ],
    ["A.b-C_d=X", "A.b-C_d=X", [req("A.b-C_d", "equals", ["X"])]],
    [`k=${"v".repeat(63)}`, `k=${"v".repeat(63)}`, [req("k", "equals", ["v".repeat(63)])]],
  ];
  for (const [input, canonical, requirements] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(canonical)}`, () => {
      const selector = parseLabelSelector(input);
      assert.deepEqual(selector.requirements, requirements);
      assert.equal(selector.toString(), canonical);
      assert.equal(String(selector), canonical);
      assert.equal(selector.isEverything(), requirements.length === 0);
      // The canonical text parses to the same requirements.
      assert.deepEqual(parseLabelSelector(canonical).requirements, requirements);
    });
  }

  it("returns frozen requirements", () => {
    const selector = parseLabelSelector("a in (x,y)");
    assert.ok(Object.isFrozen(selector.requirements));
    assert.ok(Object.isFrozen(selector.requirements[0]));
    assert.ok(Object.isFrozen(selector.requirements[0]?.values));
  });
});

describe("parseLabelSelector: invalid input", () => {
  const cases: ReadonlyArray<readonly [string, number, RegExp]> = [
    // input, error position, message
    ["(", 0, /found '\(', expected: !, identifier, or end of string/],
    [",a", 0, /found ',', expected: !, identifier/],
    ["a=b,", 4, /found end of string, expected: identifier after ','/],
    ["a=b,,c", 4, /found ',', expected: identifier after ','/],
    ["a b", 2, /found 'b', expected: in, notin, =, ==, !=, gt, lt/],
    ["a=b c", 4, /found 'c', expected: ',' or end of string/],
    ["!a b", 3, /found 'b', expected: ',' or end of string/],
    ["!a=b", 2, /found '=', expected: ',' or end of string/],
    ["!", 1, /found end of string, expected: identifier/],
    ["!!a", 1, /found '!', expected: identifier/],
    ["a==b==c", 4, /found '==', expected: ',' or end of string/],
    ["a===b", 3, /found '=', expected: identifier/],
    ["a=(b)", 2, /found '\(', expected: identifier/],
    ["a in b", 5, /found 'b', expected: '\('/],
    ["a in (b", 7, /found end of string, expected: ',' or '\)'/],
    ["a in (b c)", 8, /found 'c', expected: ',' or '\)'/],
    ["a in (", 6, /found end of string, expected: ',', '\)' or identifier/],
    ["a in (=)", 6, /found '=', expected: ',', '\)' or identifier/],
    ["a>x", 2, /for '>', the value must be an integer, got 'x'/],
    ["a<", 2, /for '<', the value must be an integer, got ''/],
    ["a>99999999999999999999", 2, /must be an integer/],
    ["-a=b", 0, /label key name "-a"/],
    ["a-=b", 0, /label key name "a-"/],
    [`${"k".repeat(64)}=v`, 0, /label key name/],
    ["Example.com/a=b", 0, /label key prefix "Example.com" must be a DNS subdomain/],
    ["/a=b", 0, /empty prefix/],
    ["a/=b", 0, /label key name ""/],
    ["a/b/c=d", 0, /more than one '\/'/],
    ["a=b/c", 2, /label value "b\/c"/],
    ["a=-b", 2, /label value "-b"/],
    ["a in (x,y_)", 5, /label value "y_"/],
    [`a=${"v".repeat(64)}`, 2, /label value/],
    ["a=é", 2, /label value "é"/],
  ];
  for (const [input, position, message] of cases) {
    it(`${JSON.stringify(input)} fails at ${position}`, () => {
      assert.throws(
        () => parseLabelSelector(input),
        (err: unknown) => {
          assert.ok(err instanceof SelectorParseError, `not a SelectorParseError: ${String(err)}`);
          assert.equal(err.selector, input);
          assert.equal(err.position, position, err.message);
          assert.match(err.message, message);
          assert.match(err.message, /^unable to parse label selector /);
          return true;
        },
      );
    });
  }
});

describe("Selector.matches", () => {
  const cases: ReadonlyArray<readonly [string, Record<string, string>, boolean]> = [
    ["", {}, true],
    ["", { a: "1" }, true],
    ["a=1", { a: "1" }, true],
    ["a=1", { a: "2" }, false],
    ["a=1", {}, false],
    ["a==1", { a: "1" }, true],
    ["a=", { a: "" }, true],
    ["a=", {}, false],
    ["a!=1", { a: "2" }, true],
    ["a!=1", { a: "1" }, false],
    ["a!=1", {}, true],
    ["a in (1,2)", { a: "2" }, true],
    ["a in (1,2)", { a: "3" }, false],
    ["a in (1,2)", {}, false],
    ["a notin (1,2)", { a: "3" }, true],
    ["a notin (1,2)", { a: "1" }, false],
    ["a notin (1,2)", {}, true],
    ["a", { a: "" }, true],
    ["a", { b: "1" }, false],
    ["!a", { b: "1" }, true],
    ["!a", { a: "x" }, false],
    ["a>5", { a: "6" }, true],
    ["a>5", { a: "5" }, false],
    ["a>5", { a: "-7" }, false],
    ["a>5", { a: "x" }, false],
    ["a>5", {}, false],
    ["a<5", { a: "-7" }, true],
    ["a<5", { a: "+4" }, true],
    ["a<5", { a: "5" }, false],
    ["a<5", { a: "4.5" }, false],
    ["a<5", { a: "99999999999999999999" }, false],
    ["a=1,b in (x),!c", { a: "1", b: "x" }, true],
    ["a=1,b in (x),!c", { a: "1", b: "x", c: "" }, false],
    ["a=1,b in (x),!c", { a: "1" }, false],
    // Only own keys count: "constructor" is not a label of a plain object.
    ["constructor", {}, false],
    ["!constructor", {}, true],
    ["toString!=x", {}, true],
  ];
  for (const [selector, labels, expected] of cases) {
    it(`${JSON.stringify(selector)} on ${JSON.stringify(labels)} → ${expected}`, () => {
      assert.equal(parseLabelSelector(selector).matches(labels), expected);
    });
  }
});
