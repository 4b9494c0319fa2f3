/**
 * Kubernetes `resource.Quantity` strings, as Go apimachinery parses and prints them
 * (pkg/api/resource: quantity.go, amount.go, suffix.go).
 *
 * Hand-written because no npm package reproduces apimachinery's canonical DecimalSI form
 * (mantissa with trailing zeros moved into a multiple-of-3 exponent, never a decimal point),
 * its round-up-to-nano parsing, or MilliValue's rounding. All arithmetic is exact (BigInt
 * mantissa × 10^exponent), so binary floating-point noise never reaches the wire.
 */

export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

/** An exact decimal value: mantissa × 10^exponent. */
export interface Decimal {
  readonly mantissa: bigint;
  readonly exponent: number;
}

/** A parsed quantity, normalized (no trailing zeros in the mantissa; zero is 0×10^0). */
export interface Quantity extends Decimal {
  /** The suffix family it was written in; Go re-emits a parsed quantity in this format. */
  readonly format: QuantityFormat;
}

export class QuantityParseError extends Error {
  override readonly name = "QuantityParseError";
  constructor(
    readonly text: string,
    reason: string,
  ) {
    super(`invalid quantity ${JSON.stringify(text)}: ${reason}`);
  }
}

const NANO_EXPONENT = -9;

const DECIMAL_SUFFIX_EXPONENT: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

const BINARY_SUFFIX_POWER: Readonly<Record<string, number>> = {
  Ki: 10,
  Mi: 20,
  Gi: 30,
  Ti: 40,
  Pi: 50,
  Ei: 60,
};

const SUFFIX_FOR_EXPONENT: ReadonlyMap<number, string> = new Map(
  Object.entries(DECIMAL_SUFFIX_EXPONENT).map(([suffix, exp]) => [exp, suffix]),
);

/** Parsing caps BinarySI magnitudes here, silently, as Go does ("8Ei" parses as 2^63-1). */
const MAX_INT64 = 2n ** 63n - 1n;

/**
 * Bound on written positive exponents. Go accepts any int32 exponent; we refuse absurd ones rather
 * than build million-digit BigInts from a hostile string. Tiny ones (1e-20000) just round up to 1n.
 */
const MAX_EXPONENT = 10_000;

const NUMBER_AND_SUFFIX = /^([+-]?)(\d*)(?:\.(\d*))?([A-Za-z]*(?:[+-]?\d+)?)$/;
const EXPONENT_SUFFIX = /^[eE]([+-]?\d+)$/;
const JS_NUMBER = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

/** Sign of |d| − n, for n ≥ 0. */
function compareMagnitude(d: Decimal, n: bigint): number {
  const lhs = abs(d.mantissa) * pow10(Math.max(d.exponent, 0));
  const rhs = n * pow10(Math.max(-d.exponent, 0));
  return lhs === rhs ? 0 : lhs > rhs ? 1 : -1;
}

/** Moves factors of ten from the mantissa into the exponent; zero becomes 0×10^0. */
function normalize(d: Decimal): Decimal {
  if (d.mantissa === 0n) return { mantissa: 0n, exponent: 0 };
  let { mantissa, exponent } = d;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent += 1;
  }
  return { mantissa, exponent };
}

/** |m| / 10^digits rounded by `mode`, sign restored. */
function divPow10(m: bigint, digits: number, mode: "awayFromZero" | "halfAwayFromZero"): bigint {
  const sign = m < 0n ? -1n : 1n;
  const magnitude = abs(m);
  // Shortcut: the divisor dwarfs the mantissa, so the quotient is 0 and only rounding decides.
  if (digits > magnitude.toString().length + 1) {
    return mode === "awayFromZero" && magnitude !== 0n ? sign : 0n;
  }
  const divisor = pow10(digits);
  let q = magnitude / divisor;
  const r = magnitude % divisor;
  if (mode === "awayFromZero" ? r !== 0n : 2n * r >= divisor) q += 1n;
  return sign * q;
}

/** Rounds to the nano grid (exponent ≥ -9); values already on it are returned unchanged. */
function toNano(d: Decimal, mode: "awayFromZero" | "halfAwayFromZero"): Decimal {
  if (d.exponent >= NANO_EXPONENT) return d;
  return { mantissa: divPow10(d.mantissa, NANO_EXPONENT - d.exponent, mode), exponent: NANO_EXPONENT };
}

/** The exact decimal JavaScript prints for `value` (its shortest round-trip form). */
function decimalOf(value: number): Decimal {
  const m = JS_NUMBER.exec(String(value));
  if (!m) throw new RangeError(`cannot read ${value} as a decimal number`);
  const [, sign = "", int = "", frac = "", exp = "0"] = m;
  const mantissa = BigInt(int + frac);
  return { mantissa: sign === "-" ? -mantissa : mantissa, exponent: Number(exp) - frac.length };
}

