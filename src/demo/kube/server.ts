/**
 * The Kubernetes REST facade of the simulated cluster: an HTTP(S) server that speaks the
 * Kubernetes API protocol over the in-memory ObjectStore, so kubectl and @kubernetes/client-node
 * work against it in tests and in the demo.
 *
 * THIS IS A SIMULATOR, NOT A REAL API SERVER. It does no authentication or authorization (any
 * credentials are accepted, none are needed; TokenReview and SubjectAccessReview are answered by
 * the `reviews` authority given, by default one that knows no token and allows nothing, see
 * reviews.ts), runs no admission (apart from the namespace-exists check), validates little beyond
 * object names, has no garbage collector and no graceful deletion (metadata.finalizers are
 * honoured: see finalizers.ts), no server-side apply, no protobuf, no aggregated discovery, no
 * OpenAPI schemas (a minimal /openapi/v3 only, see openapi.ts), and ignores list paging
 * (`limit`/`continue` return everything). See docs/simulator.md.
 *
 * `interceptor` is a hook for tests (interceptor.ts), none by default: answers of its own instead
 * of serving chosen requests, code run before them, answers held back (before or after the request
 * is served), and a record of every request served. test/harness/kubeFacade.ts starts a facade
 * with the harness's FaultInjector plugged in (`facade.faults`).
 *
 * Plain node:http routing rather than express: the routes are a parse over the resource registry
 * (routes.ts), watches need the raw response stream, and one handler serves both http and https.
 */
import { writeFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { loadServingCert } from "../../adapter/servingCert.js";
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from "./discovery.js";
import { handleResource } from "./handlers.js";
import { CLIENT_CLOSED_REQUEST, type InterceptedRequest, type RequestInterceptor } from "./interceptor.js";
import { kubeconfigYaml } from "./kubeconfig.js";
import { openApiV3GroupVersion, openApiV3Root } from "./openapi.js";
import {
  answerSubjectAccessReview,
  answerTokenReview,
  NO_REVIEW_AUTHORITY,
  type ReviewAuthority,
  SUBJECT_ACCESS_REVIEW_PATH,
  TOKEN_REVIEW_PATH,
} from "./reviews.js";
import { route } from "./routes.js";
import {
  entityTooLarge,
  KubeApiError,
  kubeBadRequest,
  kubeInternalError,
  kubeMethodNotAllowed,
  kubeNotAcceptable,
  unknownPath,
} from "./status.js";
import { ObjectStore, type ObjectStoreOptions } from "./store.js";
import { tableRequested } from "./table.js";
import { streamWatch, type WatchStreamSettings } from "./watchStream.js";

export interface KubeFacadeOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Default "127.0.0.1". */
  readonly host?: string;
  /** Serve HTTPS with a self-signed certificate. Default false. */
  readonly tls?: boolean;
  /** Serve this store (shared with the simulator); default a new one built from storeOptions. */
  readonly store?: ObjectStore;
  readonly storeOptions?: ObjectStoreOptions;
  /** Interval of BOOKMARK events on watches that allow them. Default 60 s. */
  readonly bookmarkIntervalSeconds?: number;
  /** Length of a watch whose client gives no timeoutSeconds. Default 1800 s. */
  readonly defaultWatchTimeoutSeconds?: number;
  /** Largest request body accepted. Default 3 MiB, as the apiserver. */
  readonly maxBodyBytes?: number;
  /** Answers TokenReviews and SubjectAccessReviews (reviews.ts); default: no token known, all denied. */
  readonly reviews?: ReviewAuthority;
  /** A hook into the request path for tests (interceptor.ts); default none. */
  readonly interceptor?: RequestInterceptor;
}

export interface KubeFacade {
  /** Base URL, e.g. "http://127.0.0.1:41234". */
  readonly url: string;
  readonly port: number;
  readonly store: ObjectStore;
  /**
   * The kubeconfig YAML for this server; also written to `path` (mode 0600) when given. `token`
   * tells this client's requests apart (to an interceptor, to the reviews); no credential is checked.
   */
  kubeconfig(path?: string, options?: { readonly token?: string }): string;
  /** Ends open watches and pending held answers (unanswered), and stops the server. */
  close(): Promise<void>;
}

