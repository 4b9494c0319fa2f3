/**
 * A seeded generator of PromQL queries from the grammar the embedded store supports (docs/promql.md):
 * selectors with every matcher type (RE2 regexes with flags), offset and @, range functions over
 * range selectors and subqueries, the math, label, date and histogram functions, every aggregation
 * with by/without, arithmetic, comparisons and set operators with on/ignoring/group_left/group_right
 * and bool, unary minus, and scalars. Keywords come in mixed case, operator chains sometimes without
 * parentheses (so precedence is exercised), numbers in every literal form Prometheus 2.42 reads, and
 * a few per cent of the queries are wrong on purpose (type errors, bad regexes, bad label names,
 * topk(NaN, …)) so errors are compared too.
 *
 * What the generator avoids, and why, is listed in docs/promql.md ("The differential test"): each is
 * a documented difference between Prometheus 2.42 and the embedded store (which follows newer
 * Prometheus), or a place where Prometheus' own answer depends on Go's map order.
 */
import { seededRandom } from "../../../../src/forecast/random.js";
import { LABEL_VALUES } from "./data.js";

export interface GeneratedQuery {
  readonly query: string;
  /** Instant results must come in Prometheus' order (top-level sort/sort_desc/topk/bottomk). */
  readonly ordered: boolean;
}

interface Gen {
  readonly text: string;
  /** Needs no parentheses as an operand. */
  readonly atomic: boolean;
  /** A bare selector with both offset and @ (timestamp() of one is empty in Prometheus 2.42). */
  readonly offsetAndAt?: boolean;
}

const COUNTERS = ["req_total", "typed_total"];
const GAUGES = ["queue_depth", "capacity"];
const HISTOGRAMS = ["latency_seconds_bucket", "size_bytes_bucket"];
const ALL_METRICS = [...COUNTERS, ...GAUGES, "odd", ...HISTOGRAMS];
const LABELS = ["job", "instance", "code", "zone", "le", "kind"];
const REGEXES = ["a|b", ".+", "(?i)eu-.*", "api|db", "b.*", ".*", "(?i)API", "[a-c]", "e.*t", "[[:alpha:]]+"];
const RANGES = ["30s", "1m", "2m", "5m", "10m", "3m"];
const SUB_RANGES = ["2m", "5m", "10m"];
/**
 * Inside a subquery, evaluation times are multiples of its step, so a nested subquery's window
 * would start on one of its own steps, where Prometheus 2's closed windows and the evaluator's
 * left-open ones differ. All steps are multiples of 15 s; these ranges are not.
 */
const NESTED_SUB_RANGES = ["100s", "200s", "250s", "130s"];
const SUB_STEPS = ["1m", "30s", "2m", "", "45s"];
const OFFSETS = ["1m", "5m", "90s", "-2m", "30m", "1h"];
const NUMBERS = ["1", "2", "0.5", "3.", ".25", "10", "0", "1e3", "0x10", "017", "100", "1.5e-2", "7"];
const SPECIAL_NUMBERS = ["NaN", "Inf", "-Inf", "inf"];
const OVER_TIME = [
  "avg_over_time",
  "min_over_time",
  "max_over_time",
  "sum_over_time",
  "count_over_time",
  "last_over_time",
  "stddev_over_time",
  "stdvar_over_time",
  "present_over_time",
  "changes",
  "resets",
  "irate",
  "idelta",
  "delta",
  "deriv",
];
/** Periodic functions: their argument is clamped, or Go's summation order would decide the answer. */
const TRIGONOMETRIC = ["sin", "cos", "tan"];
const MATH = [
  "abs",
  "ceil",
  "floor",
  "exp",
  "sqrt",
  "ln",
  "log2",
  "log10",
  "sgn",
  "deg",
  "rad",
  "atan",
  "tanh",
  "asinh",
];
const DATE = [
  "minute",
  "hour",
  "day_of_week",
  "day_of_month",
  "day_of_year",
  "days_in_month",
  "month",
  "year",
];
const AGGREGATIONS = ["sum", "avg", "min", "max", "count", "group", "stddev", "stdvar"];

