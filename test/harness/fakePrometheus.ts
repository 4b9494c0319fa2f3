/**
 * A fake Prometheus for fault tests: a node:http server speaking enough of the Prometheus HTTP API
 * (/api/v1/query, /query_range, /series, /labels, GET or form POST) over a small in-memory set of
 * series, whose failure mode tests switch at runtime: healthy, down (port closed), slow, garbage
 * JSON, an HTTP error status, or partial data (some series missing).
 *
 * Hand-written because the real Prometheus (test/harness/prometheus.ts) cannot be made to fail on
 * command. The query "engine" understands only what fault tests need: the first series selector in
 * the query (`name{a="x",b!="",c=~"re",d!~"re"}`) and, when present, the first `sum by (...)`, which
 * sums the selected series per group; anything else returns the selected series as they are.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

export type LabelSet = Readonly<Record<string, string>>;

export type FakePrometheusMode = "ok" | "down" | "slow" | "garbage" | "error" | "partial";

export interface FakeModeOptions {
  /** slow: how long every API request waits before a healthy answer (default 60 s). */
  readonly delayMs?: number;
  /** error: the HTTP status (default 503). */
  readonly status?: number;
  /** error: the `errorType` in the error envelope (default "unavailable"). */
  readonly errorType?: string;
  /** garbage: the body of the 200 answer (default a truncated JSON envelope). */
  readonly body?: string;
  /** partial: which series are still there (default: every other series in insertion order). */
  readonly keep?: (labels: LabelSet, index: number) => boolean;
}

export interface FakePrometheus {
  /** `http://127.0.0.1:<port>`; stays the same across down/up. */
  readonly url: string;
  readonly port: number;
  readonly mode: FakePrometheusMode;
  /** API requests received so far, by endpoint (`query`, `series`, …), in any mode but down. */
  readonly requests: Readonly<Record<string, number>>;
  /** API requests being answered right now (slow mode holds them). */
  readonly inFlight: number;
  /** Switches the failure mode; resolves once it is in effect (down: the port is closed). */
  setMode(mode: FakePrometheusMode, options?: FakeModeOptions): Promise<void>;
  /** Adds or replaces the series `name` with exactly these labels. */
  setSeries(name: string, labels: LabelSet, value: number): void;
  removeSeries(name: string, labels: LabelSet): boolean;
  close(): Promise<void>;
}

interface Series {
  readonly labels: LabelSet;
  value: number;
}

interface Matcher {
  readonly name: string;
  readonly op: "=" | "!=" | "=~" | "!~";
  readonly value: string;
}

const DEFAULT_SLOW_MS = 60_000;
const GARBAGE = '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"pod":';

export async function startFakePrometheus(): Promise<FakePrometheus> {
  const series = new Map<string, Series>();
  const requests: Record<string, number> = {};
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let mode: FakePrometheusMode = "ok";
  let options: FakeModeOptions = {};
  let inFlight = 0;
  let port = 0;

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    void readParams(req).then((params) => {
      const url = new URL(req.url ?? "/", "http://fake");
      const endpoint = /^\/api\/v1\/(query|query_range|series|labels)$/.exec(url.pathname)?.[1];
      if (endpoint === undefined) {
        send(res, 404, { status: "error", errorType: "not_found", error: `no route ${url.pathname}` });
        return;
      }
      requests[endpoint] = (requests[endpoint] ?? 0) + 1;
      inFlight++;
      res.once("close", () => inFlight--);
      const answer = () => respond(endpoint, params, res);
      if (mode === "slow") {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, options.delayMs ?? DEFAULT_SLOW_MS);
        timers.add(timer);
        res.once("close", () => {
          clearTimeout(timer);
          timers.delete(timer);
        });
      } else answer();
    });
  };

  /** The series visible now: all of them, or in partial mode the kept ones. */
  const visible = (): Series[] => {
    const all = [...series.values()];
    if (mode !== "partial") return all;
    const keep = options.keep ?? ((_labels: LabelSet, index: number) => index % 2 === 0);
    return all.filter((s, i) => keep(s.labels, i));
  };

  const respond = (endpoint: string, params: URLSearchParams, res: ServerResponse) => {
    if (mode === "garbage") {
      res.writeHead(200, { "content-type": "application/json" }).end(options.body ?? GARBAGE);
      return;
    }
    if (mode === "error") {
      const status = options.status ?? 503;
      send(res, status, {
        status: "error",
        errorType: options.errorType ?? "unavailable",
        error: `fake Prometheus failing with ${status} on purpose`,
      });
      return;
    }
    try {
      send(res, 200, { status: "success", data: answer(endpoint, params, visible()) });
    } catch (err) {
      send(res, 400, { status: "error", errorType: "bad_data", error: (err as Error).message });
    }
  };

  const server: Server = createServer(handler);
  server.keepAliveTimeout = 60_000;
  const track = (s: Server) =>
    s.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    });
  track(server);

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        const address = server.address();
        if (address === null || typeof address === "string")
          reject(new Error("fake Prometheus has no TCP address"));
        else {
          port = address.port;
          resolve();
        }
      });
    });
  const shut = () =>
    new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      if (!server.listening) resolve();
      else server.close(() => resolve());
    });

  await listen();
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    port,
    get mode() {
      return mode;
    },
    requests,
    get inFlight() {
      return inFlight;
    },
    async setMode(next, nextOptions = {}) {
      const wasDown = mode === "down";
      mode = next;
      options = nextOptions;
      if (next === "down" && !wasDown) await shut();
      if (next !== "down" && wasDown) await listen();
    },
    setSeries(name, labels, value) {
      const full = { ...labels, __name__: name };
      const existing = series.get(key(full));
      if (existing) existing.value = value;
      else series.set(key(full), { labels: full, value });
    },
    removeSeries(name, labels) {
      return series.delete(key({ ...labels, __name__: name }));
    },
    close: shut,
  };
}

