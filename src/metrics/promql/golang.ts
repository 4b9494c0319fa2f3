/**
 * The few pieces of Go's standard library whose exact behaviour shows in PromQL results, ported so
 * the evaluator answers as Prometheus does: container/heap (which elements topk/bottomk keep among
 * equal values), sort.Sort's insertion sort for short slices (the order of sort() and topk
 * results), float64 → int64 conversion as amd64 does it, the time package's calendar (date
 * functions, for any int64 of seconds), strconv.FormatFloat(v, 'f', -1, 64) (count_values labels),
 * math.Min/Max (clamp) and math.Log2/Log10.
 */

/** A Go sort.Interface-like view: `less(i, j)` over items. */
export type Less<T> = (a: T, b: T) => boolean;

/** container/heap.Push. */
export function heapPush<T>(h: T[], x: T, less: Less<T>): void {
  h.push(x);
  let j = h.length - 1;
  for (;;) {
    const i = Math.trunc((j - 1) / 2);
    if (i === j || !less(h[j] as T, h[i] as T)) break;
    swap(h, i, j);
    j = i;
  }
}

/** container/heap.Pop (returns the removed top). */
export function heapPop<T>(h: T[], less: Less<T>): T {
  const n = h.length - 1;
  swap(h, 0, n);
  heapDown(h, 0, n, less);
  return h.pop() as T;
}

function heapDown<T>(h: T[], i0: number, n: number, less: Less<T>): void {
  let i = i0;
  for (;;) {
    const j1 = 2 * i + 1;
    if (j1 >= n || j1 < 0) break;
    let j = j1;
    const j2 = j1 + 1;
    if (j2 < n && less(h[j2] as T, h[j1] as T)) j = j2;
    if (!less(h[j] as T, h[i] as T)) break;
    swap(h, i, j);
    i = j;
  }
}

function swap<T>(h: T[], i: number, j: number): void {
  const t = h[i] as T;
  h[i] = h[j] as T;
  h[j] = t;
}

/**
 * sort.Sort(data) for a slice ordered by `less`: Go (1.19+) sorts up to 12 elements by insertion
 * sort, reproduced exactly; longer slices get a stable sort, which can order equal elements
 * differently from Go's pdqsort (only elements that compare equal).
 */
export function goSort<T>(items: T[], less: Less<T>): void {
  if (items.length <= 12) {
    for (let i = 1; i < items.length; i++) {
      for (let j = i; j > 0 && less(items[j] as T, items[j - 1] as T); j--) swap(items, j, j - 1);
    }
    return;
  }
  const sorted = items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => (less(a.item, b.item) ? -1 : less(b.item, a.item) ? 1 : a.index - b.index));
  sorted.forEach((s, i) => {
    items[i] = s.item;
  });
}

const INT64_MIN = -(2n ** 63n);
const TWO_63 = 2 ** 63;

/** Go's int64(f) on amd64: truncation; NaN and out-of-range values become math.MinInt64. */
export function toInt64(f: number): bigint {
  if (!Number.isFinite(f) || f >= TWO_63 || f < -TWO_63) return INT64_MIN;
  return BigInt(Math.trunc(f));
}

/** Whether v is within [math.MinInt64, the largest float64 below math.MaxInt64] (Prometheus' convertibleToInt64). */
export function convertibleToInt64(v: number): boolean {
  return v <= TWO_63 - 1024 && v >= -TWO_63;
}

const SECONDS_PER_DAY = 86_400n;
const SECONDS_PER_HOUR = 3_600n;
const SECONDS_PER_MINUTE = 60n;
const SECONDS_PER_WEEK = 7n * SECONDS_PER_DAY;
const DAYS_PER_400_YEARS = 365n * 400n + 97n;
const DAYS_PER_100_YEARS = 365n * 100n + 24n;
const DAYS_PER_4_YEARS = 365n * 4n + 1n;
const ABSOLUTE_ZERO_YEAR = -292277022399n;
const UNIX_TO_INTERNAL = 62_135_596_800n;
/** -(absoluteZeroYear - internalYear) * 365.2425 * secondsPerDay. */
const INTERNAL_TO_ABSOLUTE = 9_223_371_966_579_724_800n;
const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

export interface GoDate {
  readonly year: number;
  /** 1–12 */
  readonly month: number;
  readonly day: number;
  /** 1–366 */
  readonly yearDay: number;
  /** 0 = Sunday */
  readonly weekday: number;
  readonly hour: number;
  readonly minute: number;
  readonly daysInMonth: number;
}

