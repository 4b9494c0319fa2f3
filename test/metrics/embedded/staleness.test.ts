/**
 * Prometheus staleness in the embedded store, end to end: the Scraper (fake fetch, manual clock and
 * timers) writes markers into the EmbeddedTSDB, and PromQL through the EmbeddedSource must then
 * drop a vanished series at once instead of after the 5-minute lookback.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EmbeddedSource } from "../../../src/metrics/embedded/embeddedSource.js";
import type { DiscoveredPod } from "../../../src/metrics/embedded/podTargets.js";
import { type FetchFn, type IntervalTimers, Scraper } from "../../../src/metrics/embedded/scraper.js";
import { EmbeddedTSDB } from "../../../src/metrics/embedded/tsdb.js";
import type { Labels } from "../../../src/metrics/source.js";

const T0 = Date.UTC(2026, 10, 29, 12);
const S = 1000;
const URL_A = "http://exporter-a:9100/metrics";

class ManualTimers implements IntervalTimers {
  readonly live = new Set<{ intervalMs: number; fn: () => void }>();
  every(intervalMs: number, fn: () => void) {
    const entry = { intervalMs, fn };
    this.live.add(entry);
    return { stop: () => this.live.delete(entry) };
  }
  /** Runs the callbacks of the timers with this interval once. */
  fire(intervalMs: number): void {
    for (const e of [...this.live]) if (e.intervalMs === intervalMs) e.fn();
  }
}

class ManualClock {
  constructor(public ms: number) {}
  now(): number {
    return this.ms;
  }
}

/** What each URL answers: an exposition, an HTTP status, a thrown error, or a pending promise. */
type Answer = string | { status: number } | { error: string } | Promise<string>;

function fakeFetch(answers: Map<string, Answer>): FetchFn {
  return async (url) => {
    const answer = answers.get(url);
    if (answer === undefined) throw new Error(`connect ECONNREFUSED ${url}`);
    if (typeof answer === "object" && "error" in answer) throw new Error(answer.error);
    if (typeof answer === "object" && "status" in answer) {
      return { ok: false, status: answer.status, statusText: "Internal Server Error", text: async () => "" };
    }
    const body = await answer;
    return { ok: true, status: 200, statusText: "OK", text: async () => body };
  };
}

function setup(options: { pods?: () => DiscoveredPod[] } = {}) {
  const db = new EmbeddedTSDB();
  const clock = new ManualClock(T0);
  const timers = new ManualTimers();
  const answers = new Map<string, Answer>();
  const scraper = new Scraper({
    store: db,
    clock,
    timers,
    fetch: fakeFetch(answers),
    ...(options.pods
      ? {
          pods: {
            lister: { listPods: async () => (options.pods as () => DiscoveredPod[])() },
            intervalMs: 15_000,
          },
        }
      : { staticTargets: [{ url: URL_A, job: "exp", intervalMs: 15_000 }] }),
  });
  const source = new EmbeddedSource({ tsdb: db, clock });
  /** The query's samples at time t, keyed by their labels. */
  const at = async (query: string, t: number): Promise<Map<string, number>> => {
    const r = await source.instant(query, new Date(t));
    assert.equal(r.type, "vector", query);
    return new Map(r.type === "vector" ? r.samples.map((s) => [show(s.labels), s.value]) : []);
  };
  const scrapeAt = async (t: number) => {
    clock.ms = t;
    return scraper.scrapeAll();
  };
  return { db, clock, timers, answers, scraper, at, scrapeAt };
}