export class QueryGenerator {
  readonly #rand: () => number;
  readonly #atTimes: readonly string[];
  /** Subqueries around the expression being generated. */
  #subqueryDepth = 0;

  /** `atTimes`: Unix seconds (as text) that `@` may name. */
  constructor(seed: number, atTimes: readonly string[]) {
    this.#rand = seededRandom(seed);
    this.#atTimes = atTimes;
  }

  next(): GeneratedQuery {
    const r = this.#rand();
    if (r < 0.03) return { query: this.#invalid(), ordered: false };
    if (r < 0.13) return { query: this.#scalar(3).text, ordered: false };
    if (r < 0.2) {
      const fn = this.#pick(["sort", "sort_desc"]);
      return { query: `${fn}(${this.#vector(3).text})`, ordered: true };
    }
    if (r < 0.27) {
      const op = this.#pick(["topk", "bottomk"]);
      return { query: `${this.#kw(op)}(${this.#k()}, ${this.#continuous(2).text})`, ordered: true };
    }
    return { query: this.#vector(4).text, ordered: false };
  }

  #chance(p: number): boolean {
    return this.#rand() < p;
  }

  #pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.#rand() * values.length)] as T;
  }

  /** A keyword, sometimes in upper or mixed case (PromQL keywords are case-insensitive). */
  #kw(word: string): string {
    const r = this.#rand();
    if (r < 0.08) return word.toUpperCase();
    if (r < 0.12) return word[0]?.toUpperCase() + word.slice(1);
    return word;
  }

