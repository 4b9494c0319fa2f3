/**
 * Kubernetes Events (core/v1 Event) for what the actuator does: an EventRecorder in the manner of
 * client-go's EventRecorder with its EventCorrelator's duplicate counting. Hand-written because
 * @kubernetes/client-node has no event recorder; this one covers what Foresight needs: build the
 * Event as kube-apiserver expects it, and fold an identical event seen again within a window into
 * the existing object (count + 1, new lastTimestamp) instead of creating another.
 *
 * The API calls sit behind the EventSink port (clientNodeEventSink for a real cluster); recording
 * never throws into the caller, failures are logged.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { CoreV1Api, type KubeConfig, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { Clock } from "../clock.js";
import { type Logger, silentLogger } from "../telemetry/logger.js";
import { bounded, type LeaderTerm } from "./leaderTerm.js";
import { RequestSignals } from "./requestSignals.js";

export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid?: string;
  resourceVersion?: string;
}

export interface EventInput {
  regarding: ObjectReference;
  type: "Normal" | "Warning";
  /** CamelCase, e.g. "ScaledUp". */
  reason: string;
  message: string;
  action?: string;
}

/** The two API calls the recorder makes, on namespaced core/v1 events. */
export interface EventSink {
  create(namespace: string, event: object, signal?: AbortSignal): Promise<unknown>;
  /** A JSON merge patch. */
  patch(namespace: string, name: string, patch: object, signal?: AbortSignal): Promise<unknown>;
}

/** The sink on a real (or simulated) API server through client-node's CoreV1Api. */
export function clientNodeEventSink(kc: KubeConfig): EventSink {
  const signals = new RequestSignals();
  const core = signals.makeApiClient(kc, CoreV1Api);
  return {
    create: (namespace, event, signal) =>
      signals.run(signal, () =>
        core.createNamespacedEvent({
          namespace,
          body: event as Parameters<CoreV1Api["createNamespacedEvent"]>[0]["body"],
        }),
      ),
    patch: (namespace, name, patch, signal) =>
      signals.run(signal, () =>
        core.patchNamespacedEvent(
          { namespace, name, body: patch },
          setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
        ),
      ),
  };
}

/**
 * A sink whose writes are bounded in time and fenced by the leader's term: a replica that is no
 * longer the leader records no Event (see leaderTerm.ts).
 */
export function fencedEventSink(sink: EventSink, term: LeaderTerm, timeoutMs: number): EventSink {
  const timeout = () => new Error(`Kubernetes API: event write got no answer within ${timeoutMs} ms`);
  return {
    create: (namespace, event) =>
      bounded("event create", timeoutMs, timeout, (signal) => sink.create(namespace, event, signal), term),
    patch: (namespace, name, patch) =>
      bounded(
        "event patch",
        timeoutMs,
        timeout,
        (signal) => sink.patch(namespace, name, patch, signal),
        term,
      ),
  };
}

export interface EventRecorderOptions {
  readonly sink: EventSink;
  /** source.component and reportingComponent, e.g. "foresight". */
  readonly component: string;
  /** reportingInstance and source.host; default the host name. */
  readonly host?: string;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** An identical event within this long of the last one is counted on it. Default 10 minutes. */
  readonly aggregateWindowMs?: number;
  /** Remembered events (least recently seen go first). Default 4096, as client-go's cache. */
  readonly cacheSize?: number;
}

export const DEFAULT_AGGREGATE_WINDOW_MS = 10 * 60 * 1000;
export const MAX_MESSAGE_LENGTH = 1024;
const MAX_NAME_LENGTH = 253;
const REASON = /^[A-Z][A-Za-z0-9]*$/;

/** An event already in the API that a duplicate can be counted on. */
interface Recorded {
  readonly namespace: string;
  readonly name: string;
  count: number;
  lastSeenMs: number;
}

/** Kubernetes time (metav1.Time): RFC 3339 to the second, in UTC. */
export function rfc3339Seconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** The message as stored: at most 1024 characters, an ellipsis marking a cut. */
export function truncateMessage(message: string): string {
  return message.length <= MAX_MESSAGE_LENGTH ? message : `${message.slice(0, MAX_MESSAGE_LENGTH - 3)}...`;
}

/** `<name>.<16 hex>` within the 253-character name limit. */
function eventName(objectName: string): string {
  const suffix = randomBytes(8).toString("hex");
  return `${objectName.slice(0, MAX_NAME_LENGTH - suffix.length - 1)}.${suffix}`;
}

function statusCode(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { code?: unknown; statusCode?: unknown; body?: unknown };
  if (typeof e.code === "number") return e.code;
  if (typeof e.statusCode === "number") return e.statusCode;
  if (typeof e.body === "object" && e.body !== null) {
    const code = (e.body as { code?: unknown }).code;
    if (typeof code === "number") return code;
  }
  return undefined;
}

