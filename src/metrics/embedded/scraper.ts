/**
 * Scrapes exporters into the embedded store, as Prometheus would: each target on its interval,
 * never two scrapes of one target at once, an HTTP GET with a timeout, the exposition parsed and
 * every sample appended at the scrape's start time (or the exporter's own timestamp) with the
 * target labels attached, then `up` (1 or 0), `scrape_duration_seconds` and
 * `scrape_samples_scraped` for the target. A failed scrape (connection, HTTP status, timeout,
 * parse error, sample limit) appends nothing but those three. Targets are static, or pods found
 * through the PodLister port, refreshed on their own interval.
 *
 * Staleness, as Prometheus: per target the scraper remembers the series its last successful scrape
 * wrote (samples without an exporter timestamp only; Prometheus does not track those with one).
 * A series missing from the next successful scrape gets a staleness marker at that scrape's time;
 * a failed scrape marks all of them (its `up` 0 is still written); a target leaving discovery
 * marks them and its `up`/scrape_* series at the clock's now. Stopping the scraper marks nothing.
 *
 * Time comes through ports: the Clock stamps samples, IntervalTimers schedules scrapes (the
 * simulator's ClockTimers satisfies it, so simulated time drives scraping), and `fetch` can be
 * replaced.
 */
import type { Clock, Stoppable } from "../../clock.js";
import type { Labels } from "../source.js";
import { parseExposition } from "./exposition.js";
import { type DiscoveredPod, type PodLister, type PodTargetOptions, podScrapeTargets } from "./podTargets.js";
import {
  type ScrapeTarget,
  type StaticTargetConfig,
  staticTarget,
  type TargetDefaults,
  targetKey,
  withTargetLabels,
} from "./targets.js";
import { type AppendStatus, seriesKey } from "./tsdb.js";

/** Repeating timers; `ClockTimers` (src/replay/clockTimers.ts) and `systemIntervalTimers` implement it. */
export interface IntervalTimers {
  every(intervalMs: number, fn: () => void): Stoppable;
}

export const systemIntervalTimers: IntervalTimers = {
  every(intervalMs, fn) {
    const handle = setInterval(fn, intervalMs);
    return { stop: () => clearInterval(handle) };
  },
};

/** Where scraped samples go (EmbeddedTSDB). */
export interface SampleAppender {
  append(labels: Labels, t: number, v: number): AppendStatus;
  /** Appends a staleness marker to an existing series; false when none was stored. */
  markStale(labels: Labels, t: number): boolean;
}

export type FetchFn = (
  url: string,
  init: { signal: AbortSignal; headers: Record<string, string> },
) => Promise<{
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  text(): Promise<string>;
}>;

export interface PodDiscoveryOptions extends PodTargetOptions {
  readonly lister: PodLister;
  /** How often to list pods again; default 30 s. */
  readonly refreshMs?: number;
}

export interface ScraperOptions {
  readonly store: SampleAppender;
  readonly clock: Clock;
  readonly timers: IntervalTimers;
  readonly staticTargets?: readonly StaticTargetConfig[];
  readonly pods?: PodDiscoveryOptions;
  /** Defaults for targets that do not set their own (15 s, 10 s). */
  readonly defaults?: TargetDefaults;
  /** A scrape exposing more samples than this fails (Prometheus' sample_limit). Default 0 = none. */
  readonly sampleLimit?: number;
  /** Default the global fetch. */
  readonly fetch?: FetchFn;
  /** Called after every scrape. */
  readonly onScrape?: (result: ScrapeResult) => void;
  /** Called when listing pods fails (the previous targets are kept). */
  readonly onDiscoveryError?: (error: Error) => void;
}

export interface ScrapeResult {
  readonly target: ScrapeTarget;
  readonly ok: boolean;
  /** Scrape start, Unix ms: the timestamp of its samples. */
  readonly timestampMs: number;
  readonly durationMs: number;
  /** Samples in the exposition. */
  readonly scraped: number;
  /** Samples stored (excluding `up` and the other scrape series). */
  readonly appended: number;
  readonly rejected: {
    readonly outOfOrder: number;
    readonly duplicate: number;
    readonly seriesLimit: number;
  };
  readonly error?: string;
}

export interface TargetStatus {
  readonly url: string;
  readonly labels: Labels;
  readonly health: "up" | "down" | "unknown";
  readonly lastScrapeMs?: number;
  readonly lastDurationMs?: number;
  readonly lastError?: string;
  readonly lastScraped?: number;
}

/** Series (by seriesKey) the last successful scrape of one target wrote, for staleness. */
interface Tracked {
  series: Map<string, Labels>;
}

interface TargetState extends Tracked {
  readonly target: ScrapeTarget;
  timer?: Stoppable;
  inFlight?: Promise<ScrapeResult>;
  last?: ScrapeResult;
}

