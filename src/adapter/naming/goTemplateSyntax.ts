/**
 * Lexer and parser of Go's text/template language, which goTemplate.ts executes (see there for why
 * it is hand-written). Produces an AST and the templates the text defines (`define`, `block`); all
 * syntax errors are TemplateErrors carrying the offset of the action at fault, with Go's wording.
 */

export class TemplateError extends Error {
  override readonly name = "TemplateError";
  constructor(
    /** Offset in the template text of the action that failed. */
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`template: at offset ${offset}: ${reason}`);
  }
}

export interface Delimiters {
  readonly left: string;
  readonly right: string;
}
export const GO_DELIMITERS: Delimiters = { left: "{{", right: "}}" };
/** The delimiters prometheus-adapter parses every config template with. */
export const ADAPTER_DELIMITERS: Delimiters = { left: "<<", right: ">>" };

export type CompiledTemplate = (data: unknown) => string;

export type Tok =
  | { t: "field"; path: string[]; pos: number }
  | { t: "var"; name: string; path: string[]; pos: number }
  | { t: "lit"; value: unknown; pos: number }
  | { t: "ident"; name: string; pos: number }
  | { t: "punct"; v: string; pos: number };
export type Item = { kind: "text"; text: string } | { kind: "action"; toks: Tok[]; pos: number };

export type Arg =
  | { a: "field"; path: string[]; pos: number }
  | { a: "var"; name: string; path: string[]; pos: number }
  | { a: "lit"; value: unknown }
  | { a: "fn"; name: string; pos: number }
  | { a: "pipe"; pipe: Pipe }
  /** `(pipeline).Field.Other`: fields of a parenthesized value. */
  | { a: "chain"; of: Arg; path: string[]; pos: number };
export interface Cmd {
  readonly args: Arg[];
  readonly pos: number;
}
export interface Pipe {
  readonly decl: string[];
  readonly assign: boolean;
  readonly cmds: Cmd[];
}
export type Node =
  | { n: "text"; text: string }
  | { n: "out"; pipe: Pipe }
  | { n: "if" | "with" | "range"; pipe: Pipe; body: Node[]; alt: Node[]; pos: number }
  | { n: "template"; name: string; pipe: Pipe | undefined; pos: number }
  | { n: "break"; pos: number }
  | { n: "continue"; pos: number };

/** A parsed template: its body and the templates it defines, by name. */
export interface ParsedTemplate {
  readonly nodes: Node[];
  readonly defs: ReadonlyMap<string, Node[]>;
}

/** Go's builtin functions (text/template funcs.go). */
export const FUNCS = new Set(
  "and or not eq ne lt le gt ge len index slice print printf println html js urlquery call".split(" "),
);
const LITERALS: Readonly<Record<string, unknown>> = { true: true, false: false, nil: null };
const isSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\r" || c === "\n";

/** Parse template text into its AST. */
export function parseTemplate(text: string, delims: Delimiters): ParsedTemplate {
  const parser = new Parser(lex(text, delims), text.length);
  const nodes = parser.list(false, true).nodes;
  return { nodes, defs: parser.defs };
}

