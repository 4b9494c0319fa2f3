/**
 * Go's text/template, as prometheus-adapter runs its resource label templates (`<<.Resource>>`)
 * and `metricsQuery` templates, with Go's semantics: the whole language (actions, pipelines,
 * variables, if/with/range with else and `else if`/`else with`, range over ints, break/continue,
 * define/template/block, comments, trim markers) and every builtin function (goTemplateFuncs.ts).
 * Hand-written because no maintained npm package implements Go templates with custom delimiters
 * (prometheus-adapter configs use `<<` and `>>`) and Go's rules for truthiness, map ordering,
 * missing keys and `index`.
 *
 * Data model: plain objects are Go structs (an unknown field is an error), `Map`s are Go maps
 * (a missing key is Go's invalid value: it prints `<no value>`, as without `missingkey=`), arrays
 * are slices, numbers/strings/booleans basic. The data has no methods and no function values, so
 * `call` always fails as Go's does on a non-function; integers and floats are both JavaScript
 * numbers, so they compare with each other where Go would call the types incompatible.
 */
import { formatValue, goTypeName, NO_VALUE, sortedKeys } from "./goFormat.js";
import { callBuiltin, truthy } from "./goTemplateFuncs.js";
import type { Arg, Cmd, CompiledTemplate, Delimiters, Node, Pipe } from "./goTemplateSyntax.js";
import { GO_DELIMITERS, parseTemplate, TemplateError } from "./goTemplateSyntax.js";

export type { CompiledTemplate, Delimiters } from "./goTemplateSyntax.js";
export { ADAPTER_DELIMITERS, GO_DELIMITERS, TemplateError } from "./goTemplateSyntax.js";

/** Parse `text` once; the returned function renders it against data. Throws TemplateError on bad syntax. */
export function compileTemplate(text: string, delims: Delimiters = GO_DELIMITERS): CompiledTemplate {
  const { nodes, defs } = parseTemplate(text, delims);
  return (data) => {
    const out: string[] = [];
    execList(nodes, data, [["$", data]], out, { defs, depth: 0 });
    return out.join("");
  };
}

type Vars = Array<[string, unknown]>;
const NONE = Symbol("none");
/** Go's maxExecDepth is 100000; a JavaScript stack holds fewer nested calls. */
const MAX_DEPTH = 1000;

interface Exec {
  readonly defs: ReadonlyMap<string, Node[]>;
  depth: number;
}

/** Thrown by {{break}} / {{continue}} to the innermost range. */
class LoopControl {
  constructor(readonly kind: "break" | "continue") {}
}

function execList(nodes: Node[], dot: unknown, vars: Vars, out: string[], ex: Exec): void {
  for (const node of nodes) {
    if (node.n === "text") out.push(node.text);
    else if (node.n === "out") {
      const value = evalPipe(node.pipe, dot, vars, true);
      if (node.pipe.decl.length === 0) out.push(formatValue(value));
    } else if (node.n === "template") execTemplate(node, dot, vars, out, ex);
    else if (node.n === "break") throw new LoopControl("break");
    else if (node.n === "continue") throw new LoopControl("continue");
    else {
      const mark = vars.length;
      const value = evalPipe(node.pipe, dot, vars, node.n !== "range");
      if (node.n === "range") {
        const entries = iterate(value, node.pos);
        for (const [key, elem] of entries) {
          const [a, b] = node.pipe.decl;
          if (a !== undefined) vars.push(b === undefined ? [a, elem] : [a, key]);
          if (b !== undefined) vars.push([b, elem]);
          try {
            execList(node.body, elem, vars, out, ex);
          } catch (err) {
            if (!(err instanceof LoopControl)) throw err;
            if (err.kind === "break") break;
          } finally {
            vars.length = mark;
          }
        }
        if (entries.length === 0) execList(node.alt, dot, vars, out, ex);
      } else if (truthy(value)) execList(node.body, node.n === "with" ? value : dot, vars, out, ex);
      else execList(node.alt, dot, vars, out, ex);
      vars.length = mark;
    }
  }
}

function execTemplate(
  node: Extract<Node, { n: "template" }>,
  dot: unknown,
  vars: Vars,
  out: string[],
  ex: Exec,
): void {
  const body = ex.defs.get(node.name);
  if (body === undefined) throw new TemplateError(node.pos, `no such template "${node.name}"`);
  const value = node.pipe === undefined ? null : evalPipe(node.pipe, dot, vars, true);
  if (ex.depth >= MAX_DEPTH)
    throw new TemplateError(node.pos, `exceeded maximum template depth (${MAX_DEPTH})`);
  ex.depth++;
  try {
    execList(body, value, [["$", value]], out, ex);
  } finally {
    ex.depth--;
  }
}

function iterate(value: unknown, pos: number): Array<[unknown, unknown]> {
  if (Array.isArray(value)) return value.map((v, i) => [i, v]);
  if (value instanceof Map) return sortedKeys(value).map((k) => [k, value.get(k)]);
  if (Number.isInteger(value)) return Array.from({ length: Math.max(0, value as number) }, (_, i) => [i, i]);
  if (value === null || value === undefined || value === NO_VALUE) return [];
  throw new TemplateError(pos, `range can't iterate over ${formatValue(value)}`);
}

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
  if (head.name === "call") {
    const [fn] = lazy.map((get) => get());
    throw new TemplateError(
      cmd.pos,
      fn === undefined || fn === null || fn === NO_VALUE
        ? "error calling call: call of nil"
        : `error calling call: non-function of type ${goTypeName(fn)}`,
    );
  }
  return callBuiltin(
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
      return evalCmd({ args: [arg], pos: arg.pos }, dot, vars, NONE);
    case "pipe":
      return evalPipe(arg.pipe, dot, vars, true);
    case "chain":
      return walk(evalArg(arg.of, dot, vars), arg.path, arg.pos);
    case "field":
      return walk(dot, arg.path, arg.pos);
    default:
      return walk(vars.findLast(([n]) => n === arg.name)?.[1], arg.path, arg.pos);
  }
}

function walk(value: unknown, path: string[], pos: number): unknown {
  for (const name of path) {
    if (value === NO_VALUE) return NO_VALUE; // Go: a field of an invalid value is invalid, not an error
    if (value instanceof Map) value = value.has(name) ? value.get(name) : NO_VALUE;
    else if (isStruct(value) && Object.hasOwn(value, name)) value = value[name];
    else if (value === null || value === undefined)
      throw new TemplateError(pos, `nil pointer evaluating .${name}`);
    else throw new TemplateError(pos, `can't evaluate field ${name} in type ${goTypeName(value)}`);
  }
  return value;
}

const isStruct = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Map);
