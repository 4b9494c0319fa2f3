/**
 * Series discovery: every relist interval, each distinct `seriesQuery` is sent once to
 * /api/v1/series; each rule keeps its own last good result, so one failing rule (or query) leaves
 * every other rule current and itself stale-but-serving, visible in logs and self-metrics.
 * An unknown metric asks for an immediate relist (rate-limited, single flight), so a new metric is
 * served within seconds instead of prometheus-adapter's up-to-10-minutes.
 * Series a rule keeps but cannot serve (a name with `:`, a name that expands to empty, no label
 * mapped to a resource) are counted per reason, in `status()` and logged once per new reason,
 * where prometheus-adapter drops them silently.
 */
import type { Clock } from "../clock.js";
import { serviceUnavailable } from "../k8s/status.js";
import type { MetricsSource } from "../metrics/source.js";
import type { Logger } from "../telemetry/logger.js";
import type { SelfMetrics } from "../telemetry/selfMetrics.js";
import type { CompiledRule, SeriesMatch, SeriesVerdict } from "./naming/types.js";
import { type RuleSeries, SeriesRegistry } from "./seriesRegistry.js";

export interface DiscoveryOptions {
  readonly rules: readonly CompiledRule[];
  readonly source: MetricsSource;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics?: SelfMetrics;
  readonly relistIntervalMs: number;
  /** Series must have samples in [now - maxAge, now]. */
  readonly maxAgeMs: number;
  /** Minimum spacing of relists triggered by unknown metrics. */
  readonly rediscoveryIntervalMs: number;
  /** Called with each new snapshot (e.g. to start informers for newly seen resources). */
  readonly onRegistry?: (registry: SeriesRegistry) => void;
  /**
   * Take series lists the backend marked partial (`adapter.partialResponse: warn`). By default a
   * partial list fails the relist, and each rule keeps its last good result.
   */
  readonly acceptPartial?: boolean;
}

/** Series a rule keeps but cannot serve, grouped by why. */
export interface DroppedSeries {
  readonly reason: string;
  readonly series: number;
}

/** At most this many distinct drop reasons are kept per rule (the count goes on). */
const MAX_DROP_REASONS = 20;

/** One rule's last discovery, counted in series (not metric names). */
interface RuleResult {
  readonly matches: SeriesMatch[];
  readonly at: number;
  /** Series the rule's query returned. */
  readonly returned: number;
  /** Series it serves. */
  readonly served: number;
  readonly dropped: readonly DroppedSeries[];
  /** Dropped series beyond MAX_DROP_REASONS distinct reasons. */
  readonly droppedOther: number;
}

export interface RuleStatus {
  readonly rule: string;
  readonly seriesQuery: string;
  /** Series the rule serves (each label set counts; several may give one metric). */
  readonly series: number;
  /** Series its query returned (served, filtered out by name, or dropped). */
  readonly returned: number;
  /** Series it keeps but cannot serve, by reason. */
  readonly dropped: readonly DroppedSeries[];
  /** Dropped series whose reason is not listed (beyond the first 20 reasons). */
  readonly droppedOther: number;
  readonly lastSuccess?: number;
  readonly lastError?: string;
}

export class Discovery {
  readonly #opts: DiscoveryOptions;
  readonly #results = new Map<CompiledRule, RuleResult>();
  /** Drop reasons already logged, per rule: each is logged once, not every relist. */
  readonly #loggedDrops = new Map<CompiledRule, Set<string>>();
  readonly #errors = new Map<CompiledRule, string>();
  #registry = SeriesRegistry.empty();
  #inFlight: Promise<void> | undefined;
  #lastRelistStart = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #rounds = 0;
  #rules: readonly CompiledRule[];

  constructor(options: DiscoveryOptions) {
    this.#opts = options;
    this.#rules = options.rules;
  }

