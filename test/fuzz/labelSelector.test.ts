/**
 * Fuzzing of parseLabelSelector (src/k8s/labelSelector.ts) with fast-check: arbitrary text either
 * parses or fails with SelectorParseError, and generated valid selectors survive format → parse →
 * toString → parse with the same matching as a reference model of apimachinery's semantics.
 * On failure fast-check prints the seed and the shrunk counterexample.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseLabelSelector, type Selector, SelectorParseError } from "../../src/k8s/labelSelector.js";

/** Characters and words the selector lexer cares about, for inputs that get past the first token. */
const SELECTOR_PIECES = [
  "a",
  "app",
  "k8s.io/name",
  "example.com/",
  "/",
  "in",
  "notin",
  "=",
  "==",
  "!=",
  "!",
  ">",
  "<",
  "(",
  ")",
  ",",
  " ",
  "\t",
  "\n",
  "-",
  "_",
  ".",
  "0",
  "9",
  "-1",
  "9223372036854775808",
  "é",
  "\u0000",
  "\ud800",
  "😀",
];

const selectorText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.array(fc.constantFrom(...SELECTOR_PIECES), { maxLength: 30 }).map((parts) => parts.join("")),
  fc.string({ unit: fc.constantFrom(...SELECTOR_PIECES), minLength: 200, maxLength: 400 }),
);

describe("fuzz: parseLabelSelector on arbitrary text", () => {
  it("returns a Selector or throws SelectorParseError, nothing else", () => {
    fc.assert(
      fc.property(selectorText, (text) => {
        let selector: Selector;
        try {
          selector = parseLabelSelector(text);
        } catch (err) {
          assert.ok(err instanceof SelectorParseError, `unexpected ${String(err)}`);
          assert.ok(err.position >= 0 && err.position <= text.length, `position ${err.position}`);
          return;
        }
        // Whatever parsed must print canonically and parse again to the same text.
        const canonical = selector.toString();
        assert.equal(parseLabelSelector(canonical).toString(), canonical);
        assert.equal(typeof selector.matches({}), "boolean");
      }),
      { numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Valid selectors and a reference model of their meaning

type Op = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | ">" | "<";

interface GenRequirement {
  readonly key: string;
  readonly op: Op;
  readonly values: readonly string[];
}

const KEYS = ["app", "tier", "gpu", "in", "notin", "example.com/team", "a.b-c_d", "x9"];
/** Valid label values; a value must start with a letter or digit, so no negative numbers. */
const VALUES = ["", "web", "db", "0", "1", "42", "in", "a.b_c-d", "Z9"];
const INTEGERS = ["0", "1", "007", "42", "9223372036854775807"];
/** Label values a pod may carry that no selector can name, for the gt/lt comparisons. */
const OTHER_LABEL_VALUES = ["-3", "+7", "-9223372036854775808", "9223372036854775808", "1.5"];

const space = fc.constantFrom("", " ", "  ", "\t");

const requirement: fc.Arbitrary<GenRequirement> = fc.oneof(
  fc.record({
    key: fc.constantFrom(...KEYS),
    op: fc.constantFrom<Op>("=", "==", "!="),
    values: fc.constantFrom(...VALUES).map((v) => [v]),
  }),
  fc.record({
    key: fc.constantFrom(...KEYS),
    op: fc.constantFrom<Op>("in", "notin"),
    values: fc.array(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({
    key: fc.constantFrom(...KEYS),
    op: fc.constantFrom<Op>("exists", "!"),
    values: fc.constant([]),
  }),
  fc.record({
    key: fc.constantFrom(...KEYS),
    op: fc.constantFrom<Op>(">", "<"),
    values: fc.constantFrom(...INTEGERS).map((v) => [v]),
  }),
);

/** Selector text for `reqs`, with random spacing between tokens. */
function formatSelector(reqs: readonly GenRequirement[], gaps: readonly string[]): string {
  let gapIndex = 0;
  const gap = () => gaps[gapIndex++ % gaps.length] ?? "";
  return reqs
    .map((r) => {
      switch (r.op) {
        case "exists":
          return `${gap()}${r.key}${gap()}`;
        case "!":
          return `${gap()}!${gap()}${r.key}${gap()}`;
        case "in":
        case "notin":
          // `in`/`notin` need whitespace around them to lex as separate words.
          return `${gap()}${r.key} ${r.op}${gap()}(${r.values.map((v) => `${gap()}${v}${gap()}`).join(",")})${gap()}`;
        default:
          return `${gap()}${r.key}${gap()}${r.op}${gap()}${r.values[0]}${gap()}`;
      }
    })
    .join(",");
}

/** Go's strconv.ParseInt(text, 10, 64): out-of-range numbers do not parse. */
function int(text: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const n = BigInt(text);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined;
}

/** apimachinery's Requirement.Matches, written independently of the code under test. */
function modelMatches(reqs: readonly GenRequirement[], labels: Record<string, string>): boolean {
  return reqs.every((r) => {
    const present = Object.hasOwn(labels, r.key);
    const value = labels[r.key];
    switch (r.op) {
      case "=":
      case "==":
      case "in":
        return present && r.values.includes(value as string);
      case "!=":
      case "notin":
        return !present || !r.values.includes(value as string);
      case "exists":
        return present;
      case "!":
        return !present;
      case ">":
      case "<": {
        const actual = present ? int(value as string) : undefined;
        const bound = int(r.values[0] as string);
        if (actual === undefined || bound === undefined) return false;
        return r.op === ">" ? actual > bound : actual < bound;
      }
    }
    return false;
  });
}

const labelSet = fc.dictionary(
  fc.constantFrom(...KEYS),
  fc.constantFrom(...VALUES, ...INTEGERS, ...OTHER_LABEL_VALUES),
  {
    maxKeys: 6,
  },
);

describe("fuzz: label selector round trip", () => {
  it("format → parse → toString → parse keeps the meaning of a valid selector", () => {
    fc.assert(
      fc.property(
        fc.array(requirement, { minLength: 1, maxLength: 5 }),
        fc.array(space, { minLength: 1, maxLength: 8 }),
        fc.array(labelSet, { minLength: 1, maxLength: 8 }),
        (reqs, gaps, labelSets) => {
          const text = formatSelector(reqs, gaps);
          const parsed = parseLabelSelector(text);
          assert.equal(parsed.requirements.length, reqs.length, text);
          const reparsed = parseLabelSelector(parsed.toString());
          assert.equal(reparsed.toString(), parsed.toString());
          for (const labels of labelSets) {
            const expected = modelMatches(reqs, labels);
            assert.equal(parsed.matches(labels), expected, `${text} on ${JSON.stringify(labels)}`);
            assert.equal(reparsed.matches(labels), expected, `${parsed} on ${JSON.stringify(labels)}`);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
