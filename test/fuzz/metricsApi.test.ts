/**
 * Fuzzing of the metrics API request handler (src/adapter/metricsApi.ts createMetricsApi) with
 * fast-check: arbitrary methods, paths (real API words, percent-encodings, unicode, dots, empty
 * segments), label selectors and very long inputs. Every answer is JSON; errors are Kubernetes
 * Status bodies with a matching code; no 500 carries a stack trace or an internal path.
 * The handler is called in process with a minimal request/response, and over a real socket for a
 * smaller sample. fast-check prints seed and counterexample on failure.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { CustomProvider } from "../../src/adapter/customProvider.js";
import { Discovery } from "../../src/adapter/discovery.js";
import { ExternalProvider } from "../../src/adapter/externalProvider.js";
import { createMetricsApi, type RequestHandler } from "../../src/adapter/metricsApi.js";
import { compileRules } from "../../src/adapter/naming/compileRules.js";
import { QueryCache } from "../../src/adapter/queryCache.js";
import { QueryRunner } from "../../src/adapter/queryRunner.js";
import { ResourceMetricsProvider } from "../../src/adapter/resourceMetrics/provider.js";
import { compileResourceRules } from "../../src/adapter/resourceMetrics/resourceRules.js";
import { parseConfigText } from "../../src/config/load.js";
import type { KubeObject, Lister, ListerFactory } from "../../src/k8s/lister.js";
import { StaticResourceCatalog } from "../../src/k8s/resourceCatalog.js";
import type { CallOptions, InstantResult } from "../../src/metrics/source.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { FakeSource } from "../doubles/fakeSource.js";

const CONFIG = `
rules:
  - seriesQuery: 'gpu_util{namespace!="",pod!=""}'
    resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}
    name: {matches: ^gpu_util$, as: gpu_utilization}
    metricsQuery: avg by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>})
  - seriesQuery: 'http_requests_total{namespace!="",pod!=""}'
    resources: {template: <<.Resource>>}
    name: {matches: ^(.*)_total$, as: "\${1}_per_second"}
    metricsQuery: sum by (<<.GroupBy>>) (rate(<<.Series>>{<<.LabelMatchers>>}[2m]))
externalRules:
  - seriesQuery: 'queue_depth{namespace!=""}'
    resources: {overrides: {namespace: {resource: namespace}}}
    metricsQuery: sum by (queue) (<<.Series>>{<<.LabelMatchers>>})
resourceRules:
  cpu:
    containerQuery: sum by (<<.GroupBy>>) (rate(cpu_seconds_total{<<.LabelMatchers>>}[1m]))
    nodeQuery: sum by (<<.GroupBy>>) (rate(node_cpu_seconds_total{<<.LabelMatchers>>}[1m]))
    resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}, node: {resource: node}}}
    containerLabel: container
  memory:
    containerQuery: sum by (<<.GroupBy>>) (memory_bytes{<<.LabelMatchers>>})
    nodeQuery: sum by (<<.GroupBy>>) (node_memory_bytes{<<.LabelMatchers>>})
    resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}, node: {resource: node}}}
    containerLabel: container
  window: 1m
`;

/** A source that answers discovery but fails every query with an internal-looking error. */
class LeakySource extends FakeSource {
  override async instant(query: string, at?: Date, options?: CallOptions): Promise<InstantResult> {
    if (query.includes("http_requests")) {
      throw new TypeError(
        `Cannot read properties of undefined\n    at leak (${import.meta.filename}:1:1)\n    at file:///work/x.js:2:2`,
      );
    }
    return super.instant(query, at, options);
  }
}

