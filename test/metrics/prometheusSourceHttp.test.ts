/**
 * PrometheusSource on the wire, against small local servers that answer what each test needs:
 * request shape, error mapping, timeouts, auth headers, TLS and the concurrency bound.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { generate } from "selfsigned";
import { prometheusSchema } from "../../src/config/schema.js";
import {
  POST_THRESHOLD_BYTES,
  PrometheusSource,
  type QueryEvent,
  type WarningEvent,
} from "../../src/metrics/prometheusSource.js";
import type { MetricsSourceError, MetricsSourceErrorKind } from "../../src/metrics/source.js";
import type { Logger } from "../../src/telemetry/logger.js";
import { freePort } from "../harness/ports.js";
import { rejectsWith } from "./checks.js";

interface Seen {
  readonly method: string;
  readonly path: string;
  /** Query-string parameters, or the form body's for a POST. */
  readonly params: URLSearchParams;
  readonly headers: IncomingMessage["headers"];
}

type Handler = (seen: Seen, res: ServerResponse) => void;

interface FakeServer {
  readonly url: string;
  readonly seen: Seen[];
  /** TCP connections accepted so far. */
  readonly connections: () => number;
  close(): Promise<void>;
}

const VECTOR = JSON.stringify({
  status: "success",
  data: { resultType: "vector", result: [{ metric: { pod: "a" }, value: [1_700_000_000.123, "1"] }] },
});

const answer =
  (status: number, body: string, contentType = "application/json"): Handler =>
  (_seen, res) => {
    res.writeHead(status, { "content-type": contentType }).end(body);
  };