  /**
   * Replace the rules (a config reload) and relist at once. Until that round ends the previous
   * registry keeps answering, so a reload never empties the APIs.
   */
  setRules(rules: readonly CompiledRule[]): Promise<void> {
    this.#rules = rules;
    for (const rule of [...this.#results.keys()]) if (!rules.includes(rule)) this.#results.delete(rule);
    for (const rule of [...this.#errors.keys()]) if (!rules.includes(rule)) this.#errors.delete(rule);
    for (const rule of [...this.#loggedDrops.keys()])
      if (!rules.includes(rule)) this.#loggedDrops.delete(rule);
    return this.#inFlight ? this.#inFlight.then(() => this.relist()) : this.relist();
  }

  /** The current snapshot. */
  get registry(): SeriesRegistry {
    return this.#registry;
  }

  /** Completed relist rounds (successful or not). */
  get rounds(): number {
    return this.#rounds;
  }

  /** Start periodic relisting; the first round starts now and is not awaited. */
  start(): void {
    if (this.#timer) return;
    void this.relist();
    this.#timer = setInterval(() => void this.relist(), this.#opts.relistIntervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Relist now unless one ran within the rediscovery interval; concurrent callers share one round.
   * Resolves when the registry reflects that round.
   */
  async rediscover(): Promise<void> {
    if (this.#inFlight) return this.#inFlight;
    if (this.#opts.clock.now() - this.#lastRelistStart < this.#opts.rediscoveryIntervalMs) return;
    return this.relist();
  }

  /** Run one relist round (single flight). */
  relist(): Promise<void> {
    if (!this.#inFlight) {
      this.#inFlight = this.#round().finally(() => {
        this.#inFlight = undefined;
        this.#rounds++;
      });
    }
    return this.#inFlight;
  }

  /** Why discovery is failing now (the first failing rule's error), or undefined when every rule is current. */
  failure(): string | undefined {
    for (const rule of this.#rules) {
      const error = this.#errors.get(rule);
      if (error) return `${rule.id}: ${error}`;
    }
    return undefined;
  }

  status(): RuleStatus[] {
    return this.#rules.map((rule) => {
      const result = this.#results.get(rule);
      const lastError = this.#errors.get(rule);
      return {
        rule: rule.id,
        seriesQuery: rule.seriesQuery,
        series: result?.served ?? 0,
        returned: result?.returned ?? 0,
        dropped: result?.dropped ?? [],
        droppedOther: result?.droppedOther ?? 0,
        ...(result ? { lastSuccess: result.at } : {}),
        ...(lastError ? { lastError } : {}),
      };
    });
  }

  async #round(): Promise<void> {
    const { source, clock, logger, metrics, maxAgeMs } = this.#opts;
    const rules = this.#rules;
    const started = clock.now();
    this.#lastRelistStart = started;
    const byQuery = new Map<string, CompiledRule[]>();
    for (const rule of rules) {
      const list = byQuery.get(rule.seriesQuery) ?? [];
      list.push(rule);
      byQuery.set(rule.seriesQuery, list);
    }
    await Promise.all(
      [...byQuery].map(async ([query, queryRules]) => {
        try {
          const series = await source.series(
            [query],
            new Date(started - maxAgeMs),
            new Date(started),
            this.#opts.acceptPartial ? { acceptPartial: true } : undefined,
          );
          for (const rule of queryRules) this.#record(rule, series, clock.now());
        } catch (err) {
          const message = (err as Error).message;
          for (const rule of queryRules) {
            this.#errors.set(rule, message);
            metrics?.ruleErrors.inc({ rule: rule.id, stage: "discovery" });
            logger.warn(
              { rule: rule.id, seriesQuery: query, err: message },
              "series discovery failed; the rule keeps its last good result",
            );
          }
        }
      }),
    );
    const results: RuleSeries[] = [];
    for (const [rule, { matches }] of this.#results) {
      // A round started before a reload may have recorded a rule that is gone since.
      if (this.#rules.includes(rule)) results.push({ rule, matches });
      else this.#results.delete(rule);
    }
    this.#registry = SeriesRegistry.build(results);
    this.#opts.onRegistry?.(this.#registry);
  }

  #record(rule: CompiledRule, series: readonly Record<string, string>[], at: number): void {
    const matches: SeriesMatch[] = [];
    const seen = new Set<string>();
    const dropped = new Map<string, number>();
    let served = 0;
    let droppedOther = 0;
    for (const labels of series) {
      const verdict = classify(rule, labels);
      if (verdict.kind === "dropped") {
        if (dropped.has(verdict.reason) || dropped.size < MAX_DROP_REASONS)
          dropped.set(verdict.reason, (dropped.get(verdict.reason) ?? 0) + 1);
        else droppedOther++;
        continue;
      }
      if (verdict.kind !== "match") continue;
      served++;
      const { match } = verdict;
      // Discovery cares about names and label names, not values: keep one match per distinct shape.
      const key = `${match.metricName}\u0000${match.seriesName}\u0000${match.resources.map((r) => `${r.resource}.${r.group}`).join(",")}`;
      if (seen.has(key)) continue;
      seen.add(key);
      matches.push(match);
    }
    const drops = [...dropped].map(([reason, count]) => ({ reason, series: count }));
    this.#results.set(rule, { matches, at, returned: series.length, served, dropped: drops, droppedOther });
    this.#errors.delete(rule);
    this.#logNewDrops(rule, drops);
    this.#opts.metrics?.markDiscovered(rule.id, at);
    this.#opts.metrics?.discoverySeries.set({ rule: rule.id }, series.length);
  }

  #logNewDrops(rule: CompiledRule, drops: readonly DroppedSeries[]): void {
    const logged = this.#loggedDrops.get(rule) ?? new Set<string>();
    this.#loggedDrops.set(rule, logged);
    for (const { reason, series } of drops) {
      if (logged.has(reason)) continue;
      logged.add(reason);
      this.#opts.logger.warn(
        { rule: rule.id, series, reason },
        "discovered series that the rule cannot serve are dropped",
      );
    }
  }
}

/** The rule's verdict on a series; a rule without classifySeries only matches or not. */
function classify(rule: CompiledRule, labels: Record<string, string>): SeriesVerdict {
  if (rule.classifySeries) return rule.classifySeries(labels);
  const match = rule.matchSeries(labels);
  return match ? { kind: "match", match } : { kind: "filtered" };
}

/**
 * For a metric the registry does not know: when discovery itself is failing, the honest answer is
 * 503 (we cannot tell whether the metric exists), not 404. Throws in that case; returns otherwise.
 */
export function unknownMetric(discovery: Discovery): void {
  const failure = discovery.failure();
  // The backend's own error text stays in the log, as for queries.
  if (failure) {
    throw serviceUnavailable(
      `the metric is not known and series discovery is failing (${failure.split(":")[0]}; details in the adapter log)`,
    );
  }
}