function key(labels: LabelSet): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** Query-string parameters, plus the form body of a POST. */
function readParams(req: IncomingMessage): Promise<URLSearchParams> {
  const params = new URL(req.url ?? "/", "http://fake").searchParams;
  if (req.method !== "POST") {
    req.resume();
    return Promise.resolve(params);
  }
  return new Promise((resolve) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      for (const [k, v] of new URLSearchParams(body)) params.append(k, v);
      resolve(params);
    });
  });
}

function answer(endpoint: string, params: URLSearchParams, all: readonly Series[]): unknown {
  const now = Date.now() / 1000;
  switch (endpoint) {
    case "series": {
      const matches = params.getAll("match[]").map(parseSelector);
      return all.filter((s) => matches.some((m) => selects(m, s.labels))).map((s) => s.labels);
    }
    case "labels":
      return [...new Set(all.flatMap((s) => Object.keys(s.labels)))].sort();
    case "query":
      return {
        resultType: "vector",
        result: evaluate(params.get("query") ?? "", all).map((s) => ({
          metric: s.labels,
          value: [now, formatValue(s.value)],
        })),
      };
    default: {
      const start = Number(params.get("start"));
      const end = Number(params.get("end"));
      const step = Number(params.get("step")) || 60;
      const times: number[] = [];
      for (let t = start; t <= end && times.length < 11_000; t += step) times.push(t);
      return {
        resultType: "matrix",
        result: evaluate(params.get("query") ?? "", all).map((s) => ({
          metric: s.labels,
          values: times.map((t) => [t, formatValue(s.value)]),
        })),
      };
    }
  }
}

/** The first selector of `query`, summed by the first `sum by (…)` if there is one. */
function evaluate(query: string, all: readonly Series[]): Series[] {
  const selected = all.filter((s) => selects(parseSelector(query), s.labels));
  const by = /\bsum\s+by\s*\(([^)]*)\)/.exec(query)?.[1];
  if (by === undefined) return selected.map((s) => ({ labels: withoutName(s.labels), value: s.value }));
  const names = by
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  const groups = new Map<string, Series>();
  for (const s of selected) {
    const labels: Record<string, string> = {};
    for (const n of names) if (s.labels[n] !== undefined) labels[n] = s.labels[n] as string;
    const k = key(labels);
    const group = groups.get(k);
    if (group) group.value += s.value;
    else groups.set(k, { labels, value: s.value });
  }
  return [...groups.values()];
}

function withoutName(labels: LabelSet): LabelSet {
  const { __name__: _, ...rest } = labels;
  return rest;
}

/** `name{matchers}`, `name` or `{matchers}`: the first selector found in `text`. */
function parseSelector(text: string): Matcher[] {
  const m = /([a-zA-Z_:][a-zA-Z0-9_:]*)?\{([^}]*)\}|([a-zA-Z_:][a-zA-Z0-9_:]*)(?![a-zA-Z0-9_:]|\s*\()/.exec(
    text.replace(/\b(sum|avg|max|min|count)\s+by\s*\([^)]*\)/g, ""),
  );
  if (!m) throw new Error(`fake Prometheus: no series selector in ${JSON.stringify(text)}`);
  const matchers: Matcher[] = [];
  const name = m[1] ?? m[3];
  if (name !== undefined) matchers.push({ name: "__name__", op: "=", value: name });
  for (const part of (m[2] ?? "").matchAll(
    /([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g,
  )) {
    matchers.push({
      name: part[1] as string,
      op: part[2] as Matcher["op"],
      value: JSON.parse(`"${part[3] as string}"`) as string,
    });
  }
  return matchers;
}

function selects(matchers: readonly Matcher[], labels: LabelSet): boolean {
  return matchers.every((m) => {
    const value = labels[m.name] ?? "";
    switch (m.op) {
      case "=":
        return value === m.value;
      case "!=":
        return value !== m.value;
      case "=~":
        return new RegExp(`^(?:${m.value})$`).test(value);
      default:
        return !new RegExp(`^(?:${m.value})$`).test(value);
    }
  });
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}
