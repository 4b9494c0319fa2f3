/**
 * Reading workload traces in the shared CSV form (`timestamp_unix_seconds,value`, one row per time
 * bin, sorted), the input of `foresight backtest`, `foresight bench forecast` and the demo. Values
 * are demand: plain non-negative decimals, or a gap (empty or `NaN`). Hand-written: the format is
 * two numeric columns, and every error must name the file and line so a user can fix their export.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";

export const TRACE_HEADER = "timestamp_unix_seconds,value";

export interface Trace {
  /** File name without `.csv`. */
  readonly name: string;
  readonly file: string;
  /** [unix ms, value] in file order (sorted by time). */
  readonly points: [number, number][];
  /** Median spacing of the timestamps, in seconds. */
  readonly stepSeconds: number;
}

/**
 * A plain decimal number, optionally signed, with an optional exponent: what a CSV export writes.
 * `Number()` alone would also read hex (`0x10` = 16), binary, octal and `Infinity`.
 */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The range of a JavaScript Date, in seconds; beyond it `t * 1000` is no usable time (or Infinity). */
const MAX_TIMESTAMP_SECONDS = 8.64e12;

export class TraceError extends Error {
  override readonly name = "TraceError";
}

/** Parse one trace file; throws TraceError naming the file and line for anything malformed. */
export function readTrace(file: string): Trace {
  const text = readFileSync(file, "utf8");
  return parseTrace(text, file);
}

export function parseTrace(text: string, file: string): Trace {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").trim().replace(/^\uFEFF/, "");
  if (header !== TRACE_HEADER)
    throw new TraceError(`${file}:1: expected header "${TRACE_HEADER}", found "${header.slice(0, 80)}"`);
  const points: [number, number][] = [];
  let previous = Number.NEGATIVE_INFINITY;
  for (let i = 1; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === "") continue;
    const at = `${file}:${i + 1}`;
    const parts = line.split(",");
    if (parts.length !== 2)
      throw new TraceError(`${at}: expected 2 columns (timestamp,value), found ${parts.length}`);
    const rawT = (parts[0] as string).trim();
    const raw = (parts[1] as string).trim();
    if (!DECIMAL.test(rawT)) throw new TraceError(`${at}: timestamp "${rawT}" is not a number of seconds`);
    const t = Number(rawT);
    if (Math.abs(t) > MAX_TIMESTAMP_SECONDS)
      throw new TraceError(`${at}: timestamp ${t} is out of range (unix seconds, |t| <= 8.64e12)`);
    let v = Number.NaN; // empty or NaN: a gap
    if (raw !== "" && !/^nan$/i.test(raw)) {
      if (!DECIMAL.test(raw))
        throw new TraceError(`${at}: value "${raw}" is not a number (plain decimals such as 12.5 or 1e3)`);
      v = Number(raw);
      if (!Number.isFinite(v)) throw new TraceError(`${at}: value "${raw}" is not finite`);
      if (v < 0) throw new TraceError(`${at}: value "${raw}" is negative; demand cannot be`);
      v += 0; // -0 → 0
    }
    if (t <= previous)
      throw new TraceError(
        `${at}: timestamp ${t} is not after the previous row (${previous}); sort the file`,
      );
    previous = t;
    points.push([t * 1000, v]);
  }
  if (points.length < 2) throw new TraceError(`${file}: needs at least 2 data rows, found ${points.length}`);
  return {
    name: basename(file).replace(/\.csv$/i, ""),
    file,
    points,
    stepSeconds: medianStepSeconds(points),
  };
}

/**
 * Why `points` ([unix ms, value]) are not demand, for sources other than a CSV (a Prometheus query,
 * stored history): the first negative value and when; undefined when there is none (NaN is a gap).
 */
export function negativeDemand(points: readonly (readonly [number, number])[]): string | undefined {
  const bad = points.find(([, v]) => v < 0);
  if (bad === undefined) return undefined;
  return `demand at ${new Date(bad[0]).toISOString()} is ${bad[1]}; demand cannot be negative`;
}

function medianStepSeconds(points: readonly [number, number][]): number {
  const diffs: number[] = [];
  for (let i = 1; i < points.length; i++)
    diffs.push(((points[i] as [number, number])[0] - (points[i - 1] as [number, number])[0]) / 1000);
  diffs.sort((a, b) => a - b);
  return diffs[Math.floor(diffs.length / 2)] as number;
}

export interface TraceListing {
  readonly files: string[];
  /** Files in a directory that were not traces (e.g. an INDEX.csv), with why. */
  readonly skipped: { file: string; reason: string }[];
}

/**
 * Expand `inputs` (CSV files or directories) into trace files. In a directory, `.csv` files whose
 * header is not the trace header are skipped with a note; a file named explicitly must be a trace.
 */
export function listTraceFiles(inputs: readonly string[]): TraceListing {
  const files: string[] = [];
  const skipped: { file: string; reason: string }[] = [];
  for (const input of inputs) {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(input);
    } catch {
      throw new TraceError(`${input}: no such file or directory (pass CSV files or a directory of them)`);
    }
    if (!stat.isDirectory()) {
      files.push(input);
      continue;
    }
    for (const entry of readdirSync(input).sort()) {
      if (!entry.toLowerCase().endsWith(".csv")) continue;
      const file = join(input, entry);
      const head = readFileSync(file, "utf8")
        .slice(0, 200)
        .split(/\r?\n/)[0]
        ?.trim()
        .replace(/^\uFEFF/, "");
      if (head === TRACE_HEADER) files.push(file);
      else skipped.push({ file, reason: `header is not "${TRACE_HEADER}"` });
    }
  }
  return { files, skipped };
}
