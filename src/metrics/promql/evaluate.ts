/**
 * The PromQL evaluator of the embedded metrics store: evaluateInstant / evaluateRange over a
 * SeriesQueryable, with Prometheus' semantics (lookback delta of 5 minutes for instant selectors,
 * left-open range windows (t − range, t], offset and @, subqueries, metric-name dropping,
 * staleness markers ending a series for instant selectors and left out of range selectors).
 *
 * A range query evaluates the tree at every step; each selector's samples are fetched once for the
 * whole query and sliced per step by binary search, and each subquery's inner expression is
 * evaluated once at every multiple of its step across the whole query (as Prometheus does), then
 * sliced per step. Errors Prometheus raises over a whole range (two series of a range function or a
 * unary minus ending up with the same labels at different steps) are raised here too.
 *
 * Instant results keep Prometheus' order: selectors in label order, then whatever order each
 * operation produces (topk and sort by value, aggregations by group arrival, `or` left side first).
 * Range results are sorted by label set. Both have the shape of the MetricsSource port.
 */
import type { InstantResult, Labels, RangeSeries, Sample } from "../source.js";
import { aggregate } from "./aggregate.js";
import type { Expr, FunctionCall, MatrixSelector, Subquery, VectorSelector } from "./ast.js";
import {
  isComparison,
  scalarScalar,
  setOperation,
  type VectorSample,
  vectorScalar,
  vectorVector,
} from "./binary.js";
import { PromQLError, unsupported } from "./errors.js";
import { goMax, goMin } from "./golang.js";
import { type Bucket, bucketQuantile } from "./histogram.js";
import { compareLabels, dropMetricName, labelsKey, withoutLabels } from "./labels.js";
import { parsePromQL } from "./parse.js";
import {
  deriv,
  extrapolatedRate,
  holtWinters,
  instantValue,
  type OverTime,
  overTime,
  predictLinear,
  quantileOverTime,
  type Window,
} from "./rangeFunctions.js";
import type { SelectedSeries, SeriesQueryable } from "./storage.js";
import { absentLabels, dateFunction, labelJoin, labelReplace, MATH, sortByValue } from "./vectorFunctions.js";

export const LOOKBACK_DELTA_MS = 5 * 60_000;
/** Prometheus' default cap on the points of a range query (11,000 per series). */
export const MAX_RANGE_POINTS = 11_000;
/** The step of a subquery without one (`[5m:]`): Prometheus' default evaluation interval. */
export const DEFAULT_SUBQUERY_STEP_MS = 60_000;
/** The most evaluation times one subquery may have in a query (evaluation is synchronous). */
export const MAX_SUBQUERY_STEPS = 100_000;

export interface EvaluateOptions {
  /** Default 5 minutes. */
  readonly lookbackDeltaMs?: number;
  /** The step of subqueries that give none (`x[5m:]`); default 1 minute (Prometheus' global evaluation_interval). */
  readonly defaultSubqueryStepMs?: number;
}

type Value =
  | { readonly type: "scalar"; readonly value: number }
  | { readonly type: "vector"; readonly samples: readonly VectorSample[] }
  | { readonly type: "string"; readonly value: string };

/** A subquery's inner expression, evaluated at every multiple of its step in [from, to]. */
interface SubqueryState {
  readonly stepMs: number;
  readonly from: number;
  readonly to: number;
  series?: { labels: Labels; key: string; timestamps: number[]; values: number[] }[];
}

/** What one query shares across its evaluation times. */
interface Query {
  readonly startMs: number;
  readonly endMs: number;
  readonly lookbackMs: number;
  readonly data: ReadonlyMap<VectorSelector, SelectedSeries[]>;
  readonly subqueries: ReadonlyMap<Subquery, SubqueryState>;
  /** Per range function / unary minus: output label set → the input series it came from. */
  readonly outputs: Map<Expr, Map<string, string>>;
}

interface Context {
  /** Evaluation time (ms). */
  readonly t: number;
  readonly q: Query;
}

