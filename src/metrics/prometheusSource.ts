/**
 * MetricsSource over the Prometheus HTTP API (/api/v1/query, /query_range, /series), which Thanos
 * Querier, Mimir, Cortex and VictoriaMetrics also serve (put any path prefix such as `/prometheus`
 * in `prometheus.url`). Every failure becomes a MetricsSourceError whose kind tells the HTTP edge
 * what happened; nothing is turned into a made-up value here. Answers are bounded one by one
 * (`maxResponseBytes`) and together (`responseMemoryBudget`, a MemoryBudget held until parsed).
 */
import type { PrometheusConfig } from "../config/schema.js";
import { MEMORY_PER_BODY_BYTE } from "../config/schema.js";
import type { Logger } from "../telemetry/logger.js";
import { Semaphore } from "./concurrency.js";
import { ConfigFileError, FileCache } from "./fileCache.js";
import {
  errorCode,
  HttpClient,
  type HttpResponse,
  ResponseBudgetError,
  ResponseTooLargeError,
} from "./httpClient.js";
import { MemoryBudget, type MemoryLease } from "./memoryBudget.js";
import {
  type Annotations,
  annotationsOf,
  limitOf,
  parseEnvelope,
  parseInstant,
  parseRange,
  parseSeries,
} from "./promResponse.js";
import {
  BACKEND_LIMIT_NAMES,
  type BackendLimit,
  type CallOptions,
  type InstantResult,
  type Labels,
  type MetricsSource,
  MetricsSourceError,
  type MetricsSourceErrorKind,
  type RangeSeries,
} from "./source.js";

export type QueryEndpoint = "query" | "query_range" | "series";

/** One finished call, for self-metrics. `durationMs` includes time spent waiting for a slot. */
export interface QueryEvent {
  readonly endpoint: QueryEndpoint;
  readonly durationMs: number;
  readonly outcome: "ok" | MetricsSourceErrorKind;
}

/** A successful answer that carried warnings; `partial` when data is missing (promResponse.ts). */
export interface WarningEvent {
  readonly endpoint: QueryEndpoint;
  readonly partial: boolean;
}

export interface PrometheusSourceHooks {
  onQuery?: (event: QueryEvent) => void;
  onWarnings?: (event: WarningEvent) => void;
  /** An answer was refused because the response memory budget was spent. */
  onBudgetRefused?: (endpoint: QueryEndpoint) => void;
}

export interface PrometheusSourceOptions {
  readonly config: PrometheusConfig;
  readonly logger?: Logger;
  readonly metrics?: PrometheusSourceHooks;
  /** The budget answers reserve in; default one of `config.responseMemoryBudget` bytes for this source. */
  readonly budget?: MemoryBudget;
}

/** Above this many bytes of encoded parameters, `method: auto` sends a form POST (proxies refuse long URLs). */
export const POST_THRESHOLD_BYTES = 4096;
/** Distinct (endpoint, kind, query) warnings remembered as logged; beyond it the memory starts over. */
const WARNED_QUERIES_KEPT = 1_000;
/** Queries are cut to this length in messages and logs. */
const QUERY_PREVIEW_CHARS = 200;
const BODY_PREVIEW_CHARS = 300;

const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EPIPE",
]);

interface Call {
  readonly endpoint: QueryEndpoint;
  readonly params: URLSearchParams;
  /** The PromQL or selectors, for messages. */
  readonly subject: string;
  readonly options: CallOptions | undefined;
}

export class PrometheusSource implements MetricsSource {
  private readonly config: PrometheusConfig;
  private readonly logger: Logger | undefined;
  private readonly hooks: PrometheusSourceHooks;
  private readonly http: HttpClient;
  private readonly semaphore: Semaphore;
  private readonly budget: MemoryBudget;
  private readonly base: string;
  private readonly staticHeaders: Readonly<Record<string, string>>;
  private readonly bearerToken: FileCache | undefined;
  private readonly basicPassword: FileCache | undefined;
  /** Queries whose warnings were logged at warn level: each once, then at debug. */
  private readonly warned = new Set<string>();

