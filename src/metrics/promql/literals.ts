/**
 * PromQL literal text → values, as Prometheus' lexer reads them: numbers (decimal, hex, `Inf`,
 * `NaN`, `_` digit separators, durations as seconds), durations (`1h30m`, `90s`, plain seconds) and
 * Go-style quoted strings. The Lezer grammar only tokenises; the meaning is ours to compute.
 */
import { PromQLError } from "./errors.js";

const UNIT_MS: Readonly<Record<string, number>> = {
  y: 365 * 86_400_000,
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
};

const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const DURATION_UNITS = ["y", "w", "d", "h", "m", "s", "ms"] as const;

/** A duration in milliseconds, or undefined if `text` is not a unit duration like `1h30m`. */
export function parseUnitDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m || text === "") return undefined;
  let ms = 0;
  DURATION_UNITS.forEach((unit, i) => {
    const n = m[i + 1];
    if (n !== undefined) ms += Number(n) * (UNIT_MS[unit] as number);
  });
  return ms;
}

/**
 * The value of a number token (sign excluded), as Prometheus' parser reads it: first as Go's
 * `strconv.ParseInt(s, 0, 64)` (so `0x1f` is hex and `017` octal, 15), else as `ParseFloat`
 * (`1.5`, `.5`, `2.`, `1e3`); `Inf` and `NaN` in any case; `_` digit separators and unit durations
 * (`5m` = 300) are accepted as Prometheus 3 does.
 */
export function parseNumber(text: string): number {
  const lower = text.toLowerCase();
  if (lower === "inf" || lower === "infinity") return Number.POSITIVE_INFINITY;
  if (lower === "nan") return Number.NaN;
  const duration = parseUnitDuration(text);
  if (duration !== undefined) return duration / 1000;
  const cleaned = text.replaceAll("_", "");
  if (/^0[xX][0-9a-fA-F]+$/.test(cleaned)) {
    const n = BigInt(cleaned);
    if (n <= INT64_MAX) return Number(n);
    throw new PromQLError("parse", `invalid number "${text}"`);
  }
  // A leading zero makes an octal integer, unless a digit is 8 or 9 (then it is a decimal float).
  if (/^0[0-7]+$/.test(cleaned)) return Number(BigInt(`0o${cleaned.slice(1)}`));
  const value = Number(cleaned);
  if (cleaned === "" || !/^[0-9.]/.test(cleaned) || Number.isNaN(value)) {
    throw new PromQLError("parse", `invalid number "${text}"`);
  }
  return value;
}

const INT64_MAX = 2n ** 63n - 1n;

/** A duration token (`5m`, `1h30m`, or seconds as a number) in milliseconds. */
export function parseDuration(text: string): number {
  const unit = parseUnitDuration(text);
  if (unit !== undefined) return unit;
  const seconds = parseNumber(text);
  if (!Number.isFinite(seconds)) throw new PromQLError("parse", `invalid duration "${text}"`);
  return Math.round(seconds * 1000);
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
};

/** Go's strconv.Unquote for PromQL strings: "…" and '…' with escapes, `…` raw. */
export function unquote(text: string): string {
  const quote = text[0];
  if (
    text.length < 2 ||
    text[text.length - 1] !== quote ||
    (quote !== '"' && quote !== "'" && quote !== "`")
  ) {
    throw new PromQLError("parse", `unterminated string ${text}`);
  }
  const body = text.slice(1, -1);
  if (quote === "`") return body;
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) throw new PromQLError("parse", `invalid escape at the end of ${text}`);
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined && (e !== "'" || quote === "'") && (e !== '"' || quote === '"')) {
      out += simple;
      i++;
      continue;
    }
    const hexLength = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
    if (hexLength > 0) {
      const hex = body.slice(i + 2, i + 2 + hexLength);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLength) {
        throw new PromQLError("parse", `invalid escape \\${e}${hex} in ${text}`);
      }
      out += String.fromCodePoint(Number.parseInt(hex, 16));
      i += 1 + hexLength;
      continue;
    }
    const octal = body.slice(i + 1, i + 4);
    if (/^[0-7]{3}$/.test(octal)) {
      out += String.fromCharCode(Number.parseInt(octal, 8));
      i += 3;
      continue;
    }
    throw new PromQLError("parse", `invalid escape \\${e} in ${text}`);
  }
  return out;
}