const JSON_TYPE = "application/json";

function acceptsJson(accept: string | undefined): boolean {
  if (!accept || accept.trim() === "") return true;
  return accept.split(",").some((entry) => {
    const media = (entry.split(";")[0] ?? "").trim().toLowerCase();
    return media === JSON_TYPE || media === "application/*" || media === "*/*";
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, "Content-Type": JSON_TYPE, "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** How the handler answers a request: once a held answer may go (see interceptor.ts `takeHold`). */
interface Reply {
  /** Writes a JSON answer, after the hold if any; nothing is written when the client is gone. */
  json(status: number, body: unknown, headers?: Readonly<Record<string, string>>): Promise<void>;
  /** Waits out an "after" hold: true when the answer may be written. */
  ready(): Promise<boolean>;
}

function readBody(req: IncomingMessage, limit: number): () => Promise<Buffer> {
  let body: Promise<Buffer> | undefined;
  return () => {
    body ??= new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (chunk: Buffer) => {
        size += chunk.length;
        // Past the limit the rest is drained unread, so the client still gets the 413.
        if (size > limit) reject(entityTooLarge(limit));
        else chunks.push(chunk);
      });
      req.on("end", () => resolve(Buffer.concat(chunks)));
      req.on("error", reject);
    });
    return body;
  };
}