/** Evaluate `query` at `timeMs`; a vector or a scalar (a range vector or string result is refused). */
export function evaluateInstant(
  queryable: SeriesQueryable,
  query: string,
  timeMs: number,
  options: EvaluateOptions = {},
): InstantResult {
  const expr = parseTop(query);
  const q = prepare(queryable, expr, timeMs, timeMs, options);
  const value = evaluate(expr, { t: timeMs, q });
  if (value.type === "scalar")
    return { type: "scalar", sample: { labels: {}, value: value.value, timestamp: timeMs } };
  if (value.type === "string") throw unsupported("a string result");
  const samples: Sample[] = value.samples.map((s) => ({
    labels: s.labels,
    value: s.value,
    timestamp: timeMs,
  }));
  return { type: "vector", samples };
}

/** Evaluate `query` at startMs, startMs + step, … ≤ endMs; one series per label set, points ascending. */
export function evaluateRange(
  queryable: SeriesQueryable,
  query: string,
  startMs: number,
  endMs: number,
  stepSeconds: number,
  options: EvaluateOptions = {},
): RangeSeries[] {
  if (!(stepSeconds > 0) || !Number.isFinite(stepSeconds)) {
    throw new PromQLError("execution", `step must be a positive number of seconds, got ${stepSeconds}`);
  }
  if (!(endMs >= startMs)) throw new PromQLError("execution", "end timestamp must not be before start time");
  const stepMs = Math.round(stepSeconds * 1000);
  if (stepMs <= 0) throw new PromQLError("execution", `step must be at least 1 ms, got ${stepSeconds} s`);
  if ((endMs - startMs) / stepMs + 1 > MAX_RANGE_POINTS) {
    throw new PromQLError(
      "execution",
      `exceeded maximum resolution of ${MAX_RANGE_POINTS} points per timeseries. Try decreasing the query resolution (?step=XX)`,
    );
  }
  const expr = parseTop(query);
  const q = prepare(queryable, expr, startMs, endMs, options, stepMs);
  const series = new Map<string, { labels: Labels; points: [number, number][] }>();
  for (let t = startMs; t <= endMs; t += stepMs) {
    const value = evaluate(expr, { t, q });
    if (value.type === "string") throw unsupported("a string result");
    const samples: readonly VectorSample[] =
      value.type === "scalar" ? [{ labels: {}, value: value.value }] : value.samples;
    for (const s of samples) {
      const key = labelsKey(s.labels);
      let entry = series.get(key);
      if (!entry) {
        entry = { labels: s.labels, points: [] };
        series.set(key, entry);
      }
      entry.points.push([t, s.value]);
    }
  }
  return [...series.values()].sort((a, b) => compareLabels(a.labels, b.labels));
}

function parseTop(query: string): Expr {
  const expr = parsePromQL(query);
  if (expr.type === "matrix") {
    throw unsupported("a range vector result", "wrap the range selector in a function such as rate()");
  }
  return expr;
}

/**
 * Fetch every selector's samples once, covering all the evaluation times, and lay out the
 * subqueries' inner evaluation times (as Prometheus does, from the first multiple of the step in
 * the earliest window to the latest window's end).
 */
function prepare(
  queryable: SeriesQueryable,
  expr: Expr,
  startMs: number,
  endMs: number,
  options: EvaluateOptions,
  stepMs = 1,
): Query {
  const lookbackMs = options.lookbackDeltaMs ?? LOOKBACK_DELTA_MS;
  const defaultStep = options.defaultSubqueryStepMs ?? DEFAULT_SUBQUERY_STEP_MS;
  const data = new Map<VectorSelector, SelectedSeries[]>();
  const subqueries = new Map<Subquery, SubqueryState>();
  const resolve = (at: VectorSelector["at"]) =>
    at === "start" ? startMs : at === "end" ? endMs : (at as number);
  const fetch = (sel: VectorSelector, windowMs: number, min: number, max: number) => {
    if (data.has(sel)) return;
    const [lo, hi] = sel.at !== undefined ? [resolve(sel.at), resolve(sel.at)] : [min, max];
    const selected = queryable.select(sel.matchers, lo - sel.offsetMs - windowMs, hi - sel.offsetMs);
    data.set(
      sel,
      [...selected].sort((a, b) => compareLabels(a.labels, b.labels)),
    );
  };
  const walk = (e: Expr, min: number, max: number): void => {
    switch (e.kind) {
      case "vectorSelector":
        fetch(e, lookbackMs, min, max);
        return;
      case "matrixSelector":
        fetch(e.selector, e.rangeMs, min, max);
        return;
      case "subquery": {
        const step = e.stepMs ?? defaultStep;
        const [lo, hi] = e.at !== undefined ? [resolve(e.at), resolve(e.at)] : [min, max];
        const first = lo - e.offsetMs - e.rangeMs;
        let from = Math.floor(first / step) * step;
        if (from < first) from += step;
        const to = hi - e.offsetMs;
        if ((to - from) / step + 1 > MAX_SUBQUERY_STEPS) {
          throw new PromQLError(
            "execution",
            `a subquery would be evaluated at more than ${MAX_SUBQUERY_STEPS} times; use a larger subquery step`,
          );
        }
        subqueries.set(e, { stepMs: step, from, to });
        walk(e.expr, from, Math.max(from, to));
        return;
      }
      case "call":
        for (const a of e.args) walk(a, min, max);
        return;
      case "aggregate":
        walk(e.expr, min, max);
        if (e.param) walk(e.param, min, max);
        return;
      case "binary":
        walk(e.lhs, min, max);
        walk(e.rhs, min, max);
        return;
      case "unary":
        walk(e.expr, min, max);
        return;
      case "number":
      case "string":
        return;
    }
  };
  walk(expr, startMs, Math.max(startMs, endMs - ((endMs - startMs) % stepMs)));
  return { startMs, endMs, lookbackMs, data, subqueries, outputs: new Map() };
}

