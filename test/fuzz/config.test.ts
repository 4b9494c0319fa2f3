/**
 * Fuzzing of the config loader (src/config/load.ts parseConfigFile) with fast-check: arbitrary
 * YAML-ish text, and the shipped example configs mutated structurally (keys dropped, renamed,
 * values replaced by other types) and textually (lines dropped, duplicated, re-indented, cut).
 * Each either loads or throws a ConfigError whose every problem has a line, a column and a path;
 * never another exception. fast-check prints seed and counterexample on failure.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { ConfigError } from "../../src/config/errors.js";
import { parseConfigFile } from "../../src/config/load.js";

const SOURCE = "fuzz.yaml";
const EXAMPLES_DIR = join(import.meta.dirname, "../../examples");

/** The example files that are adapter configs (the hpa-*.yaml ones are HPA manifests). */
const EXAMPLES = readdirSync(EXAMPLES_DIR)
  .filter((f) => f.endsWith(".yaml") && !f.startsWith("hpa-"))
  .sort()
  .map((f) => readFileSync(join(EXAMPLES_DIR, f), "utf8"));

function checkOutcome(text: string): void {
  try {
    parseConfigFile(text, SOURCE);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `unexpected ${err instanceof Error ? err.stack : String(err)}`);
    assert.ok(err.problems.length > 0, "a ConfigError lists at least one problem");
    for (const problem of err.problems) {
      const where = JSON.stringify(problem);
      assert.ok(Number.isInteger(problem.line) && problem.line >= 1, `line in ${where}`);
      assert.ok(Number.isInteger(problem.column) && problem.column >= 1, `column in ${where}`);
      assert.equal(typeof problem.path, "string", `path in ${where}`);
      assert.ok(problem.message.length > 0, `message in ${where}`);
      assert.ok(err.message.includes(`${SOURCE}:${problem.line}:${problem.column}: `), where);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitrary YAML-ish text

const YAML_PIECES = [
  "rules:",
  "externalRules:",
  "prometheus:",
  "url:",
  "forecast:",
  "adapter:",
  "  - ",
  "- ",
  "seriesQuery:",
  "metricsQuery:",
  "name:",
  "matches:",
  "as:",
  "resources:",
  "overrides:",
  "template:",
  "<<: *a",
  "&a",
  "*a",
  "{",
  "}",
  "[",
  "]",
  ": ",
  ",",
  "'",
  '"',
  "|",
  ">-",
  "---",
  "...",
  "#",
  "!!str",
  "!!binary",
  "!!set",
  "? ",
  "~",
  "null",
  "true",
  "1e9",
  "0x1F",
  ".inf",
  "30s",
  "(",
  "[a-",
  "<<.Series>>",
  "\t",
  "\n",
  "  ",
  "é",
  "\u0000",
];

const yamlishText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.array(fc.constantFrom(...YAML_PIECES), { maxLength: 60 }).map((parts) => parts.join("")),
  fc.array(fc.constantFrom(...YAML_PIECES), { maxLength: 60 }).map((parts) => parts.join(" ")),
);

// ---------------------------------------------------------------------------------------------
// Structural mutations of a valid config

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to a value in `data` (the root as []). */
function pathsOf(data: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(data)) for (const [i, item] of data.entries()) out.push(...pathsOf(item, [...prefix, i]));
  else if (data !== null && typeof data === "object")
    for (const [key, value] of Object.entries(data)) out.push(...pathsOf(value, [...prefix, key]));
  return out;
}

type Mutation =
  | { readonly kind: "replace"; readonly value: Json }
  | { readonly kind: "delete" }
  | { readonly kind: "rename"; readonly key: string }
  | { readonly kind: "wrap" };

