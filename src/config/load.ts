/**
 * Reads a config file into a validated `Config`. The `yaml` package keeps each node's source
 * range, so zod's issues (which only know paths) are mapped back to the node at that path and
 * every problem names its line and column. All problems are collected before throwing, so one
 * run shows every mistake. The walk from issue path to YAML node is hand-written: neither
 * library offers it.
 */
import { readFile } from "node:fs/promises";
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type YAMLError,
  type YAMLMap,
  type Node as YamlNode,
} from "yaml";
import { z } from "zod";
import { ConfigError, type ConfigProblem } from "./errors.js";
import { type Config, configSchema } from "./schema.js";

type PathKey = PropertyKey;
type Issue = z.core.$ZodIssue;

/** The parsed file, as the problem mappers need it. */
interface Source {
  readonly doc: Document;
  readonly lines: LineCounter;
  /** What zod validates: the document as plain data, null-valued fields removed. */
  readonly data: unknown;
}

/** A valid config and a way back from a config path to its place in the file. */
export interface ConfigFile {
  readonly config: Config;
  /** Problem at a dotted config path (`rules[2].name.as`), pointed at its line and column. */
  problemAt(path: string, message: string): ConfigProblem;
}

/** Read and validate the config file at `path`. Throws ConfigError listing every problem. */
export async function loadConfigFile(path: string): Promise<Config> {
  return (await readConfigFile(path)).config;
}

/** Like loadConfigFile, keeping the document so later checks (rule compilation) can name lines. */
export async function readConfigFile(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const message = `cannot read the config file: ${readErrorText(err)}`;
    throw new ConfigError(path, [{ path: "", line: 0, column: 0, message }], { cause: err });
  }
  return parseConfigFile(text, path);
}

/** Node's own message repeats the path, which the problem line already starts with. */
function readErrorText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "it is a directory, not a file";
  return (err as Error).message;
}

/**
 * Validate config text; `sourceName` names it in problems (usually the file path). An empty
 * document is a valid config with every default.
 */
export function parseConfigText(text: string, sourceName: string): Config {
  return parseConfigFile(text, sourceName).config;
}

/** parseConfigText, keeping the document for `problemAt`. */
export function parseConfigFile(text: string, sourceName: string): ConfigFile {
  const lines = new LineCounter();
  // merge: prometheus-adapter reads YAML with Go's yaml.v2, which honours `<<` merge keys.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true, uniqueKeys: true });
  const syntaxProblems = doc.errors.map((error) => yamlProblem(error, doc, lines));
  // After any error but a duplicate key the tree is a guess, and schema problems would be noise.
  if (doc.errors.some((error) => error.code !== "DUPLICATE_KEY")) {
    throw new ConfigError(sourceName, sortProblems(syntaxProblems));
  }

  let data: unknown;
  try {
    data = yaml11Booleans(dropNullFields(doc.toJS() ?? {}), [], doc);
  } catch (err) {
    const message = `cannot read the YAML: ${(err as Error).message}`;
    throw new ConfigError(sourceName, [{ path: "", line: 1, column: 1, message }], { cause: err });
  }
  const source: Source = { doc, lines, data };
  const result = configSchema.safeParse(data);
  const schemaProblems = result.success
    ? []
    : result.error.issues.flatMap((issue) => issueProblems(issue, [], configSchema, source));
  const problems = [...syntaxProblems, ...schemaProblems];
  if (problems.length > 0 || !result.success) throw new ConfigError(sourceName, sortProblems(problems));
  return {
    config: result.data,
    problemAt: (path, message) => pointAt(source, parsePath(path), message, "value"),
  };
}

/** `rules[2].name.as` → ["rules", 2, "name", "as"]. */
function parsePath(path: string): PathKey[] {
  const keys: PathKey[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g))
    keys.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
  return keys;
}

// ---------------------------------------------------------------------------------------------
// YAML syntax errors