/** time.Unix(unixSeconds, 0).UTC()'s calendar fields, with Go's int64 wraparound for extreme values. */
export function goDate(unixSeconds: bigint): GoDate {
  const internal = BigInt.asIntN(64, unixSeconds + UNIX_TO_INTERNAL);
  const abs = BigInt.asUintN(64, internal + INTERNAL_TO_ABSOLUTE);
  // absDate
  let d = abs / SECONDS_PER_DAY;
  let n = d / DAYS_PER_400_YEARS;
  let y = 400n * n;
  d -= DAYS_PER_400_YEARS * n;
  n = d / DAYS_PER_100_YEARS;
  n -= n >> 2n;
  y += 100n * n;
  d -= DAYS_PER_100_YEARS * n;
  n = d / DAYS_PER_4_YEARS;
  y += 4n * n;
  d -= DAYS_PER_4_YEARS * n;
  n = d / 365n;
  n -= n >> 2n;
  y += n;
  d -= 365n * n;
  const year = Number(BigInt.asIntN(64, y) + ABSOLUTE_ZERO_YEAR);
  const yday = Number(d);
  const leap = isLeap(year);
  let month: number;
  let day = yday;
  if (leap && day === 31 + 29 - 1) {
    month = 2;
    day = 29;
  } else {
    if (leap && day > 31 + 29 - 1) day--;
    let m = Math.trunc(day / 31);
    const end = DAYS_BEFORE[m + 1] as number;
    let begin: number;
    if (day >= end) {
      m++;
      begin = end;
    } else {
      begin = DAYS_BEFORE[m] as number;
    }
    month = m + 1;
    day = day - begin + 1;
  }
  const weekday = Number(((abs + SECONDS_PER_DAY) % SECONDS_PER_WEEK) / SECONDS_PER_DAY);
  const hour = Number((abs % SECONDS_PER_DAY) / SECONDS_PER_HOUR);
  const minute = Number((abs % SECONDS_PER_HOUR) / SECONDS_PER_MINUTE);
  const daysInMonth =
    month === 2 && leap ? 29 : (DAYS_BEFORE[month] as number) - (DAYS_BEFORE[month - 1] as number);
  return { year, month, day, yearDay: yday + 1, weekday, hour, minute, daysInMonth };
}

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** strconv.FormatFloat(v, 'f', -1, 64): the shortest decimal that reads back as v, never in exponent form. */
export function formatFloatF(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const [mantissa, exponentText] = Math.abs(v).toExponential().split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const exponent = Number(exponentText);
  let out: string;
  if (exponent >= digits.length - 1) out = digits + "0".repeat(exponent - digits.length + 1);
  else if (exponent >= 0) out = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  else out = `0.${"0".repeat(-exponent - 1)}${digits}`;
  return v < 0 ? `-${out}` : out;
}

/** math.Max: +Inf wins over NaN (JavaScript's Math.max gives NaN), then NaN, then the larger. */
export function goMax(x: number, y: number): number {
  if (x === Number.POSITIVE_INFINITY || y === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  return Math.max(x, y);
}

/** math.Min: -Inf wins over NaN (JavaScript's Math.min gives NaN), then NaN, then the smaller. */
export function goMin(x: number, y: number): number {
  if (x === Number.NEGATIVE_INFINITY || y === Number.NEGATIVE_INFINITY) return Number.NEGATIVE_INFINITY;
  return Math.min(x, y);
}

/** math.Log10: log(x) * (1/Ln10). */
export function goLog10(x: number): number {
  return Math.log(x) * (1 / Math.LN10);
}

/** math.Log2: exact for powers of two, else log(frac) * (1/Ln2) + exp. */
export function goLog2(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return Math.log2(x);
  const [frac, exp] = frexp(x);
  if (frac === 0.5) return exp - 1;
  return Math.log(frac) * (1 / Math.LN2) + exp;
}

/** math.Frexp for finite positive x: x = frac × 2^exp with frac in [0.5, 1). */
function frexp(x: number): [number, number] {
  const view = new DataView(new ArrayBuffer(8));
  let e = 0;
  let v = x;
  if (v < 2.2250738585072014e-308) {
    v *= 2 ** 52;
    e = -52;
  }
  view.setFloat64(0, v);
  const hi = view.getUint32(0);
  e += ((hi >>> 20) & 0x7ff) - 1022;
  view.setUint32(0, (hi & 0x800fffff) | (1022 << 20));
  return [view.getFloat64(0), e];
}
