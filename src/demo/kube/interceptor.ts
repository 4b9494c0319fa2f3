/**
 * The interception hook of the simulated Kubernetes API (`KubeFacadeOptions.interceptor`): what a
 * test plugs into the facade's request path to answer chosen requests itself, delay them, change
 * the store just before one is served, or log what was served. No real API server has it, and the
 * demo runs without one (the default: every request is served as the simulator serves it).
 *
 * The server consults the hook points in this order, once per request:
 * 1. `takeHold`: when it answers, the answer waits (before the request is served, or after it);
 * 2. `takeRaw`: when it answers, that body is sent as is and the request is not served;
 * 3. `takeFault`: when it answers, that Status is sent and the request is not served;
 * 4. `runBefore`: runs just before the request is served normally;
 * 5. `record`: told the status of every request when its handling ends (answered or not).
 * Every hook point is optional. The test harness's FaultInjector (test/harness/kubeFaults.ts)
 * implements them all from rules a test sets.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { ObjectStore } from "./store.js";

/** A request as the hook points see it. */
export interface InterceptedRequest {
  readonly method: string;
  /** The URL pathname. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
}

/** A body sent as is, with this status (100-599) and content type (default application/json). */
export interface RawAnswer {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
}

/** A failure sent instead of serving the request: a Kubernetes Status body, with extra headers. */
export interface InjectedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Record<string, unknown>;
}

/** When a held request's answer waits: before it is served, or after (its write is in the store). */
export type HoldPoint = "before" | "after";

/**
 * A hold the server carries out: "before" waits `ms` and only then serves the request (nothing is
 * applied until then); "after" serves it at once and writes its answer `ms` later. A client that
 * goes away during a "before" hold leaves the request unserved (logged as CLIENT_CLOSED_REQUEST);
 * closing the facade ends pending holds at once, unanswered.
 */
export interface HoldAnswer {
  readonly ms: number;
  readonly when: HoldPoint;
}

/** One request whose handling ended: what was asked and the status it got (or would have got). */
export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

/**
 * Status recorded for a request whose client went away while it was held before being served (it
 * is then not served at all): 499, nginx's "client closed request"; no Kubernetes answer has it.
 */
export const CLIENT_CLOSED_REQUEST = 499;

export interface RequestInterceptor {
  /** Asked first: a hold for the request's answer, or undefined. */
  takeHold?(request: InterceptedRequest): HoldAnswer | undefined;
  /** A raw answer that replaces serving the request, or undefined. */
  takeRaw?(request: InterceptedRequest): RawAnswer | undefined;
  /** A failure that replaces serving the request (the body is not read), or undefined. */
  takeFault?(request: InterceptedRequest): InjectedResponse | undefined;
  /** Runs just before the request is served normally (after a "before" hold). */
  runBefore?(request: InterceptedRequest, store: ObjectStore): void;
  /** Told once per request when its handling ends, with the status of its answer. */
  record?(entry: RequestRecord): void;
}
