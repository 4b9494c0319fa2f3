/**
 * A parser for the Prometheus text exposition format 0.0.4, as exporters serve it at /metrics.
 * Every sample line becomes one plain series (histogram `_bucket`/`_sum`/`_count` and summary
 * quantiles stay separate series, as Prometheus stores them); `# HELP` and `# TYPE` are kept as
 * metadata; other comments are ignored. Label values unescape `\\`, `\"` and `\n`; values accept
 * NaN and ±Inf in Go's spellings; a trailing integer is the sample's timestamp in milliseconds.
 *
 * Hand-written rather than taken from npm: the one maintained-looking package,
 * parse-prometheus-text-format (two releases), returns prom2json-shaped families (values as
 * strings, histograms folded into bucket objects, no timestamps) that we would have to flatten
 * back into series; the grammar is a few lines, and parse errors here name the line.
 */
import type { Labels } from "../source.js";

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface ExposedSample {
  /** Includes `__name__`. */
  readonly labels: Labels;
  readonly value: number;
  /** The exporter's own timestamp, Unix ms; absent for the usual lines without one. */
  readonly timestampMs?: number;
}

export interface Exposition {
  readonly samples: ExposedSample[];
  /** Metric family name → `# TYPE`. */
  readonly types: ReadonlyMap<string, MetricType>;
  /** Metric family name → `# HELP` text (unescaped). */
  readonly help: ReadonlyMap<string, string>;
}

export class ExpositionParseError extends Error {
  override readonly name = "ExpositionParseError";
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`exposition line ${line}: ${message}`);
  }
}

const METRIC_TYPES = new Set<string>(["counter", "gauge", "histogram", "summary", "untyped"]);
const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME_START = /[a-zA-Z_]/;
const LABEL_NAME_CHAR = /[a-zA-Z0-9_]/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/** Parses a whole exposition; throws ExpositionParseError on the first malformed line. */
export function parseExposition(text: string): Exposition {
  const samples: ExposedSample[] = [];
  const types = new Map<string, MetricType>();
  const help = new Map<string, string>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const lineNo = i + 1;
    const trimmed = line.trimStart();
    if (trimmed === "") continue;
    if (trimmed.startsWith("#")) {
      parseComment(trimmed, lineNo, types, help);
      continue;
    }
    samples.push(parseSampleLine(trimmed, lineNo));
  }
  return { samples, types, help };
}

/** Parses one sample line (`name{labels} value [timestamp]`). */
export function parseSampleLine(line: string, lineNo = 1): ExposedSample {
  let pos = 0;
  const fail = (message: string): never => {
    throw new ExpositionParseError(lineNo, `${message} in ${JSON.stringify(line)}`);
  };
  const skipBlanks = () => {
    while (line[pos] === " " || line[pos] === "\t") pos++;
  };

  if (!NAME_START.test(line[pos] ?? "")) fail("expected a metric name");
  const nameStart = pos;
  while (pos < line.length && NAME_CHAR.test(line[pos] as string)) pos++;
  const labels: Record<string, string> = { __name__: line.slice(nameStart, pos) };

  const afterName = pos;
  skipBlanks();
  if (line[pos] === "{") {
    pos++;
    for (;;) {
      skipBlanks();
      if (line[pos] === "}") {
        pos++;
        break;
      }
      if (!LABEL_NAME_START.test(line[pos] ?? "")) fail("expected a label name or '}'");
      const labelStart = pos;
      while (pos < line.length && LABEL_NAME_CHAR.test(line[pos] as string)) pos++;
      const labelName = line.slice(labelStart, pos);
      skipBlanks();
      if (line[pos] !== "=") fail(`expected '=' after label ${labelName}`);
      pos++;
      skipBlanks();
      if (line[pos] !== '"') fail(`expected '"' to open the value of label ${labelName}`);
      pos++;
      let value = "";
      for (;;) {
        if (pos >= line.length) fail(`unterminated value of label ${labelName}`);
        const c = line[pos] as string;
        if (c === '"') {
          pos++;
          break;
        }
        if (c === "\\") {
          const next = line[pos + 1];
          if (next === undefined) fail(`unterminated value of label ${labelName}`);
          value += next === "n" ? "\n" : next === "\\" || next === '"' ? next : `\\${next}`;
          pos += 2;
          continue;
        }
        value += c;
        pos++;
      }
      if (labelName === "__name__" || Object.hasOwn(labels, labelName)) fail(`duplicate label ${labelName}`);
      labels[labelName] = value;
      skipBlanks();
      if (line[pos] === ",") {
        pos++;
        continue;
      }
      if (line[pos] === "}") {
        pos++;
        break;
      }
      fail(`expected ',' or '}' after label ${labelName}`);
    }
  }

  const rest = line.slice(pos);
  if (pos === afterName && rest !== "" && rest[0] !== " " && rest[0] !== "\t") {
    fail("expected a blank after the metric name");
  }
  const fields = rest.trim().split(/[ \t]+/);
  if (fields.length === 0 || fields[0] === "") fail("missing value");
  if (fields.length > 2) fail("unexpected text after the timestamp");
  const value = parseValue(fields[0] as string);
  if (value === undefined) fail(`invalid value ${JSON.stringify(fields[0])}`);
  if (fields.length === 1) return { labels, value: value as number };
  const ts = fields[1] as string;
  if (!INTEGER.test(ts)) fail(`invalid timestamp ${JSON.stringify(ts)}`);
  return { labels, value: value as number, timestampMs: Number(ts) };
}

/** Go's strconv.ParseFloat spellings the format allows: decimals, NaN, ±Inf (any case). */
export function parseValue(text: string): number | undefined {
  if (DECIMAL.test(text)) return Number(text);
  switch (text.toLowerCase()) {
    case "nan":
      return Number.NaN;
    case "inf":
    case "+inf":
    case "infinity":
    case "+infinity":
      return Number.POSITIVE_INFINITY;
    case "-inf":
    case "-infinity":
      return Number.NEGATIVE_INFINITY;
    default:
      return undefined;
  }
}

function parseComment(
  line: string,
  lineNo: number,
  types: Map<string, MetricType>,
  help: Map<string, string>,
): void {
  const m = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(line);
  if (!m) return; // an ordinary comment
  const [, keyword, name, rest = ""] = m as unknown as [string, string, string, string | undefined];
  if (!METRIC_NAME.test(name)) {
    throw new ExpositionParseError(lineNo, `invalid metric name ${JSON.stringify(name)} in # ${keyword}`);
  }
  if (keyword === "HELP") {
    help.set(
      name,
      rest.replace(/\\(\\|n)/g, (_, c: string) => (c === "n" ? "\n" : "\\")),
    );
    return;
  }
  const type = rest.trim();
  if (!METRIC_TYPES.has(type)) {
    throw new ExpositionParseError(lineNo, `unknown metric type ${JSON.stringify(type)} for ${name}`);
  }
  if (types.has(name)) throw new ExpositionParseError(lineNo, `second # TYPE line for ${name}`);
  types.set(name, type as MetricType);
}