function buildHandler(): { handler: RequestHandler; ready: Promise<void> } {
  const source = new LeakySource({
    series: {
      'gpu_util{namespace!="",pod!=""}': [{ __name__: "gpu_util", namespace: "ml", pod: "a" }],
      'http_requests_total{namespace!="",pod!=""}': [
        { __name__: "http_requests_total", namespace: "ml", pod: "a" },
      ],
      'queue_depth{namespace!=""}': [{ __name__: "queue_depth", namespace: "ml", queue: "q" }],
    },
    instant: {
      'avg by (pod) (gpu_util{namespace="ml",pod!=""})': [
        { labels: { pod: "a" }, value: 1, timestamp: 1e12 },
      ],
    },
  });
  const catalog = new StaticResourceCatalog();
  const config = parseConfigText(CONFIG, "fuzz.yaml");
  const { rules, errors } = compileRules(config, catalog);
  const resourceRules = compileResourceRules(config.resourceRules, catalog);
  assert.ok(resourceRules);
  assert.deepEqual(errors, []);
  const clock = { now: () => 1e12 };
  const discovery = new Discovery({
    rules,
    source,
    clock,
    logger: silentLogger(),
    relistIntervalMs: 60_000,
    maxAgeMs: 600_000,
    rediscoveryIntervalMs: 5_000,
  });
  const runner = new QueryRunner({
    source,
    cache: new QueryCache({ ttlMs: 0, now: clock.now }),
    logger: silentLogger(),
  });
  const pods: KubeObject[] = [
    { metadata: { name: "a", namespace: "ml", labels: { app: "web" } } },
    { metadata: { name: "b", namespace: "ml", labels: { app: "db" } } },
  ];
  const lister: Lister = {
    list: (ns) => pods.filter((o) => ns === undefined || o.metadata.namespace === ns),
    get: (name, ns) => pods.find((o) => o.metadata.name === name && o.metadata.namespace === ns),
    hasSynced: () => true,
  };
  const nodes: KubeObject[] = [{ metadata: { name: "n1", labels: { zone: "a" } } }];
  const nodeLister: Lister = {
    list: () => nodes,
    get: (name) => nodes.find((o) => o.metadata.name === name),
    hasSynced: () => true,
  };
  const listers: ListerFactory = {
    listerFor: (gr) => (gr.resource === "pods" ? lister : gr.resource === "nodes" ? nodeLister : undefined),
  };
  const handler = createMetricsApi({
    custom: new CustomProvider({ discovery, runner, listers }),
    external: new ExternalProvider({ discovery, runner }),
    resource: new ResourceMetricsProvider({ rules: resourceRules, runner, listers }),
    discovery,
    catalog,
    logger: silentLogger(),
    version: "fuzz",
  });
  return { handler, ready: discovery.relist().then(() => undefined) };
}

interface Answer {
  readonly code: number;
  readonly headers: Record<string, unknown>;
  readonly body: string;
}

/** Call the handler in process with a minimal IncomingMessage/ServerResponse. */
function call(handler: RequestHandler, method: string, url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let code = 0;
    let headers: Record<string, unknown> = {};
    const req = { method, url, headers: {} } as unknown as IncomingMessage;
    const res = {
      writeHead(status: number, h: Record<string, unknown>) {
        code = status;
        headers = h;
        return res;
      },
      end(body?: string) {
        resolve({ code, headers, body: body ?? "" });
        return res;
      },
    } as unknown as ServerResponse;
    const timer = setTimeout(() => reject(new Error(`no answer to ${method} ${url}`)), 5_000);
    timer.unref();
    handler(req, res);
  });
}

const STACK_OR_PATH = /\n\s+at |\s{4}at \S|file:\/\/|\/work\/|node_modules|\.ts:\d+|\.js:\d+/;

function checkAnswer(method: string, answer: Answer): void {
  assert.ok(answer.code >= 200 && answer.code < 600, `status ${answer.code}`);
  if (method === "HEAD") return;
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  if (answer.code >= 300) {
    assert.equal(body.kind, "Status", answer.body);
    assert.equal(body.apiVersion, "v1");
    assert.equal(body.status, "Failure");
    assert.equal(body.code, answer.code);
    assert.equal(typeof body.reason, "string");
  }
  if (answer.code >= 500) {
    assert.doesNotMatch(answer.body, STACK_OR_PATH, "a 5xx body leaks a stack or an internal path");
  }
}

// ---------------------------------------------------------------------------------------------
// Inputs

const WORDS = [
  "apis",
  "api",
  "custom.metrics.k8s.io",
  "external.metrics.k8s.io",
  "metrics.k8s.io",
  "v1beta1",
  "n1",
  "v1beta2",
  "v1",
  "namespaces",
  "ml",
  "default",
  "pods",
  "pod",
  "nodes",
  "deployments.apps",
  "deployment.apps",
  "services",
  "namespace",
  "metrics",
  "*",
  "%2A",
  "%2a",
  "a",
  "b",
  "gpu_utilization",
  "http_requests_per_second",
  "queue_depth",
  "openapi",
  "v2",
  ".",
  "..",
  "...",
  "",
  "%",
  "%Z",
  "%ZZ",
  "%00",
  "%2F",
  "%25",
  "%C3%A9",
  "%E2%80%8B",
  "%F0%9F%98%80",
  "%ED%A0%80",
  "%C0%AF",
  "é",
  "😀",
  "\u200b",
  "constructor",
  "__proto__",
  "hasOwnProperty",
  "toString",
];

const segment = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
);

const path = fc.oneof(
  fc.array(segment, { maxLength: 9 }).map((segs) => `/${segs.join("/")}`),
  fc
    .tuple(
      fc.constantFrom(
        "/apis/custom.metrics.k8s.io/v1beta2",
        "/apis/custom.metrics.k8s.io/v1beta1",
        "/apis/external.metrics.k8s.io/v1beta1",
      ),
      fc.array(segment, { maxLength: 6 }),
    )
    .map(([prefix, segs]) => `${prefix}/${segs.join("/")}`),
  fc.constantFrom(
    "/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/*/gpu_utilization",
    "/apis/custom.metrics.k8s.io/v1beta1/namespaces/ml/pods/a/gpu_utilization",
    "/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/*/http_requests_per_second",
    "/apis/external.metrics.k8s.io/v1beta1/namespaces/ml/queue_depth",
    "/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/metrics/gpu_utilization",
    "/openapi/v2",
    "/apis",
  ),
  fc.string({ maxLength: 60 }).map((s) => `/${s}`),
  fc
    .string({ unit: fc.constantFrom(...WORDS.map((w) => `${w}/`)), minLength: 500, maxLength: 3000 })
    .map((s) => `/${s}`),
);

