import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PromQLError } from "../../../src/metrics/promql/errors.js";
import { evaluateInstant, evaluateRange } from "../../../src/metrics/promql/evaluate.js";
import type { InstantResult, Labels } from "../../../src/metrics/source.js";
import { memoryQueryable } from "../../doubles/memoryQueryable.js";

const S = 1000;
const M = 60 * S;

/** Samples every 15 s from t = 0; `v(k)` gives the k-th value. */
function every15s(count: number, v: (k: number) => number): [number, number][] {
  return Array.from({ length: count }, (_, k) => [k * 15 * S, v(k)] as [number, number]);
}

const store = memoryQueryable([
  { labels: { __name__: "up", job: "api", instance: "a" }, samples: every15s(41, () => 1) },
  {
    labels: { __name__: "up", job: "api", instance: "b" },
    samples: every15s(41, (k) => (k % 2 === 0 ? 1 : 0)),
  },
  { labels: { __name__: "up", job: "web", instance: "a" }, samples: every15s(10, () => 1) },
  // 0, 10, 20, … resets to 0 at k = 20.
  {
    labels: { __name__: "req_total", job: "api", instance: "a" },
    samples: every15s(41, (k) => (k % 20) * 10),
  },
  { labels: { __name__: "mem", job: "api", instance: "a" }, samples: every15s(41, (k) => k) },
  { labels: { __name__: "mem", job: "api", instance: "b" }, samples: every15s(41, (k) => 2 * k) },
  { labels: { __name__: "limit", job: "api" }, samples: every15s(41, () => 100) },
  { labels: { __name__: "limit", job: "web" }, samples: every15s(41, () => 50) },
  ...[
    ["0.1", 2],
    ["1", 6],
    ["+Inf", 10],
  ].map(([le, count]) => ({
    labels: { __name__: "lat_bucket", job: "api", le: String(le) },
    samples: every15s(41, (k) => k * (count as number)),
  })),
]);

function vector(query: string, t: number): Map<string, number> {
  const r = evaluateInstant(store, query, t);
  assert.equal(r.type, "vector", query);
  return new Map(
    (r as Extract<InstantResult, { type: "vector" }>).samples.map((s) => [show(s.labels), s.value]),
  );
}

function scalar(query: string, t: number): number {
  const r = evaluateInstant(store, query, t);
  assert.equal(r.type, "scalar", query);
  return (r as Extract<InstantResult, { type: "scalar" }>).sample.value;
}