function yamlProblem(error: YAMLError, doc: Document, lines: LineCounter): ConfigProblem {
  const offset = error.pos[0];
  if (error.code === "DUPLICATE_KEY") {
    const hit = findAt(doc, offset, false);
    const key = hit.key === undefined ? undefined : keyText(hit.key);
    if (hit.map && key !== undefined) {
      const first = hit.map.items.find((pair) => keyText(pair.key) === key);
      const firstLine = first ? position(lines, nodeStart(first.key as YamlNode | null)).line : undefined;
      const also = firstLine === undefined ? "" : ` (first defined at line ${firstLine})`;
      return at(lines, offset, formatPath(hit.path), `duplicate key "${key}"${also}; keys must be unique`);
    }
  }
  if (error.code === "MISSING_CHAR") {
    // The parser notices an unclosed quote where the file ends; the useful place is where it opened.
    const hit = findAt(doc, offset, true);
    if (isScalar(hit.node) && (hit.node.type === "QUOTE_DOUBLE" || hit.node.type === "QUOTE_SINGLE")) {
      const quote = hit.node.type === "QUOTE_DOUBLE" ? '"' : "'";
      const message = `YAML syntax error: the quoted string that starts here has no closing ${quote}`;
      return at(lines, nodeStart(hit.node) ?? offset, formatPath(hit.path), message);
    }
  }
  if (error.code === "MULTIPLE_DOCS") {
    const message = "YAML syntax error: a second document starts here (---); the config must be one document";
    return at(lines, offset, "", message);
  }
  const hit = findAt(doc, offset, false);
  return at(lines, offset, formatPath(hit.path), `YAML syntax error: ${error.message}`);
}

interface Hit {
  readonly path: PathKey[];
  readonly node: YamlNode | null;
  /** Set when `offset` lies on a mapping key. */
  readonly key?: unknown;
  readonly map?: YAMLMap;
}

/** The innermost node (or map key) whose source range holds `offset`. */
function findAt(doc: Document, offset: number, inclusiveEnd: boolean): Hit {
  const holds = (node: unknown): boolean => {
    const range = (node as YamlNode | null)?.range;
    if (!range) return false;
    return range[0] <= offset && (inclusiveEnd ? offset <= range[2] : offset < range[2]);
  };
  const visit = (node: YamlNode | null, path: PathKey[]): Hit | undefined => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = keyText(pair.key);
        if (holds(pair.key))
          return { path: key === undefined ? path : [...path, key], node, key: pair.key, map: node };
        if (holds(pair.value))
          return visit(pair.value as YamlNode, key === undefined ? path : [...path, key]);
      }
    } else if (isSeq(node)) {
      for (const [index, item] of node.items.entries()) {
        if (holds(item)) return visit(item as YamlNode, [...path, index]);
      }
    }
    return holds(node) ? { path, node } : undefined;
  };
  return visit(doc.contents as YamlNode | null, []) ?? { path: [], node: null };
}

// ---------------------------------------------------------------------------------------------
// Schema issues

/**
 * The problems behind one zod issue. `base` is where `schema` sits in the document: union
 * branches report paths relative to the union.
 */
function issueProblems(
  issue: Issue,
  base: readonly PathKey[],
  schema: z.ZodType | undefined,
  source: Source,
): ConfigProblem[] {
  const path = [...base, ...issue.path];
  switch (issue.code) {
    case "unrecognized_keys": {
      const allowed = objectKeys(schemaAt(schema, issue.path));
      const hint = allowed ? ` (allowed: ${allowed.join(", ")})` : "";
      return issue.keys.map((key) => pointAt(source, [...path, key], `unknown field${hint}`, "key"));
    }
    case "invalid_union":
      return unionProblems(issue, path, schemaAt(schema, issue.path), source);
    case "invalid_type": {
      if (valueAt(source.data, path) === undefined) return [missingProblem(source, path)];
      const message = issue.message.replace(/^Invalid input: /, "");
      const whole = path.length === 0 ? "the config must be a mapping (rules:, prometheus:, ...); " : "";
      return [pointAt(source, path, whole + message, "value")];
    }
    case "invalid_format":
      if (issue.format === "url") {
        return [pointAt(source, path, "not an http(s) URL (e.g. http://prometheus:9090)", "value")];
      }
      return [pointAt(source, path, issue.message, "value")];
    case "too_small":
      if (issue.origin === "string" && Number(issue.minimum) === 1) {
        return [pointAt(source, path, "must not be empty", "value")];
      }
      return [pointAt(source, path, issue.message, "value")];
    default:
      return [pointAt(source, path, issue.message, "value")];
  }
}