function lex(src: string, { left, right }: Delimiters): Item[] {
  const items: Item[] = [];
  let i = 0;
  let trimNext = false;
  const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y; // sticky regexes are stateful: one pair per call
  const NUMBER =
    /[+-]?(?:0[xX][\da-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?)i?/y;
  const closeAt = (j: number) => {
    if (src.startsWith(right, j)) return { end: j + right.length, trim: false };
    if (isSpace(src[j]) && src[j + 1] === "-" && src.startsWith(right, j + 2))
      return { end: j + 2 + right.length, trim: true };
    return undefined;
  };
  const readIdent = (j: number) => {
    IDENT.lastIndex = j;
    return IDENT.exec(src)?.[0];
  };
  const readNumber = (j: number) => {
    NUMBER.lastIndex = j;
    return NUMBER.exec(src)?.[0];
  };
  const readChain = (j: number) => {
    const path: string[] = [];
    for (let id = readIdent(j + 1); src[j] === "." && id !== undefined; id = readIdent(j + 1)) {
      path.push(id);
      j += 1 + id.length;
    }
    return { path, j };
  };
  for (;;) {
    const start = src.indexOf(left, i);
    let text = src.slice(i, start < 0 ? undefined : start);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, "");
    let j = start + left.length;
    if (start >= 0 && src[j] === "-" && isSpace(src[j + 1])) {
      text = text.replace(/[ \t\r\n]+$/, "");
      j += 2;
    }
    if (text !== "") items.push({ kind: "text", text });
    if (start < 0) return items;
    const toks: Tok[] = [];
    if (src.startsWith("/*", j)) {
      const endComment = src.indexOf("*/", j + 2);
      const close = endComment < 0 ? undefined : closeAt(endComment + 2);
      if (!close) throw new TemplateError(start, "unclosed comment");
      ({ end: i, trim: trimNext } = close);
      continue;
    }
    for (;;) {
      const close = closeAt(j);
      if (close) {
        ({ end: i, trim: trimNext } = close);
        break;
      }
      const c = src[j];
      if (c === undefined) throw new TemplateError(start, `unclosed action: missing "${right}"`);
      if (isSpace(c)) j++;
      else if (c === '"' || c === "`") {
        let k = j + 1;
        while (src[k] !== c) {
          if (k >= src.length || (c === '"' && src[k] === "\n"))
            throw new TemplateError(j, "unterminated string");
          k += c === '"' && src[k] === "\\" ? 2 : 1;
        }
        const raw = src.slice(j + 1, k);
        toks.push({ t: "lit", value: c === "`" ? raw : unquote(raw, j), pos: j });
        j = k + 1;
      } else if (c === ":" && src[j + 1] === "=") {
        toks.push({ t: "punct", v: ":=", pos: j });
        j += 2;
      } else if ("()|,=".includes(c)) toks.push({ t: "punct", v: src[j++] as string, pos: j - 1 });
      else if (c === "." && readIdent(j + 1) !== undefined) {
        const chain = readChain(j);
        toks.push({ t: "field", path: chain.path, pos: j });
        j = chain.j;
      } else if (c === "$") {
        const name = `$${readIdent(j + 1) ?? ""}`;
        const chain = readChain(j + name.length);
        toks.push({ t: "var", name, path: chain.path, pos: j });
        j = chain.j;
      } else if (c === "'") {
        const close = /'((?:[^'\\\n]|\\[^\n]+?)+)'/y;
        close.lastIndex = j;
        const m = close.exec(src);
        const char = m ? [...unquote(m[1] as string, j)] : [];
        if (char.length !== 1) throw new TemplateError(j, "malformed character constant");
        toks.push({ t: "lit", value: (char[0] as string).codePointAt(0), pos: j });
        j += (m as RegExpExecArray)[0].length;
      } else if (readNumber(j) !== undefined) {
        const num = readNumber(j) as string;
        toks.push({ t: "lit", value: goNumber(num, j), pos: j });
        j += num.length;
      } else if (c === ".") toks.push({ t: "field", path: [], pos: j++ });
      else {
        const id = readIdent(j);
        if (id === undefined)
          throw new TemplateError(j, `unexpected character ${JSON.stringify(c)} in action`);
        toks.push(
          id in LITERALS ? { t: "lit", value: LITERALS[id], pos: j } : { t: "ident", name: id, pos: j },
        );
        j += id.length;
      }
    }
    items.push({ kind: "action", toks, pos: start });
  }
}

/** The value of a Go number literal: ints in any base, floats, `_` separators. */
function goNumber(text: string, pos: number): number {
  if (text.endsWith("i")) throw new TemplateError(pos, `complex number ${text} is not supported`);
  const digits = text.replace(/_/g, "");
  const sign = digits.startsWith("-") ? -1 : 1;
  const body = digits.replace(/^[+-]/, "");
  const value = /^0\d+$/.test(body) ? Number.parseInt(body, 8) : Number(body);
  if (Number.isNaN(value)) throw new TemplateError(pos, `bad number syntax: "${text}"`);
  return sign * value;
}

/** Decode the escapes of a Go interpreted string literal. */
function unquote(raw: string, pos: number): string {
  const simple: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };
  return raw.replace(
    /\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{3})|(.))/gsu,
    (m, ...g) => {
      const [x, u, U, oct, ch] = g as (string | undefined)[];
      const hex = x ?? u ?? U;
      if (hex !== undefined) return String.fromCodePoint(Number.parseInt(hex, 16));
      if (oct !== undefined) return String.fromCodePoint(Number.parseInt(oct, 8));
      if (ch !== undefined && ch in simple) return simple[ch] as string;
      if (ch === "\\" || ch === '"' || ch === "'") return ch;
      throw new TemplateError(pos, `invalid escape ${m} in string`);
    },
  );
}

