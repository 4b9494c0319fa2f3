/**
 * Streams one watch over HTTP as the apiserver does: 200 with chunked newline-delimited JSON
 * `{"type":…,"object":…}` lines, periodic BOOKMARKs when asked for, an ERROR event carrying a
 * 410 Expired Status when the requested resourceVersion is older than the kept history, and the
 * stream ends at `timeoutSeconds` (or the server's maximum).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { WatchRequest } from "./handlers.js";
import type { StoredObject, WatchEvent } from "./objects.js";
import { apiVersionOf } from "./resourceTypes.js";
import { KubeApiError } from "./status.js";
import type { ObjectStore } from "./store.js";
import { toTable } from "./table.js";

export interface WatchStreamSettings {
  readonly bookmarkIntervalMs: number;
  /** Used when the client gives no timeoutSeconds (the apiserver picks 30-60 min). */
  readonly defaultTimeoutMs: number;
}

/** Marks the bookmark that closes the initial events of a watch-list (`sendInitialEvents`). */
export const INITIAL_EVENTS_END_ANNOTATION = "k8s.io/initial-events-end";

const STREAM_HEADERS = {
  "Content-Type": "application/json",
  "Cache-Control": "no-cache, private",
  "Transfer-Encoding": "chunked",
};

/**
 * Serves the watch; returns a function that ends it (for server shutdown). Errors found before
 * streaming starts (bad selectors, bad resourceVersion) are thrown as KubeApiError so the caller
 * answers with a plain Status; an expired resourceVersion is reported in-stream, as the apiserver does.
 */
export function streamWatch(
  store: ObjectStore,
  watch: WatchRequest,
  req: IncomingMessage,
  res: ServerResponse,
  settings: WatchStreamSettings,
): () => void {
  const { type } = watch;
  const pending: WatchEvent[] = [];
  let live = false;
  const table = watch.table;
  const write = (event: WatchEvent) => {
    if (res.writableEnded) return;
    let object: unknown = event.object;
    if (table && event.type !== "BOOKMARK" && event.type !== "ERROR") {
      const changed = event.object as StoredObject;
      object = toTable(type, [changed], changed.metadata.resourceVersion, store.now(), table);
    }
    res.write(`${JSON.stringify({ type: event.type, object })}\n`);
  };

  let handle: { stop(): void };
  try {
    handle = store.watch(type, watch.options, (event) => (live ? write(event) : pending.push(event)));
  } catch (error) {
    if (error instanceof KubeApiError && error.code === 410) {
      res.writeHead(200, STREAM_HEADERS);
      write({ type: "ERROR", object: { ...error.status } });
      res.end();
      return () => {};
    }
    throw error;
  }

  res.writeHead(200, STREAM_HEADERS);
  res.flushHeaders();
  req.socket.setNoDelay(true);
  for (const event of pending) write(event);
  live = true;

  const bookmark = (annotations?: Record<string, string>) =>
    write({
      type: "BOOKMARK",
      object: {
        kind: type.kind,
        apiVersion: apiVersionOf(type),
        metadata: { resourceVersion: store.resourceVersion(), ...(annotations ? { annotations } : {}) },
      },
    });
  if (watch.sendInitialEvents) bookmark({ [INITIAL_EVENTS_END_ANNOTATION]: "true" });

  const timers: NodeJS.Timeout[] = [];
  if (watch.allowWatchBookmarks) {
    timers.push(setInterval(() => bookmark(), settings.bookmarkIntervalMs));
  }
  const timeoutMs =
    watch.timeoutSeconds !== undefined ? watch.timeoutSeconds * 1000 : settings.defaultTimeoutMs;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    handle.stop();
    for (const t of timers) clearTimeout(t);
    if (!res.writableEnded) res.end();
  };
  timers.push(setTimeout(end, timeoutMs));
  for (const t of timers) t.unref();
  res.on("close", end);
  return end;
}