function show(labels: Labels): string {
  return Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

function fails(query: string, kind: PromQLError["kind"], message: RegExp): void {
  assert.throws(
    () => evaluateInstant(store, query, 5 * M),
    (err: unknown) => err instanceof PromQLError && err.kind === kind && message.test(err.message),
  );
}

describe("evaluateInstant: selectors", () => {
  it("takes the latest sample within the 5-minute lookback, stamped with the evaluation time", () => {
    const r = evaluateInstant(store, 'mem{instance="b"}', 5 * M + 7 * S);
    assert.deepEqual(r, {
      type: "vector",
      samples: [
        { labels: { __name__: "mem", job: "api", instance: "b" }, value: 40, timestamp: 5 * M + 7 * S },
      ],
    });
    // up{job="web"} last sample at 135 s: present until 435 s (exclusive), gone after.
    assert.equal(vector('up{job="web"}', 434 * S).size, 1);
    assert.equal(vector('up{job="web"}', 435 * S).size, 0);
  });

  it("applies all four matcher types", () => {
    assert.deepEqual(
      [...vector('up{job="api"}', M).keys()],
      ["__name__=up,instance=a,job=api", "__name__=up,instance=b,job=api"],
    );
    assert.deepEqual([...vector('up{job!="api"}', M).keys()], ["__name__=up,instance=a,job=web"]);
    assert.equal(vector('up{instance=~"a|b"}', M).size, 3);
    assert.deepEqual(
      [...vector('up{instance!~"a", job=~"ap.*"}', M).keys()],
      ["__name__=up,instance=b,job=api"],
    );
    assert.equal(vector('{__name__=~"up|mem"}', M).size, 5);
  });

  it("shifts with offset and pins with @", () => {
    assert.equal(vector('mem{instance="a"} offset 1m', 5 * M).get("__name__=mem,instance=a,job=api"), 16);
    assert.equal(vector('mem{instance="a"} @ 30', 5 * M).get("__name__=mem,instance=a,job=api"), 2);
    const r = evaluateRange(store, 'mem{instance="a"} @ end()', 0, 2 * M, 60);
    assert.deepEqual(r[0]?.points, [
      [0, 8],
      [M, 8],
      [2 * M, 8],
    ]);
  });
});

describe("evaluateInstant: functions", () => {
  it("rate/increase handle a counter reset; the metric name is dropped", () => {
    // At 300 s, (240 s, 300 s] holds 170, 180, 190, 0 (k = 17..20): 0 − 170 + 190 (reset) = 20 over 45 s,
    // extrapolated by 15 s at the start (within 1.1 intervals): 20 × 60 / 45.
    assert.deepEqual(
      vector("increase(req_total[1m])", 5 * M),
      new Map([["instance=a,job=api", 20 * (60 / 45)]]),
    );
    assert.deepEqual(
      vector("rate(req_total[1m])", 5 * M),
      new Map([["instance=a,job=api", 20 * (60 / 45 / 60)]]),
    );
    // irate: last two samples 190 → 0 is a reset: 0 / 15 s.
    assert.deepEqual(vector("irate(req_total[1m])", 5 * M), new Map([["instance=a,job=api", 0]]));
    assert.deepEqual(vector("irate(req_total[1m])", 4 * M), new Map([["instance=a,job=api", 10 / 15]]));
  });

  it("*_over_time use the window (t − range, t]; last_over_time keeps the name", () => {
    // mem{a} = k at 15k s; (60 s, 120 s] holds k = 5..8.
    const at = 2 * M;
    const one = (q: string) => vector(q, at).get("instance=a,job=api");
    assert.equal(one('avg_over_time(mem{instance="a"}[1m])'), 6.5);
    assert.equal(one('sum_over_time(mem{instance="a"}[1m])'), 26);
    assert.equal(one('min_over_time(mem{instance="a"}[1m])'), 5);
    assert.equal(one('max_over_time(mem{instance="a"}[1m])'), 8);
    assert.equal(one('count_over_time(mem{instance="a"}[1m])'), 4);
    assert.equal(one('quantile_over_time(0.5, mem{instance="a"}[1m])'), 6.5);
    assert.equal(
      vector('last_over_time(mem{instance="a"}[1m])', at).get("__name__=mem,instance=a,job=api"),
      8,
    );
  });

  it("histogram_quantile groups buckets by their labels without le", () => {
    // At k = 10: 0.1 → 20, 1 → 60, +Inf → 100. q = 0.5: rank 50 in (0.1, 1]: 0.1 + 0.9 × 30/40.
    assert.deepEqual(
      vector("histogram_quantile(0.5, lat_bucket)", 150 * S),
      new Map([["job=api", 0.1 + 0.9 * 0.75]]),
    );
    assert.deepEqual(
      vector("histogram_quantile(0.5, sum by (le) (rate(lat_bucket[1m])))", 5 * M),
      new Map([["", 0.1 + 0.9 * 0.75]]),
    );
  });

  it("scalar, vector, time, abs, clamp_*", () => {
    assert.equal(scalar('scalar(mem{instance="a"})', M), 4);
    assert.ok(Number.isNaN(scalar("scalar(mem)", M)));
    assert.deepEqual(vector("vector(2)", M), new Map([["", 2]]));
    assert.equal(scalar("time()", 90 * S), 90);
    assert.deepEqual(vector('abs(0 - mem{instance="b"})', M), new Map([["instance=b,job=api", 8]]));
    assert.deepEqual(
      vector("clamp_min(mem, 6)", M),
      new Map([
        ["instance=a,job=api", 6],
        ["instance=b,job=api", 8],
      ]),
    );
    assert.deepEqual(
      vector("clamp_max(mem, 6)", M),
      new Map([
        ["instance=a,job=api", 4],
        ["instance=b,job=api", 6],
      ]),
    );
  });
});

describe("evaluateInstant: aggregations", () => {
  it("sum/avg/min/max/count with by and without", () => {
    assert.deepEqual(
      vector("sum by (job) (up)", 15 * S),
      new Map([
        ["job=api", 1],
        ["job=web", 1],
      ]),
    );
    assert.deepEqual(
      vector("sum(up) by (job)", 0),
      new Map([
        ["job=api", 2],
        ["job=web", 1],
      ]),
    );
    assert.deepEqual(vector("avg without (instance) (mem)", M), new Map([["job=api", 6]]));
    assert.deepEqual(vector("min(mem)", M), new Map([["", 4]]));
    assert.deepEqual(
      vector("max by (instance) (mem)", M),
      new Map([
        ["instance=a", 4],
        ["instance=b", 8],
      ]),
    );
    assert.deepEqual(
      vector("count without (instance) (up)", M),
      new Map([
        ["job=api", 2],
        ["job=web", 1],
      ]),
    );
  });
  it("topk/bottomk keep the elements' labels; quantile interpolates", () => {
    assert.deepEqual(vector("topk(1, mem)", M), new Map([["__name__=mem,instance=b,job=api", 8]]));
    assert.deepEqual(vector("bottomk(1, mem)", M), new Map([["__name__=mem,instance=a,job=api", 4]]));
    assert.deepEqual(vector("quantile(0.25, mem)", M), new Map([["", 5]]));
  });
});

describe("evaluateInstant: operators", () => {
  it("scalar arithmetic, precedence and Go's pow and mod", () => {
    assert.equal(scalar("1 + 2 * 3 ^ 2", 0), 19);
    assert.equal(scalar("-2 ^ 2", 0), -4);
    assert.equal(scalar("7 % -3", 0), 1);
    assert.equal(scalar("-7 % 3", 0), -1);
    assert.equal(scalar("1 ^ NaN", 0), 1);
    assert.equal(scalar("1 / 0", 0), Number.POSITIVE_INFINITY);
    assert.equal(scalar("2 > bool 1", 0), 1);
    assert.equal(scalar("2 == bool 1", 0), 0);
  });

  it("vector–scalar arithmetic drops the name; comparisons filter and keep it unless bool", () => {
    assert.deepEqual(
      vector("mem * 2 - 1", M),
      new Map([
        ["instance=a,job=api", 7],
        ["instance=b,job=api", 15],
      ]),
    );
    assert.deepEqual(
      vector("10 - mem", M),
      new Map([
        ["instance=a,job=api", 6],
        ["instance=b,job=api", 2],
      ]),
    );
    assert.deepEqual(vector("mem > 5", M), new Map([["__name__=mem,instance=b,job=api", 8]]));
    assert.deepEqual(vector("5 < mem", M), new Map([["__name__=mem,instance=b,job=api", 8]]));
    assert.deepEqual(
      vector("mem >= bool 5", M),
      new Map([
        ["instance=a,job=api", 0],
        ["instance=b,job=api", 1],
      ]),
    );
    assert.deepEqual(
      vector("-mem", M),
      new Map([
        ["instance=a,job=api", -4],
        ["instance=b,job=api", -8],
      ]),
    );
  });

  it("vector–vector one-to-one matching, with on and ignoring", () => {
    assert.deepEqual(
      vector("mem / up", M),
      new Map([
        ["instance=a,job=api", 4],
        ["instance=b,job=api", 8],
      ]),
    );
    assert.deepEqual(
      vector('mem{instance="b"} - ignoring(instance) mem{instance="a"}', M),
      new Map([["job=api", 4]]),
    );
    assert.deepEqual(vector('mem{instance="b"} - on(job) mem{instance="a"}', M), new Map([["job=api", 4]]));
    // Comparison filters and keeps the left side's labels (reduced to `on`).
    assert.deepEqual(
      vector("mem > on(job, instance) up", M),
      new Map([
        ["instance=a,job=api", 4],
        ["instance=b,job=api", 8],
      ]),
    );
    assert.deepEqual(
      vector("mem > bool on(job) group_left limit", M),
      new Map([
        ["instance=a,job=api", 0],
        ["instance=b,job=api", 0],
      ]),
    );
  });

  it("group_left / group_right match many to one and copy labels from the one side", () => {
    assert.deepEqual(
      vector("mem / on(job) group_left limit", M),
      new Map([
        ["instance=a,job=api", 0.04],
        ["instance=b,job=api", 0.08],
      ]),
    );
    assert.deepEqual(
      vector("limit / on(job) group_right mem", M),
      new Map([
        ["instance=a,job=api", 25],
        ["instance=b,job=api", 12.5],
      ]),
    );
  });

  it("refuses many-to-many and ambiguous one-to-one matches", () => {
    fails(
      "mem + on(job) up",
      "execution",
      /found duplicate series for the match group \{job="api"\} on the right hand-side/,
    );
    fails(
      '{__name__=~"mem|up", instance="a"} + on(job) group_left limit',
      "execution",
      /multiple matches for labels: grouping labels must ensure unique matches/,
    );
    fails(
      'mem + on(job) limit{job="api"}',
      "execution",
      /multiple matches for labels: many-to-one matching must be explicit/,
    );
    fails('rate({__name__=~"mem|up", job="api", instance="a"}[1m])', "execution", /same labelset/);
  });
});

describe("evaluateRange", () => {
  it("evaluates at start, start + step, … ≤ end, one series per label set", () => {
    const r = evaluateRange(store, 'up{job="web"}', 0, 10 * M, 150);
    // Last sample at 135 s is visible until 435 s: steps 0, 150, 300.
    assert.deepEqual(r, [
      {
        labels: { __name__: "up", job: "web", instance: "a" },
        points: [
          [0, 1],
          [150 * S, 1],
          [300 * S, 1],
        ],
      },
    ]);
  });

  it("returns a scalar as one series without labels", () => {
    assert.deepEqual(evaluateRange(store, "time() * 2", 0, 2 * M, 60), [
      {
        labels: {},
        points: [
          [0, 0],
          [M, 120],
          [2 * M, 240],
        ],
      },
    ]);
  });

  it("agrees with instant evaluation at every step", () => {
    const query = "sum by (job) (rate(req_total[2m])) / on(job) group_left limit";
    const r = evaluateRange(store, query, 3 * M, 9 * M, 30);
    for (const s of r) {
      for (const [t, v] of s.points) {
        assert.equal(vector(query, t).get(show(s.labels)), v);
      }
    }
    assert.equal(r[0]?.points.length, 13);
  });

  it("refuses bad steps and too many points", () => {
    assert.throws(() => evaluateRange(store, "up", 0, M, 0), /step must be a positive number/);
    assert.throws(() => evaluateRange(store, "up", M, 0, 1), /end timestamp must not be before start/);
    assert.throws(() => evaluateRange(store, "up", 0, 86_400_000, 1), /exceeded maximum resolution/);
  });
});

describe("errors", () => {
  it("refuses a range vector or string as the result", () => {
    fails("mem[5m]", "unsupported", /range vector result/);
    fails('"text"', "unsupported", /string result/);
  });
});

describe("staleness markers", () => {
  // g: samples every 15 s up to 60 s, a marker at 75 s, samples again from 150 s (revived).
  // reading: a real NaN sample (an exporter's NaN, not a marker).
  const staleStore = memoryQueryable([
    {
      labels: { __name__: "g", pod: "a" },
      samples: [
        [0, 1],
        [15 * S, 2],
        [30 * S, 3],
        [45 * S, 4],
        [60 * S, 5],
        [150 * S, 7],
      ],
      staleMarkers: [75 * S],
    },
    { labels: { __name__: "g", pod: "b" }, samples: every15s(20, () => 10) },
    { labels: { __name__: "reading" }, samples: [[60 * S, Number.NaN]] },
  ]);
  const at = (query: string, t: number) => {
    const r = evaluateInstant(staleStore, query, t);
    assert.equal(r.type, "vector", query);
    return new Map(
      (r as Extract<InstantResult, { type: "vector" }>).samples.map((s) => [show(s.labels), s.value]),
    );
  };

  it("ends a series at its marker for instant selectors, and revives it at the next sample", () => {
    assert.equal(at("g", 74 * S).get("__name__=g,pod=a"), 5);
    assert.equal(at("g", 75 * S).has("__name__=g,pod=a"), false, "gone at the marker");
    assert.equal(at("g", 120 * S).has("__name__=g,pod=a"), false, "within the lookback of 60 s, still gone");
    assert.equal(at("g", 150 * S).get("__name__=g,pod=a"), 7, "revived");
    assert.equal(at("g", 120 * S).get("__name__=g,pod=b"), 10, "other series unaffected");
  });

  it("drops a marked series from an aggregation at once", () => {
    assert.equal(at("sum(g)", 74 * S).get(""), 15);
    assert.equal(at("sum(g)", 90 * S).get(""), 10);
    assert.equal(at("count(g)", 90 * S).get(""), 1);
  });

  it("leaves markers out of range selectors but keeps the samples before them", () => {
    assert.equal(at("count_over_time(g[5m])", 120 * S).get("pod=a"), 5);
    assert.equal(at("last_over_time(g[5m])", 120 * S).get("__name__=g,pod=a"), 5);
    assert.equal(at("max_over_time(g[5m])", 200 * S).get("pod=a"), 7);
  });

  it("applies per step in range queries", () => {
    const r = evaluateRange(staleStore, 'g{pod="a"}', 45 * S, 165 * S, 30);
    assert.deepEqual(r[0]?.points, [
      [45 * S, 4],
      [165 * S, 7],
    ]);
  });

  it("keeps a real NaN sample as a value", () => {
    const v = at("reading", 90 * S).get("__name__=reading");
    assert.ok(v !== undefined && Number.isNaN(v));
  });
});