const replacement: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, 0, -1, 1e308, "", "x", "30s", "-5m", "[", "(?P<x", [], {}, [null], {
    a: 1,
  }),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  replacement.map((value) => ({ kind: "replace" as const, value })),
  fc.constant({ kind: "delete" as const }),
  fc
    .oneof(fc.constantFrom("rules", "name", "as", "url", "<<", "0", ""), fc.string({ maxLength: 8 }))
    .map((key) => ({ kind: "rename" as const, key })),
  fc.constant({ kind: "wrap" as const }),
);

function mutate(data: Json, path: readonly (string | number)[], m: Mutation): Json {
  if (path.length === 0) {
    if (m.kind === "replace") return m.value;
    if (m.kind === "wrap") return [data];
    return data;
  }
  const clone = structuredClone(data);
  let parent = clone as Record<string | number, Json>;
  for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<string | number, Json>;
  const last = path[path.length - 1] as string | number;
  const value = parent[last] as Json;
  switch (m.kind) {
    case "replace":
      parent[last] = m.value;
      break;
    case "wrap":
      parent[last] = [value];
      break;
    case "delete":
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
      break;
    case "rename":
      if (!Array.isArray(parent)) {
        delete parent[last];
        parent[m.key] = value;
      }
      break;
  }
  return clone;
}

const structurallyMutated = fc
  .tuple(fc.constantFrom(...EXAMPLES), fc.array(fc.tuple(fc.nat(), mutation), { minLength: 1, maxLength: 4 }))
  .map(([text, mutations]) => {
    let data = parseYaml(text, { merge: true }) as Json;
    for (const [pick, m] of mutations) {
      const paths = pathsOf(data);
      data = mutate(data, paths[pick % paths.length] as (string | number)[], m);
    }
    return stringifyYaml(data);
  });

// ---------------------------------------------------------------------------------------------
// Textual mutations of a valid config

type Edit =
  | { readonly kind: "dropLine" | "duplicateLine" | "indent" | "dedent"; readonly at: number }
  | { readonly kind: "insert"; readonly at: number; readonly text: string }
  | { readonly kind: "truncate"; readonly at: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    kind: fc.constantFrom("dropLine", "duplicateLine", "indent", "dedent"),
    at: fc.nat(),
  }) as fc.Arbitrary<Edit>,
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...YAML_PIECES), fc.string({ maxLength: 6 })),
  }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

function applyEdit(text: string, e: Edit): string {
  const lines = text.split("\n");
  const line = e.at % Math.max(lines.length, 1);
  switch (e.kind) {
    case "dropLine":
      lines.splice(line, 1);
      return lines.join("\n");
    case "duplicateLine":
      lines.splice(line, 0, lines[line] ?? "");
      return lines.join("\n");
    case "indent":
      lines[line] = ` ${lines[line] ?? ""}`;
      return lines.join("\n");
    case "dedent":
      lines[line] = (lines[line] ?? "").replace(/^ {1,2}/, "");
      return lines.join("\n");
    case "insert": {
      const at = e.at % (text.length + 1);
      return text.slice(0, at) + e.text + text.slice(at);
    }
    case "truncate":
      return text.slice(0, e.at % (text.length + 1));
  }
}

const textuallyMutated = fc
  .tuple(fc.constantFrom(...EXAMPLES), fc.array(edit, { minLength: 1, maxLength: 5 }))
  .map(([text, edits]) => edits.reduce(applyEdit, text));

describe("fuzz: config loader", () => {
  it("the examples used as seeds are valid configs", () => {
    assert.ok(EXAMPLES.length >= 3);
    for (const text of EXAMPLES) parseConfigFile(text, SOURCE);
  });

  it("arbitrary YAML-ish text: a config or a ConfigError with placed problems", () => {
    fc.assert(fc.property(yamlishText, checkOutcome), { numRuns: 1000 });
  });

  it("structurally mutated examples: a config or a ConfigError with placed problems", () => {
    fc.assert(fc.property(structurallyMutated, checkOutcome), { numRuns: 400 });
  });

  it("textually mutated examples: a config or a ConfigError with placed problems", () => {
    fc.assert(fc.property(textuallyMutated, checkOutcome), { numRuns: 400 });
  });
});