class Parser {
  private k = 0;
  private vars: string[] = ["$"];
  /** How many `range` bodies enclose the action being parsed (break/continue need one). */
  private rangeDepth = 0;
  /** Offset of the last `)` that closed a parenthesized pipeline. */
  private lastClose = -1;
  readonly defs = new Map<string, Node[]>();
  constructor(
    private readonly items: Item[],
    private readonly length: number,
  ) {}

  list(inBlock: boolean, top = false): { nodes: Node[]; end?: "end" | "else"; rest: Tok[]; pos: number } {
    const nodes: Node[] = [];
    for (let it = this.items[this.k++]; it !== undefined; it = this.items[this.k++]) {
      if (it.kind === "text") {
        nodes.push({ n: "text", text: it.text });
        continue;
      }
      const head = it.toks[0];
      const word = head?.t === "ident" ? head.name : "";
      const rest = it.toks.slice(1);
      if (word === "end" || word === "else") {
        if (!inBlock) throw new TemplateError(it.pos, `unexpected "${word}"`);
        return { nodes, end: word, rest, pos: it.pos };
      }
      if (word === "if" || word === "with" || word === "range") nodes.push(this.block(word, rest, it.pos));
      else if (word === "define") {
        if (!top) throw new TemplateError(it.pos, 'unexpected "define" in command');
        this.define(rest, it.pos);
      } else if (word === "template" || word === "block") nodes.push(this.call(word, rest, it.pos));
      else if (word === "break" || word === "continue") {
        if (rest.length > 0) throw new TemplateError(it.pos, `unexpected tokens in {{${word}}}`);
        if (this.rangeDepth === 0) throw new TemplateError(it.pos, `{{${word}}} outside {{range}}`);
        nodes.push(word === "break" ? { n: "break", pos: it.pos } : { n: "continue", pos: it.pos });
      } else nodes.push({ n: "out", pipe: this.pipeline(new Stream(it.toks, it.pos), false) });
    }
    if (inBlock) throw new TemplateError(this.length, 'unexpected end of template: missing "end"');
    return { nodes, rest: [], pos: 0 };
  }

  /** `define "name"` … `end`: a body with its own variables, outside any range. */
  private define(toks: Tok[], pos: number): void {
    const name = this.templateName(toks, "define", pos);
    if (toks.length > 1) throw new TemplateError(pos, 'unexpected tokens in "define" clause');
    this.body(name);
  }

  /** Parse a named body up to its `end` and record it; a later non-empty definition replaces an earlier one. */
  private body(name: string): void {
    const [vars, depth] = [this.vars, this.rangeDepth];
    this.vars = ["$"];
    this.rangeDepth = 0;
    const body = this.list(true);
    if (body.end !== "end") throw new TemplateError(body.pos, `unexpected "else" in "${name}"`);
    if (body.rest.length > 0) throw new TemplateError(body.pos, "unexpected tokens in end");
    [this.vars, this.rangeDepth] = [vars, depth];
    const empty = body.nodes.every((node) => node.n === "text" && node.text.trim() === "");
    if (!empty || !this.defs.has(name)) this.defs.set(name, body.nodes);
  }

  /** `template "name" [pipeline]`, or `block "name" pipeline` … `end` (a define and a template call). */
  private call(kind: "template" | "block", toks: Tok[], pos: number): Node {
    const name = this.templateName(toks, kind, pos);
    const rest = toks.slice(1);
    const pipe = rest.length > 0 ? this.pipeline(new Stream(rest, pos), false) : undefined;
    if (kind === "block") {
      if (pipe === undefined) throw new TemplateError(pos, "missing value for block clause");
      this.body(name);
    }
    return { n: "template", name, pipe, pos };
  }

  private templateName(toks: Tok[], kind: string, pos: number): string {
    const head = toks[0];
    if (head?.t !== "lit" || typeof head.value !== "string")
      throw new TemplateError(pos, `missing template name in "${kind}" clause: a quoted string`);
    return head.value;
  }

