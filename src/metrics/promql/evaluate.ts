/**
 * The PromQL evaluator of the embedded metrics store: evaluateInstant / evaluateRange over a
 * SeriesQueryable, with Prometheus' semantics (lookback delta of 5 minutes for instant selectors,
 * left-open range windows (t − range, t], offset and @, metric-name dropping, staleness markers
 * ending a series for instant selectors and left out of range selectors). A range query
 * evaluates the tree at every step; each selector's samples are fetched once for the whole query
 * and sliced per step by binary search. Results are shaped like the MetricsSource port's.
 */
import type { InstantResult, Labels, RangeSeries, Sample } from "../source.js";
import { aggregate } from "./aggregate.js";
import type { Expr, FunctionCall, MatrixSelector, VectorSelector } from "./ast.js";
import { isComparison, scalarScalar, type VectorSample, vectorScalar, vectorVector } from "./binary.js";
import { PromQLError } from "./errors.js";
import { type Bucket, bucketQuantile } from "./histogram.js";
import { compareLabels, dropMetricName, labelsKey, withoutLabels } from "./labels.js";
import { parsePromQL } from "./parse.js";
import {
  extrapolatedRate,
  instantRate,
  type OverTime,
  overTime,
  quantileOverTime,
  type Window,
} from "./rangeFunctions.js";
import type { SelectedSeries, SeriesQueryable } from "./storage.js";

export const LOOKBACK_DELTA_MS = 5 * 60_000;
/** Prometheus' default cap on the points of a range query (11,000 per series). */
export const MAX_RANGE_POINTS = 11_000;

export interface EvaluateOptions {
  /** Default 5 minutes. */
  readonly lookbackDeltaMs?: number;
}

type Value =
  | { readonly type: "scalar"; readonly value: number }
  | { readonly type: "vector"; readonly samples: readonly VectorSample[] }
  | { readonly type: "string"; readonly value: string };

interface Context {
  /** Evaluation time (ms). */
  readonly t: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly lookbackMs: number;
  readonly data: ReadonlyMap<VectorSelector, SelectedSeries[]>;
}

/** Evaluate `query` at `timeMs`; a vector or a scalar (a range vector or string result is refused). */
export function evaluateInstant(
  queryable: SeriesQueryable,
  query: string,
  timeMs: number,
  options: EvaluateOptions = {},
): InstantResult {
  const expr = parseTop(query);
  const ctx = prepare(queryable, expr, timeMs, timeMs, [timeMs], options);
  const value = evaluate(expr, ctx);
  if (value.type === "scalar")
    return { type: "scalar", sample: { labels: {}, value: value.value, timestamp: timeMs } };
  if (value.type === "string") throw new PromQLError("unsupported", "unsupported PromQL: string result");
  const samples: Sample[] = [...value.samples]
    .sort((a, b) => compareLabels(a.labels, b.labels))
    .map((s) => ({ labels: s.labels, value: s.value, timestamp: timeMs }));
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
  const steps: number[] = [];
  for (let t = startMs; t <= endMs; t += stepMs) steps.push(t);
  const base = prepare(queryable, expr, startMs, endMs, steps, options);
  const series = new Map<string, { labels: Labels; points: [number, number][] }>();
  for (const t of steps) {
    const value = evaluate(expr, { ...base, t });
    const samples: readonly VectorSample[] =
      value.type === "scalar"
        ? [{ labels: {}, value: value.value }]
        : value.type === "vector"
          ? value.samples
          : [];
    if (value.type === "string") throw new PromQLError("unsupported", "unsupported PromQL: string result");
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
    throw new PromQLError(
      "unsupported",
      "unsupported PromQL: range vector result (wrap the range selector in a function such as rate())",
    );
  }
  return expr;
}

/** Fetch every selector's samples once, covering all the evaluation times. */
function prepare(
  queryable: SeriesQueryable,
  expr: Expr,
  startMs: number,
  endMs: number,
  steps: readonly number[],
  options: EvaluateOptions,
): Context {
  const lookbackMs = options.lookbackDeltaMs ?? LOOKBACK_DELTA_MS;
  const data = new Map<VectorSelector, SelectedSeries[]>();
  const fetch = (sel: VectorSelector, windowMs: number) => {
    if (data.has(sel)) return;
    const refs = sel.at !== undefined ? [resolveAt(sel, startMs, endMs)] : steps;
    const first = Math.min(...refs.slice(0, 1), ...refs.slice(-1)) - sel.offsetMs;
    const last = Math.max(...refs.slice(0, 1), ...refs.slice(-1)) - sel.offsetMs;
    data.set(sel, queryable.select(sel.matchers, first - windowMs, last));
  };
  const walk = (e: Expr): void => {
    switch (e.kind) {
      case "vectorSelector":
        fetch(e, lookbackMs);
        return;
      case "matrixSelector":
        fetch(e.selector, e.rangeMs);
        return;
      case "call":
        e.args.forEach(walk);
        return;
      case "aggregate":
        walk(e.expr);
        if (e.param) walk(e.param);
        return;
      case "binary":
        walk(e.lhs);
        walk(e.rhs);
        return;
      case "unary":
        walk(e.expr);
        return;
      case "number":
      case "string":
        return;
    }
  };
  walk(expr);
  return { t: startMs, startMs, endMs, lookbackMs, data };
}