  constructor(options: PrometheusSourceOptions) {
    const { config } = options;
    this.config = config;
    this.logger = options.logger;
    this.hooks = options.metrics ?? {};
    this.http = new HttpClient({
      tls: config.tls,
      maxSockets: config.maxConcurrency,
      maxResponseBytes: config.maxResponseBytes,
    });
    this.semaphore = new Semaphore(config.maxConcurrency);
    this.budget = options.budget ?? new MemoryBudget(config.responseMemoryBudget);
    if (config.url === undefined)
      throw new Error("prometheus.url is not set: the Prometheus source needs the server's URL");
    const url = new URL(config.url);
    this.base = `${url.origin}${url.pathname.replace(/\/+$/, "")}/api/v1/`;
    this.staticHeaders = {
      accept: "application/json",
      "user-agent": "foresight",
      ...config.headers,
      ...(config.tenant !== undefined && { [config.tenantHeader]: config.tenant }),
    };
    this.bearerToken =
      config.bearerTokenFile === undefined
        ? undefined
        : new FileCache(config.bearerTokenFile, "prometheus.bearerTokenFile");
    this.basicPassword =
      config.basicAuth?.passwordFile === undefined
        ? undefined
        : new FileCache(config.basicAuth.passwordFile, "prometheus.basicAuth.passwordFile");
  }

  async instant(query: string, at?: Date, options?: CallOptions): Promise<InstantResult> {
    const params = new URLSearchParams({ query });
    if (at !== undefined) params.set("time", unixSeconds(at));
    params.set("timeout", timeoutParam(this.config.timeout));
    const call: Call = { endpoint: "query", params, subject: query, options };
    return this.run(call, (data) => parseInstant(data, (why) => this.badResponse(call, why)));
  }

  async range(
    query: string,
    start: Date,
    end: Date,
    stepSeconds: number,
    options?: CallOptions,
  ): Promise<RangeSeries[]> {
    const params = new URLSearchParams({
      query,
      start: unixSeconds(start),
      end: unixSeconds(end),
      step: String(stepSeconds),
      timeout: timeoutParam(this.config.timeout),
    });
    const call: Call = { endpoint: "query_range", params, subject: query, options };
    return this.run(call, (data) => parseRange(data, (why) => this.badResponse(call, why)));
  }

  async series(match: readonly string[], start: Date, end: Date, options?: CallOptions): Promise<Labels[]> {
    const params = new URLSearchParams();
    for (const m of match) params.append("match[]", m);
    params.set("start", unixSeconds(start));
    params.set("end", unixSeconds(end));
    const call: Call = { endpoint: "series", params, subject: match.join(", "), options };
    return this.run(call, (data) => parseSeries(data, (why) => this.badResponse(call, why)));
  }

  /** Closes kept-alive connections (for shutdown and tests). */
  close(): void {
    this.http.close();
  }

  private async run<T>(call: Call, parse: (data: unknown) => T): Promise<T> {
    const started = performance.now();
    const deadline = new Deadline(this.config.timeout, call.options?.signal);
    // Held until the answer is parsed: the body, its string and the JSON tree all count.
    const lease = this.budget.open();
    let outcome: QueryEvent["outcome"] = "ok";
    try {
      const data = await this.semaphore.run(
        () => this.exchange(call, deadline.signal, lease),
        deadline.signal,
      );
      return parse(data);
    } catch (err) {
      const failure = this.classify(call, err, deadline, lease);
      outcome = failure.kind;
      throw failure;
    } finally {
      lease.release();
      deadline.dispose();
      this.hooks.onQuery?.({ endpoint: call.endpoint, durationMs: performance.now() - started, outcome });
    }
  }

  /** Sends the request and returns the envelope's `data`, or throws MetricsSourceError. */
  private async exchange(call: Call, signal: AbortSignal, lease: MemoryLease): Promise<unknown> {
    const encoded = call.params.toString();
    const post =
      this.config.method === "POST" ||
      (this.config.method === "auto" && encoded.length > POST_THRESHOLD_BYTES);
    const url = new URL(this.base + call.endpoint);
    if (!post) url.search = encoded;
    const headers: Record<string, string> = { ...this.staticHeaders, ...(await this.authHeaders()) };
    if (post) headers["content-type"] = "application/x-www-form-urlencoded";
    const response = await this.http.request({
      method: post ? "POST" : "GET",
      url,
      headers,
      signal,
      reserve: (bytes) => lease.reserve(bytes * MEMORY_PER_BODY_BYTE),
      ...(post && { body: encoded }),
    });
    return this.unwrap(call, response);
  }

  private async authHeaders(): Promise<Record<string, string>> {
    if (this.bearerToken) return { authorization: `Bearer ${await this.bearerToken.read()}` };
    const basic = this.config.basicAuth;
    if (basic) {
      const password = this.basicPassword ? await this.basicPassword.read() : (basic.password ?? "");
      return { authorization: `Basic ${Buffer.from(`${basic.username}:${password}`).toString("base64")}` };
    }
    return {};
  }

