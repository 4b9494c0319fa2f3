/**
 * An informer: one resource listed, then watched, into an in-memory cache (client-go's reflector
 * and store), with the faults of a real API server handled as client-go does:
 * - it has synced only once a LIST succeeded; a failed LIST is retried, never taken as empty;
 * - every watch event is checked before the cache sees it: an event that is not ADDED, MODIFIED,
 *   DELETED, BOOKMARK or ERROR, or whose object has no metadata.name, ends the watch as an error
 *   (logged, counted, retried from the last good resourceVersion), and never reaches the cache;
 * - an ERROR event or HTTP 410 (the resourceVersion is too old) lists again;
 * - failures back off 1 s doubling to 30 s with jitter, logged with the delay; a watch that ends
 *   within a second with no event counts as a failure (client-go's "very short watch"), so a server
 *   that closes every watch at once is not hammered; a watch that ran normally resets the backoff;
 * - a listener that throws is logged and counted; it never stops the informer or the process.
 * Its health (synced, failing since, last error) is what /readyz reports.
 *
 * Hand-written: @kubernetes/client-node's ListWatch takes a failed LIST as synced, passes any
 * watch line to its cache (one bad line crashes the process), and re-watches without backoff.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type { Clock } from "../clock.js";
import type { KubeObject, Lister } from "../k8s/lister.js";
import type { Logger } from "../telemetry/logger.js";
import { kubeStatusCode } from "./retry.js";
import { runWatch, WatchLineError, WatchStatusError } from "./watchStream.js";

export type InformerEvent = "add" | "update" | "delete";

/** Why an informer attempt failed, for the failure counter. */
export type InformerFailure = "list" | "watch" | "bad-event" | "short-watch" | "listener";

export interface InformerHealth {
  readonly resource: string;
  readonly synced: boolean;
  /** Since when every attempt failed (undefined while healthy). */
  readonly failingSinceMs?: number;
  readonly lastError?: string;
  readonly failures: number;
  /** The last LIST was answered 404: the API server does not serve this resource (now). */
  readonly notServed: boolean;
}

/** The body of a LIST: the objects and the resourceVersion to watch from. */
export interface ListResponse {
  readonly items: readonly unknown[];
  readonly metadata?: { readonly resourceVersion?: string };
}

export interface ReflectorOptions {
  /** Names the resource in logs, metrics and /readyz, e.g. "pods". */
  readonly resource: string;
  /** The collection path watched, e.g. /api/v1/pods. */
  readonly path: string;
  readonly kubeConfig: KubeConfig;
  /** The LIST; `signal` cancels it (on stop, or past `listTimeoutMs`). */
  readonly list: (signal: AbortSignal) => Promise<ListResponse>;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly onFailure?: (kind: InformerFailure) => void;
  /**
   * Keeps less of each object (client-go's SetTransform): applied to every listed and watched
   * object before the cache and the listeners see it. Default: the object as the server sent it.
   */
  readonly transform?: (object: KubeObject) => KubeObject;
  /** Default: Math.random. */
  readonly random?: () => number;
  /** Default 1000 and 30000. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Response headers of a watch must come within this long; default 30 s. */
  readonly connectTimeoutMs?: number;
  /** A LIST must be answered within this long; default 60 s. */
  readonly listTimeoutMs?: number;
}

type Listener = (object: KubeObject, event: InformerEvent) => void;

