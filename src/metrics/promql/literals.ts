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

/** The value of a number token (sign excluded): `1.5`, `1e3`, `0x1f`, `1_000`, `Inf`, `NaN`, `5m` (= 300). */
export function parseNumber(text: string): number {
  const lower = text.toLowerCase();
  if (lower === "inf") return Number.POSITIVE_INFINITY;
  if (lower === "nan") return Number.NaN;
  const duration = parseUnitDuration(text);
  if (duration !== undefined) return duration / 1000;
  const cleaned = text.replaceAll("_", "");
  const value = Number(cleaned);
  if (cleaned === "" || Number.isNaN(value)) throw new PromQLError("parse", `invalid number "${text}"`);
  return value;
}

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