const ACCEPT = "text/plain;version=0.0.4;q=1,*/*;q=0.1";
const REPORT_SERIES = ["up", "scrape_duration_seconds", "scrape_samples_scraped"] as const;

export class Scraper {
  readonly #options: ScraperOptions;
  readonly #fetch: FetchFn;
  readonly #static: ScrapeTarget[];
  #podTargets: ScrapeTarget[] = [];
  readonly #states = new Map<string, TargetState>();
  /** Staleness tracking of targets scraped through scrape() that are not this scraper's own. */
  readonly #adhoc = new Map<string, Tracked>();
  readonly #stop = new AbortController();
  #running = false;
  #discoveryTimer: Stoppable | undefined;
  #discovery: Promise<void> | undefined;

  constructor(options: ScraperOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.#static = (options.staticTargets ?? []).map((c) => staticTarget(c, options.defaults ?? {}));
    this.#sync();
  }

  /** The targets scraped now: static ones, then discovered pods. */
  targets(): ScrapeTarget[] {
    return [...this.#states.values()].map((s) => s.target);
  }

  /** Health of every target, as Prometheus' /targets page shows it. */
  targetStatus(): TargetStatus[] {
    return [...this.#states.values()].map(({ target, last }) => ({
      url: target.url,
      labels: target.labels,
      health: last === undefined ? "unknown" : last.ok ? "up" : "down",
      ...(last !== undefined
        ? {
            lastScrapeMs: last.timestampMs,
            lastDurationMs: last.durationMs,
            lastScraped: last.scraped,
            ...(last.error !== undefined ? { lastError: last.error } : {}),
          }
        : {}),
    }));
  }

  /**
   * Starts scraping: lists pods (if configured), scrapes every target once at once, then each on its
   * interval. Resolves after the first pod listing; the first scrapes run in the background.
   */
  async start(): Promise<void> {
    if (this.#running) return;
    if (this.#stop.signal.aborted) throw new Error("scraper: cannot start again after stop()");
    this.#running = true;
    const pods = this.#options.pods;
    if (pods) {
      await this.refreshPods();
      this.#discoveryTimer = this.#options.timers.every(pods.refreshMs ?? 30_000, () => {
        void this.refreshPods();
      });
    }
    for (const state of this.#states.values()) this.#schedule(state, true);
  }

  /** Stops every timer, aborts scrapes in flight and waits for them. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#stop.abort();
    this.#discoveryTimer?.stop();
    this.#discoveryTimer = undefined;
    const inFlight: Promise<unknown>[] = [];
    for (const state of this.#states.values()) {
      state.timer?.stop();
      delete state.timer;
      if (state.inFlight) inFlight.push(state.inFlight);
    }
    if (this.#discovery) inFlight.push(this.#discovery);
    await Promise.allSettled(inFlight);
  }

  /** Lists pods now and updates the pod targets (keeping the old ones if listing fails). */
  refreshPods(): Promise<void> {
    const pods = this.#options.pods;
    if (!pods) return Promise.resolve();
    if (this.#discovery) return this.#discovery;
    this.#discovery = (async () => {
      let listed: readonly DiscoveredPod[];
      try {
        listed = await pods.lister.listPods(this.#stop.signal);
      } catch (error) {
        this.#options.onDiscoveryError?.(
          new Error(`scraper: listing pods failed: ${(error as Error).message}`, { cause: error }),
        );
        return;
      }
      this.#podTargets = podScrapeTargets(listed, {
        ...pods,
        ...(pods.intervalMs === undefined && this.#options.defaults?.intervalMs !== undefined
          ? { intervalMs: this.#options.defaults.intervalMs }
          : {}),
        ...(pods.timeoutMs === undefined && this.#options.defaults?.timeoutMs !== undefined
          ? { timeoutMs: this.#options.defaults.timeoutMs }
          : {}),
      });
      this.#sync();
    })().finally(() => {
      this.#discovery = undefined;
    });
    return this.#discovery;
  }

  /** Scrapes every target once now (waiting for scrapes already in flight instead of doubling them). */
  scrapeAll(): Promise<ScrapeResult[]> {
    return Promise.all([...this.#states.values()].map((s) => this.#scrapeState(s)));
  }

  /** Scrapes one target once now; it need not be one of this scraper's targets. */
  scrape(target: ScrapeTarget): Promise<ScrapeResult> {
    const key = targetKey(target);
    let tracked: Tracked | undefined = this.#states.get(key) ?? this.#adhoc.get(key);
    if (tracked === undefined) {
      tracked = { series: new Map() };
      this.#adhoc.set(key, tracked);
    }
    return this.#scrape(target, tracked);
  }

  async #scrape(target: ScrapeTarget, tracked: Tracked): Promise<ScrapeResult> {
    const store = this.#options.store;
    const t = Math.round(this.#options.clock.now());
    const started = performance.now();
    const rejected = { outOfOrder: 0, duplicate: 0, seriesLimit: 0 };
    let scraped = 0;
    let appended = 0;
    let error: string | undefined;
    const seen = new Map<string, Labels>();
    try {
      const text = await this.#get(target);
      const { samples } = parseExposition(text);
      scraped = samples.length;
      const limit = this.#options.sampleLimit ?? 0;
      if (limit > 0 && scraped > limit) throw new Error(`sample limit exceeded: ${scraped} > ${limit}`);
      for (const sample of samples) {
        const labels = withTargetLabels(sample.labels, target.labels, target.honorLabels);
        const status = store.append(labels, sample.timestampMs ?? t, sample.value);
        if (sample.timestampMs === undefined) seen.set(seriesKey(labels), labels);
        if (status === "ok" || status === "duplicate_same") appended++;
        else if (status === "out_of_order") rejected.outOfOrder++;
        else if (status === "duplicate") rejected.duplicate++;
        else rejected.seriesLimit++;
      }
    } catch (e) {
      error = (e as Error).message;
    }
    const durationMs = performance.now() - started;
    const ok = error === undefined;
    if (!ok && this.#stop.signal.aborted) {
      // Stopped mid-scrape: the target did not fail, so record nothing.
      return {
        target,
        ok,
        timestampMs: t,
        durationMs,
        scraped,
        appended,
        rejected,
        error: "scraper stopped",
      };
    }
    // Series the previous successful scrape wrote and this one did not (all of them if it failed) end now.
    const current = ok ? seen : new Map<string, Labels>();
    for (const [key, labels] of tracked.series) if (!current.has(key)) store.markStale(labels, t);
    tracked.series = current;
    const report = (name: string, value: number) =>
      store.append({ ...target.labels, __name__: name }, t, value);
    report("up", ok ? 1 : 0);
    report("scrape_duration_seconds", durationMs / 1000);
    report("scrape_samples_scraped", scraped);
    return {
      target,
      ok,
      timestampMs: t,
      durationMs,
      scraped,
      appended,
      rejected,
      ...(error !== undefined ? { error } : {}),
    };
  }

  async #get(target: ScrapeTarget): Promise<string> {
    const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(target.timeoutMs)]);
    try {
      const response = await this.#fetch(target.url, { signal, headers: { accept: ACCEPT } });
      if (!response.ok)
        throw new Error(`server returned HTTP status ${response.status} ${response.statusText}`);
      return await response.text();
    } catch (e) {
      if (signal.aborted && !this.#stop.signal.aborted) {
        throw new Error(`scrape of ${target.url} timed out after ${target.timeoutMs} ms`);
      }
      if (e instanceof Error && e.message.startsWith("server returned")) throw e;
      const cause = (e as Error & { cause?: Error }).cause;
      throw new Error(
        `scrape of ${target.url} failed: ${(e as Error).message}${cause?.message ? ` (${cause.message})` : ""}`,
      );
    }
  }

  #scrapeState(state: TargetState): Promise<ScrapeResult> {
    if (state.inFlight) return state.inFlight;
    const run = (async () => {
      let result: ScrapeResult;
      try {
        result = await this.#scrape(state.target, state);
      } finally {
        delete state.inFlight;
      }
      state.last = result;
      this.#options.onScrape?.(result);
      return result;
    })();
    state.inFlight = run;
    return run;
  }

  #schedule(state: TargetState, now: boolean): void {
    if (!this.#running || state.timer) return;
    state.timer = this.#options.timers.every(state.target.intervalMs, () => {
      if (state.inFlight) return; // a slow target: skip this tick, as Prometheus does
      void this.#scrapeState(state);
    });
    if (now) void this.#scrapeState(state);
  }

  /** Makes the target states match the static plus discovered targets. */
  #sync(): void {
    const wanted = new Map<string, ScrapeTarget>();
    for (const t of [...this.#static, ...this.#podTargets]) wanted.set(targetKey(t), t);
    for (const [key, state] of this.#states) {
      if (wanted.has(key)) continue;
      state.timer?.stop();
      this.#states.delete(key);
      // As Prometheus when a scrape loop ends: the target's series, `up` included, end here.
      const gone = () => this.#markGone(state);
      if (state.inFlight) void state.inFlight.then(gone, gone);
      else gone();
    }
    for (const [key, target] of wanted) {
      if (this.#states.has(key)) continue;
      const state: TargetState = { target, series: new Map() };
      this.#states.set(key, state);
      this.#schedule(state, true);
    }
  }

  /** Staleness markers, at the clock's now, for every series of a target that left discovery. */
  #markGone(state: TargetState): void {
    if (state.last === undefined || this.#stop.signal.aborted) return;
    const store = this.#options.store;
    const t = Math.round(this.#options.clock.now());
    for (const labels of state.series.values()) store.markStale(labels, t);
    state.series = new Map();
    for (const name of REPORT_SERIES) store.markStale({ ...state.target.labels, __name__: name }, t);
  }
}
