/**
 * Kubernetes label selectors in their string form (apimachinery pkg/labels/selector.go `Parse`)
 * and how they match a label set. Their translation to PromQL matchers is adapter/naming/selectorMatchers.ts.
 *
 * Hand-written because the selector grammar, its validation and its matching semantics must be
 * exactly apimachinery's (the HPA sends `status.selector` strings), and @kubernetes/client-node
 * only carries the object form of LabelSelector, with no parser.
 */

/** The operators as written in selector text. */
export type Operator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface Requirement {
  readonly key: string;
  readonly operator: "equals" | "notEquals" | "in" | "notIn" | "exists" | "doesNotExist" | "gt" | "lt";
  /** Sorted and de-duplicated, as apimachinery keeps them. Empty for exists/doesNotExist. */
  readonly values: readonly string[];
}

export interface Selector {
  /** Sorted by key, as apimachinery sorts them after parsing. */
  readonly requirements: readonly Requirement[];
  /** True when every requirement holds for `labels`. */
  matches(labels: Readonly<Record<string, string>>): boolean;
  /** True for the empty selector, which selects everything. */
  isEverything(): boolean;
  /** Canonical text (apimachinery's String()): `a=1,b in (x,y),!c`. "" for everything. */
  toString(): string;
}

export class SelectorParseError extends Error {
  override readonly name = "SelectorParseError";
  constructor(
    /** The selector text that failed. */
    readonly selector: string,
    /** Offset of the offending token in `selector`. */
    readonly position: number,
    reason: string,
  ) {
    super(`unable to parse label selector ${JSON.stringify(selector)} at position ${position}: ${reason}`);
  }
}

const OPERATOR_FOR: Readonly<Record<Operator, Requirement["operator"]>> = {
  "=": "equals",
  "==": "equals",
  "!=": "notEquals",
  in: "in",
  notin: "notIn",
  exists: "exists",
  "!": "doesNotExist",
  gt: "gt",
  lt: "lt",
};

// ---------------------------------------------------------------------------------------------
// Validation (apimachinery util/validation: IsQualifiedName, IsValidLabelValue)

const NAME_MAX = 63;
const PREFIX_MAX = 253;
const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const NAME_RULE = "up to 63 characters of [A-Za-z0-9_.-], starting and ending with a letter or digit";

/** Why `key` is not a valid label key, or undefined when it is. */
function labelKeyProblem(key: string): string | undefined {
  const parts = key.split("/");
  if (parts.length > 2) return `label key ${JSON.stringify(key)} has more than one '/'`;
  const name = parts.length === 2 ? (parts[1] as string) : key;
  if (parts.length === 2) {
    const prefix = parts[0] as string;
    if (prefix === "") return `label key ${JSON.stringify(key)} has an empty prefix before '/'`;
    if (prefix.length > PREFIX_MAX || !DNS1123_SUBDOMAIN.test(prefix)) {
      return `label key prefix ${JSON.stringify(prefix)} must be a DNS subdomain (lowercase, e.g. example.com, at most ${PREFIX_MAX} characters)`;
    }
  }
  if (name.length > NAME_MAX || !NAME_PART.test(name)) {
    return `label key name ${JSON.stringify(name)} must be ${NAME_RULE}`;
  }
  return undefined;
}

