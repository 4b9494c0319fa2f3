/**
 * Comparing an embedded-store answer with Prometheus' for the differential test: the same label
 * sets, values equal within a tolerance that allows for Prometheus adding in Go's (random) map
 * order, NaN equal to NaN, and an error on one side only an error on both. Instant results of a
 * top-level sort/sort_desc/topk/bottomk must also come in the same order, up to the order of
 * elements with equal values.
 */
import { PromQLError } from "../../../../src/metrics/promql/errors.js";
import { evaluateInstant, evaluateRange } from "../../../../src/metrics/promql/evaluate.js";
import type { SeriesQueryable } from "../../../../src/metrics/promql/storage.js";
import type { Labels } from "../../../../src/metrics/source.js";

/** Relative tolerance: float sums in another order differ in the last bits, not more. */
const RELATIVE = 1e-9;
/** Absolute tolerance, for results that cancel to (nearly) zero. */
const ABSOLUTE = 1e-9;

export type PromAnswer =
  | { readonly status: "success"; readonly data: { readonly resultType: string; readonly result: unknown } }
  | { readonly status: "error"; readonly errorType: string; readonly error: string };

type PromVector = { metric: Labels; value: [number, string] }[];
type PromMatrix = { metric: Labels; values: [number, string][] }[];

export function close(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  const diff = Math.abs(a - b);
  return diff <= ABSOLUTE || diff <= RELATIVE * Math.max(Math.abs(a), Math.abs(b));
}

export function parseValue(text: string): number {
  return text === "+Inf"
    ? Number.POSITIVE_INFINITY
    : text === "-Inf"
      ? Number.NEGATIVE_INFINITY
      : Number(text);
}

export function labelsKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** An error from our side, or undefined; anything but a PromQLError is rethrown (a crash is a bug). */
function attempt<T>(run: () => T): { value: T } | { error: PromQLError } {
  try {
    return { value: run() };
  } catch (err) {
    if (err instanceof PromQLError) return { error: err };
    throw err;
  }
}

/** Differences between our instant answer and Prometheus'; empty when they agree. */
export function compareInstant(
  queryable: SeriesQueryable,
  query: string,
  timeMs: number,
  theirs: PromAnswer,
  ordered: boolean,
): string[] {
  const ours = attempt(() => evaluateInstant(queryable, query, timeMs));
  const errors = compareErrors(ours, theirs);
  if (errors !== undefined) return errors;
  if (!("value" in ours) || theirs.status !== "success") return [];
  const result = ours.value;
  const data = theirs.data;
  if (result.type === "scalar") {
    if (data.resultType !== "scalar") return [`ours is a scalar, Prometheus' a ${data.resultType}`];
    const v = parseValue((data.result as [number, string])[1]);
    return close(result.sample.value, v) ? [] : [`scalar: ours ${result.sample.value}, Prometheus ${v}`];
  }
  if (data.resultType !== "vector") return [`ours is a vector, Prometheus' a ${data.resultType}`];
  const want = (data.result as PromVector).map((s) => ({
    key: labelsKey(s.metric),
    value: parseValue(s.value[1]),
  }));
  const got = result.samples.map((s) => ({ key: labelsKey(s.labels), value: s.value }));
  const out = compareSets(
    new Map(want.map((s) => [s.key, s.value])),
    new Map(got.map((s) => [s.key, s.value])),
    "",
  );
  if (out.length === 0 && ordered) {
    const problem = orderProblem(got, want);
    if (problem) out.push(problem);
  }
  return out;
}

/** Differences between our range answer and Prometheus'; empty when they agree. */
export function compareRange(
  queryable: SeriesQueryable,
  query: string,
  startMs: number,
  endMs: number,
  stepSeconds: number,
  theirs: PromAnswer,
): string[] {
  const ours = attempt(() => evaluateRange(queryable, query, startMs, endMs, stepSeconds));
  const errors = compareErrors(ours, theirs);
  if (errors !== undefined) return errors;
  if (!("value" in ours) || theirs.status !== "success") return [];
  const out: string[] = [];
  const want = new Map<string, Map<number, number>>();
  for (const s of theirs.data.result as PromMatrix) {
    want.set(labelsKey(s.metric), new Map(s.values.map(([t, v]) => [Math.round(t * 1000), parseValue(v)])));
  }
  const got = new Map<string, Map<number, number>>();
  for (const s of ours.value) got.set(labelsKey(s.labels), new Map(s.points.map(([t, v]) => [t, v])));
  for (const key of new Set([...want.keys(), ...got.keys()])) {
    const w = want.get(key);
    const g = got.get(key);
    if (w === undefined || g === undefined) {
      out.push(`series ${key}: ${g === undefined ? "missing in ours" : "not in Prometheus'"}`);
      continue;
    }
    out.push(...compareSets(w, g, `${key} @`));
  }
  return out;
}

function compareErrors(
  ours: { value: unknown } | { error: PromQLError },
  theirs: PromAnswer,
): string[] | undefined {
  const oursFailed = "error" in ours;
  const theirsFailed = theirs.status === "error";
  if (oursFailed && theirsFailed) return [];
  if (oursFailed) return [`ours failed (${ours.error.kind}: ${ours.error.message}), Prometheus answered`];
  if (theirsFailed) return [`Prometheus failed (${theirs.errorType}: ${theirs.error}), ours answered`];
  return undefined;
}

function compareSets<K>(want: Map<K, number>, got: Map<K, number>, prefix: string): string[] {
  const out: string[] = [];
  for (const k of new Set([...want.keys(), ...got.keys()])) {
    const w = want.get(k);
    const g = got.get(k);
    if (w === undefined || g === undefined || !close(g, w))
      out.push(`${prefix}${String(k)}: ours ${g}, Prometheus ${w}`);
  }
  return out;
}

/** The values must come in the same order; elements with equal values may swap. */
function orderProblem(
  got: readonly { key: string; value: number }[],
  want: readonly { key: string; value: number }[],
): string | undefined {
  for (let i = 0; i < want.length; ) {
    let j = i + 1;
    const same = (a: number, b: number) => close(a, b);
    while (
      j < want.length &&
      same((want[j] as { value: number }).value, (want[i] as { value: number }).value)
    )
      j++;
    const wantRun = new Set(want.slice(i, j).map((s) => s.key));
    const gotRun = got.slice(i, j);
    if (gotRun.length !== j - i || gotRun.some((s) => !wantRun.has(s.key))) {
      return `order: ours ${got.map((s) => s.value).join(", ")}; Prometheus ${want.map((s) => s.value).join(", ")}`;
    }
    i = j;
  }
  return undefined;
}
