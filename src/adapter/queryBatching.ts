/**
 * When a request for one object may be answered from its namespace's query (its "wide" query,
 * the one a wildcard request renders: `pod!=""` instead of `pod="a"`), so that every HPA asking
 * about objects of one namespace shares one backend query per rule and cache period.
 *
 * Only where it is exact: the two renderings must differ in nothing but the object's matcher, and
 * the query must keep objects apart (naming/objectLocal.ts); that verdict is kept per wide query.
 * A namespace whose wide answer holds more than `maxObjects` objects, or whose wide query the
 * backend refused, is answered with one query per object for `holdMs`, then tried again.
 */
import { LRUCache } from "lru-cache";
import type { Logger } from "../telemetry/logger.js";
import { answersEachObject } from "./naming/objectLocal.js";
import { promQuote } from "./naming/selectorMatchers.js";

export interface QueryBatchingOptions {
  /** A wide answer with more objects than this is not shared (adapter.batchMaxObjects, ≥ 1). */
  readonly maxObjects: number;
  /** Current time in ms (a Clock in tests). */
  readonly now: () => number;
  readonly logger: Logger;
  /** How long a namespace stays on single-object queries after it was too big or refused; default 1 min. */
  readonly holdMs?: number;
}

/** Verdicts and holds kept at most (each a query string). */
const MAX_ENTRIES = 10_000;

export class QueryBatching {
  readonly #opts: QueryBatchingOptions;
  /** `<label>\0<wide query>` → whether the wide query answers each object exactly. */
  readonly #exact = new LRUCache<string, boolean>({ max: MAX_ENTRIES });
  /** Wide queries not used for now, with why. */
  readonly #held: LRUCache<string, string>;

  constructor(options: QueryBatchingOptions) {
    if (!(options.maxObjects >= 1))
      throw new RangeError(`maxObjects must be >= 1, got ${options.maxObjects}`);
    this.#opts = options;
    this.#held = new LRUCache<string, string>({
      max: MAX_ENTRIES,
      ttl: options.holdMs ?? 60_000,
      ttlResolution: 0,
      perf: { now: options.now },
    });
  }

  /**
   * Whether `wide` may answer the request for object `name`, whose own query is `single`;
   * `label` is the label the rule maps to the object's resource.
   */
  shares(wide: string, single: string, label: string, name: string): boolean {
    if (this.#held.has(wide)) return false;
    // Any other difference (a template reading the name elsewhere, a literal `pod!=""`) keeps the
    // request on its own query.
    if (wide.split(`${label}!=""`).join(`${label}=${promQuote(name)}`) !== single) return false;
    const key = `${label}\u0000${wide}`;
    let exact = this.#exact.get(key);
    if (exact === undefined) {
      exact = answersEachObject(wide, single, label);
      this.#exact.set(key, exact);
    }
    return exact;
  }

  /** A wide answer arrived with `objects` objects: past the cap, hold the namespace. */
  answered(wide: string, objects: number, rule: string): void {
    if (objects <= this.#opts.maxObjects) return;
    this.#hold(
      wide,
      rule,
      `its answer has ${objects} objects, more than adapter.batchMaxObjects (${this.#opts.maxObjects})`,
    );
  }

  /** The backend refused a wide query (a limit, an error in some object's series): hold it. */
  refused(wide: string, rule: string): void {
    this.#hold(wide, rule, "the backend refused it");
  }

  #hold(wide: string, rule: string, why: string): void {
    // Every request that waited on the query reports it: log it once.
    if (this.#held.has(wide)) return;
    this.#held.set(wide, why);
    this.#opts.logger.info(
      { rule, query: wide.slice(0, 500), holdSeconds: (this.#opts.holdMs ?? 60_000) / 1000 },
      `requests for single objects are queried one by one for a while instead of sharing this query: ${why}`,
    );
  }
}