/**
 * The query text as the Lezer grammar can read it, and where each of its characters came from.
 * Prometheus' lexer accepts two forms the grammar lacks: a number ending in a dot (`2.`, `1./6.`,
 * `2.e3`), rewritten to `2.0`, and `holt_winters`, which Prometheus 3 renamed
 * `double_exponential_smoothing` (the only name the grammar knows). `calls` lists every identifier
 * followed by `(`, for naming an unknown function when the grammar fails.
 */
export interface Rewritten {
  readonly text: string;
  /** origin[i]: the offset in the original text of rewritten character i (length text.length + 1). */
  readonly origin: Int32Array;
  readonly calls: readonly { readonly name: string; readonly offset: number }[];
}

export const HOLT_WINTERS_ALIAS = "double_exponential_smoothing";

export function rewriteForGrammar(input: string): Rewritten {
  let text = "";
  const origin: number[] = [];
  const calls: { name: string; offset: number }[] = [];
  const copy = (from: number, to: number) => {
    for (let k = from; k < to; k++) origin.push(k);
    text += input.slice(from, to);
  };
  const n = input.length;
  let i = 0;
  while (i < n) {
    const c = input[i] as string;
    if (c === "#") {
      let j = i;
      while (j < n && input[j] !== "\n") j++;
      copy(i, j);
      i = j;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < n && input[j] !== c) j += c !== "`" && input[j] === "\\" ? 2 : 1;
      j = Math.min(n, j + 1);
      copy(i, j);
      i = j;
    } else if (/[a-zA-Z_:]/.test(c)) {
      let j = i + 1;
      while (j < n && /[a-zA-Z0-9_:]/.test(input[j] as string)) j++;
      const word = input.slice(i, j);
      let k = j;
      while (k < n && /\s/.test(input[k] as string)) k++;
      const isCall = input[k] === "(";
      if (isCall) calls.push({ name: word, offset: i });
      if (isCall && word === "holt_winters") {
        for (let m = 0; m < HOLT_WINTERS_ALIAS.length; m++) origin.push(i);
        text += HOLT_WINTERS_ALIAS;
      } else {
        copy(i, j);
      }
      i = j;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(input[i + 1] ?? ""))) {
      // Prometheus' scanNumber: digits (hex after 0x), an optional fraction, an optional exponent.
      let j = i;
      let hex = false;
      if (input[j] === "0" && (input[j + 1] === "x" || input[j + 1] === "X")) {
        hex = true;
        j += 2;
      }
      const digit = hex ? /[0-9a-fA-F]/ : /[0-9]/;
      while (j < n && digit.test(input[j] as string)) j++;
      let bareDot = -1;
      if (input[j] === ".") {
        j++;
        if (!digit.test(input[j] ?? "")) bareDot = j;
        while (j < n && digit.test(input[j] as string)) j++;
      }
      if (!hex && (input[j] === "e" || input[j] === "E")) {
        j++;
        if (input[j] === "+" || input[j] === "-") j++;
        while (j < n && /[0-9]/.test(input[j] as string)) j++;
      }
      if (j < n && /[a-zA-Z0-9_]/.test(input[j] as string)) {
        // Not a number: a duration (5m, 1h30m) or a bad token; the grammar decides.
        while (j < n && /[a-zA-Z0-9_]/.test(input[j] as string)) j++;
        copy(i, j);
      } else if (bareDot >= 0 && !hex) {
        copy(i, bareDot);
        origin.push(bareDot);
        text += "0";
        copy(bareDot, j);
      } else {
        copy(i, j);
      }
      i = j;
    } else {
      copy(i, i + 1);
      i++;
    }
  }
  origin.push(n);
  return { text, origin: Int32Array.from(origin), calls };
}
