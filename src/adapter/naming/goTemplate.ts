/**
 * A subset of Go's text/template: enough for prometheus-adapter's resource label templates
 * (`<<.Resource>>`) and `metricsQuery` templates, with the same semantics on what they use.
 * Hand-written because no maintained npm package implements Go templates with custom delimiters
 * (prometheus-adapter configs use `<<` and `>>`) and Go's rules for truthiness, map ordering and `index`.
 *
 * Data model: plain objects are Go structs (an unknown field is an error), `Map`s are Go maps
 * (a missing key is the zero value and prints as ""), arrays are slices, numbers/strings/booleans basic.
 * Supported: text, `.`, `.A.B`, `$`, `$x.A`, `:=` and `=`, pipelines with `|`, `( )`, comments, trim
 * markers, if / else if / else, range (arrays, Maps in sorted key order, ints) with else, with / else with,
 * and the builtins and, or, not, eq, ne, len, index, printf (%s %d %v %q %%).
 * Not supported: define/template/block, break/continue, method calls, lt/le/gt/ge, print, html/js/urlquery.
 */
import type { Arg, Cmd, CompiledTemplate, Delimiters, Node, Pipe } from "./goTemplateSyntax.js";
import { GO_DELIMITERS, parseTemplate, TemplateError } from "./goTemplateSyntax.js";

export type { CompiledTemplate, Delimiters } from "./goTemplateSyntax.js";
export { ADAPTER_DELIMITERS, GO_DELIMITERS, TemplateError } from "./goTemplateSyntax.js";

/** Parse `text` once; the returned function renders it against data. Throws TemplateError on bad syntax. */
export function compileTemplate(text: string, delims: Delimiters = GO_DELIMITERS): CompiledTemplate {
  const nodes = parseTemplate(text, delims);
  return (data) => {
    const out: string[] = [];
    execList(nodes, data, [["$", data]], out);
    return out.join("");
  };
}

type Vars = Array<[string, unknown]>;
const NONE = Symbol("none");

function execList(nodes: Node[], dot: unknown, vars: Vars, out: string[]): void {
  for (const node of nodes) {
    if (node.n === "text") out.push(node.text);
    else if (node.n === "out") {
      const value = evalPipe(node.pipe, dot, vars, true);
      if (node.pipe.decl.length === 0) out.push(print(value));
    } else {
      const mark = vars.length;
      const value = evalPipe(node.pipe, dot, vars, node.n !== "range");
      if (node.n === "range") {
        const entries = iterate(value, node.pos);
        for (const [key, elem] of entries) {
          const [a, b] = node.pipe.decl;
          if (a !== undefined) vars.push(b === undefined ? [a, elem] : [a, key]);
          if (b !== undefined) vars.push([b, elem]);
          execList(node.body, elem, vars, out);
          vars.length = mark;
        }
        if (entries.length === 0) execList(node.alt, dot, vars, out);
      } else if (truthy(value)) execList(node.body, node.n === "with" ? value : dot, vars, out);
      else execList(node.alt, dot, vars, out);
      vars.length = mark;
    }
  }
}

function iterate(value: unknown, pos: number): Array<[unknown, unknown]> {
  if (Array.isArray(value)) return value.map((v, i) => [i, v]);
  if (value instanceof Map) return [...value.keys()].sort(compareKeys).map((k) => [k, value.get(k)]);
  if (Number.isInteger(value)) return Array.from({ length: Math.max(0, value as number) }, (_, i) => [i, i]);
  if (value === null || value === undefined) return [];
  throw new TemplateError(pos, `range can't iterate over ${print(value)}`);
}

const compareKeys = (a: unknown, b: unknown) => (a === b ? 0 : (a as string) < (b as string) ? -1 : 1);

function evalPipe(pipe: Pipe, dot: unknown, vars: Vars, declare: boolean): unknown {
  let value: unknown = NONE;
  for (const cmd of pipe.cmds) value = evalCmd(cmd, dot, vars, value);
  const name = pipe.decl[0];
  if (declare && name !== undefined) {
    const slot = pipe.assign ? vars.findLast(([n]) => n === name) : undefined;
    if (slot) slot[1] = value;
    else vars.push([name, value]);
  }
  return value;
}

function evalCmd(cmd: Cmd, dot: unknown, vars: Vars, piped: unknown): unknown {
  const [head, ...rest] = cmd.args as [Arg, ...Arg[]];
  if (head.a !== "fn") return evalArg(head, dot, vars);
  const lazy = rest.map((arg) => () => evalArg(arg, dot, vars));
  if (piped !== NONE) lazy.push(() => piped);
  if (head.name === "and" || head.name === "or") {
    if (lazy.length === 0) throw new TemplateError(cmd.pos, `wrong number of args for ${head.name}`);
    let value: unknown;
    for (const get of lazy) {
      value = get();
      if (truthy(value) !== (head.name === "and")) break; // Go 1.18+ short-circuits
    }
    return value;
  }
  return callFn(
    head.name,
    lazy.map((get) => get()),
    cmd.pos,
  );
}