/**
 * The canonical DecimalSI text Go prints for mantissa×10^exponent: trailing zeros go into the
 * exponent, which is then lowered to a multiple of 3 and printed as a suffix (n u m "" k M G T P E).
 * Exponents beyond E (or below n) have no suffix; like current apimachinery we then print `e<exp>`
 * rather than dropping the exponent.
 */
export function formatDecimalSI(d: Decimal): string {
  let { mantissa, exponent } = normalize(d);
  if (mantissa === 0n) return "0";
  const down = ((exponent % 3) + 3) % 3;
  mantissa *= pow10(down);
  exponent -= down;
  const suffix = SUFFIX_FOR_EXPONENT.get(exponent) ?? `e${exponent}`;
  return `${mantissa}${suffix}`;
}

/**
 * The Quantity string for a sample value, in canonical DecimalSI form: 1.5 → "1500m", 3000 → "3k".
 *
 * The value is taken as the shortest decimal that round-trips the double (what `String(value)`
 * prints), then rounded to the nearest nano (1e-9), halves away from zero. Nearest rather than
 * Go's parse-time round-up, so float noise below a nano (0.1+0.2 = 0.30000000000000004) prints
 * as "300m", not "300000001n"; the cost is that |value| < 0.5n prints as "0".
 *
 * Throws RangeError for NaN and ±Inf: they have no Quantity, and must never become "0"; callers
 * drop such samples.
 */
export function formatQuantity(value: number): string {
  if (!Number.isFinite(value)) {
    throw new RangeError(
      `cannot express ${value} as a Kubernetes quantity; drop the sample instead of reporting a value`,
    );
  }
  return formatDecimalSI(toNano(decimalOf(value), "halfAwayFromZero"));
}

/**
 * Parses a Quantity string as apimachinery's ParseQuantity does: optional sign, a number
 * (`5`, `0.5`, `.5`, `5.`), then a decimal SI suffix (n u m k M G T P E), a binary SI suffix
 * (Ki Mi Gi Ti Pi Ei) or an exponent (`e3`, `E-2`). Precision finer than a nano is rounded away
 * from zero ("0.1n" → 1n). BinarySI magnitudes are capped at 2^63-1, as in Go.
 * Unlike Go, a number with no digits at all (".") is rejected.
 */
export function parseQuantity(text: string): Quantity {
  const m = NUMBER_AND_SUFFIX.exec(text);
  const [, sign = "", int = "", frac = "", suffix = ""] = m ?? [];
  if (!m || int.length + frac.length === 0) {
    throw new QuantityParseError(text, "expected [+-]<number>[suffix], e.g. 500m, 1.5, 2Gi, 1e3");
  }

  let format: QuantityFormat;
  let exponent10 = 0;
  let power2 = 0;
  const decimalExp = DECIMAL_SUFFIX_EXPONENT[suffix];
  const binaryPow = BINARY_SUFFIX_POWER[suffix];
  const expMatch = EXPONENT_SUFFIX.exec(suffix);
  if (decimalExp !== undefined) {
    format = "DecimalSI";
    exponent10 = decimalExp;
  } else if (binaryPow !== undefined) {
    format = "BinarySI";
    power2 = binaryPow;
  } else if (expMatch) {
    format = "DecimalExponent";
    exponent10 = Number(expMatch[1]);
    if (exponent10 > MAX_EXPONENT) {
      throw new QuantityParseError(text, `exponent above ${MAX_EXPONENT}; no metric is that large`);
    }
  } else {
    throw new QuantityParseError(
      text,
      `unknown suffix ${JSON.stringify(suffix)}; use n u m k M G T P E, Ki..Ei, or e<int>`,
    );
  }

  let mantissa = BigInt(int + frac) * 2n ** BigInt(power2);
  if (sign === "-") mantissa = -mantissa;
  let d: Decimal = { mantissa, exponent: exponent10 - frac.length };

  d = normalize(toNano(d, "awayFromZero"));
  if (format === "BinarySI") {
    if (compareMagnitude(d, MAX_INT64) > 0) {
      d = { mantissa: d.mantissa < 0n ? -MAX_INT64 : MAX_INT64, exponent: 0 };
    }
    // Go keeps binary amounts below 1 in DecimalSI: 0.5Ki is 512, but 0.0001Ki is "102400u".
    if (d.mantissa !== 0n && compareMagnitude(d, 1n) < 0) format = "DecimalSI";
  }
  return { ...d, format };
}

/**
 * The HPA's reading of a quantity: MilliValue, i.e. value × 1000 rounded away from zero
 * (ceil for non-negative values; apimachinery rounds -1.5m to -2). Exact, where Go would
 * silently overflow int64.
 */
export function milliValue(quantity: string | Decimal): bigint {
  const d = typeof quantity === "string" ? parseQuantity(quantity) : quantity;
  const exponent = d.exponent + 3;
  return exponent >= 0 ? d.mantissa * pow10(exponent) : divPow10(d.mantissa, -exponent, "awayFromZero");
}