  #paren(g: Gen): string {
    return g.atomic ? g.text : `(${g.text})`;
  }

  /** An operand: parenthesised if needed, mostly; sometimes bare, so precedence decides. */
  #operand(g: Gen): string {
    return g.atomic || this.#chance(0.2) ? g.text : `(${g.text})`;
  }

  #number(): string {
    return this.#chance(0.1) ? this.#pick(SPECIAL_NUMBERS) : this.#pick(NUMBERS);
  }

  #k(): string {
    return this.#pick(["1", "2", "3", "1", "2", "10", "0", "2.7"]);
  }

  #labelList(allowName = false): string {
    const names = LABELS.filter(() => this.#chance(0.3));
    if (this.#chance(0.1)) names.push("nonexistent");
    if (allowName && this.#chance(0.05)) names.push("__name__");
    return names.join(", ");
  }

  #matchers(): string[] {
    const out: string[] = [];
    const count = this.#pick([0, 0, 0, 1, 1, 2]);
    for (let i = 0; i < count; i++) {
      const label = this.#pick(LABELS);
      const op = this.#pick(["=", "=", "!=", "=~", "!~"]);
      const value =
        op === "=~" || op === "!~"
          ? this.#pick([...REGEXES, ...(LABEL_VALUES[label] ?? [])])
          : this.#pick(LABEL_VALUES[label] ?? ["x"]);
      out.push(`${label}${op}"${value}"`);
    }
    return out;
  }

  #selectorText(metrics: readonly string[]): string {
    const matchers = this.#matchers();
    if (this.#chance(0.06)) {
      // The metric name as a matcher.
      const names = [this.#pick(metrics), this.#pick(metrics)];
      const nameMatcher = this.#chance(0.5) ? `__name__=~"${names.join("|")}"` : `__name__="${names[0]}"`;
      return `{${[nameMatcher, ...matchers].join(", ")}}`;
    }
    const name = this.#pick(metrics);
    return matchers.length > 0 || this.#chance(0.05) ? `${name}{${matchers.join(", ")}}` : name;
  }

  #at(): string {
    if (this.#chance(0.3)) return `@ ${this.#kw(this.#pick(["start", "end"]))}()`;
    return `@ ${this.#pick(this.#atTimes)}`;
  }

  /** offset and/or @ after a selector, range selector or subquery. */
  #modifiers(allowAt = true): string {
    let out = "";
    if (this.#chance(0.15)) out += ` ${this.#kw("offset")} ${this.#pick(OFFSETS)}`;
    if (allowAt && this.#chance(0.07))
      out = this.#chance(0.5) ? `${out} ${this.#at()}` : ` ${this.#at()}${out}`;
    return out;
  }

  #selector(metrics: readonly string[] = ALL_METRICS): Gen {
    const mods = this.#modifiers();
    return {
      text: `${this.#selectorText(metrics)}${mods}`,
      atomic: mods === "",
      offsetAndAt: mods.includes("@") && /offset/i.test(mods),
    };
  }

  /** A range vector: a range selector or a subquery. `counter`: only counters (rate/increase). */
  #matrix(depth: number, options: { counter?: boolean; allowAt?: boolean } = {}): string {
    const allowAt = options.allowAt ?? true;
    if (depth > 0 && this.#chance(0.2)) {
      const range = this.#pick(this.#subqueryDepth > 0 ? NESTED_SUB_RANGES : SUB_RANGES);
      this.#subqueryDepth++;
      const inner = options.counter ? this.#counterVector() : this.#vector(depth - 1);
      this.#subqueryDepth--;
      const step = this.#pick(SUB_STEPS);
      return `${this.#paren(inner)}[${range}:${step}]${this.#modifiers(allowAt)}`;
    }
    const metrics = options.counter ? [...COUNTERS, ...HISTOGRAMS] : ALL_METRICS;
    return `${this.#selectorText(metrics)}[${this.#pick(RANGES)}]${this.#modifiers(allowAt)}`;
  }

  /** Counter-like vectors for a subquery under rate()/increase(). */
  #counterVector(): Gen {
    const sel = this.#selectorText(COUNTERS);
    switch (Math.floor(this.#rand() * 4)) {
      case 0:
        return { text: `${this.#kw("sum")} ${this.#kw("by")} (job) (${sel})`, atomic: true };
      case 1:
        return { text: `${this.#kw("max")}(${sel})`, atomic: true };
      default:
        return { text: sel, atomic: true };
    }
  }

  /** Vectors whose elements (series) never share a value, for topk/bottomk. */
  #continuous(depth: number): Gen {
    const sel = () => this.#selector(["queue_depth", "req_total"]);
    const r = this.#rand();
    if (depth <= 0 || r < 0.3) return sel();
    if (r < 0.55) {
      const fn = this.#pick(["rate", "irate", "avg_over_time", "max_over_time", "deriv", "last_over_time"]);
      const metrics = fn === "rate" ? ["req_total"] : ["queue_depth", "req_total"];
      return { text: `${fn}(${this.#selectorText(metrics)}[${this.#pick(RANGES)}])`, atomic: true };
    }
    if (r < 0.7) {
      const inner = this.#continuous(depth - 1);
      return {
        text: `${this.#operand(inner)} ${this.#pick(["*", "+", "/"])} ${this.#pick(["2", "0.5", "3"])}`,
        atomic: false,
      };
    }
    if (r < 0.85) {
      const op = this.#pick(["sum", "max", "min", "avg"]);
      return {
        text: `${this.#kw(op)} ${this.#kw("by")} (job) (${this.#continuous(depth - 1).text})`,
        atomic: true,
      };
    }
    const fn = this.#pick(["topk", "bottomk"]);
    const by = this.#chance(0.5) ? ` ${this.#kw("by")} (job)` : "";
    return { text: `${this.#kw(fn)}${by} (${this.#k()}, ${this.#continuous(depth - 1).text})`, atomic: true };
  }

  /** Vectors whose values are computed the same way in any order (count_values' labels). */
  #exact(depth: number): Gen {
    const r = this.#rand();
    if (depth <= 0 || r < 0.4) return this.#selector();
    // Rounded continuous values: round(x ^ y) would carry Go's and V8's different last bits of pow.
    if (r < 0.6) return { text: `round(${this.#continuous(depth - 1).text})`, atomic: true };
    if (r < 0.8) return { text: `floor(${this.#continuous(depth - 1).text})`, atomic: true };
    const fn = this.#pick(["count_over_time", "changes", "rate", "resets"]);
    const metrics = fn === "rate" ? COUNTERS : ALL_METRICS;
    return { text: `${fn}(${this.#selectorText(metrics)}[${this.#pick(RANGES)}])`, atomic: true };
  }

  #histogram(): Gen {
    const name = this.#pick([...HISTOGRAMS, "latency_seconds_bucket"]);
    const sel = this.#chance(0.2) ? `${name}{instance="a"}` : name;
    const range = this.#pick(["1m", "5m", "10m"]);
    switch (Math.floor(this.#rand() * 8)) {
      case 0:
        return { text: sel, atomic: true };
      case 1:
        return { text: `${this.#kw("sum")} ${this.#kw("by")} (le) (rate(${sel}[${range}]))`, atomic: true };
      case 2:
        return {
          text: `${this.#kw("sum")} ${this.#kw("by")} (le, instance) (increase(${sel}[${range}]))`,
          atomic: true,
        };
      case 3:
        return {
          text: `${this.#kw("sum")} ${this.#kw("without")} (instance) (rate(${sel}[${range}]))`,
          atomic: true,
        };
      case 4:
        return { text: `${this.#kw("max")} ${this.#kw("by")} (le) (${sel})`, atomic: true };
      case 5:
        return this.#chance(0.5)
          ? { text: `{__name__=~".+_bucket"}`, atomic: true }
          : { text: `rate({__name__=~"(latency|size).*"}[${range}])`, atomic: true };
      default:
        return { text: `rate(${sel}[${range}])`, atomic: true };
    }
  }

  #scalar(depth: number): Gen {
    const r = this.#rand();
    if (depth <= 0 || r < 0.45) return { text: this.#number(), atomic: true };
    if (r < 0.55) return { text: this.#pick(["time()", "pi()"]), atomic: true };
    if (r < 0.7) return { text: `scalar(${this.#vector(depth - 1).text})`, atomic: true };
    if (r < 0.75) return { text: `-${this.#paren(this.#scalar(depth - 1))}`, atomic: false };
    const op = this.#pick(["+", "-", "*", "/", "%", "^", "== bool", "> bool", "<= bool", "atan2"]);
    // A remainder amplifies the last bits of a computed operand (Go's and V8's pow differ there).
    const lhs: Gen = op === "%" ? { text: this.#pick(NUMBERS), atomic: true } : this.#scalar(depth - 1);
    const rhs: Gen = op === "%" ? { text: this.#pick(NUMBERS), atomic: true } : this.#scalar(depth - 1);
    return { text: `${this.#operand(lhs)} ${this.#kwOp(op)} ${this.#operand(rhs)}`, atomic: false };
  }

  #kwOp(op: string): string {
    return op.replace(/bool|atan2|and|or|unless/g, (w) => this.#kw(w));
  }

  #vector(depth: number): Gen {
    if (depth <= 0) {
      return this.#chance(0.9) ? this.#selector() : { text: `vector(${this.#number()})`, atomic: true };
    }
    const r = this.#rand();
    const sub = () => this.#vector(depth - 1);
    if (r < 0.14) return this.#selector();
    if (r < 0.22) {
      const fn = this.#pick(["rate", "increase"]);
      return { text: `${fn}(${this.#matrix(depth, { counter: true })})`, atomic: true };
    }
    if (r < 0.34) {
      const fn = this.#pick(OVER_TIME);
      return { text: `${fn}(${this.#matrix(depth)})`, atomic: true };
    }
    if (r < 0.37) {
      const which = Math.floor(this.#rand() * 4);
      if (which === 0)
        return {
          text: `quantile_over_time(${this.#pick(["0.5", "0.9", "0", "1", "1.5", "-1"])}, ${this.#matrix(depth)})`,
          atomic: true,
        };
      if (which === 1) {
        return {
          text: `predict_linear(${this.#matrix(depth, { allowAt: false })}, ${this.#pick(["60", "300", "-120", "0"])})`,
          atomic: true,
        };
      }
      if (which === 2) {
        const factor = () => this.#pick(["0.1", "0.5", "0.9", "0.3"]);
        return { text: `holt_winters(${this.#matrix(depth)}, ${factor()}, ${factor()})`, atomic: true };
      }
      return { text: `absent_over_time(${this.#matrix(depth)})`, atomic: true };
    }
    if (r < 0.43) {
      // sin/cos/tan of a huge value turn Go's last-bit summation differences into any answer.
      const fn = this.#pick([...MATH, ...TRIGONOMETRIC]);
      const arg = TRIGONOMETRIC.includes(fn) ? `clamp(${sub().text}, -1000, 1000)` : sub().text;
      return { text: `${fn}(${arg})`, atomic: true };
    }
    if (r < 0.46) {
      const which = Math.floor(this.#rand() * 4);
      if (which === 0)
        return {
          text: `round(${sub().text}${this.#chance(0.5) ? `, ${this.#pick(["0.5", "10", "3"])}` : ""})`,
          atomic: true,
        };
      if (which === 1)
        return {
          text: `clamp(${sub().text}, ${this.#pick(["1", "0", "5"])}, ${this.#pick(["10", "4", "2"])})`,
          atomic: true,
        };
      return {
        text: `${this.#pick(["clamp_min", "clamp_max"])}(${sub().text}, ${this.#scalar(1).text})`,
        atomic: true,
      };
    }
    if (r < 0.58) return this.#aggregation(depth);
    if (r < 0.74) return this.#binaryVectors(depth);
    if (r < 0.82) return this.#binaryScalar(depth);
    if (r < 0.84) return { text: `-${this.#operand(sub())}`, atomic: false };
    if (r < 0.87) return this.#labelFunction(depth);
    if (r < 0.9)
      return {
        text: `histogram_quantile(${this.#pick(["0.5", "0.9", "0.99", "0", "1", "1.2", "NaN"])}, ${this.#histogram().text})`,
        atomic: true,
      };
    if (r < 0.92) {
      const arg = this.#chance(0.5)
        ? `${this.#pick(ALL_METRICS)}{job="${this.#pick(LABEL_VALUES.job ?? [])}"}`
        : sub().text;
      return { text: `absent(${this.#chance(0.1) ? `(${arg})` : arg})`, atomic: true };
    }
    if (r < 0.94) {
      // timestamp() of a selector: offset or @, not both (2.42 loses the offset then).
      const mods = this.#chance(0.2)
        ? ` ${this.#kw("offset")} ${this.#pick(OFFSETS)}`
        : this.#chance(0.1)
          ? ` ${this.#at()}`
          : "";
      const other = sub();
      const arg =
        this.#chance(0.7) || other.offsetAndAt ? `${this.#selectorText(ALL_METRICS)}${mods}` : other.text;
      return { text: `timestamp(${arg})`, atomic: true };
    }
    if (r < 0.96) {
      const fn = this.#pick(DATE);
      const arg = this.#pick([
        "",
        `timestamp(${this.#selectorText(ALL_METRICS)})`,
        `${this.#selectorText(GAUGES)} * 1e6`,
        sub().text,
        `vector(${this.#pick(["1e10", "-1", "NaN", "1709251199", "951782400"])})`,
      ]);
      return { text: `${fn}(${arg})`, atomic: true };
    }
    if (r < 0.98) return { text: `${this.#pick(["sort", "sort_desc"])}(${sub().text})`, atomic: true };
    return { text: `vector(${this.#scalar(depth - 1).text})`, atomic: true };
  }

  #aggregation(depth: number): Gen {
    const r = this.#rand();
    let op: string;
    let args: string;
    if (r < 0.7) {
      op = this.#pick(AGGREGATIONS);
      args = this.#vector(depth - 1).text;
      // Welford's method overflows on huge values of opposite sign, differently in each order
      // Prometheus happens to add them in: no stddev/stdvar over the extreme-value series.
      // Nor over timestamps (~1.8e9 apart by seconds): the variance's rounding then depends on the order too.
      if ((op === "stddev" || op === "stdvar") && /odd|time/.test(args)) op = "max";
    } else if (r < 0.8) {
      op = this.#pick(["topk", "bottomk"]);
      args = `${this.#k()}, ${this.#continuous(depth - 1).text}`;
    } else if (r < 0.9) {
      op = "quantile";
      args = `${this.#pick(["0.5", "0.9", "0", "1", "2", "-0.5"])}, ${this.#vector(depth - 1).text}`;
    } else {
      op = "count_values";
      args = `"${this.#pick(["value", "v", "job"])}", ${this.#exact(depth - 1).text}`;
    }
    let grouping = this.#chance(0.6)
      ? ` ${this.#kw(this.#pick(["by", "without"]))} (${this.#labelList(op !== "count_values")})`
      : "";
    if (op === "count_values" && /^ by/i.test(grouping) && grouping.split(",").length > 2) {
      // Prometheus 2.42 loses count_values' `by` labels after a range query's first step when the
      // list has spare capacity (3, 5–7 labels): keep it to two.
      grouping = ` ${this.#kw("by")} (job, instance)`;
    }
    const text =
      grouping !== "" && this.#chance(0.4)
        ? `${this.#kw(op)}(${args})${grouping}`
        : `${this.#kw(op)}${grouping} (${args})`;
    return { text, atomic: true };
  }

  #matching(setOperator: boolean): string {
    const r = this.#rand();
    if (r < 0.5) return "";
    const on = this.#chance(0.5);
    const labels = this.#labelList();
    let out = ` ${this.#kw(on ? "on" : "ignoring")}(${labels})`;
    if (!setOperator && this.#chance(0.35)) {
      out += ` ${this.#kw(this.#pick(["group_left", "group_right"]))}`;
      if (this.#chance(0.5)) out += `(${this.#pick(["zone", "code", "instance", "kind"])})`;
    }
    return out;
  }

  #binaryVectors(depth: number): Gen {
    const lhs = this.#vector(depth - 1);
    const rhs = this.#vector(depth - 1);
    const r = this.#rand();
    if (r < 0.2) {
      const op = this.#pick(["and", "or", "unless"]);
      return {
        text: `${this.#operand(lhs)} ${this.#kw(op)}${this.#matching(true)} ${this.#operand(rhs)}`,
        atomic: false,
      };
    }
    if (r < 0.3) {
      // atan2 keeps the metric name in Prometheus 2.42 only: give it nameless operands.
      return {
        text: `abs(${lhs.text}) ${this.#kw("atan2")}${this.#matching(false)} abs(${rhs.text})`,
        atomic: false,
      };
    }
    // == and != between two computed vectors could flip on float noise from Go's summation order.
    const op = this.#pick(["+", "-", "*", "/", "%", "^", ">", "<", ">=", "<=", "+", "*"]);
    const bool = [">", "<", ">=", "<="].includes(op) && this.#chance(0.3) ? ` ${this.#kw("bool")}` : "";
    // The remainder of a huge dividend is all rounding: keep it small.
    const left = op === "%" ? `clamp(${lhs.text}, -1e6, 1e6)` : this.#operand(lhs);
    return { text: `${left} ${op}${bool}${this.#matching(false)} ${this.#operand(rhs)}`, atomic: false };
  }

  #binaryScalar(depth: number): Gen {
    const vec = this.#vector(depth - 1);
    const op = this.#pick(["+", "-", "*", "/", "%", "^", ">", "<", "==", "!=", ">=", "<=", "atan2"]);
    // A remainder amplifies the last bits of a computed operand (Go's and V8's pow differ there).
    const scalar: Gen =
      op === "%" ? { text: this.#pick(NUMBERS), atomic: true } : this.#scalar(Math.min(1, depth - 1));
    const comparison = ["==", "!=", ">", "<", ">=", "<="].includes(op);
    const bool = comparison && this.#chance(0.3) ? ` ${this.#kw("bool")}` : "";
    // atan2 keeps the metric name in Prometheus 2.42 only: give it a nameless operand. The
    // remainder of a huge dividend is all rounding: keep it small.
    const v =
      op === "atan2" ? `abs(${vec.text})` : op === "%" ? `clamp(${vec.text}, -1e6, 1e6)` : this.#operand(vec);
    const opText = `${op === "atan2" ? this.#kw(op) : op}${bool}`;
    const text = this.#chance(0.5)
      ? `${v} ${opText} ${this.#operand(scalar)}`
      : `${this.#operand(scalar)} ${opText} ${v}`;
    return { text, atomic: false };
  }

  #labelFunction(depth: number): Gen {
    const v = this.#vector(depth - 1).text;
    if (this.#chance(0.6)) {
      const dst = this.#pick(["dst", "job", "instance", "__name__", "zone", "x"]);
      // biome-ignore lint/suspicious/noTemplateCurlyInString: `${1}` is label_replace's (Go's) template syntax.
      const replacement = this.#pick(["$1", "${1}-x", "$2$1", "", "$name", "fixed", "$1$$"]);
      const src = this.#pick([...LABELS, "__name__", "nonexistent"]);
      const regex = this.#pick([
        "(.*)",
        "(.)(.*)",
        "(?P<name>[a-z]+).*",
        "(?i)(A).*",
        "e(.*)",
        "",
        "(a|b)",
        "[0-9]+",
      ]);
      return { text: `label_replace(${v}, "${dst}", "${replacement}", "${src}", "${regex}")`, atomic: true };
    }
    const dst = this.#pick(["dst", "job", "zone"]);
    const srcs = LABELS.filter(() => this.#chance(0.35)).map((l) => `"${l}"`);
    return {
      text: `label_join(${[v, `"${dst}"`, `"${this.#pick(["-", "", ","])}"`, ...srcs].join(", ")})`,
      atomic: true,
    };
  }

  /** A query Prometheus refuses, at parse time or when it runs. */
  #invalid(): string {
    const v = this.#vector(1).text;
    return this.#pick([
      `rate(${this.#selectorText(COUNTERS)})`,
      `sum(${this.#matrix(0)})`,
      "1 > 2",
      `${v} and 1`,
      `${v} + ${this.#kw("bool")} ${v}`,
      `label_replace(${v}, "1x", "a", "job", ".*")`,
      `label_replace(${v}, "dst", "a", "job", "(")`,
      `count_values("1bad", ${v})`,
      `holt_winters(${this.#matrix(0)}, 1.5, 0.5)`,
      `topk(NaN, ${v})`,
      `bottomk(${this.#pick(["Inf", "-Inf", "1e300"])}, ${v})`,
      `${v}{job="a"}`,
      `abs(${v}, 1)`,
      `nonexistent_function(${v})`,
      `${this.#selectorText(GAUGES)} ${this.#kw("offset")} 1m ${this.#kw("offset")} 2m`,
      `(${this.#selectorText(GAUGES)})[5m]`,
      `sum(${this.#selectorText(GAUGES)}) ${this.#kw("offset")} 1m`,
      `${this.#selectorText(GAUGES)}{a=~"("}`,
      `{job=""}`,
    ]);
  }
}