function evalArg(arg: Arg, dot: unknown, vars: Vars): unknown {
  switch (arg.a) {
    case "lit":
      return arg.value;
    case "fn":
      return callFn(arg.name, [], arg.pos);
    case "pipe":
      return evalPipe(arg.pipe, dot, vars, true);
    case "field":
      return walk(dot, arg.path, arg.pos);
    default:
      return walk(vars.findLast(([n]) => n === arg.name)?.[1], arg.path, arg.pos);
  }
}

function walk(value: unknown, path: string[], pos: number): unknown {
  for (const name of path) {
    if (value instanceof Map) value = value.get(name);
    else if (isStruct(value) && Object.hasOwn(value, name)) value = value[name];
    else if (value === null || value === undefined)
      throw new TemplateError(pos, `nil pointer evaluating .${name}`);
    else throw new TemplateError(pos, `can't evaluate field ${name} in ${describe(value)}`);
  }
  return value;
}

const isStruct = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Map);
const describe = (v: unknown) =>
  Array.isArray(v) ? "slice" : v instanceof Map ? "map" : typeof v === "object" ? "struct" : typeof v;

function callFn(name: string, args: unknown[], pos: number): unknown {
  const want = (n: number) => {
    if (args.length !== n)
      throw new TemplateError(pos, `wrong number of args for ${name}: want ${n} got ${args.length}`);
  };
  switch (name) {
    case "not":
      want(1);
      return !truthy(args[0]);
    case "eq":
      if (args.length < 2) throw new TemplateError(pos, "missing argument for comparison");
      return args.slice(1).some((b) => equal(args[0], b, pos));
    case "ne":
      want(2);
      return !equal(args[0], args[1], pos);
    case "len": {
      want(1);
      const [v] = args;
      if (typeof v === "string") return new TextEncoder().encode(v).length; // Go counts bytes
      if (Array.isArray(v)) return v.length;
      if (v instanceof Map) return v.size;
      throw new TemplateError(pos, `len of ${describe(v)}`);
    }
    case "index":
      return args.slice(1).reduce((item, key) => indexOne(item, key, pos), args[0]);
    default:
      return sprintf(args, pos);
  }
}

function indexOne(item: unknown, key: unknown, pos: number): unknown {
  if (item instanceof Map) return item.get(key);
  if (Array.isArray(item)) {
    if (!Number.isInteger(key) || (key as number) < 0 || (key as number) >= item.length)
      throw new TemplateError(pos, `error calling index: index out of range: ${print(key)}`);
    return item[key as number];
  }
  throw new TemplateError(pos, `error calling index: can't index item of type ${describe(item)}`);
}

function equal(a: unknown, b: unknown, pos: number): boolean {
  if (!["string", "number", "boolean"].includes(typeof a) || typeof a !== typeof b)
    throw new TemplateError(pos, `incompatible types for comparison: ${describe(a)} and ${describe(b)}`);
  return a === b;
}

function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== "";
}

/** Go's `%v` of a value. */
function print(v: unknown): string {
  if (v === undefined) return "";
  if (v === null) return "<nil>";
  if (Array.isArray(v)) return `[${v.map(print).join(" ")}]`;
  if (v instanceof Map)
    return `map[${[...v.keys()]
      .sort(compareKeys)
      .map((k) => `${print(k)}:${print(v.get(k))}`)
      .join(" ")}]`;
  if (typeof v === "object") return `{${Object.values(v).map(print).join(" ")}}`;
  return String(v);
}

function sprintf(args: unknown[], pos: number): string {
  const [format, ...rest] = args;
  if (typeof format !== "string") throw new TemplateError(pos, "printf needs a format string");
  let n = 0;
  return format.replace(/%(.?)/gsu, (_m, verb: string) => {
    if (verb === "%") return "%";
    if (verb === "") return "%!(NOVERB)";
    if (n >= rest.length) return `%!${verb}(MISSING)`;
    const v = rest[n++];
    if (verb === "s" || verb === "v") return print(v);
    if (verb === "d" && Number.isInteger(v)) return String(v);
    if (verb === "q" && typeof v === "string") return goQuote(v);
    throw new TemplateError(
      pos,
      `printf verb %${verb} is not supported for ${describe(v)} (use %s %d %v %q)`,
    );
  });
}

/** Go's strconv.Quote for the characters config values contain. */
export function goQuote(s: string): string {
  const named: Record<string, string> = { "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t" };
  let out = "";
  for (const c of s) {
    const code = c.codePointAt(0) as number;
    out += named[c] ?? (code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, "0")}` : c);
  }
  return `"${out}"`;
}