async function startServer(
  handler: Handler = answer(200, VECTOR),
  tls?: { key: string; cert: string; ca?: string; requestCert?: boolean },
): Promise<FakeServer> {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const body = Buffer.concat(chunks).toString("utf8");
      const entry: Seen = {
        method: req.method ?? "",
        path: url.pathname,
        params: req.method === "POST" ? new URLSearchParams(body) : url.searchParams,
        headers: req.headers,
      };
      seen.push(entry);
      handler(entry, res);
    });
  };
  const server = tls
    ? createTlsServer({ ...tls, rejectUnauthorized: tls.requestCert ?? false }, onRequest)
    : createServer(onRequest);
  server.on(tls ? "secureConnection" : "connection", (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("server has no address");
  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${address.port}`,
    seen,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Limit errors as Prometheus 2.42 and VictoriaMetrics 1.79 word them (copied from the real servers). */
const LIMIT_ANSWERS = [
  {
    name: "Prometheus --query.max-samples",
    status: 422,
    body: '{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory in query execution"}',
    limit: "samples",
    text: /limit of samples per query \(Prometheus --query.max-samples.*narrow the query/,
  },
  {
    name: "Prometheus 11,000 points",
    status: 400,
    body: '{"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"}',
    limit: "points",
    text: /limit of points per series \(Prometheus' fixed 11,000.*prometheus.maxPointsPerQuery/,
  },
  {
    name: "VictoriaMetrics -search.maxSamplesPerQuery",
    status: 422,
    body: '{"status":"error","errorType":"422","error":"cannot select more than -search.maxSamplesPerQuery=500 samples; possible solutions: to increase the -search.maxSamplesPerQuery"}',
    limit: "samples",
    text: /limit of samples per query \(VictoriaMetrics -search.maxSamplesPerQuery/,
  },
  {
    name: "VictoriaMetrics -search.maxPointsPerTimeseries",
    status: 422,
    body: '{"status":"error","errorType":"422","error":"too many points for the given step=1000, start=1 and end=7201: 7201; cannot exceed -search.maxPointsPerTimeseries=500"}',
    limit: "points",
    text: /limit of points per series \(VictoriaMetrics -search.maxPointsPerTimeseries/,
  },
  {
    name: "VictoriaMetrics -search.maxUniqueTimeseries",
    status: 422,
    body: '{"status":"error","errorType":"422","error":"error when searching tsids: the number of matching timeseries exceeds 3; either narrow down the search or increase -search.max* command-line flag values at vmselect"}',
    limit: "series",
    text: /limit of series per query \(VictoriaMetrics -search.maxUniqueTimeseries/,
  },
] as const;

function source(url: string, extra: Record<string, unknown> = {}, events?: QueryEvent[]): PrometheusSource {
  return new PrometheusSource({
    config: prometheusSchema.parse({ url, timeout: "2s", ...extra }),
    ...(events && { metrics: { onQuery: (e: QueryEvent) => events.push(e) } }),
  });
}

describe("PrometheusSource requests", () => {
  it("builds instant, range and series requests under the URL's path prefix", async () => {
    const server = await startServer((seen, res) => {
      const data = seen.path.endsWith("/series")
        ? [{ __name__: "up", job: "x" }]
        : seen.path.endsWith("/query_range")
          ? { resultType: "matrix", result: [] }
          : { resultType: "vector", result: [] };
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ status: "success", data }));
    });
    const client = source(`${server.url}/prometheus/`, { timeout: "1500ms" });
    try {
      await client.instant("up", new Date(1_700_000_000_123));
      await client.instant("up");
      await client.range("rate(x[1m])", new Date(1_700_000_000_000), new Date(1_700_000_060_500), 15);
      const series = await client.series(
        ['up{job="a"}', "DCGM_FI_DEV_GPU_UTIL"],
        new Date(1_000),
        new Date(2_000),
      );
      assert.deepEqual(series, [{ __name__: "up", job: "x" }]);
      const [instantAt, instantNow, range, seriesReq] = server.seen;
      assert.equal(instantAt?.method, "GET");
      assert.equal(instantAt?.path, "/prometheus/api/v1/query");
      assert.deepEqual(Object.fromEntries(instantAt?.params ?? []), {
        query: "up",
        time: "1700000000.123",
        timeout: "1.5",
      });
      assert.equal(instantNow?.params.has("time"), false);
      assert.equal(range?.path, "/prometheus/api/v1/query_range");
      assert.deepEqual(Object.fromEntries(range?.params ?? []), {
        query: "rate(x[1m])",
        start: "1700000000.000",
        end: "1700000060.500",
        step: "15",
        timeout: "1.5",
      });
      assert.equal(seriesReq?.path, "/prometheus/api/v1/series");
      assert.deepEqual(seriesReq?.params.getAll("match[]"), ['up{job="a"}', "DCGM_FI_DEV_GPU_UTIL"]);
      assert.equal(seriesReq?.params.get("start"), "1.000");
      assert.equal(seriesReq?.params.get("end"), "2.000");
    } finally {
      client.close();
      await server.close();
    }
  });

  it("switches to a form POST once the encoded parameters pass the threshold", async () => {
    const server = await startServer();
    const client = source(server.url);
    try {
      const fits = `x{a="${"b".repeat(POST_THRESHOLD_BYTES - 100)}"}`;
      const tooLong = `x{a="${"b".repeat(POST_THRESHOLD_BYTES + 100)}"}`;
      await client.instant(fits);
      await client.instant(tooLong);
      const [get, post] = server.seen;
      assert.equal(get?.method, "GET");
      assert.equal(get?.params.get("query"), fits);
      assert.equal(post?.method, "POST");
      assert.equal(post?.headers["content-type"], "application/x-www-form-urlencoded");
      assert.equal(post?.params.get("query"), tooLong);
    } finally {
      client.close();
      await server.close();
    }
  });

  it("keeps the connection alive across queries", async () => {
    const server = await startServer();
    const client = source(server.url);
    try {
      for (let i = 0; i < 5; i++) await client.instant(`q${i}`);
      assert.equal(server.seen.length, 5);
      assert.equal(server.connections(), 1);
    } finally {
      client.close();
      await server.close();
    }
  });

  describe("warnings and partial answers", () => {
    const withWarnings = (extra: Record<string, unknown>) =>
      answer(200, JSON.stringify({ ...(JSON.parse(VECTOR) as object), ...extra }));
    const recorder = () => {
      const logged: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
      const log = (level: string) => (fields: Record<string, unknown>, message: string) =>
        logged.push({ level, fields, message });
      return { logged, logger: { warn: log("warn"), debug: log("debug") } as unknown as Logger };
    };

    it("serves an answer whose warnings are PromQL annotations, logs them once per query, counts each", async () => {
      const server = await startServer(
        withWarnings({
          warnings: ['PromQL info: metric might not be a counter, name does not end in _total: "x"'],
        }),
      );
      const { logged, logger } = recorder();
      const events: WarningEvent[] = [];
      const client = new PrometheusSource({
        config: prometheusSchema.parse({ url: server.url }),
        logger,
        metrics: { onWarnings: (e) => events.push(e) },
      });
      try {
        for (let i = 0; i < 3; i++) {
          const result = await client.instant("rate(x[5m])");
          assert.equal(result.type === "vector" && result.samples.length, 1);
        }
        await client.instant("rate(y[5m])");
        assert.deepEqual(
          logged.map((l) => [l.level, l.fields.query, l.fields.partial]),
          [
            ["warn", "rate(x[5m])", false],
            ["debug", "rate(x[5m])", false],
            ["debug", "rate(x[5m])", false],
            ["warn", "rate(y[5m])", false],
          ],
        );
        assert.deepEqual(events, Array(4).fill({ endpoint: "query", partial: false }));
      } finally {
        client.close();
        await server.close();
      }
    });

    it("refuses an answer with a storage warning (a Thanos store down) as partial, unless the caller takes partial answers", async () => {
      const server = await startServer(withWarnings({ warnings: ["receive: store b unavailable"] }));
      const { logged, logger } = recorder();
      const events: WarningEvent[] = [];
      const client = new PrometheusSource({
        config: prometheusSchema.parse({ url: server.url }),
        logger,
        metrics: { onWarnings: (e) => events.push(e) },
      });
      try {
        await rejectsWith(
          client.instant("up"),
          "partial",
          /answer is partial \(receive: store b unavailable\)/,
        );
        await rejectsWith(client.range("up", new Date(0), new Date(60_000), 60), "partial");
        const served = await client.instant("up", undefined, { acceptPartial: true });
        assert.equal(served.type === "vector" && served.samples.length, 1);
        assert.deepEqual(
          logged.map((l) => [l.level, l.fields.endpoint, l.fields.served]),
          [
            ["warn", "query", false],
            ["warn", "query_range", false],
            ["warn", "query", true],
          ],
        );
        assert.match(logged[0]?.message ?? "", /partial result .*refused/);
        assert.deepEqual(
          events.map((e) => e.partial),
          [true, true, true],
        );
      } finally {
        client.close();
        await server.close();
      }
    });

    it("reads VictoriaMetrics' isPartial as partial", async () => {
      const server = await startServer(withWarnings({ isPartial: true }));
      const client = source(server.url);
      try {
        await rejectsWith(client.instant("up"), "partial", /isPartial/);
      } finally {
        client.close();
        await server.close();
      }
    });
  });

  it("parses values, special floats and timestamps of vectors and matrices", async () => {
    const values = ["1", "0.5", "1e3", "-2", "NaN", "+Inf", "-Inf"];
    const server = await startServer((seen, res) => {
      const result = values.map((v, i) =>
        seen.path.endsWith("query_range")
          ? { metric: { i: String(i) }, values: [[1_700_000_000.5, v]] }
          : { metric: { i: String(i) }, value: [1_700_000_000.123, v] },
      );
      const resultType = seen.path.endsWith("query_range") ? "matrix" : "vector";
      res.end(JSON.stringify({ status: "success", data: { resultType, result } }));
    });
    const client = source(server.url);
    const want = [1, 0.5, 1000, -2, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    try {
      const instant = await client.instant("x");
      assert.equal(instant.type, "vector");
      if (instant.type !== "vector") return;
      assert.deepEqual(
        instant.samples.map((s) => s.value),
        want,
      );
      assert.ok(instant.samples.every((s) => s.timestamp === 1_700_000_000_123));
      const range = await client.range("x", new Date(0), new Date(1000), 1);
      assert.deepEqual(
        range.map((r) => r.points),
        want.map((v) => [[1_700_000_000_500, v]]),
      );
    } finally {
      client.close();
      await server.close();
    }
  });
});

describe("PrometheusSource error mapping", () => {
  const cases: Array<{
    name: string;
    status: number;
    body: string;
    contentType?: string;
    kind: MetricsSourceErrorKind;
    text: RegExp;
  }> = [
    {
      name: "garbage JSON",
      status: 200,
      body: "{not json",
      kind: "bad_response",
      text: /not JSON.*\{not json/,
    },
    {
      name: "success status missing",
      status: 200,
      body: '{"status":"error","data":{}}',
      kind: "bad_response",
      text: /status "error"/,
    },
    {
      name: "matrix for an instant query",
      status: 200,
      body: '{"status":"success","data":{"resultType":"matrix","result":[]}}',
      kind: "bad_response",
      text: /matrix/,
    },
    {
      name: "non-numeric value",
      status: 200,
      body: '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"abc"]}]}}',
      kind: "bad_response",
      text: /"abc" is not a number/,
    },
    {
      name: "empty value",
      status: 200,
      body: '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,""]}]}}',
      kind: "bad_response",
      text: /not a number/,
    },
    {
      name: "vector item without metric",
      status: 200,
      body: '{"status":"success","data":{"resultType":"vector","result":[{"value":[1,"1"]}]}}',
      kind: "bad_response",
      text: /label set/,
    },
    {
      name: "400 bad_data",
      status: 400,
      body: '{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected end"}',
      kind: "query",
      text: /bad_data.*1:5: parse error: unexpected end/,
    },
    {
      name: "422 execution",
      status: 422,
      body: '{"status":"error","errorType":"execution","error":"query processing would load too many samples"}',
      kind: "query",
      text: /too many samples/,
    },
    {
      name: "500",
      status: 500,
      body: '{"status":"error","errorType":"internal","error":"boom"}',
      kind: "bad_response",
      text: /HTTP 500 \(internal\): boom/,
    },
    {
      name: "502",
      status: 502,
      body: "Bad Gateway",
      contentType: "text/plain",
      kind: "unavailable",
      text: /HTTP 502/,
    },
    {
      name: "503 plain (not ready)",
      status: 503,
      body: "Service Unavailable",
      contentType: "text/plain",
      kind: "unavailable",
      text: /HTTP 503/,
    },
    {
      name: "504",
      status: 504,
      body: "",
      contentType: "text/plain",
      kind: "unavailable",
      text: /empty body/,
    },
    {
      name: "503 server-side query timeout",
      status: 503,
      body: '{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}',
      kind: "timeout",
      text: /server-side query timeout/,
    },
    {
      name: "VictoriaMetrics 422 syntax error",
      status: 422,
      body: '{"status":"error","errorType":"422","error":"error when executing query=\\"sum(\\": unparsed data"}',
      kind: "query",
      text: /rejected by the server \(422\)/,
    },
    ...LIMIT_ANSWERS.map((c) => ({ ...c, kind: "query" as const })),
    {
      name: "401",
      status: 401,
      body: "no org id",
      contentType: "text/plain",
      kind: "bad_response",
      text: /HTTP 401.*tenant/,
    },
    {
      name: "404",
      status: 404,
      body: "404 page not found",
      contentType: "text/plain",
      kind: "bad_response",
      text: /\/prometheus/,
    },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.kind}`, async () => {
      const server = await startServer(answer(c.status, c.body, c.contentType));
      const client = source(server.url);
      try {
        await rejectsWith(client.instant("sum(x)"), c.kind, c.text);
      } finally {
        client.close();
        await server.close();
      }
    });
  }

  it("names the limit a limit error is about (MetricsSourceError.limit)", async () => {
    for (const c of LIMIT_ANSWERS) {
      const server = await startServer(answer(c.status, c.body));
      const client = source(server.url);
      try {
        await assert.rejects(client.instant("sum(x)"), (err: MetricsSourceError) => {
          assert.equal(err.limit, c.limit, `${c.name}: ${err.message}`);
          return true;
        });
      } finally {
        client.close();
        await server.close();
      }
    }
  });

  it("names the endpoint and URL, and truncates a huge query in the message", async () => {
    const server = await startServer(answer(500, "oops", "text/plain"));
    const client = source(server.url);
    try {
      const huge = `x{a="${"y".repeat(20_000)}"}`;
      await assert.rejects(client.instant(huge), (err: MetricsSourceError) => {
        assert.match(err.message, new RegExp(`query .* at ${server.url}/api/v1/query failed`));
        assert.ok(err.message.includes(`(${huge.length} chars)`), err.message.slice(0, 300));
        assert.ok(err.message.length < 1000, `message is ${err.message.length} chars`);
        return true;
      });
    } finally {
      client.close();
      await server.close();
    }
  });

  it("connection refused → unavailable", async () => {
    const client = source(`http://127.0.0.1:${await freePort()}`);
    await rejectsWith(client.instant("up"), "unavailable", /ECONNREFUSED.*prometheus\.url/);
    client.close();
  });

  it("socket hang up → unavailable", async () => {
    const server = await startServer((_seen, res) => res.socket?.destroy());
    const client = source(server.url);
    try {
      await rejectsWith(client.instant("up"), "unavailable", /socket hang up|ECONNRESET/);
    } finally {
      client.close();
      await server.close();
    }
  });

  it("a server that never answers → timeout after prometheus.timeout", async () => {
    const server = await startServer(() => undefined);
    const events: QueryEvent[] = [];
    const client = source(server.url, { timeout: "300ms" }, events);
    try {
      const started = performance.now();
      await rejectsWith(client.instant("up"), "timeout", /within 300 ms/);
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= 280 && elapsed < 1500, `took ${elapsed} ms`);
      assert.deepEqual(
        events.map((e) => [e.endpoint, e.outcome]),
        [["query", "timeout"]],
      );
    } finally {
      client.close();
      await server.close();
    }
  });

  it("the caller's abort rejects promptly, before the configured timeout", async () => {
    const server = await startServer(() => undefined);
    const client = source(server.url, { timeout: "10s" });
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const started = performance.now();
      await rejectsWith(
        client.instant("up", undefined, { signal: controller.signal }),
        "timeout",
        /aborted by the caller/,
      );
      assert.ok(performance.now() - started < 1000);
      await rejectsWith(
        client.series(["up"], new Date(0), new Date(), { signal: AbortSignal.abort() }),
        "timeout",
        /aborted by the caller/,
      );
    } finally {
      client.close();
      await server.close();
    }
  });
});