function inputProblem(input: EventInput): string | undefined {
  const r = input.regarding;
  if (!r || typeof r.name !== "string" || r.name === "") return "regarding.name must be a non-empty string";
  if (typeof r.kind !== "string" || r.kind === "") return "regarding.kind must be a non-empty string";
  if (input.type !== "Normal" && input.type !== "Warning") {
    return `type must be Normal or Warning, got ${JSON.stringify(input.type)}`;
  }
  if (typeof input.reason !== "string" || !REASON.test(input.reason)) {
    return `reason must be CamelCase, got ${JSON.stringify(input.reason)}`;
  }
  if (typeof input.message !== "string") return "message must be a string";
  return undefined;
}

/** Records core/v1 Events, counting repeats of an identical event on the existing object. */
export class EventRecorder {
  readonly #sink: EventSink;
  readonly #component: string;
  readonly #host: string;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #windowMs: number;
  readonly #cacheSize: number;
  /** By correlation key, in least-recently-seen order (a Map keeps insertion order). */
  readonly #recorded = new Map<string, Recorded>();
  /** The record in flight per key, so identical events are counted one after another. */
  readonly #inFlight = new Map<string, Promise<void>>();

  constructor(options: EventRecorderOptions) {
    if (options.component === "") throw new TypeError("EventRecorder component must not be empty");
    const windowMs = options.aggregateWindowMs ?? DEFAULT_AGGREGATE_WINDOW_MS;
    if (!Number.isFinite(windowMs) || windowMs < 0) {
      throw new RangeError(
        `aggregateWindowMs must be a non-negative number, got ${options.aggregateWindowMs}`,
      );
    }
    const cacheSize = options.cacheSize ?? 4096;
    if (!Number.isInteger(cacheSize) || cacheSize < 1) {
      throw new RangeError(`cacheSize must be a positive integer, got ${options.cacheSize}`);
    }
    this.#sink = options.sink;
    this.#component = options.component;
    this.#host = options.host ?? hostname();
    this.#clock = options.clock;
    this.#logger = options.logger ?? silentLogger();
    this.#windowMs = windowMs;
    this.#cacheSize = cacheSize;
  }

  /** Creates the Event, or counts it on an identical recent one. Never throws: errors are logged. */
  async record(input: EventInput): Promise<void> {
    const problem = inputProblem(input);
    if (problem !== undefined) {
      this.#logger.error({ reason: input?.reason }, `event not recorded: ${problem}`);
      return;
    }
    const message = truncateMessage(input.message);
    const key = JSON.stringify([
      input.regarding.uid ?? "",
      input.regarding.apiVersion,
      input.regarding.kind,
      input.regarding.namespace,
      input.regarding.name,
      input.type,
      input.reason,
      message,
    ]);
    const previous = this.#inFlight.get(key) ?? Promise.resolve();
    const current = previous.then(() => this.#recordOne(key, input, message));
    this.#inFlight.set(key, current);
    try {
      await current;
    } finally {
      if (this.#inFlight.get(key) === current) this.#inFlight.delete(key);
    }
  }

  async #recordOne(key: string, input: EventInput, message: string): Promise<void> {
    const nowMs = this.#clock.now();
    const namespace = input.regarding.namespace || "default";
    const seen = this.#recorded.get(key);
    try {
      if (seen !== undefined && nowMs - seen.lastSeenMs <= this.#windowMs) {
        const count = seen.count + 1;
        try {
          await this.#sink.patch(seen.namespace, seen.name, { count, lastTimestamp: rfc3339Seconds(nowMs) });
          this.#remember(key, { ...seen, count, lastSeenMs: nowMs });
          return;
        } catch (error) {
          if (statusCode(error) !== 404) throw error;
          // The event expired or was deleted: start a new one.
        }
      }
      const name = eventName(input.regarding.name);
      await this.#sink.create(namespace, this.#build(name, namespace, input, message, nowMs));
      this.#remember(key, { namespace, name, count: 1, lastSeenMs: nowMs });
    } catch (error) {
      this.#recorded.delete(key);
      this.#logger.error(
        {
          err: error,
          regarding: `${input.regarding.kind}/${namespace}/${input.regarding.name}`,
          reason: input.reason,
        },
        "recording a Kubernetes event failed",
      );
    }
  }

  #build(name: string, namespace: string, input: EventInput, message: string, nowMs: number): object {
    const r = input.regarding;
    const time = rfc3339Seconds(nowMs);
    return {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: r.apiVersion,
        kind: r.kind,
        name: r.name,
        namespace: r.namespace,
        ...(r.uid !== undefined ? { uid: r.uid } : {}),
        ...(r.resourceVersion !== undefined ? { resourceVersion: r.resourceVersion } : {}),
      },
      reason: input.reason,
      message,
      type: input.type,
      source: { component: this.#component, host: this.#host },
      reportingComponent: this.#component,
      reportingInstance: this.#host,
      firstTimestamp: time,
      lastTimestamp: time,
      // A legacy (core/v1) event: no eventTime, as client-go's recorder sends it.
      eventTime: null,
      count: 1,
      ...(input.action !== undefined ? { action: input.action } : {}),
    };
  }

  #remember(key: string, recorded: Recorded): void {
    this.#recorded.delete(key);
    this.#recorded.set(key, recorded);
    while (this.#recorded.size > this.#cacheSize) {
      const oldest = this.#recorded.keys().next();
      if (oldest.done) break;
      this.#recorded.delete(oldest.value);
    }
  }
}
