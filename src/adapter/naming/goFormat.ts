/**
 * Go's fmt as text/template's `print`, `println`, `printf` and the printing of action values use
 * it, over the template data model (see goTemplate.ts): `%v` of slices, maps, structs and nil,
 * Sprint's spacing rules, and printf's verbs with flags, width and precision, bad verbs printed as
 * `%!d(string=x)` as Go prints them instead of failing. Hand-written: no npm printf follows Go's
 * formatting of composite values or its error forms. Numbers are JavaScript numbers: integers
 * print as Go ints, others as float64.
 */
import { promQuote } from "./selectorMatchers.js";

/** A missing map key: Go's invalid value, printed `<no value>`. */
export const NO_VALUE: unique symbol = Symbol("no value");

const compareKeys = (a: unknown, b: unknown) => (a === b ? 0 : (a as string) < (b as string) ? -1 : 1);

/** Sorted keys of a Go map (fmt and range both sort them). */
export function sortedKeys(map: ReadonlyMap<unknown, unknown>): unknown[] {
  return [...map.keys()].sort(compareKeys);
}

/** Go's name of a value's type, for error messages and `%!verb(type=value)`. */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined || v === NO_VALUE) return "<nil>";
  if (Array.isArray(v)) return "[]interface {}";
  if (v instanceof Map) return "map[string]string";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float64";
  if (typeof v === "object") return "struct";
  return typeof v === "boolean" ? "bool" : typeof v;
}

/** Go's `%v` of a value. */
export function formatValue(v: unknown): string {
  if (v === NO_VALUE) return "<no value>";
  if (v === undefined || v === null) return "<nil>";
  if (Array.isArray(v)) return `[${v.map(formatValue).join(" ")}]`;
  if (v instanceof Map)
    return `map[${sortedKeys(v)
      .map((k) => `${formatValue(k)}:${formatValue(v.get(k))}`)
      .join(" ")}]`;
  if (typeof v === "number") return formatFloat(v, "g", -1);
  if (typeof v === "object") return `{${Object.values(v).map(formatValue).join(" ")}}`;
  return String(v);
}

/** fmt.Sprint: operands side by side, a space between two when neither is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = "";
  args.forEach((arg, i) => {
    if (i > 0 && typeof arg !== "string" && typeof args[i - 1] !== "string") out += " ";
    out += formatValue(arg);
  });
  return out;
}

/** fmt.Sprintln: operands separated by spaces, then a newline. */
export function sprintln(args: readonly unknown[]): string {
  return `${args.map(formatValue).join(" ")}\n`;
}

interface Spec {
  readonly minus: boolean;
  readonly plus: boolean;
  readonly sharp: boolean;
  readonly space: boolean;
  readonly zero: boolean;
  readonly width: number | undefined;
  readonly precision: number | undefined;
}