function show(labels: Labels): string {
  return Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

const A = "instance=exporter-a:9100,job=exp";

describe("Staleness markers from the scraper", () => {
  it("ends a series dropped from the exposition at the next scrape, keeping its range samples", async () => {
    const { answers, at, scrapeAt, db } = setup();
    answers.set(URL_A, "kept 1\ndropped 2\n");
    await scrapeAt(T0);
    answers.set(URL_A, "kept 3\n");
    const [r] = await scrapeAt(T0 + 15 * S);
    assert.ok(r?.ok, r?.error);

    assert.deepEqual([...(await at("dropped", T0 + 14 * S))], [[`__name__=dropped,${A}`, 2]]);
    assert.deepEqual([...(await at("dropped", T0 + 15 * S))], [], "gone right after the scrape");
    assert.deepEqual([...(await at("dropped", T0 + 60 * S))], [], "and stays gone within the lookback");
    assert.deepEqual([...(await at("kept", T0 + 15 * S))], [[`__name__=kept,${A}`, 3]]);
    // A range still holds the sample before the marker, and never the marker.
    assert.deepEqual([...(await at("count_over_time(dropped[5m])", T0 + 15 * S))], [[A, 1]]);
    assert.deepEqual(
      [...(await at("last_over_time(dropped[5m])", T0 + 60 * S))],
      [[`__name__=dropped,${A}`, 2]],
    );
    // The raw read keeps the marker apart from the values.
    const [raw] = db.select([{ name: "__name__", type: "=", value: "dropped" }], 0, T0 + 60 * S);
    assert.deepEqual(Array.from(raw?.values ?? []), [2]);
    assert.deepEqual(Array.from(raw?.staleMarkers ?? []), [T0 + 15 * S]);
  });

  it("marks every series of a failed scrape stale while up is 0, and revives them on success", async () => {
    const { answers, at, scrapeAt } = setup();
    answers.set(URL_A, 'm{k="1"} 1\nm{k="2"} 2\n');
    await scrapeAt(T0);
    // Each round: a good scrape at t, a failing one at t + 15 s, a good one again at t + 30 s.
    for (const [i, failure] of [
      [1, { status: 500 }],
      [4, { error: "socket hang up" }],
      [7, 'broken{a="1" 2\n'],
    ] as const) {
      const t = T0 + i * 15 * S;
      const [good] = await scrapeAt(t);
      assert.equal(good?.ok, true, good?.error);
      answers.set(URL_A, failure);
      const [r] = await scrapeAt(t + 15 * S);
      assert.equal(r?.ok, false, `failure ${JSON.stringify(failure)}`);
      assert.deepEqual([...(await at("m", t + 15 * S))], [], `no m after ${JSON.stringify(failure)}`);
      assert.deepEqual([...(await at("up", t + 15 * S))], [[`__name__=up,${A}`, 0]]);
      assert.equal((await at("scrape_samples_scraped", t + 15 * S)).size, 1);
      assert.equal((await at("count_over_time(m[5m])", t + 15 * S)).size, 2, "earlier samples remain");
      // Revived by the next good scrape.
      answers.set(URL_A, 'm{k="1"} 10\nm{k="2"} 20\n');
      await scrapeAt(t + 30 * S);
      assert.deepEqual(
        [...(await at("m", t + 30 * S))],
        [
          [`__name__=m,${A},k=1`, 10],
          [`__name__=m,${A},k=2`, 20],
        ],
      );
      assert.deepEqual([...(await at("up", t + 30 * S))], [[`__name__=up,${A}`, 1]]);
    }
  });

  it("does not mark samples carrying the exporter's own timestamp", async () => {
    const { answers, at, scrapeAt, db } = setup();
    answers.set(URL_A, `stamped 4 ${T0 - 10 * S}\nplain 5\n`);
    await scrapeAt(T0);
    answers.set(URL_A, "other 6\n");
    await scrapeAt(T0 + 15 * S);
    assert.deepEqual([...(await at("stamped", T0 + 15 * S))], [[`__name__=stamped,${A}`, 4]]);
    assert.deepEqual([...(await at("plain", T0 + 15 * S))], []);
    answers.set(URL_A, { status: 503 });
    await scrapeAt(T0 + 30 * S);
    assert.deepEqual([...(await at("stamped", T0 + 30 * S))], [[`__name__=stamped,${A}`, 4]]);
    assert.deepEqual([...(await at("other", T0 + 30 * S))], []);
    const [raw] = db.select([{ name: "__name__", type: "=", value: "stamped" }], 0, T0 + 60 * S);
    assert.equal(raw?.staleMarkers, undefined);
  });

  it("keeps real NaN values as NaN samples", async () => {
    const { answers, at, scrapeAt } = setup();
    answers.set(URL_A, "gauge NaN\n");
    await scrapeAt(T0);
    await scrapeAt(T0 + 15 * S);
    for (const t of [T0, T0 + 15 * S, T0 + 20 * S]) {
      const v = (await at("gauge", t)).get(`__name__=gauge,${A}`);
      assert.ok(v !== undefined && Number.isNaN(v), `NaN at ${t - T0} ms, got ${v}`);
    }
    assert.equal((await at("count_over_time(gauge[5m])", T0 + 15 * S)).get(A), 2);
  });
});

describe("Staleness markers for pods leaving discovery", () => {
  const pod = (name: string, ip: string): DiscoveredPod => ({
    namespace: "llm",
    name,
    ip,
    phase: "Running",
    annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": "8000" },
  });

  it("drops a removed pod from sum() at once, up and scrape series included", async () => {
    let pods = [pod("vllm-0", "10.0.0.1"), pod("vllm-1", "10.0.0.2")];
    const { answers, at, clock, scrapeAt, scraper } = setup({ pods: () => pods });
    answers.set("http://10.0.0.1:8000/metrics", "gpu_util 0.5\n");
    answers.set("http://10.0.0.2:8000/metrics", "gpu_util 0.25\n");
    await scraper.refreshPods();
    await scrapeAt(T0);
    assert.deepEqual([...(await at("sum(gpu_util)", T0))], [["", 0.75]]);

    await scrapeAt(T0 + 15 * S);
    pods = [pod("vllm-0", "10.0.0.1")];
    clock.ms = T0 + 20 * S;
    await scraper.refreshPods(); // vllm-1 is gone: its series end at the clock's now
    await scrapeAt(T0 + 30 * S);
    assert.deepEqual([...(await at("sum(gpu_util)", T0 + 19 * S))], [["", 0.75]]);
    assert.deepEqual([...(await at("sum(gpu_util)", T0 + 20 * S))], [["", 0.5]]);
    assert.deepEqual([...(await at("sum(gpu_util)", T0 + 30 * S))], [["", 0.5]]);
    assert.deepEqual([...(await at('up{pod="vllm-1"}', T0 + 20 * S))], []);
    assert.deepEqual([...(await at('scrape_samples_scraped{pod="vllm-1"}', T0 + 20 * S))], []);
    assert.equal((await at('up{pod="vllm-0"}', T0 + 30 * S)).size, 1);
  });

  it("marks a removed pod's series after its scrape in flight finishes, on the timers' ticks", async () => {
    let pods = [pod("vllm-0", "10.0.0.1"), pod("vllm-1", "10.0.0.2")];
    const { answers, at, clock, timers, scraper } = setup({ pods: () => pods });
    answers.set("http://10.0.0.1:8000/metrics", "gpu_util 0.5\n");
    answers.set("http://10.0.0.2:8000/metrics", "gpu_util 0.25\n");
    await scraper.start();
    await scraper.scrapeAll(); // waits for the first scrapes start() began
    let release: (body: string) => void = () => {};
    answers.set(
      "http://10.0.0.2:8000/metrics",
      new Promise<string>((resolve) => {
        release = resolve;
      }),
    );
    clock.ms = T0 + 15 * S;
    timers.fire(15_000); // both pods' scrapes start; vllm-1's hangs
    pods = [pod("vllm-0", "10.0.0.1")];
    clock.ms = T0 + 20 * S;
    await scraper.refreshPods();
    assert.deepEqual(
      scraper.targets().map((t) => t.labels.pod),
      ["vllm-0"],
    );
    release("gpu_util 0.75\n");
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual([...(await at("sum(gpu_util)", T0 + 19 * S))], [["", 1.25]], "the late scrape's sample");
    assert.deepEqual([...(await at("sum(gpu_util)", T0 + 20 * S))], [["", 0.5]]);
    assert.deepEqual([...(await at('up{pod="vllm-1"}', T0 + 20 * S))], []);
    await scraper.stop();
  });
});
