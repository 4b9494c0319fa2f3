/** A MetricsSource decorator counting the queries sent through it (bench:fleet's queries per cycle). */
import type { MetricsSource } from "../src/metrics/source.js";

export interface CountingSource extends MetricsSource {
  /** Queries sent so far (range, instant and series). */
  readonly queries: number;
}

export function countingSource(inner: MetricsSource): CountingSource {
  let queries = 0;
  return {
    get queries() {
      return queries;
    },
    range(...args) {
      queries++;
      return inner.range(...args);
    },
    instant(...args) {
      queries++;
      return inner.instant(...args);
    },
    series(...args) {
      queries++;
      return inner.series(...args);
    },
  };
}
