/**
 * Fault injection for the simulated Kubernetes API, plugged into its interception hook
 * (src/demo/kube/interceptor.ts; no real API server has one): it makes chosen requests fail with a
 * Kubernetes Status (500, 503, 429 with Retry-After, 409, ...) without touching the store, runs a
 * test's code just before a request is served normally (e.g. to change the object under a client so
 * its write gets a real 409), holds chosen answers back (a slow server, a write that lands while
 * its answer is lost to the client's timeout, or a partition: one client's requests, told apart by
 * their token, held until it heals), answers with raw bodies no API server sends (bad watch lines,
 * a watch that closes at once), and keeps a bounded log of served requests so tests can count
 * writes. One injector per facade (`facade.faults` of test/harness/kubeFacade.ts).
 *
 * Hand-written: it has to sit inside the simulator's own request path, which no library offers.
 * Pure bookkeeping; the server (src/demo/kube/server.ts) asks it what to do and does the HTTP.
 */
import {
  CLIENT_CLOSED_REQUEST,
  type HoldAnswer,
  type HoldPoint,
  type InjectedResponse,
  type InterceptedRequest,
  type RawAnswer,
  type RequestInterceptor,
  type RequestRecord,
} from "../../src/demo/kube/interceptor.js";
import type { ObjectStore } from "../../src/demo/kube/store.js";

export { CLIENT_CLOSED_REQUEST, type HoldAnswer, type HoldPoint, type InjectedResponse, type RequestRecord };

/** A request as rules see it. */
export type FaultRequest = InterceptedRequest;

/** Which requests a rule applies to; every given condition must hold. */
export interface RequestMatch {
  /** HTTP method(s), any case. Default: any. */
  readonly method?: string | readonly string[];
  /** A substring of, or a RegExp tested on, the URL pathname. Default: any. */
  readonly path?: RegExp | string;
  /** How many matching requests the rule acts on before it retires. Default 1; Infinity allowed. */
  readonly times?: number;
  /**
   * Any other condition on the request, e.g. on its headers: which client sent it (each client's
   * kubeconfig can carry its own token, see kubeconfig.ts). Default: any.
   */
  readonly match?: (request: FaultRequest) => boolean;
}

export interface FaultRule extends RequestMatch {
  /** HTTP status of the injected failure, 400-599. */
  readonly status: number;
  /** Status.reason; default from the code (429 TooManyRequests, 503 ServiceUnavailable, ...). */
  readonly reason?: string;
  /** Status.message; default a message like the apiserver's for that code. */
  readonly message?: string;
  /** Retry-After header and details.retryAfterSeconds; default 1 for 429, none otherwise. */
  readonly retryAfterSeconds?: number;
  /** Called with each request the rule answers, before the answer is sent. */
  readonly before?: (request: FaultRequest) => void;
}

/**
 * An answer of the rule's own making, sent as is: a watch that closes at once (status 200, empty
 * body), watch lines no API server sends (a plain list, `{"type":"ADDED"}`), a body cut short. The
 * store is untouched.
 */
export interface RawRule extends RequestMatch, RawAnswer {
  /** HTTP status, 100-599. */
  readonly status: number;
  /** The body, sent as is (watch events are newline-separated JSON). */
  readonly body: string;
  /** Default application/json. */
  readonly contentType?: string;
}

export interface BeforeRequestRule extends RequestMatch {
  /** Runs just before the matching request is served normally (after any "before" hold). */
  readonly run: (store: ObjectStore, request: FaultRequest) => void;
}

export interface HoldRule extends RequestMatch {
  /**
   * How long the answer is held, in milliseconds (finite, >= 0); or a function of the request
   * (e.g. `() => partitionEndMs - Date.now()`, so that every request of a partition is released
   * when the partition ends, as a healed network would deliver them).
   */
  readonly ms: number | ((request: FaultRequest) => number);
  /**
   * "before": the request waits `ms` and only then is served (a slow server: nothing is applied
   * until it proceeds). "after": it is served at once (a write is in the store) and its answer is
   * written `ms` later (the lost answer of a client that timed out).
   */
  readonly when: HoldPoint;
}

export interface RuleHandle {
  /** How many requests the rule has acted on so far. */
  readonly hits: number;
  /** Retires the rule (its hits stay readable). */
  remove(): void;
}

export interface RequestQuery {
  readonly method?: string | readonly string[];
  readonly path?: RegExp | string;
  readonly status?: number;
}