const SELECTOR_PIECES = [
  "app",
  "=",
  "==",
  "!=",
  "in",
  "notin",
  "(",
  ")",
  ",",
  " ",
  "web",
  "!",
  ">",
  "1",
  "%",
  "%3D",
  "&",
  "#",
  "é",
];

const selectorValue = fc.oneof(
  fc.array(fc.constantFrom(...SELECTOR_PIECES), { maxLength: 12 }).map((p) => p.join("")),
  fc.constantFrom("app=web", "app in (web,db)", "!app", "pod=a", "queue=q", "gpu>1", "a b", "=", "app=web&x"),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: fc.constantFrom(...SELECTOR_PIECES), minLength: 2000, maxLength: 8000 }),
);

const queryString = fc
  .array(
    fc.tuple(
      fc.constantFrom("labelSelector", "metricLabelSelector", "fieldSelector", "watch", "x", ""),
      selectorValue,
      fc.boolean(),
    ),
    { maxLength: 3 },
  )
  .map((params) =>
    params.length === 0
      ? ""
      : `?${params.map(([k, v, encode]) => `${k}=${encode ? encodeURIComponent(v) : v}`).join("&")}`,
  );

const method = fc.oneof(
  { weight: 8, arbitrary: fc.constant("GET") },
  { weight: 1, arbitrary: fc.constantFrom("HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "get", "") },
);

/** Whether `new URL(req.url, base)` accepts `url`; the ones it refuses have their own test below. */
function urlParses(url: string): boolean {
  try {
    new URL(url, "http://local");
    return true;
  } catch {
    return false;
  }
}

describe("fuzz: metrics API handler", () => {
  const { handler, ready } = buildHandler();
  before(() => ready);

  it("the fixture serves real answers and errors", async () => {
    const ok = await call(
      handler,
      "GET",
      "/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/*/gpu_utilization",
    );
    assert.equal(ok.code, 200, ok.body);
    assert.match(ok.body, /MetricValueList/);
    const leaky = await call(
      handler,
      "GET",
      "/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/*/http_requests_per_second",
    );
    assert.equal(leaky.code, 500, leaky.body);
    checkAnswer("GET", leaky);
  });

  it("in process: every answer is JSON, errors are Status, no 5xx leaks internals", async () => {
    await fc.assert(
      fc.asyncProperty(method, path, queryString, async (m, p, q) => {
        const url = p + q;
        fc.pre(urlParses(url));
        checkAnswer(m, await call(handler, m, url));
      }),
      { numRuns: 1000 },
    );
  });

  it("answers 400 to a request target the URL parser refuses (e.g. GET //%/)", async () => {
    for (const url of ["//%/", "//[", "/\\[", "http://[::1/apis", "//a b/"]) {
      const answer = await call(handler, "GET", url).catch((err: unknown) => ({
        code: 0,
        headers: {},
        body: String(err),
      }));
      assert.equal(answer.code, 400, `${url}: ${answer.body}`);
      checkAnswer("GET", answer);
    }
  });
});

describe("fuzz: metrics API over a socket", () => {
  const { handler, ready } = buildHandler();
  const server = createServer(handler);
  let port = 0;
  before(async () => {
    await ready;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** One raw HTTP/1.1 request; the request line is sent as UTF-8 bytes, unvalidated. */
  function raw(m: string, target: string): Promise<{ code: number; body: string; fromParser: boolean }> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.end(`${m} ${target} HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n`);
      });
      const chunks: Buffer[] = [];
      socket.on("data", (c: Buffer) => chunks.push(c));
      socket.on("error", reject);
      socket.on("close", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const split = text.indexOf("\r\n\r\n");
        const head = text.slice(0, split);
        const code = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
        // Node's own parser answers malformed request lines before the handler runs.
        const fromParser = code === 400 && !/content-type: application\/json/i.test(head);
        resolve({ code, body: text.slice(split + 4), fromParser });
      });
    });
  }

  it("every answer the handler gives is JSON and errors are Status", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "GET", "GET", "HEAD", "POST", "DELETE"),
        path,
        queryString,
        async (m, p, q) => {
          const target = p + q;
          fc.pre(urlParses(target) && !target.includes(" ") && target.length < 8_000);
          const answer = await raw(m, target);
          assert.notEqual(answer.code, 0, "the server answered");
          if (answer.fromParser) return;
          checkAnswer(m, { code: answer.code, headers: {}, body: answer.body });
        },
      ),
      { numRuns: 200 },
    );
  });
});