describe("PrometheusSource headers and auth", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "foresight-auth-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("sends configured headers and the tenant header (default X-Scope-OrgID, or a custom name)", async () => {
    const server = await startServer();
    const mimir = source(server.url, { headers: { "X-Extra": "yes" }, tenant: "team-a" });
    const thanos = source(server.url, { tenant: "team-b", tenantHeader: "THANOS-TENANT" });
    const plain = source(server.url);
    try {
      await mimir.instant("up");
      await thanos.instant("up");
      await plain.instant("up");
      const [m, t, p] = server.seen;
      assert.equal(m?.headers["x-extra"], "yes");
      assert.equal(m?.headers["x-scope-orgid"], "team-a");
      assert.equal(t?.headers["thanos-tenant"], "team-b");
      assert.equal(t?.headers["x-scope-orgid"], undefined);
      assert.equal(p?.headers["x-scope-orgid"], undefined);
      assert.equal(p?.headers.authorization, undefined);
    } finally {
      for (const c of [mimir, thanos, plain]) c.close();
      await server.close();
    }
  });

  it("reads the bearer token file lazily and picks up a rotated token on the next request", async () => {
    const tokenFile = join(dir, "token");
    const server = await startServer();
    // Constructing with a missing file is fine: no I/O until the first query.
    const client = source(server.url, { bearerTokenFile: tokenFile });
    try {
      await rejectsWith(client.instant("up"), "unavailable", /prometheus\.bearerTokenFile/);
      await writeFile(tokenFile, "token-one\n");
      await client.instant("up");
      await client.instant("up");
      await writeFile(tokenFile, "token-number-two");
      await client.instant("up");
      assert.deepEqual(
        server.seen.map((s) => s.headers.authorization),
        ["Bearer token-one", "Bearer token-one", "Bearer token-number-two"],
      );
    } finally {
      client.close();
      await server.close();
    }
  });

  it("sends basic auth from a password or a password file", async () => {
    const passwordFile = join(dir, "password");
    await writeFile(passwordFile, "s3cret-from-file\n");
    const server = await startServer();
    const inline = source(server.url, { basicAuth: { username: "grafana", password: "p@ss:word" } });
    const fromFile = source(server.url, { basicAuth: { username: "12345", passwordFile } });
    try {
      await inline.instant("up");
      await fromFile.instant("up");
      const decoded = server.seen.map((s) =>
        Buffer.from((s.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString(),
      );
      assert.deepEqual(decoded, ["grafana:p@ss:word", "12345:s3cret-from-file"]);
    } finally {
      inline.close();
      fromFile.close();
      await server.close();
    }
  });
});

