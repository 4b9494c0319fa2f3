/**
 * The differential test's samples, generated from a seed: counters with resets and a late start,
 * gauges with gaps and staleness markers, two classic histograms (`le` buckets) sharing label sets,
 * a series with the extreme values PromQL must get right (±Inf, NaN, ±1e308), and a series carrying
 * a `__type__` label. The same samples go to Prometheus (remote write, markers included) and to the
 * embedded store.
 *
 * The layout keeps the known version differences of docs/promql.md out of the data, so every
 * disagreement is a bug: sample timestamps end in …37 ms (never a whole second, never the .500
 * the query times use), counters never pause and start large (rate()'s zero-point clamp is ordered
 * differently before Prometheus 2.52), histogram buckets never tie by float noise, and at most two
 * series carry huge finite values, of opposite sign and never exact opposites (so no sum depends
 * on the order Prometheus happens to add them in).
 */
import { seededRandom } from "../../../../src/forecast/random.js";
import { STALE } from "../../../harness/remoteWrite.js";

export const SCRAPE_MS = 15_000;
export const SPAN_MS = 120 * 60_000;

export type Value = number | typeof STALE;

export interface DataSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** [unix ms, value or STALE], ascending. */
  readonly samples: ReadonlyArray<readonly [number, Value]>;
}

export function buildData(seed: number, dataStart: number): DataSeries[] {
  const rand = seededRandom(seed);
  const n = SPAN_MS / SCRAPE_MS;
  const at = (k: number) => dataStart + k * SCRAPE_MS + 37 + ((k * 7) % 10) * 100;
  const out: DataSeries[] = [];
  const add = (labels: Record<string, string>, value: (k: number) => Value | undefined) => {
    const samples: [number, Value][] = [];
    for (let k = 0; k < n; k++) {
      const v = value(k);
      if (v !== undefined) samples.push([at(k), v]);
    }
    out.push({ labels, samples });
  };
  const between = (lo: number, hi: number) => lo + (hi - lo) * rand();
  const index = (count: number) => Math.floor(rand() * count);

  /** A counter: a large start, random increments, resets to a small value at `resets`. */
  const counter = (from: number, resets: readonly number[], step: () => number) => {
    const values: number[] = [];
    let c = between(500, 5_000);
    for (let k = 0; k < n; k++) {
      if (resets.includes(k)) c = between(0, 3);
      else if (k > from) c += step();
      values.push(c);
    }
    return (k: number) => (k < from ? undefined : values[k]);
  };
  const resetsAt = () => Array.from({ length: 1 + index(2) }, () => 40 + index(n - 80));
  add(
    { __name__: "req_total", job: "api", instance: "a", code: "200" },
    counter(0, resetsAt(), () => between(1, 6)),
  );
  add(
    { __name__: "req_total", job: "api", instance: "a", code: "500" },
    counter(0, [], () => between(0, 0.5)),
  );
  add(
    { __name__: "req_total", job: "api", instance: "b", code: "200" },
    counter(100 + index(100), [], () => between(1, 4)),
  );
  add(
    { __name__: "req_total", job: "web", instance: "a", code: "200" },
    counter(0, resetsAt(), () => between(0.2, 2)),
  );
  add(
    { __name__: "req_total", job: "web", instance: "c", code: "200" },
    counter(0, [], () => between(2, 9)),
  );
  add(
    { __name__: "typed_total", __type__: "counter", job: "api" },
    counter(0, resetsAt(), () => between(0.1, 1)),
  );

  /** A random-walk gauge; `gap` leaves samples out, `stale` writes staleness markers. */
  const gauge = (
    base: number,
    spread: number,
    options: { gap?: [number, number]; stale?: number[] } = {},
  ) => {
    let v = base;
    const values = Array.from({ length: n }, () => {
      v += between(-spread, spread);
      // Bounce off zero at a random height: no two series may share a value (topk ties).
      if (v < 0.05) v = between(0.05, 0.5);
      return v;
    });
    return (k: number): Value | undefined => {
      if (options.stale?.includes(k)) return STALE;
      const gap = options.gap;
      if (gap && k >= gap[0] && k < gap[1]) return undefined;
      return values[k];
    };
  };
  const g1 = 60 + index(200);
  add({ __name__: "queue_depth", job: "api", instance: "a", zone: "eu-West" }, gauge(5, 1));
  // A gap longer than the lookback: gone 5 minutes after its last sample.
  add(
    { __name__: "queue_depth", job: "api", instance: "b", zone: "EU-east" },
    gauge(3, 0.7, { gap: [g1, g1 + 20 + index(40)] }),
  );
  // A staleness marker ends it at once; it comes back later.
  const s1 = 60 + index(200);
  const back = s1 + 5 + index(60);
  add(
    { __name__: "queue_depth", job: "web", instance: "a", zone: "us-west" },
    gauge(8, 2, { stale: [s1], gap: [s1 + 1, back] }),
  );
  // Ends with a marker for good, a short gap (inside the lookback) before it.
  const end = n - 40 - index(120);
  const short = 30 + index(100);
  add(
    { __name__: "queue_depth", job: "web", instance: "c", zone: "us-west" },
    gauge(12, 3, { gap: [short, short + 8], stale: [end] }),
  );
  const last = out[out.length - 1] as DataSeries;
  out[out.length - 1] = { labels: last.labels, samples: last.samples.filter(([t]) => t <= at(end)) };

  // Piecewise constant, changing every 10 minutes.
  for (const job of ["api", "web"]) {
    const levels = Array.from({ length: n / 40 + 1 }, () => Math.round(between(10, 40) * 4) / 4);
    add({ __name__: "capacity", job }, (k) => levels[Math.floor(k / 40)]);
  }

  // Extreme values: one series with only infinities, NaN and small numbers; two with huge finite
  // values of opposite signs (never exact opposites, so no sum cancels exactly).
  const pick = <T>(values: readonly T[]) => values[index(values.length)] as T;
  add({ __name__: "odd", kind: "inf" }, () =>
    pick([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 1, 2.5, -3]),
  );
  add({ __name__: "odd", kind: "big" }, () => pick([1e308, 1.5e308, 7e307, 4, -2e307]));
  add({ __name__: "odd", kind: "neg" }, () => pick([-1.3e308, -9e307, -6, 3e306]));

  // Classic histograms: cumulative buckets, each bucket's own counter never pausing. Two
  // histograms share their label sets (histogram_quantile over both must fail).
  const histogram = (name: string, bounds: readonly string[], instance: string) => {
    const own = bounds.map(() => counter(0, [], () => between(0.5, 5)));
    bounds.forEach((le, b) => {
      add({ __name__: name, job: "api", instance, le }, (k) => {
        let sum = 0;
        for (let i = 0; i <= b; i++) sum += (own[i] as (k: number) => Value | undefined)(k) as number;
        return sum;
      });
    });
  };
  for (const instance of ["a", "b"]) {
    histogram("latency_seconds_bucket", ["0.1", "0.5", "1", "+Inf"], instance);
    histogram("size_bytes_bucket", ["100", "1000", "+Inf"], instance);
  }
  return out;
}

/** The label values the generator draws from, per label name. */
export const LABEL_VALUES: Readonly<Record<string, readonly string[]>> = {
  job: ["api", "web", "db"],
  instance: ["a", "b", "c"],
  code: ["200", "500"],
  zone: ["eu-West", "EU-east", "us-west"],
  le: ["0.1", "0.5", "1", "+Inf", "100"],
  kind: ["inf", "big", "neg"],
};