/** A required field is absent: point at its parent object, or at the key if it is there but empty. */
function missingProblem(source: Source, path: readonly PathKey[]): ConfigProblem {
  const found = locate(source.doc, path);
  const pathText = formatPath(path);
  if (found.depth === path.length && found.key) {
    return at(source.lines, nodeStart(found.key) ?? 0, pathText, "Required (the value is empty)");
  }
  return at(source.lines, nodeStart(found.node) ?? 0, pathText, "Required");
}

/**
 * No branch of a union matched. If one branch has the right shape, its own problems are the
 * useful ones (e.g. a bad regex in `{is: ...}`); otherwise say which shapes are allowed.
 */
function unionProblems(
  issue: Extract<Issue, { code: "invalid_union" }>,
  path: readonly PathKey[],
  unionSchema: z.ZodType | undefined,
  source: Source,
): ConfigProblem[] {
  const options: readonly z.ZodType[] =
    unionSchema instanceof z.ZodUnion ? (unionSchema.options as readonly z.ZodType[]) : [];
  const branches = issue.errors;
  const isShapeMismatch = (inner: Issue): boolean =>
    (inner.path.length === 0 && (inner.code === "unrecognized_keys" || inner.code === "invalid_type")) ||
    (inner.code === "invalid_type" && valueAt(source.data, [...path, ...inner.path]) === undefined);
  const fitting = branches.findIndex((branch) => branch.length > 0 && !branch.some(isShapeMismatch));
  const value = valueAt(source.data, path);
  const pick = fitting >= 0 ? fitting : isPlainObject(value) ? -1 : 0;
  const branch = branches[pick];
  if (branch) return branch.flatMap((inner) => issueProblems(inner, path, options[pick], source));

  const forms = options.map((option) => objectKeys(option));
  const message = forms.every((keys) => keys !== undefined)
    ? `must have the form ${forms.map((keys) => `{${keys?.join(", ")}}`).join(" or ")}`
    : issue.message;
  return [pointAt(source, path, message, "value")];
}

/** A problem at the node for `path` (its key or its value), or at the deepest node that exists. */
function pointAt(
  source: Source,
  path: readonly PathKey[],
  message: string,
  target: "key" | "value",
): ConfigProblem {
  const found = locate(source.doc, path);
  const complete = found.depth === path.length;
  const node = complete && target === "key" ? (found.key ?? found.node) : (found.node ?? found.key);
  return at(source.lines, nodeStart(node) ?? 0, formatPath(path), message);
}

interface Located {
  /** The value node at the deepest matched segment (the whole document at depth 0). */
  readonly node: YamlNode | null;
  /** The key node of that value when it sits in a mapping. */
  readonly key: YamlNode | null;
  /** How many path segments were found in the document. */
  readonly depth: number;
}

/** Walk the YAML tree along a zod path, as far as the document goes. */
function locate(doc: Document, path: readonly PathKey[]): Located {
  let node = doc.contents as YamlNode | null;
  let key: YamlNode | null = null;
  for (const [depth, segment] of path.entries()) {
    const current = isAlias(node) ? (node.resolve(doc) ?? null) : node;
    if (isMap(current)) {
      const pair = current.items.find((p) => keyText(p.key) === String(segment));
      if (!pair) return { node, key, depth };
      key = pair.key as YamlNode | null;
      node = (pair.value as YamlNode | null) ?? null;
    } else if (isSeq(current) && typeof segment === "number" && segment < current.items.length) {
      key = null;
      node = (current.items[segment] as YamlNode | null) ?? null;
    } else {
      return { node, key, depth };
    }
  }
  return { node, key, depth: path.length };
}