describe("PrometheusSource TLS", () => {
  let dir: string;
  let files: { ca: string; otherCa: string; clientCert: string; clientKey: string };
  let pems: { key: string; cert: string };
  let namedPems: { key: string; cert: string };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "foresight-tls-"));
    const ca = [{ name: "basicConstraints" as const, cA: true }];
    const local = await generate([{ name: "commonName", value: "localhost" }], {
      keyType: "ec",
      algorithm: "sha256",
      clientCertificate: true,
      extensions: [
        ...ca,
        {
          name: "subjectAltName",
          altNames: [
            { type: 2, value: "localhost" },
            { type: 7, ip: "127.0.0.1" },
          ],
        },
      ],
    });
    const named = await generate([{ name: "commonName", value: "prom.test" }], {
      keyType: "ec",
      algorithm: "sha256",
      extensions: [...ca, { name: "subjectAltName", altNames: [{ type: 2, value: "prom.test" }] }],
    });
    pems = { key: local.private, cert: local.cert };
    namedPems = { key: named.private, cert: named.cert };
    files = {
      ca: join(dir, "ca.pem"),
      otherCa: join(dir, "named-ca.pem"),
      clientCert: join(dir, "client.pem"),
      clientKey: join(dir, "client-key.pem"),
    };
    await writeFile(files.ca, local.cert);
    await writeFile(files.otherCa, named.cert);
    await writeFile(files.clientCert, local.clientcert ?? "");
    await writeFile(files.clientKey, local.clientprivate ?? "");
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("verifies the server against caFile, or skips verification when told to", async () => {
    const server = await startServer(undefined, pems);
    const cases: Array<{ tls: Record<string, unknown>; ok: boolean }> = [
      { tls: { caFile: files.ca }, ok: true },
      { tls: {}, ok: false },
      { tls: { caFile: files.otherCa }, ok: false },
      { tls: { insecureSkipVerify: true }, ok: true },
    ];
    try {
      for (const c of cases) {
        const client = source(server.url, { tls: c.tls });
        try {
          if (c.ok) assert.equal((await client.instant("up")).type, "vector", JSON.stringify(c.tls));
          else await rejectsWith(client.instant("up"), "unavailable", /TLS|certificate/i);
        } finally {
          client.close();
        }
      }
    } finally {
      await server.close();
    }
  });

  it("checks the certificate against serverName instead of the URL's host", async () => {
    const server = await startServer(undefined, namedPems);
    const named = source(server.url, { tls: { caFile: files.otherCa, serverName: "prom.test" } });
    const byHost = source(server.url, { tls: { caFile: files.otherCa } });
    try {
      assert.equal((await named.instant("up")).type, "vector");
      await rejectsWith(byHost.instant("up"), "unavailable", /ERR_TLS_CERT_ALTNAME_INVALID|altnames/);
    } finally {
      named.close();
      byHost.close();
      await server.close();
    }
  });

  it("presents a client certificate for mutual TLS", async () => {
    const server = await startServer(undefined, { ...pems, ca: pems.cert, requestCert: true });
    const withCert = source(server.url, {
      tls: { caFile: files.ca, certFile: files.clientCert, keyFile: files.clientKey },
    });
    const without = source(server.url, { tls: { caFile: files.ca } });
    const missing = source(server.url, { tls: { caFile: join(dir, "absent.pem") } });
    try {
      assert.equal((await withCert.instant("up")).type, "vector");
      await rejectsWith(without.instant("up"), "unavailable");
      await rejectsWith(missing.instant("up"), "unavailable", /prometheus\.tls\.caFile.*absent\.pem/);
    } finally {
      for (const c of [withCert, without, missing]) c.close();
      await server.close();
    }
  });
});

