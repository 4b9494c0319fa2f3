// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${1}` is Go Regexp.Expand syntax (name.as), not a JS template
/** Rule regexes have Go's RE2 syntax and semantics, and match in linear time. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileGoRegex, expandGo } from "../../src/config/goRegex.js";
import { withinDeadline } from "../harness/deadline.js";

describe("Go (RE2) regexes", () => {
  const cases: Array<[string, string, boolean]> = [
    ["(?i)^dcgm_", "DCGM_FI_DEV_GPU_UTIL", true],
    ["^dcgm_", "DCGM_FI_DEV_GPU_UTIL", false],
    ["\\Ahttp_.*_total\\z", "http_requests_total", true],
    ["\\Ahttp_.*_total\\z", "xhttp_requests_total", false],
    ["^[[:alpha:]_]+$", "abc_def", true],
    ["^[[:alpha:]_]+$", "abc1", false],
    ["^(?P<base>.*)_total$", "x_total", true],
    ["^(?<base>.*)_total$", "x_total", true],
    ["^\\pL+$", "métrique", true],
    ["^\\p{Greek}+$", "αβγ", true],
    ["^\\PL+$", "a1", false],
    ["^\\Q.*\\E$", ".*", true],
    ["^\\Q.*\\E$", "ab", false],
    ["^\\x{41}\\-$", "A-", true],
    // Unanchored, as Go's MatchString; `$` is the end of the text, not before a final newline.
    ["requests", "http_requests_total", true],
    ["total$", "total\n", false],
    // ASCII \d and \w, as RE2 (a JavaScript `u` RegExp agrees; a Unicode-aware engine would not).
    ["^\\d+$", "٣", false],
    ["^\\w+$", "é", false],
    ["(?s)^a.b$", "a\nb", true],
    ["^a.b$", "a\nb", false],
  ];
  for (const [source, input, want] of cases) {
    it(`${source} on ${JSON.stringify(input)}`, () => assert.equal(compileGoRegex(source).test(input), want));
  }

  it("is lazy by default under (?U), as RE2", () => {
    assert.equal(compileGoRegex("(?U)a+").exec("aaa")?.[0], "a");
    assert.equal(compileGoRegex("(?U)a+?").exec("aaa")?.[0], "aaa");
  });

  it("refuses what RE2 refuses, with RE2's reason", () => {
    const refused: Array<[string, RegExp]> = [
      ["(a", /missing closing \)/],
      ["a**", /invalid nested repetition operator/],
      ["(?=a)", /invalid or unsupported Perl syntax/],
      ["(a)\\1", /invalid escape sequence/],
      ["a{1001}", /invalid repeat count/],
    ];
    for (const [source, reason] of refused) {
      assert.throws(
        () => compileGoRegex(source),
        (err: unknown) => err instanceof SyntaxError && reason.test(err.message),
        source,
      );
    }
  });

  it("counts capture groups like NumSubexp", () => {
    assert.equal(compileGoRegex(".*").groupCount(), 0);
    assert.equal(compileGoRegex("^(?:a)(b)$").groupCount(), 1);
    assert.equal(compileGoRegex("^(?P<x>a)(b)$").groupCount(), 2);
  });

  it("expands like Regexp.ExpandString", () => {
    const match = compileGoRegex("^(?P<first>\\w+?)_(\\w+)$").exec("node_load1");
    assert.ok(match);
    assert.equal(expandGo("$first/${2}/$3/${first}x/$/${}/$$1/$1x", match), "node/load1//nodex/$/${}/$1/");
  });

  it("expands an unmatched optional group as empty", () => {
    const match = compileGoRegex("^(a)?(b)$").exec("b");
    assert.ok(match);
    assert.equal(expandGo("[$1][$2]", match), "[][b]");
  });

  // A backtracking engine takes exponential time here (seconds at 28 characters, forever at 10,000).
  it("matches ^(a+)+$ in linear time", { timeout: 10_000 }, () => {
    const re = compileGoRegex("^(a+)+$");
    const long = "a".repeat(10_000);
    withinDeadline(5_000, () => {
      assert.equal(re.test(`${long}!`), false);
      assert.equal(re.test(long), true);
      assert.equal(re.exec(`${"a".repeat(27)}!`), null);
      assert.equal(re.exec(long)?.[1], long);
    });
  });
});