/** The zod schema at `path` below `schema`, through defaults, optionals and pipes. */
function schemaAt(schema: z.ZodType | undefined, path: readonly PathKey[]): z.ZodType | undefined {
  let current = schema;
  for (const segment of path) {
    if (current === undefined) return undefined;
    const inner = unwrap(current);
    if (inner instanceof z.ZodObject) current = (inner.shape as Record<string, z.ZodType>)[String(segment)];
    else if (inner instanceof z.ZodArray) current = inner.element as z.ZodType;
    else if (inner instanceof z.ZodRecord) current = inner.valueType as z.ZodType;
    else return undefined;
  }
  return current === undefined ? undefined : unwrap(current);
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodDefault ||
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable
    ) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      return current;
    }
  }
}

function objectKeys(schema: z.ZodType | undefined): string[] | undefined {
  const inner = schema === undefined ? undefined : unwrap(schema);
  return inner instanceof z.ZodObject ? Object.keys(inner.shape) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function at(lines: LineCounter, offset: number, path: string, message: string): ConfigProblem {
  const { line, column } = position(lines, offset);
  return { path, line, column, message };
}

function position(lines: LineCounter, offset: number | undefined): { line: number; column: number } {
  const { line, col } = lines.linePos(offset ?? 0);
  return { line, column: col };
}

function nodeStart(node: unknown): number | undefined {
  return (node as YamlNode | null)?.range?.[0];
}

function keyText(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

/** `rules[2].resources.overrides["kubernetes.io/x"]`. */
function formatPath(path: readonly PathKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") {
      out += `[${segment}]`;
    } else {
      const name = String(segment);
      if (/^[A-Za-z_][\w-]*$/.test(name)) out += out === "" ? name : `.${name}`;
      else out += `[${JSON.stringify(name)}]`;
    }
  }
  return out;
}

function valueAt(data: unknown, path: readonly PathKey[]): unknown {
  let current = data;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === "number") current = current[segment];
    else if (isPlainObject(current)) current = current[String(segment)];
    else return undefined;
  }
  return current;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * `key:` with no value means "not set", as in prometheus-adapter's Go loader (null is the zero
 * value there), so the default applies. Nulls inside lists stay, and are reported.
 */
function dropNullFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNullFields);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field !== null && field !== undefined) out[key] = dropNullFields(field);
  }
  return out;
}

/**
 * The words go-yaml v2 (prometheus-adapter's reader, YAML 1.1) resolves as booleans, beyond
 * YAML 1.2's true/false. Only plain (unquoted) scalars, as in YAML.
 */
const YAML11_BOOLEANS: ReadonlyMap<string, boolean> = new Map([
  ...["y", "Y", "yes", "Yes", "YES", "on", "On", "ON"].map((word) => [word, true] as const),
  ...["n", "N", "no", "No", "NO", "off", "Off", "OFF"].map((word) => [word, false] as const),
]);

/**
 * `namespaced: no` is false, as prometheus-adapter reads it. Only where the schema wants a
 * boolean: a string field keeps its text (`resource: no` stays "no"), as go-yaml v2 does when it
 * decodes into a string. The yaml package's `version: "1.1"` would also turn those into booleans,
 * and read `0755` and `1:30` as numbers, so the YAML stays 1.2 and only this is 1.1.
 */
function yaml11Booleans(value: unknown, path: readonly PathKey[], doc: Document): unknown {
  if (Array.isArray(value)) return value.map((item, i) => yaml11Booleans(item, [...path, i], doc));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) out[key] = yaml11Booleans(field, [...path, key], doc);
    return out;
  }
  const word = typeof value === "string" ? YAML11_BOOLEANS.get(value) : undefined;
  if (word === undefined || !(schemaAt(configSchema, path) instanceof z.ZodBoolean)) return value;
  const { node, depth } = locate(doc, path);
  const plain = depth < path.length || !isScalar(node) || node.type === "PLAIN";
  return plain ? word : value;
}

function sortProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}