const WATCH_TYPES = new Set(["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]);
/** client-go: a watch that ends sooner than this without an event is a failure. */
const SHORT_WATCH_MS = 1000;

class BadEventError extends Error {
  override readonly name = "BadEventError";
}

interface WatchEvent {
  readonly type: string;
  readonly object: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function hasName(object: unknown): object is KubeObject {
  return isRecord(object) && isRecord(object.metadata) && typeof object.metadata.name === "string";
}

/** The event, or a BadEventError saying what is wrong with it. */
function checkEvent(raw: unknown): WatchEvent {
  if (!isRecord(raw)) throw new BadEventError("a watch line that is not an event object");
  const type = raw.type;
  if (typeof type !== "string" || !WATCH_TYPES.has(type))
    throw new BadEventError(`a watch event of unknown type ${JSON.stringify(type)}`);
  if (!isRecord(raw.object)) throw new BadEventError(`a ${type} watch event without an object`);
  if (type !== "ERROR" && type !== "BOOKMARK" && !hasName(raw.object))
    throw new BadEventError(`a ${type} watch event whose object has no metadata.name`);
  return { type, object: raw.object };
}

/** The first line (client-node's messages go on with the whole response). */
function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n")[0] ?? text;
}

function resourceVersionOf(object: Record<string, unknown>): string | undefined {
  const meta = object.metadata;
  return isRecord(meta) && typeof meta.resourceVersion === "string" ? meta.resourceVersion : undefined;
}

export class Reflector implements Lister {
  readonly #opts: ReflectorOptions;
  readonly #log: Logger;
  /** namespace ("" for cluster-scoped) → name → object. */
  readonly #objects = new Map<string, Map<string, KubeObject>>();
  readonly #listeners: Listener[] = [];
  readonly #stop = new AbortController();
  #resourceVersion = "";
  #synced = false;
  #failures = 0;
  #failingSinceMs: number | undefined;
  #lastError: string | undefined;
  #consecutive = 0;
  /** Callers of waitForSync, woken on the first sync. */
  readonly #onSynced: (() => void)[] = [];
  #notServed = false;
  #loop: Promise<void> | undefined;

  constructor(options: ReflectorOptions) {
    this.#opts = options;
    this.#log = options.logger.child({ informer: options.resource });
  }

  onChange(listener: Listener): void {
    this.#listeners.push(listener);
  }

  /** Starts the list-and-watch loop; it runs until stop(). */
  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  /** Resolves once synced (true), or false after `timeoutMs` or on stop. */
  async waitForSync(timeoutMs: number): Promise<boolean> {
    if (this.#synced || this.#stop.signal.aborted) return this.#synced;
    await new Promise<void>((resolve) => {
      const timer = Number.isFinite(timeoutMs) ? setTimeout(done, timeoutMs) : undefined;
      const signal = this.#stop.signal;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      this.#onSynced.push(done);
      signal.addEventListener("abort", done, { once: true });
    });
    return this.#synced;
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  health(): InformerHealth {
    return {
      resource: this.#opts.resource,
      synced: this.#synced,
      failures: this.#failures,
      notServed: this.#notServed,
      ...(this.#failingSinceMs !== undefined ? { failingSinceMs: this.#failingSinceMs } : {}),
      ...(this.#lastError !== undefined ? { lastError: this.#lastError } : {}),
    };
  }

  list(namespace?: string): readonly KubeObject[] {
    if (namespace === undefined) return [...this.#objects.values()].flatMap((m) => [...m.values()]);
    return [...(this.#objects.get(namespace)?.values() ?? [])];
  }

  get(name: string, namespace?: string): KubeObject | undefined {
    return this.#objects.get(namespace ?? "")?.get(name);
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      let kind: InformerFailure = "list";
      try {
        if (!this.#resourceVersion) {
          this.#replace(await this.#list(signal));
          if (signal.aborted) return;
          this.#synced = true;
          for (const wake of this.#onSynced.splice(0)) wake();
          this.#healthy();
        }
        kind = "watch";
        const startedMs = Date.now();
        let events = 0;
        await runWatch({
          kubeConfig: this.#opts.kubeConfig,
          path: this.#opts.path,
          resourceVersion: this.#resourceVersion,
          // Spread the watches' ends, as client-go does (5 to 10 minutes).
          timeoutSeconds: Math.round(300 * (1 + this.#random())),
          connectTimeoutMs: this.#opts.connectTimeoutMs ?? 30_000,
          signal,
          onEvent: (raw) => {
            events++;
            this.#apply(checkEvent(raw));
          },
        });
        if (signal.aborted) return;
        if (events === 0 && Date.now() - startedMs < SHORT_WATCH_MS) {
          kind = "short-watch";
          throw new Error(
            `the watch ended after ${Date.now() - startedMs} ms with no event (a very short watch)`,
          );
        }
        this.#healthy();
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof BadEventError || err instanceof WatchLineError) kind = "bad-event";
        if (err instanceof WatchStatusError && err.code === 410) {
          this.#resourceVersion = ""; // expired: list again, at once
          this.#log.info({ err: err.message }, "watch expired; listing again");
          continue;
        }
        await this.#failed(kind, err);
      }
    }
  }

  async #list(stop: AbortSignal): Promise<ListResponse> {
    const ms = this.#opts.listTimeoutMs ?? 60_000;
    const timeout = AbortSignal.timeout(ms);
    try {
      return await this.#opts.list(AbortSignal.any([stop, timeout]));
    } catch (err) {
      if (timeout.aborted && !stop.aborted) throw new Error(`LIST got no answer within ${ms} ms`);
      throw err;
    }
  }

  #random(): number {
    return (this.#opts.random ?? Math.random)();
  }

  #healthy(): void {
    this.#consecutive = 0;
    this.#notServed = false;
    this.#failingSinceMs = undefined;
  }

  async #failed(kind: InformerFailure, err: unknown): Promise<void> {
    const { initialMs, maxMs } = this.#opts.backoff ?? { initialMs: 1000, maxMs: 30_000 };
    const base = Math.min(maxMs, initialMs * 2 ** this.#consecutive);
    // Jitter: up to a fifth either way, never past the cap.
    const delayMs = Math.round(Math.min(maxMs, base * (0.8 + 0.4 * this.#random())));
    this.#consecutive++;
    this.#failures++;
    this.#failingSinceMs ??= this.#opts.clock.now();
    this.#lastError = errorText(err);
    this.#notServed = kind === "list" && kubeStatusCode(err) === 404;
    this.#opts.onFailure?.(kind);
    this.#log.warn(
      { kind, err: this.#lastError, attempt: this.#consecutive, retryInMs: delayMs, synced: this.#synced },
      "informer failed; retrying",
    );
    // Wait out the delay, or stop: the listener is removed either way (no pile-up while failing).
    const signal = this.#stop.signal;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, delayMs);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  #apply(event: WatchEvent): void {
    if (event.type === "ERROR") {
      const code = event.object.code;
      throw new WatchStatusError(
        `watch error event: ${String(event.object.message ?? "no message")}`,
        typeof code === "number" ? code : 500,
      );
    }
    const rv = resourceVersionOf(event.object);
    if (event.type !== "BOOKMARK") {
      const object = this.#keep(event.object as unknown as KubeObject);
      const ns = object.metadata.namespace ?? "";
      if (event.type === "DELETED") {
        if (this.#objects.get(ns)?.delete(object.metadata.name)) this.#notify(object, "delete");
      } else {
        const bucket = this.#objects.get(ns) ?? new Map<string, KubeObject>();
        this.#objects.set(ns, bucket);
        const existed = bucket.has(object.metadata.name);
        bucket.set(object.metadata.name, object);
        this.#notify(object, existed ? "update" : "add");
      }
    }
    if (rv) this.#resourceVersion = rv;
  }

  /** A LIST's items replace the cache; listeners hear what was added, changed and removed. */
  #replace(list: ListResponse): void {
    if (!isRecord(list) || !Array.isArray(list.items))
      throw new BadEventError("the LIST answer has no items array");
    const next = new Map<string, Map<string, KubeObject>>();
    for (const item of list.items) {
      if (!hasName(item)) throw new BadEventError("a LIST item without metadata.name");
      const ns = item.metadata.namespace ?? "";
      const bucket = next.get(ns) ?? new Map<string, KubeObject>();
      next.set(ns, bucket);
      bucket.set(item.metadata.name, this.#keep(item));
    }
    const previous = new Map(this.#objects);
    this.#objects.clear();
    for (const [ns, bucket] of next) this.#objects.set(ns, bucket);
    for (const [ns, bucket] of previous)
      for (const [name, object] of bucket) if (!next.get(ns)?.has(name)) this.#notify(object, "delete");
    for (const [ns, bucket] of next)
      for (const [name, object] of bucket) {
        const before = previous.get(ns)?.get(name);
        if (!before) this.#notify(object, "add");
        else if (before.metadata.resourceVersion !== object.metadata.resourceVersion)
          this.#notify(object, "update");
      }
    this.#resourceVersion = list.metadata?.resourceVersion ?? "";
  }

  #keep(object: KubeObject): KubeObject {
    return this.#opts.transform ? this.#opts.transform(object) : object;
  }

  #notify(object: KubeObject, event: InformerEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(object, event);
      } catch (err) {
        this.#opts.onFailure?.("listener");
        this.#log.error(
          { err: errorText(err), event, name: object.metadata.name },
          "informer listener threw",
        );
      }
    }
  }
}