  private block(kind: "if" | "with" | "range", toks: Tok[], pos: number): Node {
    const mark = this.vars.length;
    const pipe = this.pipeline(new Stream(toks, pos), kind === "range");
    if (kind === "range") this.rangeDepth++;
    const body = this.list(true);
    if (kind === "range") this.rangeDepth--;
    let alt: Node[] = [];
    let end = body;
    if (body.end === "else") {
      const chained = body.rest[0];
      if (chained !== undefined) {
        if (kind === "range" || chained.t !== "ident" || chained.name !== kind)
          throw new TemplateError(body.pos, `unexpected tokens after "else" in ${kind}`);
        alt = [this.block(kind, body.rest.slice(1), body.pos)]; // `else if` shares this block's end
        end = { nodes: [], end: "end", rest: [], pos: body.pos };
      } else {
        end = this.list(true);
        alt = end.nodes;
        if (end.end !== "end") throw new TemplateError(end.pos, `expected "end" after "else" in ${kind}`);
      }
    }
    if (end.rest.length > 0) throw new TemplateError(end.pos, "unexpected tokens in end");
    this.vars.length = mark;
    return { n: kind, pipe, body: body.nodes, alt, pos };
  }
  private pipeline(s: Stream, inRange: boolean, closer?: string): Pipe {
    const decl: string[] = [];
    let assign = false;
    const [t0, t1, t2, t3] = [s.peek(0), s.peek(1), s.peek(2), s.peek(3)];
    const isVar = (t: Tok | undefined) => t?.t === "var" && t.path.length === 0 && t.name !== "$";
    const is = (t: Tok | undefined, v: string) => t?.t === "punct" && t.v === v;
    if (isVar(t0) && (is(t1, ":=") || is(t1, "="))) {
      decl.push((t0 as { name: string }).name);
      assign = is(t1, "=");
      s.skip(2);
    } else if (inRange && isVar(t0) && is(t1, ",") && isVar(t2) && is(t3, ":=")) {
      decl.push((t0 as { name: string }).name, (t2 as { name: string }).name);
      s.skip(4);
    }
    if (assign && !this.vars.includes(decl[0] as string))
      throw new TemplateError(s.pos, `undefined variable "${decl[0]}"`);
    const cmds: Cmd[] = [];
    for (;;) {
      const args: Arg[] = [];
      const pos = s.peek(0)?.pos ?? s.pos;
      for (let t = s.peek(0); t && !(t.t === "punct" && (t.v === "|" || t.v === ")")); t = s.peek(0))
        args.push(this.operand(s));
      if (args.length === 0) throw new TemplateError(pos, "missing value for command");
      if (args[0]?.a !== "fn" && (args.length > 1 || cmds.length > 0))
        throw new TemplateError(pos, "can't give argument to non-function");
      cmds.push({ args, pos });
      const t = s.next();
      if (t === undefined) {
        if (closer) throw new TemplateError(s.pos, "unclosed left paren");
        break;
      }
      if (t.t === "punct" && t.v === ")") {
        if (!closer) throw new TemplateError(t.pos, "unexpected right paren");
        this.lastClose = t.pos;
        break;
      }
    }
    if (!assign) this.vars.push(...decl);
    return { decl, assign, cmds };
  }

  private operand(s: Stream): Arg {
    const t = s.next() as Tok;
    switch (t.t) {
      case "field":
        return { a: "field", path: t.path, pos: t.pos };
      case "var":
        if (!this.vars.includes(t.name)) throw new TemplateError(t.pos, `undefined variable "${t.name}"`);
        return { a: "var", name: t.name, path: t.path, pos: t.pos };
      case "lit":
        return { a: "lit", value: t.value };
      case "ident":
        if (!FUNCS.has(t.name)) throw new TemplateError(t.pos, `function "${t.name}" not defined`);
        return { a: "fn", name: t.name, pos: t.pos };
      default: {
        if (t.v !== "(") throw new TemplateError(t.pos, `unexpected "${t.v}" in command`);
        const pipe: Arg = { a: "pipe", pipe: this.pipeline(s, false, ")") };
        const field = s.peek(0);
        if (field?.t !== "field" || field.pos !== this.lastClose + 1 || field.path.length === 0) return pipe;
        s.next();
        return { a: "chain", of: pipe, path: field.path, pos: field.pos };
      }
    }
  }
}

class Stream {
  private i = 0;
  constructor(
    private readonly toks: Tok[],
    readonly pos: number,
  ) {}
  peek(n: number): Tok | undefined {
    return this.toks[this.i + n];
  }
  next(): Tok | undefined {
    return this.toks[this.i++];
  }
  skip(n: number): void {
    this.i += n;
  }
}