export async function startKubeFacade(options: KubeFacadeOptions = {}): Promise<KubeFacade> {
  const store = options.store ?? new ObjectStore(options.storeOptions);
  const host = options.host ?? "127.0.0.1";
  const maxBodyBytes = options.maxBodyBytes ?? 3 * 1024 * 1024;
  const settings: WatchStreamSettings = {
    bookmarkIntervalMs: (options.bookmarkIntervalSeconds ?? 60) * 1000,
    defaultTimeoutMs: (options.defaultWatchTimeoutSeconds ?? 1800) * 1000,
  };
  if (!(settings.bookmarkIntervalMs > 0) || !(settings.defaultTimeoutMs > 0)) {
    throw new Error("bookmarkIntervalSeconds and defaultWatchTimeoutSeconds must be positive");
  }
  const openWatches = new Set<() => void>();
  /** Held answers still waiting; each ends its wait at once (unanswered). */
  const pendingHolds = new Set<() => void>();
  const interceptor: RequestInterceptor = options.interceptor ?? {};
  const reviews = options.reviews ?? NO_REVIEW_AUTHORITY;
  let address = "";

  /**
   * Waits `ms` unless the client goes away or the facade closes first: true when the whole wait
   * passed. The timer and listener are always cleaned up.
   */
  const holdFor = (ms: number, req: IncomingMessage, res: ServerResponse): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      if (req.socket.destroyed) {
        resolve(false);
        return;
      }
      const end = (waited: boolean): void => {
        clearTimeout(timer);
        res.off("close", gone);
        pendingHolds.delete(gone);
        resolve(waited);
      };
      const gone = (): void => end(false);
      const timer = setTimeout(() => end(true), ms);
      res.once("close", gone);
      pendingHolds.add(gone);
    });

  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    request: InterceptedRequest,
    reply: Reply,
  ) => {
    const { method, path, query } = request;
    const raw = interceptor.takeRaw?.(request);
    if (raw) {
      req.resume();
      if (!(await reply.ready())) return;
      res.writeHead(raw.status, { "Content-Type": raw.contentType ?? JSON_TYPE });
      res.end(raw.body);
      return;
    }
    const injected = interceptor.takeFault?.(request);
    if (injected) {
      req.resume(); // the body is not read: drain it so the connection stays usable
      return reply.json(injected.status, injected.body, injected.headers);
    }
    interceptor.runBefore?.(request, store);
    if (path === TOKEN_REVIEW_PATH || path === SUBJECT_ACCESS_REVIEW_PATH) {
      if (method !== "POST") throw kubeMethodNotAllowed();
      const text = (await readBody(req, maxBodyBytes)()).toString("utf8");
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw kubeBadRequest("the review body is not valid JSON");
      }
      const answer =
        path === TOKEN_REVIEW_PATH
          ? answerTokenReview(reviews, body)
          : answerSubjectAccessReview(reviews, body);
      return reply.json(201, answer);
    }
    const target = route(store.registry, path);
    if (target.to === "notFound") throw unknownPath();
    if (!acceptsJson(req.headers.accept)) throw kubeNotAcceptable();
    if (target.to !== "resource" && method !== "GET") throw kubeMethodNotAllowed();
    switch (target.to) {
      case "version":
        return reply.json(200, versionInfo());
      case "health":
        if (!(await reply.ready())) return;
        res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
        res.end("ok");
        return;
      case "apiVersions":
        return reply.json(200, apiVersions(address));
      case "groupList":
        return reply.json(200, apiGroupList(store.registry));
      case "group": {
        const doc = apiGroup(store.registry, target.group);
        if (!doc) throw unknownPath();
        return reply.json(200, doc);
      }
      case "resourceList": {
        const doc = apiResourceList(store.registry, target.group, target.version);
        if (!doc) throw unknownPath();
        return reply.json(200, doc);
      }
      case "openApiV3Root":
        return reply.json(200, openApiV3Root(store.registry));
      case "openApiV3": {
        const doc = openApiV3GroupVersion(store.registry, target.path);
        if (!doc) throw unknownPath();
        return reply.json(200, doc);
      }
      case "resource": {
        const table = method === "GET" ? tableRequested(req.headers.accept, query) : undefined;
        const response = await handleResource(store, {
          method,
          route: target,
          query,
          contentType: (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "",
          readBody: readBody(req, maxBodyBytes),
          ...(table ? { table } : {}),
        });
        if (response.kind === "document") return reply.json(response.status, response.body);
        if (!(await reply.ready())) return; // an "after" hold delays the start of the stream
        const end = streamWatch(store, response.watch, req, res, settings);
        openWatches.add(end);
        res.on("close", () => openWatches.delete(end));
        return;
      }
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://simulator");
    } catch {
      const failure = kubeBadRequest(`malformed request URL: ${req.url ?? ""}`);
      sendJson(res, failure.code, failure.status);
      interceptor.record?.({ method: req.method ?? "GET", path: req.url ?? "", status: failure.code });
      return;
    }
    const request: InterceptedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
    };
    // The status of the answer, written or not (a held answer whose client went away).
    let answered: number | undefined;
    const record = () =>
      interceptor.record?.({
        method: request.method,
        path: request.path,
        status: answered ?? res.statusCode,
      });
    const hold = interceptor.takeHold?.(request);
    let afterHold: Promise<boolean> | undefined; // waited out once, however often asked
    const reply: Reply = {
      ready: () => {
        afterHold ??= hold?.when === "after" ? holdFor(hold.ms, req, res) : Promise.resolve(true);
        return afterHold;
      },
      json: async (status, body, headers) => {
        answered = status;
        if (await reply.ready()) sendJson(res, status, body, headers);
      },
    };
    const serve = async (): Promise<void> => {
      if (hold?.when === "before" && !(await holdFor(hold.ms, req, res))) {
        answered = CLIENT_CLOSED_REQUEST; // not served: nothing applied
        return;
      }
      await handle(req, res, request, reply);
    };
    serve().then(record, (error: unknown) => {
      const failure = error instanceof KubeApiError ? error : kubeInternalError(error);
      if (res.headersSent) {
        res.destroy();
        record();
      } else {
        reply.json(failure.code, failure.status).then(record, record);
      }
    });
  };

  let server: Server;
  if (options.tls) {
    const cert = await loadServingCert();
    server = createHttpsServer({ cert: cert.cert, key: cert.key }, listener);
  } else {
    server = createHttpServer(listener);
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = host.includes(":") ? `[${host}]` : host;
  address = `${hostInUrl}:${port}`;
  const url = `${options.tls ? "https" : "http"}://${address}`;

  return {
    url,
    port,
    store,
    kubeconfig(path?: string, options: { readonly token?: string } = {}): string {
      const yaml = kubeconfigYaml({ server: url, ...options });
      if (path !== undefined) writeFileSync(path, yaml, { mode: 0o600 });
      return yaml;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const end of [...pendingHolds]) end();
        for (const end of [...openWatches]) end();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
