/**
 * The synthetic fleet of bench:fleet: N demand series shaped like the shared traces, and a
 * MetricsSource that answers the forecaster's range queries for them.
 *
 * Target i follows trace i mod T (the traces of at least 2 days, at the product's 5-minute step),
 * rescaled (×0.5 to ×20), shifted in phase (anywhere in the trace) and with ±5 % noise, all seeded
 * by i, so every run sees the same fleet. A value is computed when asked (linear between the
 * trace's steps): 10,000 series × 14 days of 60-second samples would be 200 million samples, over
 * 3 GB in the embedded store and hours to backfill into Prometheus, and would sit in the process
 * being measured. Hand-written (no library generates series from a template); the source answers
 * only what the forecaster asks: `sum(fleet_demand{target="<name>"})` over a range.
 */
import { loadSplitTraces } from "../src/forecast/globalTraces.js";
import { seededRandom } from "../src/forecast/random.js";
import type { InstantResult, Labels, MetricsSource, RangeSeries } from "../src/metrics/source.js";

export interface FleetTarget {
  readonly name: string;
  readonly query: string;
  /** Index of the trace it is shaped like. */
  readonly base: number;
  readonly scale: number;
  /** Phase shift, in trace steps. */
  readonly phase: number;
  readonly seed: number;
}

export interface Fleet {
  readonly targets: readonly FleetTarget[];
  readonly traceNames: readonly string[];
  /** Demand of `target` at `tMs`. */
  value(target: FleetTarget, tMs: number): number;
}

/** N targets `fleet-<i mod 50>/app-<i>` over the traces in `dir`. */
export function syntheticFleet(dir: string, n: number, seed = 20_261_207): Fleet {
  const traces = loadSplitTraces(dir).traces.map((t) => ({
    name: t.name,
    stepMs: t.series.stepSeconds * 1000,
    values: filled(t.series.values),
  }));
  if (traces.length === 0) throw new Error(`no trace of at least 2 days in ${dir}`);
  const random = seededRandom(seed);
  const targets: FleetTarget[] = [];
  for (let i = 0; i < n; i++) {
    const base = i % traces.length;
    const name = `fleet-${i % 50}/app-${i}`;
    targets.push({
      name,
      query: `sum(fleet_demand{target="${name}"})`,
      base,
      scale: 0.5 * 40 ** random(),
      phase: random() * (traces[base]?.values.length ?? 1),
      seed: Math.floor(random() * 2 ** 31),
    });
  }
  return {
    targets,
    traceNames: traces.map((t) => t.name),
    value(target, tMs) {
      const trace = traces[target.base] as (typeof traces)[number];
      const len = trace.values.length;
      const pos = (((tMs / trace.stepMs + target.phase) % len) + len) % len;
      const at = Math.floor(pos);
      const a = trace.values[at] as number;
      const b = trace.values[(at + 1) % len] as number;
      const level = a + (b - a) * (pos - at);
      return Math.max(0, target.scale * level * (1 + 0.1 * (noise(target.seed, tMs) - 0.5)));
    },
  };
}

/** The fleet's series as a MetricsSource: range queries of one target's demand; nothing else. */
export function fleetSource(fleet: Fleet): MetricsSource {
  const byQuery = new Map(fleet.targets.map((t) => [t.query, t]));
  return {
    async range(query, start, end, stepSeconds): Promise<RangeSeries[]> {
      const target = byQuery.get(query);
      if (!target) throw new Error(`bench fleet source: unknown query ${query}`);
      const stepMs = stepSeconds * 1000;
      const points: [number, number][] = [];
      for (let t = Math.ceil(start.getTime() / stepMs) * stepMs; t <= end.getTime(); t += stepMs)
        points.push([t, fleet.value(target, t)]);
      // An answer arrives asynchronously, as over HTTP.
      await new Promise((resolve) => setImmediate(resolve));
      return [{ labels: {}, points }];
    },
    instant(): Promise<InstantResult> {
      return Promise.reject(new Error("bench fleet source: instant queries are not served"));
    },
    series(): Promise<Labels[]> {
      return Promise.reject(new Error("bench fleet source: series queries are not served"));
    },
  };
}

/** Uniform in [0, 1), a pure function of (seed, time). */
function noise(seed: number, tMs: number): number {
  let h = (seed ^ Math.floor(tMs / 1000)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

/** Gaps (NaN) take the previous finite value (the first finite one at the start). */
function filled(values: Float64Array): Float64Array {
  const out = Float64Array.from(values);
  let last = out.find((v) => Number.isFinite(v)) ?? 0;
  for (let i = 0; i < out.length; i++) {
    if (Number.isFinite(out[i] as number)) last = out[i] as number;
    else out[i] = last;
  }
  return out;
}