const SPEC = /%([-+# 0]*)(\d+|\*)?(?:\.(\d+|\*)?)?(.?)/gsu;

/** fmt.Sprintf. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let n = 0;
  const next = () => (n < args.length ? args[n++] : NO_ARG);
  const star = (text: string | undefined): number | undefined => {
    if (text !== "*") return text === undefined ? undefined : Number(text);
    const v = next();
    return Number.isInteger(v) ? (v as number) : undefined;
  };
  let out = format.replace(SPEC, (whole, flags: string, width?: string, precision?: string, verb = "") => {
    if (verb === "%" && flags === "" && width === undefined && !whole.includes(".")) return "%";
    if (verb === "") return "%!(NOVERB)";
    const spec: Spec = {
      minus: flags.includes("-"),
      plus: flags.includes("+"),
      sharp: flags.includes("#"),
      space: flags.includes(" "),
      zero: flags.includes("0") && !flags.includes("-"),
      width: star(width),
      precision: whole.includes(".") ? (star(precision) ?? 0) : undefined,
    };
    if (verb === "%") return pad("%", spec);
    const arg = next();
    if (arg === NO_ARG) return `%!${verb}(MISSING)`;
    return formatVerb(verb, arg, spec);
  });
  if (n < args.length) {
    out += `%!(EXTRA ${args
      .slice(n)
      .map((a) => `${goTypeName(a)}=${formatValue(a)}`)
      .join(", ")})`;
  }
  return out;
}

const NO_ARG = Symbol("missing argument");

function formatVerb(verb: string, arg: unknown, spec: Spec): string {
  const bad = () => `%!${verb}(${goTypeName(arg)}=${formatValue(arg)})`;
  if (verb === "v")
    return pad(spec.sharp && typeof arg === "string" ? promQuote(arg) : formatValue(arg), spec);
  if (verb === "T") return pad(goTypeName(arg), spec);
  if (typeof arg === "boolean") return verb === "t" ? pad(String(arg), spec) : bad();
  if (typeof arg === "string") {
    const text = spec.precision === undefined ? arg : [...arg].slice(0, spec.precision).join("");
    if (verb === "s") return pad(text, spec);
    if (verb === "q") return pad(spec.sharp && !arg.includes("`") ? `\`${text}\`` : promQuote(text), spec);
    if (verb === "x" || verb === "X") {
      const hex = [...new TextEncoder().encode(text)].map((b) => b.toString(16).padStart(2, "0")).join("");
      return pad(verb === "X" ? hex.toUpperCase() : hex, spec);
    }
    return bad();
  }
  if (typeof arg === "number") {
    if (Number.isInteger(arg)) {
      const int = formatInt(verb, arg, spec);
      if (int !== undefined) return int;
    }
    if ("eEfFgG".includes(verb)) return padNumber(formatFloat(arg, verb, spec.precision), arg, spec);
    return bad();
  }
  if (Array.isArray(arg) && verb === "s") return pad(`[${arg.map(formatValue).join(" ")}]`, spec);
  if (arg instanceof Map && verb === "s") return pad(formatValue(arg), spec);
  return bad();
}

function formatInt(verb: string, value: number, spec: Spec): string | undefined {
  const abs = Math.abs(value);
  const radix: Record<string, number> = { d: 10, b: 2, o: 8, O: 8, x: 16, X: 16 };
  if (verb === "c") return pad(String.fromCodePoint(value), spec);
  if (verb === "q") return pad(`'${String.fromCodePoint(value)}'`, spec);
  if (verb === "U") return pad(`U+${abs.toString(16).toUpperCase().padStart(4, "0")}`, spec);
  const base = radix[verb];
  if (base === undefined) return undefined;
  let digits = abs.toString(base);
  if (verb === "X") digits = digits.toUpperCase();
  if (spec.precision !== undefined) digits = digits.padStart(spec.precision, "0");
  if (verb === "O") digits = `0o${digits}`;
  else if (spec.sharp && verb === "o" && !digits.startsWith("0")) digits = `0${digits}`;
  else if (spec.sharp && (verb === "x" || verb === "X")) digits = `0${verb}${digits}`;
  else if (spec.sharp && verb === "b") digits = `0b${digits}`;
  return padNumber(digits, value, spec);
}

/** A float as Go's strconv.FormatFloat (`g` with precision -1 is the shortest form, as %v prints). */
function formatFloat(value: number, verb: string, precision: number | undefined): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  const lower = verb.toLowerCase();
  const upper = verb !== lower;
  let out: string;
  if (lower === "f") out = Math.abs(value).toFixed(precision ?? 6);
  else if (lower === "e") out = goExponent(Math.abs(value).toExponential(precision ?? 6));
  else if (precision === undefined || precision < 0) {
    if (Number.isInteger(value) && verb === "g" && Math.abs(value) < 1e21) return String(value);
    const exp = Math.abs(value) === 0 ? 0 : Math.floor(Math.log10(Math.abs(value)));
    out = exp < -4 || exp >= 21 ? goExponent(Math.abs(value).toExponential()) : String(Math.abs(value));
  } else {
    const p = precision === 0 ? 1 : precision;
    const exp = Math.abs(value) === 0 ? 0 : Math.floor(Math.log10(Math.abs(value)));
    out =
      exp < -4 || exp >= p
        ? goExponent(
            Math.abs(value)
              .toExponential(p - 1)
              .replace(/\.?0+e/, "e"),
          )
        : String(Number(Math.abs(value).toPrecision(p)));
  }
  if (upper) out = out.toUpperCase();
  return value < 0 || Object.is(value, -0) ? `-${out}` : out;
}

/** JavaScript's `1e+6` is Go's `1e+06`: at least two exponent digits. */
function goExponent(text: string): string {
  return text.replace(/e([+-])(\d)$/, "e$10$2");
}

function padNumber(digits: string, value: number, spec: Spec): string {
  const unsigned = digits.startsWith("-") ? digits.slice(1) : digits;
  const sign = value < 0 || Object.is(value, -0) ? "-" : spec.plus ? "+" : spec.space ? " " : "";
  if (spec.zero && spec.width !== undefined && spec.precision === undefined) {
    return sign + unsigned.padStart(spec.width - sign.length, "0");
  }
  return pad(sign + unsigned, spec);
}

function pad(text: string, spec: Spec): string {
  if (spec.width === undefined) return text;
  const length = [...text].length;
  if (length >= spec.width) return text;
  const fill = (spec.zero ? "0" : " ").repeat(spec.width - length);
  return spec.minus ? text + " ".repeat(spec.width - length) : fill + text;
}