/** Why `value` is not a valid label value, or undefined when it is. */
function labelValueProblem(value: string): string | undefined {
  if (value.length > NAME_MAX || !LABEL_VALUE.test(value)) {
    return `label value ${JSON.stringify(value)} must be empty or ${NAME_RULE}`;
  }
  return undefined;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's strconv.ParseInt(s, 10, 64), or undefined when it would fail. */
function parseInt64(text: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const n = BigInt(text);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

// ---------------------------------------------------------------------------------------------
// Lexer: identifiers are runs of anything but whitespace and the symbols below; `in`/`notin`
// are keywords only where an operator is expected (so a key or value may be called "in").

type TokenKind = "identifier" | "=" | "==" | "!=" | "!" | ">" | "<" | "(" | ")" | "," | "end";

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly position: number;
}

const SYMBOLS = "=!(),><";
const WHITESPACE = " \t\r\n";

function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  for (;;) {
    while (pos < input.length && WHITESPACE.includes(input[pos] as string)) pos++;
    if (pos >= input.length) {
      tokens.push({ kind: "end", text: "", position: pos });
      return tokens;
    }
    const start = pos;
    const two = input.slice(pos, pos + 2);
    if (two === "==" || two === "!=") {
      tokens.push({ kind: two, text: two, position: start });
      pos += 2;
    } else if (SYMBOLS.includes(input[pos] as string)) {
      const ch = input[pos] as TokenKind;
      tokens.push({ kind: ch, text: ch, position: start });
      pos += 1;
    } else {
      while (
        pos < input.length &&
        !WHITESPACE.includes(input[pos] as string) &&
        !SYMBOLS.includes(input[pos] as string)
      ) {
        pos++;
      }
      tokens.push({ kind: "identifier", text: input.slice(start, pos), position: start });
    }
  }
}

function describe(token: Token): string {
  return token.kind === "end" ? "end of string" : `'${token.text}'`;
}

// ---------------------------------------------------------------------------------------------
// Parser (mirrors apimachinery's recursive-descent Parser, error for error)

class Parser {
  private index = 0;

  constructor(
    private readonly input: string,
    private readonly tokens: readonly Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }

  private next(): Token {
    const token = this.tokens[this.index] as Token;
    if (token.kind !== "end") this.index++;
    return token;
  }

  private fail(token: Token, reason: string): never {
    throw new SelectorParseError(this.input, token.position, reason);
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    for (;;) {
      const first = this.peek();
      if (first.kind === "end") return requirements;
      if (first.kind !== "identifier" && first.kind !== "!") {
        this.fail(first, `found ${describe(first)}, expected: !, identifier, or end of string`);
      }
      requirements.push(this.requirement());
      const separator = this.next();
      if (separator.kind === "end") return requirements;
      if (separator.kind !== ",") {
        this.fail(separator, `found ${describe(separator)}, expected: ',' or end of string`);
      }
      const after = this.peek();
      if (after.kind !== "identifier" && after.kind !== "!") {
        this.fail(after, `found ${describe(after)}, expected: identifier after ','`);
      }
    }
  }

  private requirement(): Requirement {
    let token = this.next();
    const negated = token.kind === "!";
    if (negated) token = this.next();
    if (token.kind !== "identifier") this.fail(token, `found ${describe(token)}, expected: identifier`);
    const key = token.text;
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) this.fail(token, keyProblem);

    // `!k` is complete on its own; parse() rejects anything but ',' or the end after it.
    if (negated) return makeRequirement(key, "!", []);
    const lookahead = this.peek();
    if (lookahead.kind === "end" || lookahead.kind === ",") return makeRequirement(key, "exists", []);

    const opToken = this.next();
    const operator = this.operator(opToken);
    const valuesStart = this.peek();
    const values = operator === "in" || operator === "notin" ? this.setValues() : this.exactValue();

    for (const value of values) {
      const problem = labelValueProblem(value);
      if (problem) this.fail(valuesStart, problem);
    }
    if ((operator === "gt" || operator === "lt") && parseInt64(values[0] as string) === undefined) {
      this.fail(valuesStart, `for '${opToken.text}', the value must be an integer, got '${values[0]}'`);
    }
    return makeRequirement(key, operator, values);
  }

  private operator(token: Token): Operator {
    switch (token.kind) {
      case "=":
      case "==":
      case "!=":
        return token.kind;
      case ">":
        return "gt";
      case "<":
        return "lt";
      case "identifier":
        if (token.text === "in" || token.text === "notin") return token.text;
        break;
      default:
        break;
    }
    return this.fail(token, `found ${describe(token)}, expected: in, notin, =, ==, !=, gt, lt`);
  }

  /** `(a,b)`; empty entries mean the empty value, so `()` and `(a,)` include "". */
  private setValues(): string[] {
    const open = this.next();
    if (open.kind !== "(") this.fail(open, `found ${describe(open)}, expected: '('`);
    const values: string[] = [];
    let expectValue = true;
    for (;;) {
      const token = this.next();
      if (token.kind === ")") {
        if (expectValue) values.push("");
        return values;
      }
      if (token.kind === ",") {
        if (expectValue) values.push("");
        expectValue = true;
      } else if (token.kind === "identifier" && expectValue) {
        values.push(token.text);
        expectValue = false;
      } else {
        this.fail(
          token,
          `found ${describe(token)}, expected: ${expectValue ? "',', ')' or identifier" : "',' or ')'"}`,
        );
      }
    }
  }

  /** The single value after `=`, `!=`, `>`...; absent (`k=` then `,` or end) means "". */
  private exactValue(): string[] {
    const token = this.peek();
    if (token.kind === "end" || token.kind === ",") return [""];
    this.next();
    if (token.kind !== "identifier") this.fail(token, `found ${describe(token)}, expected: identifier`);
    return [token.text];
  }
}

