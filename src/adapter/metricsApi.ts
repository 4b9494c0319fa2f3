/**
 * The request handler of the aggregated API server: discovery documents, both metrics APIs,
 * /openapi/v2, and Kubernetes `Status` errors for everything else. Every response is counted and
 * timed by API and code.
 *
 * A plain node:http(s) handler rather than express: this is the hot path (every HPA, every 15 s),
 * routing is a positional parse express cannot express anyway, and express' per-request layers
 * cost about a tenth of the adapter's throughput here (see docs/benchmarks.md).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ResourceCatalog } from "../k8s/groupResource.js";
import { type ApiError, badRequest, methodNotAllowed, statusBody, toApiError } from "../k8s/status.js";
import type { Logger } from "../telemetry/logger.js";
import type { SelfMetrics } from "../telemetry/selfMetrics.js";
import type { CustomProvider } from "./customProvider.js";
import type { Discovery } from "./discovery.js";
import {
  apiGroupDoc,
  apiGroupListDoc,
  apiResourceListDoc,
  resourceMetricsResourceListDoc,
} from "./discoveryDocs.js";
import type { ExternalProvider } from "./externalProvider.js";
import type { Route, ServedApis } from "./metricsRoute.js";
import { customListJson, externalListJson } from "./metricValues.js";
import { openApiV2Doc } from "./openapi.js";
import type { QueryCache } from "./queryCache.js";
import type { ResourceMetricsProvider } from "./resourceMetrics/provider.js";
import {
  nodeMetricsJson,
  nodeMetricsListJson,
  podMetricsJson,
  podMetricsListJson,
} from "./resourceMetrics/values.js";
import { RESOURCE_METRICS_GROUP, routeRequest } from "./routes.js";

export interface MetricsApiOptions {
  readonly custom: CustomProvider;
  readonly external: ExternalProvider;
  /** metrics.k8s.io from `resourceRules`; omit when the config has none (the group is then a 404). */
  readonly resource?: ResourceMetricsProvider;
  readonly discovery: Discovery;
  readonly catalog: ResourceCatalog;
  readonly logger: Logger;
  readonly metrics?: SelfMetrics;
  readonly version: string;
  /**
   * Finished metric answers by request URL, reused for the query cache's TTL (an answer depends
   * only on the query results and the informer's objects, both that fresh already). Omit to
   * compute every answer.
   */
  readonly answers?: QueryCache<string>;
  /**
   * Authentication and authorization (auth/guard.ts), run before routing: resolves to the error to
   * answer with, or undefined to go on. Omit to serve everyone (local use).
   */
  readonly auth?: (req: IncomingMessage) => Promise<ApiError | undefined>;
}

type ApiLabel = "custom" | "external" | "resource" | "discovery" | "openapi" | "other";

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function createMetricsApi(options: MetricsApiOptions): RequestHandler {
  const { auth } = options;
  if (auth === undefined) return createRouting(options);
  const route = createRouting(options);
  return (req, res) => {
    auth(req).then(
      (error) => (error === undefined ? route(req, res) : writeStatus(req, res, error, options)),
      (err: unknown) => writeStatus(req, res, toApiError(err), options),
    );
  };
}

/** An auth failure, counted as API "other". */
function writeStatus(
  req: IncomingMessage,
  res: ServerResponse,
  error: ApiError,
  options: MetricsApiOptions,
): void {
  if (error.code >= 500)
    options.logger.warn({ path: req.url, code: error.code, err: error.message }, "auth failed");
  const body = JSON.stringify(statusBody(error));
  res.writeHead(error.code, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
  });
  res.end(req.method === "HEAD" ? undefined : body);
  options.metrics?.requests.inc({ api: "other", code: String(error.code) });
}

function createRouting(options: MetricsApiOptions): RequestHandler {
  const served: ServedApis = options.resource
    ? { resourceMetrics: { nodes: options.resource.servesNodes } }
    : {};
  return (req, res) => {
    const started = process.hrtime.bigint();
    let api: ApiLabel = "other";
    const done = (code: number, body: string) => {
      res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
      res.end(req.method === "HEAD" ? undefined : body);
      const labels = { api, code: String(code) };
      options.metrics?.requests.inc(labels);
      options.metrics?.requestDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    };
    const fail = (err: unknown) => {
      const apiError = toApiError(err);
      if (apiError.code >= 500) {
        options.logger.warn({ path: req.url, code: apiError.code, err: apiError.message }, "request failed");
      }
      done(apiError.code, JSON.stringify(statusBody(apiError)));
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      fail(methodNotAllowed(`the metrics APIs are read-only: ${req.method} is not allowed`));
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://local");
    } catch {
      // A request target node's parser accepts but URL does not (e.g. "//%/"): a 400, never a crash.
      fail(badRequest(`invalid request path ${JSON.stringify((req.url ?? "").slice(0, 200))}`));
      return;
    }
    if (url.pathname === "/openapi/v2") {
      api = "openapi";
      done(200, JSON.stringify(openApiV2Doc(options.version, served)));
      return;
    }
    const routed = routeRequest(url.pathname, url.searchParams, options.catalog, served);
    if (!routed.ok) {
      fail(routed.error);
      return;
    }
    const route = routed.route;
    api =
      route.type === "custom" || route.type === "external" || route.type === "resource"
        ? route.type
        : "discovery";
    const answer =
      options.answers && api !== "discovery"
        ? options.answers.get(`${url.pathname}?${url.searchParams}`, () => handle(route, options, served))
        : handle(route, options, served);
    answer.then((body) => done(200, body), fail);
  };
}

async function handle(route: Route, options: MetricsApiOptions, served: ServedApis): Promise<string> {
  switch (route.type) {
    case "groupList":
      return JSON.stringify(apiGroupListDoc(served));
    case "group":
      return JSON.stringify(apiGroupDoc(route.group));
    case "resourceList":
      if (route.group === RESOURCE_METRICS_GROUP)
        return JSON.stringify(resourceMetricsResourceListDoc(served.resourceMetrics?.nodes ?? false));
      return JSON.stringify(
        apiResourceListDoc(
          route.group,
          route.version,
          options.discovery.registry,
          options.external.builtinMetricNames(),
        ),
      );
    case "custom":
      return JSON.stringify(customListJson(route.version, await options.custom.getMetric(route)));
    case "external":
      return JSON.stringify(externalListJson(await options.external.getMetric(route)));
    case "resource":
      return JSON.stringify(await resourceAnswer(route, options));
  }
}

/** A metrics.k8s.io answer: one object for a get, a list otherwise. */
async function resourceAnswer(
  route: Route & { type: "resource" },
  options: MetricsApiOptions,
): Promise<object> {
  const provider = options.resource;
  if (!provider) throw new Error("metrics.k8s.io routed without a resource metrics provider");
  const now = Date.now();
  if (route.resource === "nodes") {
    return route.name !== undefined
      ? nodeMetricsJson(await provider.getNode(route.name), now)
      : nodeMetricsListJson(await provider.listNodes(route), now);
  }
  return route.name !== undefined && route.namespace !== undefined
    ? podMetricsJson(await provider.getPod(route.namespace, route.name), now)
    : podMetricsListJson(await provider.listPods(route), now);
}