export interface FaultInjectorOptions {
  /** Requests kept in the log (the newest). Default 10,000. */
  readonly maxRequests?: number;
}

interface ActiveRule<R> {
  readonly rule: R;
  readonly times: number;
  hits: number;
}

const DEFAULT_REASONS: Readonly<Record<number, string>> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "Conflict",
  410: "Expired",
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

const DEFAULT_MESSAGES: Readonly<Record<number, string>> = {
  409: "Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again",
  429: "Too many requests, please try again later.",
  500: "Internal error occurred: injected fault",
  503: "the server is currently unable to handle the request",
  504: "Timeout: request did not complete within the allotted timeout",
};

function matchesMethod(wanted: string | readonly string[] | undefined, method: string): boolean {
  if (wanted === undefined) return true;
  const list = typeof wanted === "string" ? [wanted] : wanted;
  return list.some((m) => m.toUpperCase() === method.toUpperCase());
}

function matchesPath(wanted: RegExp | string | undefined, path: string): boolean {
  if (wanted === undefined) return true;
  if (typeof wanted === "string") return path.includes(wanted);
  wanted.lastIndex = 0; // a /g or /y RegExp would otherwise remember the last match
  return wanted.test(path);
}

function checkTimes(times: number | undefined, what: string): number {
  const n = times ?? 1;
  if (!(n === Number.POSITIVE_INFINITY || (Number.isInteger(n) && n >= 1))) {
    throw new Error(`${what}: times must be a positive integer or Infinity, got ${String(times)}`);
  }
  return n;
}

export class FaultInjector implements RequestInterceptor {
  readonly #faults: ActiveRule<FaultRule>[] = [];
  readonly #raws: ActiveRule<RawRule>[] = [];
  readonly #befores: ActiveRule<BeforeRequestRule>[] = [];
  readonly #holds: ActiveRule<HoldRule>[] = [];
  readonly #maxRequests: number;
  #log: RequestRecord[] = [];

  constructor(options: FaultInjectorOptions = {}) {
    this.#maxRequests = options.maxRequests ?? 10_000;
    if (!Number.isInteger(this.#maxRequests) || this.#maxRequests < 1) {
      throw new Error(`maxRequests must be a positive integer, got ${String(options.maxRequests)}`);
    }
  }

  /** Answers the next `times` matching requests with a Status of `rule.status`; the store is untouched. */
  inject(rule: FaultRule): RuleHandle {
    if (!Number.isInteger(rule.status) || rule.status < 400 || rule.status > 599) {
      throw new Error(`inject: status must be an HTTP error code 400-599, got ${String(rule.status)}`);
    }
    const retry = rule.retryAfterSeconds;
    if (retry !== undefined && !(Number.isInteger(retry) && retry >= 0)) {
      throw new Error(`inject: retryAfterSeconds must be a whole number >= 0, got ${String(retry)}`);
    }
    return this.#add(this.#faults, rule, checkTimes(rule.times, "inject"));
  }

  /** Answers the next `times` matching requests with `rule.body` as is; the store is untouched. */
  respond(rule: RawRule): RuleHandle {
    if (!Number.isInteger(rule.status) || rule.status < 100 || rule.status > 599) {
      throw new Error(`respond: status must be an HTTP status 100-599, got ${String(rule.status)}`);
    }
    if (typeof rule.body !== "string") throw new Error("respond: body must be a string");
    return this.#add(this.#raws, rule, checkTimes(rule.times, "respond"));
  }

  /** Runs `rule.run(store)` just before each of the next `times` matching requests is served. */
  beforeRequest(rule: BeforeRequestRule): RuleHandle {
    if (typeof rule.run !== "function") throw new Error("beforeRequest: run must be a function");
    return this.#add(this.#befores, rule, checkTimes(rule.times, "beforeRequest"));
  }

  /**
   * Holds the answer of each of the next `times` matching requests for `rule.ms`, before or after
   * it is served (see HoldRule). Whatever the answer is (an injected fault included) it waits.
   * The request is logged when its handling ends: an "after" hold whose client went away is logged
   * with the status of the answer it did not get (the write is in the store); a "before" hold
   * whose client went away is not served and is logged as CLIENT_CLOSED_REQUEST (499). Closing the
   * facade ends pending holds at once, unanswered. With several matching rules the oldest holds.
   */
  hold(rule: HoldRule): RuleHandle {
    if (typeof rule.ms !== "function" && !(Number.isFinite(rule.ms) && rule.ms >= 0)) {
      throw new Error(`hold: ms must be a finite number >= 0 or a function, got ${String(rule.ms)}`);
    }
    if (rule.when !== "before" && rule.when !== "after") {
      throw new Error(`hold: when must be "before" or "after", got ${String(rule.when)}`);
    }
    return this.#add(this.#holds, rule, checkTimes(rule.times, "hold"));
  }

  /** Retires every rule and forgets the request log. */
  clear(): void {
    this.#faults.length = 0;
    this.#raws.length = 0;
    this.#befores.length = 0;
    this.#holds.length = 0;
    this.#log = [];
  }

  /** Served requests, oldest first (the newest `maxRequests`), injected faults included. */
  get requests(): readonly RequestRecord[] {
    return this.#log.slice(-this.#maxRequests);
  }

  /** How many logged requests match (method, path as in rules, and status when given). */
  count(query: RequestQuery = {}): number {
    return this.requests.filter(
      (r) =>
        matchesMethod(query.method, r.method) &&
        matchesPath(query.path, r.path) &&
        (query.status === undefined || query.status === r.status),
    ).length;
  }

  // ---------------------------------------------------------------------------------------------
  // RequestInterceptor: what the server asks

  /** The injected answer for `request`, when a fault rule takes it (counting a hit). */
  takeFault(request: FaultRequest): InjectedResponse | undefined {
    const active = this.#take(this.#faults, request);
    if (!active) return undefined;
    const rule = active.rule;
    rule.before?.(request);
    const reason = rule.reason ?? DEFAULT_REASONS[rule.status];
    const retryAfter = rule.retryAfterSeconds ?? (rule.status === 429 ? 1 : undefined);
    const body: Record<string, unknown> = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: rule.message ?? DEFAULT_MESSAGES[rule.status] ?? `injected fault: HTTP ${rule.status}`,
      ...(reason ? { reason } : {}),
      ...(retryAfter !== undefined ? { details: { retryAfterSeconds: retryAfter } } : {}),
      code: rule.status,
    };
    return {
      status: rule.status,
      headers: retryAfter !== undefined ? { "Retry-After": String(retryAfter) } : {},
      body,
    };
  }

