/**
 * Functions over an instant vector, as Prometheus' promql/functions.go computes them: the math
 * functions (Go's formulas where they differ from JavaScript's), label_replace and label_join,
 * absent()'s labels, sort/sort_desc, and the date functions (Go's calendar, float → int64 as amd64
 * converts).
 */
import type { Labels } from "../source.js";
import type { Expr } from "./ast.js";
import type { VectorSample } from "./binary.js";
import { PromQLError } from "./errors.js";
import { goDate, goLog2, goLog10, goSort, toInt64 } from "./golang.js";
import { compileRE2, DOTALL, expandTemplate } from "./regex.js";

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The element-wise math functions (metric name dropped). */
export const MATH: Readonly<Record<string, (x: number) => number>> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  sqrt: Math.sqrt,
  ln: Math.log,
  log2: goLog2,
  log10: goLog10,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  deg: (v) => (v * 180) / Math.PI,
  rad: (v) => (v * Math.PI) / 180,
  sgn: (v) => (v < 0 ? -1 : v > 0 ? 1 : v),
};

/**
 * The labels of absent()/absent_over_time()'s answer, as Prometheus' createLabelsForAbsentFunction
 * builds them from the selector's matchers in order (not the metric name): the first equality
 * matcher of a label sets it; any later matcher of that label, or a matcher of another kind,
 * removes it. Any other argument gives no labels.
 */
export function absentLabels(arg: Expr): Labels {
  const selector =
    arg.kind === "vectorSelector" ? arg : arg.kind === "matrixSelector" ? arg.selector : undefined;
  if (selector === undefined) return {};
  const out: Record<string, string> = {};
  const has = new Set<string>();
  for (const m of selector.matchers) {
    if (m.name === "__name__") continue;
    if (m.type === "=" && !has.has(m.name)) {
      if (m.value !== "") out[m.name] = m.value;
      has.add(m.name);
    } else {
      delete out[m.name];
    }
  }
  return out;
}

/** sort (ascending) and sort_desc: NaN last either way, as Go's sort.Sort orders them. */
export function sortByValue(samples: readonly VectorSample[], descending: boolean): VectorSample[] {
  const out = [...samples];
  goSort(
    out,
    descending
      ? (a, b) => Number.isNaN(b.value) || b.value < a.value
      : (a, b) => Number.isNaN(b.value) || b.value > a.value,
  );
  return out;
}

/**
 * label_replace: where `regex` (anchored) matches the value of `src`, `dst` is set to the expanded
 * `replacement` (removed when that is empty); other elements pass unchanged. The metric name stays.
 */
export function labelReplace(
  samples: readonly VectorSample[],
  dst: string,
  replacement: string,
  src: string,
  regex: string,
): VectorSample[] {
  let re: ReturnType<typeof compileRE2>;
  try {
    re = compileRE2(`^(?:${regex})$`, DOTALL);
  } catch {
    throw new PromQLError("execution", `invalid regular expression in label_replace(): ${regex}`);
  }
  if (!LABEL_NAME.test(dst)) {
    throw new PromQLError("execution", `invalid destination label name in label_replace(): ${dst}`);
  }
  const names = re.namedGroups();
  return samples.map((s) => {
    const match = re.exec(s.labels[src] ?? "");
    if (match === null) return s;
    const value = expandTemplate(replacement, match, names);
    const { [dst]: _, ...rest } = s.labels;
    return { labels: value === "" ? rest : { ...rest, [dst]: value }, value: s.value };
  });
}

/** label_join: `dst` set to the values of `srcs` joined by `separator` (removed when that is empty). */
export function labelJoin(
  samples: readonly VectorSample[],
  dst: string,
  separator: string,
  srcs: readonly string[],
): VectorSample[] {
  for (const src of srcs) {
    if (!LABEL_NAME.test(src)) {
      throw new PromQLError("execution", `invalid source label name in label_join(): ${src}`);
    }
  }
  if (!LABEL_NAME.test(dst)) {
    throw new PromQLError("execution", `invalid destination label name in label_join(): ${dst}`);
  }
  return samples.map((s) => {
    const value = srcs.map((src) => s.labels[src] ?? "").join(separator);
    const { [dst]: _, ...rest } = s.labels;
    return { labels: value === "" ? rest : { ...rest, [dst]: value }, value: s.value };
  });
}

/** A date function of Unix seconds `v` (converted to int64 as Go on amd64 does), in UTC. */
export function dateFunction(name: string, v: number): number {
  const d = goDate(toInt64(v));
  switch (name) {
    case "days_in_month":
      return d.daysInMonth;
    case "day_of_month":
      return d.day;
    case "day_of_week":
      return d.weekday;
    case "day_of_year":
      return d.yearDay;
    case "hour":
      return d.hour;
    case "minute":
      return d.minute;
    case "month":
      return d.month;
    case "year":
      return d.year;
    default:
      throw new PromQLError("execution", `unknown date function ${name}`);
  }
}
