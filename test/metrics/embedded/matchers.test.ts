import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileMatcher, compileMatchers, matchesAll } from "../../../src/metrics/embedded/matchers.js";

const re = (value: string) => compileMatcher({ name: "l", type: "=~", value });

describe("label matchers", () => {
  it("compare values, a missing label being empty", () => {
    const labels = { __name__: "up", job: "api" };
    assert.ok(matchesAll(compileMatchers([{ name: "job", type: "=", value: "api" }]), labels));
    assert.ok(matchesAll(compileMatchers([{ name: "zone", type: "=", value: "" }]), labels));
    assert.ok(!matchesAll(compileMatchers([{ name: "zone", type: "!=", value: "" }]), labels));
    assert.ok(matchesAll(compileMatchers([{ name: "job", type: "!~", value: "web|db" }]), labels));
  });

  it("anchor regular expressions at both ends", () => {
    assert.ok(re("a|b").matches("b"));
    assert.ok(!re("a|b").matches("ab"));
    assert.ok(!re("pi").matches("api"));
    assert.ok(re(".*").matches(""));
  });

  it("take Go's RE2 syntax: inline flags, POSIX classes, Unicode classes, named groups", () => {
    assert.ok(re("(?i)eu-west").matches("EU-West"));
    assert.ok(re("(?i:A)b").matches("ab"));
    assert.ok(!re("(?i:A)b").matches("aB"));
    assert.ok(re("[[:alpha:]]+-[[:digit:]]").matches("node-1"));
    assert.ok(re("\\pL+").matches("été"));
    assert.ok(re("(?P<x>a)+").matches("aaa"));
    // RE2's \s is [\t\n\f\r ]: no vertical tab, unlike JavaScript's.
    assert.ok(!re("\\s").matches("\u000b"));
  });

  it("let . match newlines, as Prometheus 3 does", () => {
    assert.ok(re("a.b").matches("a\nb"));
  });

  it("name the matcher when RE2 refuses the expression", () => {
    assert.throws(
      () => re("("),
      /label matcher l=~"\(": invalid regular expression \(error parsing regexp: missing closing \)/,
    );
    assert.throws(() => re("a{1001}"), /invalid repeat count/);
    // Perl lookarounds are not RE2.
    assert.throws(() => re("a(?=b)"), /invalid regular expression/);
  });
});