  private unwrap(call: Call, response: HttpResponse): unknown {
    const { status } = response;
    const envelope = parseEnvelope(response.body);
    if (status >= 200 && status < 300) {
      if (!envelope)
        throw this.badResponse(call, `HTTP ${status} with a body that is not JSON: ${preview(response)}`);
      if (envelope.status !== "success") {
        throw this.badResponse(call, `HTTP ${status} with status "${String(envelope.status)}"`);
      }
      const annotations = annotationsOf(envelope);
      if (annotations.warnings.length > 0 || annotations.partial) this.warnings(call, annotations);
      return envelope.data;
    }
    const errorType = typeof envelope?.errorType === "string" ? envelope.errorType : undefined;
    const detail = typeof envelope?.error === "string" ? envelope.error : preview(response);
    const hit = limitOf(detail);
    if (hit) {
      throw this.failure(
        call,
        "query",
        `over the server's limit of ${BACKEND_LIMIT_NAMES[hit.limit]} (${hit.setting}): ${detail}; ${LIMIT_ADVICE[hit.limit]}`,
        undefined,
        hit.limit,
      );
    }
    // Prometheus: 400 bad_data, 422 execution; VictoriaMetrics: 422 with errorType "422".
    if ((status === 400 || status === 422) && envelope?.status === "error") {
      throw this.failure(call, "query", `rejected by the server (${errorType ?? status}): ${detail}`);
    }
    // Prometheus answers its own query timeout with 503 + errorType "timeout".
    if (status === 503 && errorType === "timeout") {
      throw this.failure(
        call,
        "timeout",
        `server-side query timeout: ${detail}; simplify the query or raise prometheus.timeout`,
      );
    }
    if (status === 502 || status === 503 || status === 504 || status === 429) {
      throw this.failure(call, "unavailable", `HTTP ${status}: ${detail}; the server is down or overloaded`);
    }
    throw this.badResponse(
      call,
      `HTTP ${status}${errorType ? ` (${errorType})` : ""}: ${detail}${hint(status)}`,
    );
  }

  private classify(call: Call, err: unknown, deadline: Deadline, lease: MemoryLease): MetricsSourceError {
    if (err instanceof MetricsSourceError) return err;
    if (err instanceof ResponseBudgetError) return this.budgetRefused(call, lease, err);
    if (deadline.expired) {
      return this.failure(
        call,
        "timeout",
        `no answer within ${this.config.timeout} ms (prometheus.timeout); the server is slow or the query too heavy`,
        err,
      );
    }
    if (deadline.signal.aborted) return this.failure(call, "timeout", "aborted by the caller", err);
    if (err instanceof ResponseTooLargeError) {
      return this.badResponse(
        call,
        `${err.message} (prometheus.maxResponseBytes); narrow the query or raise the limit`,
        err,
      );
    }
    // A token or certificate not (yet) mounted: the server cannot be reached as configured.
    if (err instanceof ConfigFileError) return this.failure(call, "unavailable", err.message, err);
    const message = (err as Error | undefined)?.message ?? String(err);
    const code = errorCode(err);
    if (UNREACHABLE_CODES.has(code)) {
      return this.failure(
        call,
        "unavailable",
        `${message} (${code}); check prometheus.url and that the server is up`,
        err,
      );
    }
    if (code.startsWith("ERR_TLS") || /certificate|SSL|TLS/i.test(`${code} ${message}`)) {
      return this.failure(
        call,
        "unavailable",
        `TLS handshake failed: ${message}${code ? ` (${code})` : ""}; check prometheus.tls (caFile, serverName)`,
        err,
      );
    }
    return this.failure(call, "unavailable", `request failed: ${message}${code ? ` (${code})` : ""}`, err);
  }

  /**
   * Too many answers at once for the memory budget: 503 (the HPA keeps its replica count and asks
   * again), a warning and a counted refusal. The other answers in flight keep their share.
   */
  private budgetRefused(call: Call, lease: MemoryLease, err: ResponseBudgetError): MetricsSourceError {
    const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
    const others = this.budget.inUse - lease.held;
    this.hooks.onBudgetRefused?.(call.endpoint);
    this.logger?.warn(
      {
        endpoint: call.endpoint,
        query: truncate(call.subject),
        budgetBytes: this.budget.limitBytes,
        heldByThisAnswer: lease.held,
        heldByOthers: others,
      },
      "Prometheus answer refused: the response memory budget is spent by answers in flight",
    );
    return this.failure(
      call,
      "unavailable",
      `answers in flight already hold ${mib(others)} of the ${mib(this.budget.limitBytes)} ` +
        `prometheus.responseMemoryBudget (estimated at ${MEMORY_PER_BODY_BYTE}× body bytes) and this ` +
        `one needed more than its ${mib(lease.held)}; retry later, or raise the budget together with ` +
        "the memory limit",
      err,
    );
  }