describe("PrometheusSource concurrency", () => {
  it("keeps at most maxConcurrency requests in flight; the rest wait and then succeed", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const server = await startServer((_seen, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { "content-type": "application/json" }).end(VECTOR);
      }, 60);
    });
    const events: QueryEvent[] = [];
    const client = source(server.url, { maxConcurrency: 3 }, events);
    try {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => client.instant(`q${i}`)));
      assert.equal(results.length, 10);
      assert.equal(maxInFlight, 3);
      assert.equal(server.seen.length, 10);
      assert.ok(server.connections() <= 3, `${server.connections()} connections`);
      // Waiting counts toward a call's duration: the last batch waited for three before it.
      const slowest = Math.max(...events.map((e) => e.durationMs));
      assert.ok(slowest >= 200, `slowest call took ${slowest} ms`);
    } finally {
      client.close();
      await server.close();
    }
  });

  it("a call that times out while waiting for a slot never reaches the server", async () => {
    const server = await startServer(() => undefined);
    const client = source(server.url, { maxConcurrency: 1, timeout: "200ms" });
    try {
      const first = client.instant("first");
      const second = client.instant("second");
      await rejectsWith(first, "timeout");
      await rejectsWith(second, "timeout");
      assert.deepEqual(
        server.seen.map((s) => s.params.get("query")),
        ["first"],
      );
    } finally {
      client.close();
      await server.close();
    }
  });
});
