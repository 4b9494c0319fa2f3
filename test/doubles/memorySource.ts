/**
 * An in-memory MetricsSource (src/metrics/source.ts) for tests that want real PromQL over samples
 * they hold: the embedded store's evaluator (src/metrics/promql) over series in arrays
 * (memoryQueryable.ts). It keeps the port's contract (test/contracts/metricsSource.contract.ts):
 * bad PromQL is a MetricsSourceError("query"), an aborted call a MetricsSourceError("timeout"),
 * series() answers the label sets with samples in the window, deduplicated.
 *
 * For canned answers by exact query text and a log of the calls, use fakeSource.ts instead.
 */

import { compileMatchers, matchesAll } from "../../src/metrics/embedded/matchers.js";
import {
  evaluateInstant,
  evaluateRange,
  type LabelMatcher,
  PromQLError,
  parsePromQL,
} from "../../src/metrics/promql/index.js";
import { compareLabels, labelsKey } from "../../src/metrics/promql/labels.js";
import {
  type CallOptions,
  type InstantResult,
  type Labels,
  type MetricsSource,
  MetricsSourceError,
  type RangeSeries,
  throwIfAborted,
} from "../../src/metrics/source.js";
import { type MemorySeries, memoryQueryable } from "./memoryQueryable.js";

export type { MemorySeries };

export interface MemorySourceOptions {
  readonly series?: readonly MemorySeries[];
  /** The time of an instant query without `at` (unix ms). Default Date.now. */
  readonly now?: () => number;
}

export class MemorySource implements MetricsSource {
  #series: MemorySeries[];
  #queryable: ReturnType<typeof memoryQueryable>;
  readonly #now: () => number;

  constructor(options: MemorySourceOptions = {}) {
    this.#series = [...(options.series ?? [])];
    this.#queryable = memoryQueryable(this.#series);
    this.#now = options.now ?? Date.now;
  }

  /** Adds series (samples of a label set already held are added to it). */
  add(...series: MemorySeries[]): this {
    for (const s of series) {
      const key = labelsKey(s.labels);
      const at = this.#series.findIndex((held) => labelsKey(held.labels) === key);
      const held = this.#series[at];
      if (held === undefined) {
        this.#series.push(s);
        continue;
      }
      this.#series[at] = {
        labels: held.labels,
        samples: [...held.samples, ...s.samples],
        staleMarkers: [...(held.staleMarkers ?? []), ...(s.staleMarkers ?? [])],
      };
    }
    this.#queryable = memoryQueryable(this.#series);
    return this;
  }

  /** Forgets every series. */
  clear(): this {
    this.#series = [];
    this.#queryable = memoryQueryable(this.#series);
    return this;
  }

  async instant(query: string, at?: Date, options?: CallOptions): Promise<InstantResult> {
    throwIfAborted(options);
    return evaluated(() => evaluateInstant(this.#queryable, query, at?.getTime() ?? this.#now()));
  }

  async range(
    query: string,
    start: Date,
    end: Date,
    stepSeconds: number,
    options?: CallOptions,
  ): Promise<RangeSeries[]> {
    throwIfAborted(options);
    return evaluated(() =>
      evaluateRange(this.#queryable, query, start.getTime(), end.getTime(), stepSeconds),
    );
  }

  async series(match: readonly string[], start: Date, end: Date, options?: CallOptions): Promise<Labels[]> {
    throwIfAborted(options);
    if (match.length === 0) throw new MetricsSourceError("query", "no match[] parameter provided");
    const sets = match.map((selector) => compileMatchers(selectorMatchers(selector)));
    const from = start.getTime();
    const to = end.getTime();
    const found = new Map<string, Labels>();
    for (const s of this.#series) {
      if (!sets.some((matchers) => matchesAll(matchers, s.labels))) continue;
      // Staleness markers count, as in Prometheus (and the embedded store).
      const inWindow = (t: number) => t >= from && t <= to;
      if (!(s.samples.some(([t]) => inWindow(t)) || (s.staleMarkers ?? []).some(inWindow))) continue;
      found.set(labelsKey(s.labels), s.labels);
    }
    return [...found.values()].sort(compareLabels);
  }
}

function evaluated<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof PromQLError) throw new MetricsSourceError("query", err.message, { cause: err });
    throw err;
  }
}

function selectorMatchers(selector: string): LabelMatcher[] {
  const expr = evaluated(() => parsePromQL(selector));
  if (expr.kind !== "vectorSelector")
    throw new MetricsSourceError(
      "query",
      `match[] must be a series selector, got ${JSON.stringify(selector)}`,
    );
  return [...expr.matchers];
}