  /**
   * Counts and logs an answer's warnings (each query's once at warn level, later ones at debug);
   * a partial answer fails the call unless the caller takes partial answers.
   */
  private warnings(call: Call, annotations: Annotations): void {
    const { partial, warnings } = annotations;
    this.hooks.onWarnings?.({ endpoint: call.endpoint, partial });
    const served = !partial || call.options?.acceptPartial === true;
    const key = `${call.endpoint}\u0000${partial}\u0000${served}\u0000${call.subject}`;
    const first = !this.warned.has(key);
    if (first) {
      if (this.warned.size >= WARNED_QUERIES_KEPT) this.warned.clear();
      this.warned.add(key);
    }
    const fields = {
      endpoint: call.endpoint,
      query: truncate(call.subject),
      partial,
      served,
      warnings: warnings.slice(0, 5).map((w) => truncate(w)),
    };
    const message = !partial
      ? "the metrics backend answered with warnings (logged once per query)"
      : served
        ? "the metrics backend answered with a partial result (data missing), served as such (logged once per query)"
        : "the metrics backend answered with a partial result (data missing): refused (logged once per query)";
    if (first) this.logger?.warn(fields, message);
    else this.logger?.debug(fields, message);
    if (!served) {
      throw this.failure(
        call,
        "partial",
        `the answer is partial (${
          warnings.length > 0
            ? warnings
                .slice(0, 3)
                .map((w) => truncate(w, 120))
                .join("; ")
            : "isPartial"
        }); a store or shard did not answer`,
      );
    }
  }

  private badResponse(call: Call, why: string, cause?: unknown): MetricsSourceError {
    return this.failure(call, "bad_response", `unexpected answer: ${why}`, cause);
  }

  private failure(
    call: Call,
    kind: MetricsSourceErrorKind,
    why: string,
    cause?: unknown,
    limit?: BackendLimit,
  ): MetricsSourceError {
    const where = `${this.base}${call.endpoint}`;
    return new MetricsSourceError(
      kind,
      `Prometheus ${call.endpoint} ${JSON.stringify(truncate(call.subject))} at ${where} failed: ${why}`,
      { ...(cause !== undefined && { cause }), ...(limit !== undefined && { limit }) },
    );
  }
}

const LIMIT_ADVICE: Readonly<Record<BackendLimit, string>> = {
  samples: "narrow the query (fewer series, a shorter range window) or raise the limit",
  series: "narrow the selectors to fewer series or raise the limit",
  points: "lower prometheus.maxPointsPerQuery to the server's limit, or use a larger step",
};

/**
 * The per-call timeout combined with the caller's signal. Hand-made instead of
 * AbortSignal.any([AbortSignal.timeout(), caller]): that leaks composite signals on a long-lived
 * caller signal in Node 20 (nodejs/node#55351), and its timer cannot be cleared when the call ends.
 */
class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly onCallerAbort: () => void;
  /** True when the timeout fired (as opposed to the caller aborting). */
  expired = false;

  constructor(
    timeoutMs: number,
    private readonly caller: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, "TimeoutError"));
    }, timeoutMs);
    this.onCallerAbort = () => this.controller.abort(caller?.reason);
    if (caller?.aborted) this.onCallerAbort();
    else caller?.addEventListener("abort", this.onCallerAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.caller?.removeEventListener("abort", this.onCallerAbort);
  }
}

/** Float seconds: Prometheus' duration syntax has no fractions ("0.5s" is refused), a bare float is accepted. */
function timeoutParam(ms: number): string {
  return String(ms / 1000);
}

function unixSeconds(date: Date): string {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError("invalid Date passed to PrometheusSource");
  return (ms / 1000).toFixed(3);
}

function truncate(text: string, max = QUERY_PREVIEW_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}

function preview(response: HttpResponse): string {
  const body = response.body.trim();
  return body === "" ? "(empty body)" : JSON.stringify(truncate(body, BODY_PREVIEW_CHARS));
}

function hint(status: number): string {
  switch (status) {
    case 401:
    case 403:
      return "; check prometheus.bearerTokenFile, basicAuth, headers and tenant";
    case 404:
      return "; check prometheus.url (Mimir and Cortex serve the API under /prometheus)";
    case 414:
      return "; the query is too long for a GET, set prometheus.method to POST";
    default:
      return "";
  }
}