function makeRequirement(key: string, operator: Operator, values: readonly string[]): Requirement {
  const unique = [...new Set(values)].sort();
  return Object.freeze({ key, operator: OPERATOR_FOR[operator], values: Object.freeze(unique) });
}

// ---------------------------------------------------------------------------------------------
// Selector

function has(labels: Readonly<Record<string, string>>, key: string): boolean {
  return Object.hasOwn(labels, key);
}

/** apimachinery Requirement.Matches. */
export function requirementMatches(req: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const present = has(labels, req.key);
  const value = present ? (labels[req.key] as string) : undefined;
  switch (req.operator) {
    case "equals":
    case "in":
      return value !== undefined && req.values.includes(value);
    case "notEquals":
    case "notIn":
      return value === undefined || !req.values.includes(value);
    case "exists":
      return present;
    case "doesNotExist":
      return !present;
    case "gt":
    case "lt": {
      if (value === undefined || req.values.length !== 1) return false;
      const actual = parseInt64(value);
      const bound = parseInt64(req.values[0] as string);
      if (actual === undefined || bound === undefined) return false;
      return req.operator === "gt" ? actual > bound : actual < bound;
    }
  }
}

const OPERATOR_TEXT: Readonly<Record<Requirement["operator"], string>> = {
  equals: "=",
  notEquals: "!=",
  in: " in ",
  notIn: " notin ",
  exists: "",
  doesNotExist: "",
  gt: ">",
  lt: "<",
};

/** A requirement in selector text, as apimachinery prints it. */
export function requirementString(req: Requirement): string {
  switch (req.operator) {
    case "exists":
      return req.key;
    case "doesNotExist":
      return `!${req.key}`;
    case "in":
    case "notIn":
      return `${req.key}${OPERATOR_TEXT[req.operator]}(${req.values.join(",")})`;
    default:
      return `${req.key}${OPERATOR_TEXT[req.operator]}${req.values.join(",")}`;
  }
}

class ParsedSelector implements Selector {
  readonly requirements: readonly Requirement[];

  constructor(requirements: readonly Requirement[]) {
    this.requirements = Object.freeze([...requirements]);
  }

  matches(labels: Readonly<Record<string, string>>): boolean {
    return this.requirements.every((req) => requirementMatches(req, labels));
  }

  isEverything(): boolean {
    return this.requirements.length === 0;
  }

  toString(): string {
    return this.requirements.map(requirementString).join(",");
  }
}

/**
 * Parses a label selector string: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`,
 * `k>1`, `k<1`, joined by commas, whitespace allowed between tokens. Keys and values are validated
 * as apimachinery does. Empty, blank or absent text selects everything.
 * Throws SelectorParseError naming the position and the token that broke the grammar.
 */
export function parseLabelSelector(text: string | undefined | null): Selector {
  const input = text ?? "";
  const requirements = new Parser(input, lex(input)).parse();
  // Stable sort by key, as apimachinery sorts after parsing, so toString() is canonical.
  requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return new ParsedSelector(requirements);
}

// ---------------------------------------------------------------------------------------------
// PromQL