function resolveAt(sel: VectorSelector, startMs: number, endMs: number): number {
  return sel.at === "start" ? startMs : sel.at === "end" ? endMs : (sel.at as number);
}

/** The reference time of a selector at evaluation time t: its @ time (or t) minus its offset. */
function refTime(sel: VectorSelector, ctx: Context): number {
  return (sel.at !== undefined ? resolveAt(sel, ctx.startMs, ctx.endMs) : ctx.t) - sel.offsetMs;
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
      throw new PromQLError("unsupported", "unsupported PromQL: range vector outside a function call");
    case "call":
      return call(e, ctx);
    case "aggregate": {
      const param = e.param ? scalarOf(evaluate(e.param, ctx)) : undefined;
      return { type: "vector", samples: aggregate(e, vectorOf(evaluate(e.expr, ctx)), param) };
    }
    case "unary": {
      const v = evaluate(e.expr, ctx);
      if (e.op === "+") return v;
      if (v.type === "scalar") return { type: "scalar", value: -v.value };
      return {
        type: "vector",
        samples: unique(
          vectorOf(v).map((s) => ({ labels: dropMetricName(s.labels), value: -s.value })),
          "unary minus",
        ),
      };
    }
    case "binary": {
      const l = evaluate(e.lhs, ctx);
      const r = evaluate(e.rhs, ctx);
      if (l.type === "scalar" && r.type === "scalar") {
        return { type: "scalar", value: scalarScalar(e.op, l.value, r.value, e.returnBool) };
      }
      if (l.type === "vector" && r.type === "vector") {
        if (!e.matching) throw new PromQLError("execution", "vector–vector operation without matching");
        return {
          type: "vector",
          samples: vectorVector(e.op, l.samples, r.samples, e.matching, e.returnBool),
        };
      }
      const swap = l.type === "scalar";
      const samples = vectorScalar(e.op, vectorOf(swap ? r : l), scalarOf(swap ? l : r), swap, e.returnBool);
      return {
        type: "vector",
        samples: isComparison(e.op) && !e.returnBool ? samples : unique(samples, `operator "${e.op}"`),
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

/** Prometheus refuses a vector holding the same label set twice (after a metric name was dropped). */
function unique(samples: VectorSample[], what: string): VectorSample[] {
  if (samples.length < 2) return samples;
  const seen = new Set<string>();
  for (const s of samples) {
    const key = labelsKey(s.labels);
    if (seen.has(key)) {
      throw new PromQLError(
        "execution",
        `vector cannot contain metrics with the same labelset (after ${what})`,
      );
    }
    seen.add(key);
  }
  return samples;
}

function instantSelect(sel: VectorSelector, ctx: Context): VectorSample[] {
  const ref = refTime(sel, ctx);
  const out: VectorSample[] = [];
  for (const s of ctx.data.get(sel) ?? []) {
    const i = upperBound(s.timestamps, ref) - 1;
    if (i < 0) continue;
    const sampleT = s.timestamps[i] as number;
    if (sampleT <= ref - ctx.lookbackMs) continue;
    // The newest entry at or before ref is a staleness marker: the series has ended.
    const stale = s.staleMarkers;
    if (stale !== undefined && stale.length > 0) {
      const j = upperBound(stale, ref) - 1;
      if (j >= 0 && (stale[j] as number) > sampleT) continue;
    }
    out.push({ labels: s.labels, value: s.values[i] as number });
  }
  return out;
}

interface RangeWindow extends Window {
  readonly labels: Labels;
  readonly startMs: number;
  readonly endMs: number;
}

/** A range selector's windows; staleness markers are not samples (`SelectedSeries`), so never in here. */
function rangeSelect(m: MatrixSelector, ctx: Context): RangeWindow[] {
  const endMs = refTime(m.selector, ctx);
  const startMs = endMs - m.rangeMs;
  const out: RangeWindow[] = [];
  for (const s of ctx.data.get(m.selector) ?? []) {
    const from = upperBound(s.timestamps, startMs);
    const to = upperBound(s.timestamps, endMs);
    if (to > from)
      out.push({ labels: s.labels, timestamps: s.timestamps, values: s.values, from, to, startMs, endMs });
  }
  return out;
}

const OVER_TIME: Readonly<Record<string, OverTime>> = {
  avg_over_time: "avg",
  min_over_time: "min",
  max_over_time: "max",
  sum_over_time: "sum",
  count_over_time: "count",
  last_over_time: "last",
};

const MATH: Readonly<Record<string, (x: number) => number>> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  sqrt: Math.sqrt,
  exp: Math.exp,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
};

function call(e: FunctionCall, ctx: Context): Value {
  const arg = (i: number) => e.args[i] as Expr;
  const overRange = (i: number, fn: (w: RangeWindow) => number | undefined, keepName = false): Value => {
    const m = arg(i);
    if (m.kind !== "matrixSelector") {
      throw new PromQLError(
        "unsupported",
        `unsupported PromQL: argument of "${e.func}" must be a range selector`,
      );
    }
    const out: VectorSample[] = [];
    for (const w of rangeSelect(m, ctx)) {
      const value = fn(w);
      if (value !== undefined) out.push({ labels: keepName ? w.labels : dropMetricName(w.labels), value });
    }
    return { type: "vector", samples: unique(out, `function "${e.func}"`) };
  };
  const mapVector = (fn: (x: number) => number): Value => ({
    type: "vector",
    samples: unique(
      vectorOf(evaluate(arg(0), ctx)).map((s) => ({ labels: dropMetricName(s.labels), value: fn(s.value) })),
      `function "${e.func}"`,
    ),
  });
  switch (e.func) {
    case "rate":
    case "increase":
    case "delta":
      return overRange(0, (w) =>
        extrapolatedRate(w, w.startMs, w.endMs, e.func !== "delta", e.func === "rate"),
      );
    case "irate":
      return overRange(0, instantRate);
    case "avg_over_time":
    case "min_over_time":
    case "max_over_time":
    case "sum_over_time":
    case "count_over_time":
    case "last_over_time":
      return overRange(0, (w) => overTime(OVER_TIME[e.func] as OverTime, w), e.func === "last_over_time");
    case "quantile_over_time": {
      const q = scalarOf(evaluate(arg(0), ctx));
      return overRange(1, (w) => quantileOverTime(q, w));
    }
    case "histogram_quantile":
      return {
        type: "vector",
        samples: histogramQuantile(scalarOf(evaluate(arg(0), ctx)), vectorOf(evaluate(arg(1), ctx))),
      };
    case "scalar": {
      const v = vectorOf(evaluate(arg(0), ctx));
      return { type: "scalar", value: v.length === 1 ? (v[0] as VectorSample).value : Number.NaN };
    }
    case "vector":
      return { type: "vector", samples: [{ labels: {}, value: scalarOf(evaluate(arg(0), ctx)) }] };
    case "time":
      return { type: "scalar", value: ctx.t / 1000 };
    case "clamp": {
      const min = scalarOf(evaluate(arg(1), ctx));
      const max = scalarOf(evaluate(arg(2), ctx));
      if (max < min) return { type: "vector", samples: [] };
      return mapVector((x) => Math.max(min, Math.min(max, x)));
    }
    case "clamp_min": {
      const min = scalarOf(evaluate(arg(1), ctx));
      return mapVector((x) => (Number.isNaN(x) || Number.isNaN(min) ? Number.NaN : Math.max(min, x)));
    }
    case "clamp_max": {
      const max = scalarOf(evaluate(arg(1), ctx));
      return mapVector((x) => (Number.isNaN(x) || Number.isNaN(max) ? Number.NaN : Math.min(max, x)));
    }
    default: {
      const fn = MATH[e.func];
      if (!fn) throw new PromQLError("unsupported", `unsupported PromQL: function "${e.func}"`);
      return mapVector(fn);
    }
  }
}

/** Group classic buckets by their labels without `le` and the metric name; series without a valid `le` are ignored. */
function histogramQuantile(q: number, samples: readonly VectorSample[]): VectorSample[] {
  const groups = new Map<string, { labels: Labels; buckets: Bucket[] }>();
  for (const s of samples) {
    const le = s.labels.le;
    if (le === undefined) continue;
    const upperBound = parseLe(le);
    if (upperBound === undefined) continue;
    const labels = withoutLabels(s.labels, ["le", "__name__"]);
    const key = labelsKey(labels);
    let group = groups.get(key);
    if (!group) {
      group = { labels, buckets: [] };
      groups.set(key, group);
    }
    group.buckets.push({ upperBound, count: s.value });
  }
  return [...groups.values()].map((g) => ({ labels: g.labels, value: bucketQuantile(q, g.buckets) }));
}

/** Go's strconv.ParseFloat for `le` values: decimal, exponent, ±Inf. */
function parseLe(text: string): number | undefined {
  const lower = text.trim().toLowerCase();
  if (lower === "+inf" || lower === "inf" || lower === "infinity" || lower === "+infinity") {
    return Number.POSITIVE_INFINITY;
  }
  if (lower === "-inf" || lower === "-infinity") return Number.NEGATIVE_INFINITY;
  if (lower === "nan") return Number.NaN;
  if (text.trim() === "" || text !== text.trim()) return undefined;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}
