/**
 * A minimal keep-alive HTTP(S) client for talking to one Prometheus-compatible server.
 *
 * Why node:http(s) and not fetch: Node's fetch (undici) takes TLS settings (CA, client certificate,
 * servername, skip-verify) only through an undici `Agent` passed as `dispatcher`, and undici is
 * bundled in Node but not importable without adding the `undici` package. node:https takes every
 * TLS setting we need on a keep-alive `Agent`, honours AbortSignal, and adds no dependency.
 * Connections are kept alive (a new TCP+TLS handshake per query would dominate latency).
 */
import http from "node:http";
import https from "node:https";
import { readConfiguredFile } from "./fileCache.js";

export interface HttpTlsOptions {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly serverName?: string;
  readonly insecureSkipVerify: boolean;
}

export interface HttpRequest {
  readonly method: "GET" | "POST";
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal: AbortSignal;
  /**
   * Called with each body chunk's size before the chunk is kept (a shared memory budget); false
   * aborts the answer with ResponseBudgetError.
   */
  readonly reserve?: (bytes: number) => boolean;
}

export interface HttpResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export interface HttpClientOptions {
  readonly tls: HttpTlsOptions;
  /** Sockets per host; the caller's semaphore bounds requests, this only keeps the pool coherent. */
  readonly maxSockets: number;
  /** Larger answers (body bytes) are refused rather than buffered without bound. */
  readonly maxResponseBytes?: number;
}

/** The answer was larger than `maxResponseBytes`. */
export class ResponseTooLargeError extends Error {
  override readonly name = "ResponseTooLargeError";
}

/** `reserve` refused a chunk of the answer. */
export class ResponseBudgetError extends Error {
  override readonly name = "ResponseBudgetError";
}

const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
/** Errors that mean a pooled keep-alive socket had been closed by the server just before we used it. */
const STALE_SOCKET_CODES = new Set(["ECONNRESET", "EPIPE"]);

export class HttpClient {
  private agent: Promise<http.Agent> | undefined;
  private readonly maxResponseBytes: number;

  constructor(private readonly options: HttpClientOptions) {
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const agent = await this.agentFor(req.url);
    try {
      return await send(agent, req, this.maxResponseBytes);
    } catch (err) {
      // Node's documented remedy for the keep-alive race: retry once on a fresh socket. Queries are
      // read-only, so repeating a POST is safe.
      if ((err as StaleAware).reusedSocket && STALE_SOCKET_CODES.has(errorCode(err)) && !req.signal.aborted) {
        return send(agent, req, this.maxResponseBytes);
      }
      throw err;
    }
  }

  /** Closes pooled connections. Later requests open new ones. */
  close(): void {
    const agent = this.agent;
    this.agent = undefined;
    void agent?.then((a) => a.destroy()).catch(() => undefined);
  }

  private agentFor(url: URL): Promise<http.Agent> {
    // TLS files are read on first use (no I/O in constructors); a failed read is retried next time.
    this.agent ??= createAgent(url.protocol === "https:", this.options).catch((err) => {
      this.agent = undefined;
      throw err;
    });
    return this.agent;
  }
}

interface StaleAware {
  reusedSocket?: boolean;
}

export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : "";
}

async function createAgent(secure: boolean, options: HttpClientOptions): Promise<http.Agent> {
  const common = { keepAlive: true, maxSockets: options.maxSockets };
  if (!secure) return new http.Agent(common);
  const { tls } = options;
  const [ca, cert, key] = await Promise.all([
    readTlsFile(tls.caFile, "prometheus.tls.caFile"),
    readTlsFile(tls.certFile, "prometheus.tls.certFile"),
    readTlsFile(tls.keyFile, "prometheus.tls.keyFile"),
  ]);
  return new https.Agent({
    ...common,
    ...(ca !== undefined && { ca }),
    ...(cert !== undefined && { cert }),
    ...(key !== undefined && { key }),
    ...(tls.serverName !== undefined && { servername: tls.serverName }),
    rejectUnauthorized: !tls.insecureSkipVerify,
  });
}

function readTlsFile(path: string | undefined, what: string): Promise<string | undefined> {
  return path === undefined ? Promise.resolve(undefined) : readConfiguredFile(path, what);
}

function send(agent: http.Agent, req: HttpRequest, maxBytes: number): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const transport = req.url.protocol === "https:" ? https : http;
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers["content-length"] = Buffer.byteLength(req.body);
    const out = transport.request(req.url, { method: req.method, headers, agent, signal: req.signal });
    const fail = (err: Error) => {
      (err as StaleAware).reusedSocket = out.reusedSocket;
      reject(err);
    };
    out.on("error", fail);
    out.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let refused = false;
      const refuse = (err: Error) => {
        refused = true;
        chunks.length = 0;
        out.destroy(err);
      };
      res.on("data", (chunk: Buffer) => {
        if (refused) return;
        size += chunk.length;
        if (size > maxBytes) {
          refuse(new ResponseTooLargeError(`response exceeded ${maxBytes} bytes`));
          return;
        }
        if (req.reserve && !req.reserve(chunk.length)) {
          refuse(new ResponseBudgetError(`no memory budget left after ${size - chunk.length} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on("error", fail);
      res.on("end", () => {
        const joined = Buffer.concat(chunks, size);
        // Let the chunks go before the string is decoded: two copies of a big body at once, not three.
        chunks.length = 0;
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers["content-type"] ?? "",
          body: joined.toString("utf8"),
        });
      });
    });
    out.end(req.body);
  });
}