  /** The raw answer for `request`, when a respond rule takes it (counting a hit). */
  takeRaw(request: FaultRequest): RawRule | undefined {
    return this.#take(this.#raws, request)?.rule;
  }

  /** The hold of `request`, when a hold rule takes it (counting a hit). */
  takeHold(request: FaultRequest): HoldAnswer | undefined {
    const active = this.#take(this.#holds, request);
    if (!active) return undefined;
    const { ms, when } = active.rule;
    const wait = typeof ms === "function" ? ms(request) : ms;
    return { ms: Number.isFinite(wait) ? Math.max(0, wait) : 0, when };
  }

  /** Runs every beforeRequest rule that takes `request`, in the order they were added. */
  runBefore(request: FaultRequest, store: ObjectStore): void {
    for (const active of [...this.#befores]) {
      if (!this.#takes(this.#befores, active, request)) continue;
      active.rule.run(store, request);
    }
  }

  record(entry: RequestRecord): void {
    this.#log.push(entry);
    if (this.#log.length >= 2 * this.#maxRequests) this.#log = this.#log.slice(-this.#maxRequests);
  }

  // ---------------------------------------------------------------------------------------------

  #add<R extends RequestMatch>(list: ActiveRule<R>[], rule: R, times: number): RuleHandle {
    const active: ActiveRule<R> = { rule, times, hits: 0 };
    list.push(active);
    return {
      get hits() {
        return active.hits;
      },
      remove: () => {
        const at = list.indexOf(active);
        if (at >= 0) list.splice(at, 1);
      },
    };
  }

  #take<R extends RequestMatch>(list: ActiveRule<R>[], request: FaultRequest): ActiveRule<R> | undefined {
    return [...list].find((active) => this.#takes(list, active, request));
  }

  /** Whether `active` matches; if so counts the hit and retires the rule when used up. */
  #takes<R extends RequestMatch>(
    list: ActiveRule<R>[],
    active: ActiveRule<R>,
    request: FaultRequest,
  ): boolean {
    if (!list.includes(active)) return false;
    if (!matchesMethod(active.rule.method, request.method) || !matchesPath(active.rule.path, request.path)) {
      return false;
    }
    if (active.rule.match && !active.rule.match(request)) return false;
    active.hits += 1;
    if (active.hits >= active.times) list.splice(list.indexOf(active), 1);
    return true;
  }
}
