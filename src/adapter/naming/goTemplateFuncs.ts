/**
 * text/template's builtin functions (Go's text/template funcs.go) over the template data model
 * (see goTemplate.ts), with Go's results and error wording: comparisons (eq ne lt le gt ge),
 * len, index, slice (strings by bytes, as Go), print/printf/println (goFormat.ts), and the
 * escapers html, js and urlquery. `and`, `or` and `call` need the evaluator and live there.
 */
import { formatValue, goTypeName, NO_VALUE, sprint, sprintf, sprintln } from "./goFormat.js";
import { TemplateError } from "./goTemplateSyntax.js";

/** Call builtin `name` (not and/or/call) with evaluated arguments. */
export function callBuiltin(name: string, args: unknown[], pos: number): unknown {
  const fail = (reason: string): never => {
    throw new TemplateError(pos, `error calling ${name}: ${reason}`);
  };
  const want = (n: number) => {
    if (args.length !== n)
      throw new TemplateError(pos, `wrong number of args for ${name}: want ${n} got ${args.length}`);
  };
  switch (name) {
    case "not":
      want(1);
      return !truthy(args[0]);
    case "eq":
      if (args.length < 2) fail("missing argument for comparison");
      return args.slice(1).some((b) => equal(args[0], b, fail));
    case "ne":
      want(2);
      return !equal(args[0], args[1], fail);
    case "lt":
    case "le":
    case "gt":
    case "ge": {
      want(2);
      const less = lessThan(args[0], args[1], fail);
      if (name === "lt") return less;
      if (name === "ge") return !less;
      const same = equal(args[0], args[1], fail);
      return name === "le" ? less || same : !(less || same);
    }
    case "len":
      want(1);
      return length(args[0], fail);
    case "index":
      if (args.length < 1) want(1);
      return args.slice(1).reduce((item, key) => indexOne(item, key, fail), args[0]);
    case "slice":
      if (args.length < 1) want(1);
      return slice(args[0], args.slice(1), fail);
    case "print":
      return sprint(args);
    case "println":
      return sprintln(args);
    case "printf":
      if (args.length < 1) want(1);
      if (typeof args[0] !== "string")
        fail(`wrong type for value; expected string; got ${goTypeName(args[0])}`);
      return sprintf(args[0] as string, args.slice(1));
    case "html":
      return htmlEscape(escaperInput(args));
    case "js":
      return jsEscape(escaperInput(args));
    case "urlquery":
      return queryEscape(escaperInput(args));
    default:
      throw new TemplateError(pos, `function "${name}" not defined`);
  }
}

/** Go's truth: false, 0, nil, and empty strings, slices and maps are false. */
export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return v !== undefined && v !== null && v !== NO_VALUE && v !== false && v !== 0 && v !== "";
}

type Fail = (reason: string) => never;
type Kind = "bool" | "number" | "string" | "nil" | "other";

function kindOf(v: unknown): Kind {
  if (v === null || v === undefined || v === NO_VALUE) return "nil";
  const type = typeof v;
  return type === "boolean" ? "bool" : type === "number" || type === "string" ? type : "other";
}

function equal(a: unknown, b: unknown, fail: Fail): boolean {
  const [ka, kb] = [kindOf(a), kindOf(b)];
  if (ka === "nil" || kb === "nil") return ka === kb;
  if (ka === "other" || kb === "other") fail("non-comparable type");
  if (ka !== kb) fail("incompatible types for comparison");
  return a === b;
}

function lessThan(a: unknown, b: unknown, fail: Fail): boolean {
  const [ka, kb] = [kindOf(a), kindOf(b)];
  if (ka === "bool" || ka === "other" || ka === "nil" || kb === "bool" || kb === "other" || kb === "nil")
    fail("invalid type for comparison");
  if (ka !== kb) fail("incompatible types for comparison");
  return (a as number | string) < (b as number | string);
}

const bytes = (s: string) => new TextEncoder().encode(s);

function length(v: unknown, fail: Fail): number {
  if (typeof v === "string") return bytes(v).length; // Go counts bytes
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  return fail(`len of type ${goTypeName(v)}`);
}

function indexOne(item: unknown, key: unknown, fail: Fail): unknown {
  if (item instanceof Map) return item.has(key) ? item.get(key) : "";
  if (Array.isArray(item) || typeof item === "string") {
    const size = typeof item === "string" ? bytes(item).length : item.length;
    if (!Number.isInteger(key)) fail(`cannot index slice/array with type ${goTypeName(key)}`);
    if ((key as number) < 0 || (key as number) >= size) fail(`index out of range: ${formatValue(key)}`);
    return typeof item === "string" ? bytes(item)[key as number] : item[key as number];
  }
  if (item === null || item === undefined || item === NO_VALUE) return fail("index of untyped nil");
  return fail(`can't index item of type ${goTypeName(item)}`);
}

function slice(item: unknown, indexes: unknown[], fail: Fail): unknown {
  if (indexes.length > 3) fail(`too many slice indexes: ${indexes.length}`);
  const isString = typeof item === "string";
  if (!isString && !Array.isArray(item)) fail(`can't slice item of type ${goTypeName(item)}`);
  if (isString && indexes.length === 3) fail("cannot 3-index slice a string");
  const whole = isString ? bytes(item as string) : (item as unknown[]);
  const size = whole.length;
  const at = indexes.map((i) => {
    if (!Number.isInteger(i)) fail(`cannot index slice/array with type ${goTypeName(i)}`);
    if ((i as number) < 0 || (i as number) > size) fail(`index out of range: ${formatValue(i)}`);
    return i as number;
  });
  const [from = 0, to = size] = at;
  if (from > to) fail(`invalid slice index: ${from} > ${to}`);
  if (at[2] !== undefined && to > at[2]) fail(`invalid slice index: ${to} > ${at[2]}`);
  if (!isString) return (item as unknown[]).slice(from, to);
  return new TextDecoder().decode((whole as Uint8Array).slice(from, to));
}

/** The escapers' argument: one string as is, anything else as fmt.Sprint prints it. */
function escaperInput(args: unknown[]): string {
  return args.length === 1 && typeof args[0] === "string" ? args[0] : sprint(args);
}

/** Go's template.HTMLEscapeString. */
export function htmlEscape(s: string): string {
  const named: Record<string, string> = {
    '"': "&#34;",
    "'": "&#39;",
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "\0": "\uFFFD",
  };
  return s.replace(/["'&<>\0]/g, (c) => named[c] as string);
}

/** Go's template.JSEscapeString. */
export function jsEscape(s: string): string {
  const named: Record<string, string> = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "<": "\\u003C",
    ">": "\\u003E",
    "&": "\\u0026",
    "=": "\\u003D",
  };
  let out = "";
  for (const c of s) {
    const code = c.codePointAt(0) as number;
    const escaped = named[c];
    if (escaped !== undefined) out += escaped;
    else if (code < 0x20) out += `\\u00${code.toString(16).toUpperCase().padStart(2, "0")}`;
    else if (code < 0x80 || /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(c)) out += c;
    else out += `\\u${code.toString(16).toUpperCase().padStart(4, "0")}`;
  }
  return out;
}

/** Go's url.QueryEscape: unreserved bytes kept, space as `+`, the rest `%XX`. */
export function queryEscape(s: string): string {
  let out = "";
  for (const b of bytes(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
