/**
 * One Kubernetes watch request: GET `path?watch=true&resourceVersion=…` with the kubeconfig's
 * credentials, its answer read line by line as JSON watch events. Each event goes to `onEvent`;
 * the promise resolves when the server ends the stream and rejects on anything else: a status other
 * than 200 (with the Status message when there is one), no response headers within
 * `connectTimeoutMs`, a line that is not JSON, a network error, or `onEvent` throwing (which is how a
 * caller refuses an event it cannot use). The request is cancelled then, and by `signal`.
 *
 * Hand-written over node-fetch (which @kubernetes/client-node uses for the same request) because the
 * library's Watch cannot be cancelled before the response headers arrive (a silent server holds it
 * forever), drops lines it cannot parse without a word, and lets a callback's error escape.
 */
import { createInterface } from "node:readline";
import type { KubeConfig } from "@kubernetes/client-node";
import fetch from "node-fetch";

export interface WatchStreamOptions {
  readonly kubeConfig: KubeConfig;
  /** The collection, e.g. /api/v1/pods. */
  readonly path: string;
  readonly resourceVersion: string;
  /** Asked of the server: it ends the watch after this long (client-go picks 5-10 min). */
  readonly timeoutSeconds: number;
  /** The response headers must come within this long. */
  readonly connectTimeoutMs: number;
  readonly signal: AbortSignal;
  /** Called once the server answered 200. */
  readonly onOpen?: () => void;
  /** One parsed line; throw to end the watch with that error. */
  readonly onEvent: (event: unknown) => void;
}

/** A watch line that is not JSON. */
export class WatchLineError extends Error {
  override readonly name = "WatchLineError";
}

/** A watch that failed with an HTTP status (410 Gone: the resourceVersion is too old). */
export class WatchStatusError extends Error {
  override readonly name = "WatchStatusError";
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

export async function runWatch(options: WatchStreamOptions): Promise<void> {
  const cluster = options.kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error("no current cluster in the kubeconfig");
  const url = new URL(cluster.server + options.path);
  url.searchParams.set("watch", "true");
  url.searchParams.set("allowWatchBookmarks", "true");
  url.searchParams.set("timeoutSeconds", String(options.timeoutSeconds));
  if (options.resourceVersion) url.searchParams.set("resourceVersion", options.resourceVersion);
  const init = await options.kubeConfig.applyToFetchOptions({});
  const controller = new AbortController();
  const cancel = () => controller.abort();
  options.signal.addEventListener("abort", cancel);
  const connectTimer = setTimeout(cancel, options.connectTimeoutMs);
  try {
    let response: Awaited<ReturnType<typeof fetch>>;
    try {
      response = await fetch(url.toString(), { ...init, method: "GET", signal: controller.signal });
    } catch (err) {
      if (controller.signal.aborted && !options.signal.aborted)
        throw new Error(`watch ${options.path}: no response within ${options.connectTimeoutMs} ms`);
      throw err;
    } finally {
      clearTimeout(connectTimer);
    }
    if (response.status !== 200) {
      const text = await response.text().catch(() => "");
      throw new WatchStatusError(
        `watch ${options.path}: HTTP ${response.status}${statusMessage(text)}`,
        response.status,
      );
    }
    options.onOpen?.();
    const lines = createInterface({ input: response.body, crlfDelay: Number.POSITIVE_INFINITY });
    try {
      for await (const line of lines) {
        if (line.trim() === "") continue;
        let event: unknown;
        try {
          event = JSON.parse(line);
        } catch {
          throw new WatchLineError(`watch ${options.path}: a line that is not JSON: ${line.slice(0, 200)}`);
        }
        options.onEvent(event);
      }
    } finally {
      lines.close();
    }
    if (options.signal.aborted) return;
  } finally {
    options.signal.removeEventListener("abort", cancel);
    controller.abort();
  }
}

function statusMessage(text: string): string {
  try {
    const status = JSON.parse(text) as { message?: unknown };
    return typeof status.message === "string" ? `: ${status.message}` : "";
  } catch {
    return "";
  }
}