function resolveAt(at: VectorSelector["at"], q: Query): number | undefined {
  return at === undefined ? undefined : at === "start" ? q.startMs : at === "end" ? q.endMs : at;
}

/** First index whose timestamp is > t. */
function upperBound(ts: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ts[mid] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function evaluate(e: Expr, ctx: Context): Value {
  switch (e.kind) {
    case "number":
      return { type: "scalar", value: e.value };
    case "string":
      return { type: "string", value: e.value };
    case "vectorSelector":
      return { type: "vector", samples: instantSelect(e, ctx) };
    case "matrixSelector":
    case "subquery":
      throw unsupported("a range vector outside a function call");
    case "call":
      return call(e, ctx);
    case "aggregate": {
      const param = e.param ? evaluate(e.param, ctx) : undefined;
      const p = param === undefined ? undefined : param.type === "string" ? param.value : scalarOf(param);
      return { type: "vector", samples: aggregate(e, vectorOf(evaluate(e.expr, ctx)), p) };
    }
    case "unary": {
      const v = evaluate(e.expr, ctx);
      if (e.op === "+") return v;
      if (v.type === "scalar") return { type: "scalar", value: -v.value };
      const out = vectorOf(v).map((s) => {
        const labels = dropMetricName(s.labels);
        claim(e, ctx, labels, s.labels);
        return { labels, value: -s.value };
      });
      return { type: "vector", samples: out };
    }
    case "binary": {
      const l = evaluate(e.lhs, ctx);
      const r = evaluate(e.rhs, ctx);
      if (l.type === "scalar" && r.type === "scalar") {
        return { type: "scalar", value: scalarScalar(e.op, l.value, r.value, e.returnBool) };
      }
      if (l.type === "vector" && r.type === "vector") {
        if (!e.matching) throw new PromQLError("execution", "vector–vector operation without matching");
        const samples =
          e.op === "and" || e.op === "or" || e.op === "unless"
            ? setOperation(e.op, l.samples, r.samples, e.matching)
            : vectorVector(e.op, l.samples, r.samples, e.matching, e.returnBool);
        return { type: "vector", samples: unique(samples) };
      }
      const swap = l.type === "scalar";
      const samples = vectorScalar(e.op, vectorOf(swap ? r : l), scalarOf(swap ? l : r), swap, e.returnBool);
      return {
        type: "vector",
        samples: isComparison(e.op) && !e.returnBool ? samples : unique(samples),
      };
    }
  }
}

function vectorOf(v: Value): readonly VectorSample[] {
  if (v.type !== "vector") throw new PromQLError("execution", `expected an instant vector, got a ${v.type}`);
  return v.samples;
}

function scalarOf(v: Value): number {
  if (v.type !== "scalar") throw new PromQLError("execution", `expected a scalar, got a ${v.type}`);
  return v.value;
}

function stringOf(e: Expr): string {
  if (e.kind !== "string") throw new PromQLError("execution", "expected a string literal");
  return e.value;
}

const DUPLICATE_LABELSET = "vector cannot contain metrics with the same labelset";

/** Prometheus refuses a vector holding the same label set twice (after a metric name was dropped). */
function unique<T extends VectorSample>(samples: T[]): T[] {
  if (samples.length < 2) return samples;
  const seen = new Set<string>();
  for (const s of samples) {
    const key = labelsKey(s.labels);
    if (seen.has(key)) throw new PromQLError("execution", DUPLICATE_LABELSET);
    seen.add(key);
  }
  return samples;
}

/**
 * Range functions and unary minus build one output series per input series over the whole
 * evaluation range in Prometheus, which fails when two input series get the same labels, even at
 * different steps. `claim` records which input series produced each output label set.
 */
function claim(node: Expr, ctx: Context, out: Labels, input: Labels | string): void {
  let owners = ctx.q.outputs.get(node);
  if (owners === undefined) {
    owners = new Map();
    ctx.q.outputs.set(node, owners);
  }
  const outKey = labelsKey(out);
  const inKey = typeof input === "string" ? input : labelsKey(input);
  const owner = owners.get(outKey);
  if (owner !== undefined && owner !== inKey) throw new PromQLError("execution", DUPLICATE_LABELSET);
  owners.set(outKey, inKey);
}

interface Selected extends VectorSample {
  /** The sample's own timestamp (timestamp()). */
  readonly t: number;
}

function instantSelect(sel: VectorSelector, ctx: Context): Selected[] {
  const ref = (resolveAt(sel.at, ctx.q) ?? ctx.t) - sel.offsetMs;
  const out: Selected[] = [];
  for (const s of ctx.q.data.get(sel) ?? []) {
    const i = upperBound(s.timestamps, ref) - 1;
    if (i < 0) continue;
    const sampleT = s.timestamps[i] as number;
    if (sampleT <= ref - ctx.q.lookbackMs) continue;
    // The newest entry at or before ref is a staleness marker: the series has ended.
    const stale = s.staleMarkers;
    if (stale !== undefined && stale.length > 0) {
      const j = upperBound(stale, ref) - 1;
      if (j >= 0 && (stale[j] as number) > sampleT) continue;
    }
    out.push({ labels: s.labels, value: s.values[i] as number, t: sampleT });
  }
  return out;
}

interface RangeWindow extends Window {
  readonly labels: Labels;
  /** Identity of the input series. */
  readonly key: string;
  readonly startMs: number;
  readonly endMs: number;
}

/** The windows (t − range, t] of a range selector or subquery at this evaluation time, non-empty only. */
function windows(arg: Expr, ctx: Context): RangeWindow[] {
  if (arg.kind === "matrixSelector") return selectorWindows(arg, ctx);
  if (arg.kind === "subquery") return subqueryWindows(arg, ctx);
  throw new PromQLError("execution", `expected a range vector, got ${arg.kind}`);
}

/** Range selectors leave staleness markers out (`SelectedSeries` never holds them as samples). */
function selectorWindows(m: MatrixSelector, ctx: Context): RangeWindow[] {
  const endMs = (resolveAt(m.selector.at, ctx.q) ?? ctx.t) - m.selector.offsetMs;
  const startMs = endMs - m.rangeMs;
  const out: RangeWindow[] = [];
  for (const s of ctx.q.data.get(m.selector) ?? []) {
    const from = upperBound(s.timestamps, startMs);
    const to = upperBound(s.timestamps, endMs);
    if (to > from) {
      out.push({
        labels: s.labels,
        key: labelsKey(s.labels),
        timestamps: s.timestamps,
        values: s.values,
        from,
        to,
        startMs,
        endMs,
      });
    }
  }
  return out;
}

function subqueryWindows(sq: Subquery, ctx: Context): RangeWindow[] {
  const state = ctx.q.subqueries.get(sq);
  if (state === undefined) throw new PromQLError("execution", "subquery was not prepared");
  if (state.series === undefined) {
    const byKey = new Map<string, NonNullable<SubqueryState["series"]>[number]>();
    for (let t = state.from; t <= state.to; t += state.stepMs) {
      for (const s of vectorOf(evaluate(sq.expr, { t, q: ctx.q }))) {
        const key = labelsKey(s.labels);
        let series = byKey.get(key);
        if (series === undefined) {
          series = { labels: s.labels, key, timestamps: [], values: [] };
          byKey.set(key, series);
        }
        series.timestamps.push(t);
        series.values.push(s.value);
      }
    }
    state.series = [...byKey.values()];
  }
  const endMs = (resolveAt(sq.at, ctx.q) ?? ctx.t) - sq.offsetMs;
  const startMs = endMs - sq.rangeMs;
  const out: RangeWindow[] = [];
  for (const s of state.series) {
    const from = upperBound(s.timestamps, startMs);
    const to = upperBound(s.timestamps, endMs);
    if (to > from) {
      out.push({
        labels: s.labels,
        key: s.key,
        timestamps: s.timestamps,
        values: s.values,
        from,
        to,
        startMs,
        endMs,
      });
    }
  }
  return out;
}

const OVER_TIME: Readonly<Partial<Record<string, OverTime>>> = {
  avg_over_time: "avg",
  min_over_time: "min",
  max_over_time: "max",
  sum_over_time: "sum",
  count_over_time: "count",
  last_over_time: "last",
  stddev_over_time: "stddev",
  stdvar_over_time: "stdvar",
  present_over_time: "present",
  changes: "changes",
  resets: "resets",
};

const RANGE_FUNCTIONS: ReadonlySet<string> = new Set([
  ...Object.keys(OVER_TIME),
  "rate",
  "increase",
  "delta",
  "irate",
  "idelta",
  "deriv",
  "predict_linear",
  "holt_winters",
  "quantile_over_time",
  "absent_over_time",
]);

function call(e: FunctionCall, ctx: Context): Value {
  if (RANGE_FUNCTIONS.has(e.func)) return rangeCall(e, ctx);
  const arg = (i: number) => e.args[i] as Expr;
  const scalarArg = (i: number) => scalarOf(evaluate(arg(i), ctx));
  const vectorArg = (i: number) => vectorOf(evaluate(arg(i), ctx));
  const mapVector = (fn: (x: number) => number): Value => ({
    type: "vector",
    samples: unique(vectorArg(0).map((s) => ({ labels: dropMetricName(s.labels), value: fn(s.value) }))),
  });
  switch (e.func) {
    case "histogram_quantile":
      return { type: "vector", samples: histogramQuantile(scalarArg(0), vectorArg(1)) };
    case "scalar": {
      const v = vectorArg(0);
      return { type: "scalar", value: v.length === 1 ? (v[0] as VectorSample).value : Number.NaN };
    }
    case "vector":
      return { type: "vector", samples: [{ labels: {}, value: scalarArg(0) }] };
    case "time":
      return { type: "scalar", value: ctx.t / 1000 };
    case "pi":
      return { type: "scalar", value: Math.PI };
    case "timestamp": {
      const a = arg(0);
      if (a.kind === "vectorSelector") {
        return {
          type: "vector",
          samples: unique(
            instantSelect(a, ctx).map((s) => ({ labels: dropMetricName(s.labels), value: s.t / 1000 })),
          ),
        };
      }
      return mapVector(() => ctx.t / 1000);
    }
    case "clamp": {
      const v = vectorArg(0);
      const min = scalarArg(1);
      const max = scalarArg(2);
      if (max < min) return { type: "vector", samples: [] };
      return {
        type: "vector",
        samples: unique(
          v.map((s) => ({ labels: dropMetricName(s.labels), value: goMax(min, goMin(max, s.value)) })),
        ),
      };
    }
    case "clamp_min": {
      const v = vectorArg(0);
      const min = scalarArg(1);
      return {
        type: "vector",
        samples: unique(v.map((s) => ({ labels: dropMetricName(s.labels), value: goMax(min, s.value) }))),
      };
    }
    case "clamp_max": {
      const v = vectorArg(0);
      const max = scalarArg(1);
      return {
        type: "vector",
        samples: unique(v.map((s) => ({ labels: dropMetricName(s.labels), value: goMin(max, s.value) }))),
      };
    }
    case "round": {
      const v = vectorArg(0);
      const toNearest = e.args.length > 1 ? scalarArg(1) : 1;
      const inverse = 1 / toNearest;
      return {
        type: "vector",
        samples: unique(
          v.map((s) => ({
            labels: dropMetricName(s.labels),
            value: Math.floor(s.value * inverse + 0.5) / inverse,
          })),
        ),
      };
    }
    case "absent":
      return {
        type: "vector",
        samples: vectorArg(0).length > 0 ? [] : [{ labels: absentLabels(arg(0)), value: 1 }],
      };
    case "sort":
    case "sort_desc":
      return { type: "vector", samples: sortByValue(vectorArg(0), e.func === "sort_desc") };
    case "label_replace":
      return {
        type: "vector",
        samples: unique(
          labelReplace(vectorArg(0), stringOf(arg(1)), stringOf(arg(2)), stringOf(arg(3)), stringOf(arg(4))),
        ),
      };
    case "label_join":
      return {
        type: "vector",
        samples: unique(
          labelJoin(vectorArg(0), stringOf(arg(1)), stringOf(arg(2)), e.args.slice(3).map(stringOf)),
        ),
      };
    case "days_in_month":
    case "day_of_month":
    case "day_of_week":
    case "day_of_year":
    case "hour":
    case "minute":
    case "month":
    case "year": {
      if (e.args.length === 0) {
        return {
          type: "vector",
          samples: [{ labels: {}, value: dateFunction(e.func, Math.trunc(ctx.t / 1000)) }],
        };
      }
      return mapVector((v) => dateFunction(e.func, v));
    }
    default: {
      const fn = MATH[e.func];
      if (!fn) throw unsupported(`function ${e.func}`);
      return mapVector(fn);
    }
  }
}

/** Functions over a range vector: one output per input series with samples in its window. */
function rangeCall(e: FunctionCall, ctx: Context): Value {
  const matrixIndex = e.args.findIndex((a) => a.type === "matrix");
  const matrix = e.args[matrixIndex] as Expr;
  const scalars = e.args.map((a, i) => (i === matrixIndex ? Number.NaN : scalarOf(evaluate(a, ctx))));
  const ws = windows(matrix, ctx);
  if (e.func === "absent_over_time") {
    return { type: "vector", samples: ws.length > 0 ? [] : [{ labels: absentLabels(matrix), value: 1 }] };
  }
  const out: VectorSample[] = [];
  for (const w of ws) {
    const value = rangeValue(e.func, w, scalars, ctx);
    if (value === undefined) continue;
    const labels = e.func === "last_over_time" ? w.labels : dropMetricName(w.labels);
    claim(e, ctx, labels, w.key);
    out.push({ labels, value });
  }
  return { type: "vector", samples: out };
}

function rangeValue(
  func: string,
  w: RangeWindow,
  scalars: readonly number[],
  ctx: Context,
): number | undefined {
  switch (func) {
    case "rate":
    case "increase":
    case "delta":
      return extrapolatedRate(w, w.startMs, w.endMs, func !== "delta", func === "rate");
    case "irate":
      return instantValue(w, true);
    case "idelta":
      return instantValue(w, false);
    case "deriv":
      return deriv(w);
    case "predict_linear":
      return predictLinear(w, scalars[1] as number, ctx.t);
    case "holt_winters":
      return holtWinters(w, scalars[1] as number, scalars[2] as number);
    case "quantile_over_time":
      return quantileOverTime(scalars[0] as number, w);
    default: {
      const fn = OVER_TIME[func];
      if (fn === undefined) throw unsupported(`function ${func}`);
      return overTime(fn, w);
    }
  }
}

/**
 * histogram_quantile over classic buckets: one histogram per label set without `le` (the metric
 * name included, so two histograms with the same labels stay apart and then collide, as in
 * Prometheus); series without a valid `le` are ignored.
 */
function histogramQuantile(q: number, samples: readonly VectorSample[]): VectorSample[] {
  const groups = new Map<string, { labels: Labels; buckets: Bucket[] }>();
  for (const s of samples) {
    const upperBound = parseLe(s.labels.le);
    if (upperBound === undefined) continue;
    const key = labelsKey(withoutLabels(s.labels, ["le"]));
    let group = groups.get(key);
    if (!group) {
      group = { labels: withoutLabels(s.labels, ["le", "__name__"]), buckets: [] };
      groups.set(key, group);
    }
    group.buckets.push({ upperBound, count: s.value });
  }
  return unique([...groups.values()].map((g) => ({ labels: g.labels, value: bucketQuantile(q, g.buckets) })));
}

/** Go's strconv.ParseFloat for `le` values: decimal, exponent, ±Inf, NaN. */
function parseLe(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const lower = text.toLowerCase();
  const unsigned = lower.replace(/^[+-]/, "");
  if (unsigned === "inf" || unsigned === "infinity") {
    return lower.startsWith("-") ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (unsigned === "nan") return Number.NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(lower)) return undefined;
  return Number(text);
}
