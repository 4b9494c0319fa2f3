/**
 * The express application of the aggregated API server: discovery documents, both metrics APIs,
 * /openapi/v2, and Kubernetes `Status` errors for everything else. Every response is counted and
 * timed by API and code.
 */
import express, { type Express, type Request, type Response } from "express";
import type { Logger } from "../telemetry/logger.js";
import type { SelfMetrics } from "../telemetry/selfMetrics.js";
import type { CustomProvider } from "./customProvider.js";
import type { Discovery } from "./discovery.js";
import { apiGroupDoc, apiGroupListDoc, apiResourceListDoc } from "./discoveryDocs.js";
import type { ExternalProvider } from "./externalProvider.js";
import { customListJson, externalListJson } from "./metricValues.js";
import type { ResourceCatalog } from "./naming/types.js";
import { openApiV2Doc } from "./openapi.js";
import { type Route, routeRequest } from "./routes.js";
import { type ApiError, methodNotAllowed, statusBody, toApiError } from "./status.js";

export interface MetricsApiOptions {
  readonly custom: CustomProvider;
  readonly external: ExternalProvider;
  readonly discovery: Discovery;
  readonly catalog: ResourceCatalog;
  readonly logger: Logger;
  readonly metrics?: SelfMetrics;
  readonly version: string;
}

type ApiLabel = "custom" | "external" | "discovery" | "openapi" | "other";

export function createMetricsApi(options: MetricsApiOptions): Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("query parser", false);
  app.use((req, res) => {
    const started = process.hrtime.bigint();
    let api: ApiLabel = "other";
    const done = (code: number, body: object) => {
      send(res, code, body);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { api, code: String(code) };
      options.metrics?.requests.inc(labels);
      options.metrics?.requestDuration.observe(labels, seconds);
    };
    const fail = (err: unknown) => {
      const apiError = toApiError(err);
      if (apiError.code >= 500)
        options.logger.warn({ path: req.path, code: apiError.code, err: apiError.message }, "request failed");
      done(apiError.code, statusBody(apiError));
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      fail(methodNotAllowed(`the metrics APIs are read-only: ${req.method} is not allowed`));
      return;
    }
    const url = new URL(req.originalUrl, "http://local");
    if (url.pathname === "/openapi/v2") {
      api = "openapi";
      done(200, openApiV2Doc(options.version));
      return;
    }
    const routed = routeRequest(url.pathname, url.searchParams, options.catalog);
    if (!routed.ok) {
      fail(routed.error);
      return;
    }
    api = apiLabel(routed.route);
    handle(routed.route, options).then((body) => done(200, body), fail);
  });
  return app;
}

function apiLabel(route: Route): ApiLabel {
  return route.type === "custom" || route.type === "external" ? route.type : "discovery";
}

async function handle(route: Route, options: MetricsApiOptions): Promise<object> {
  switch (route.type) {
    case "groupList":
      return apiGroupListDoc();
    case "group":
      return apiGroupDoc(route.group);
    case "resourceList":
      return apiResourceListDoc(route.group, route.version, options.discovery.registry);
    case "custom":
      return customListJson(route.version, await options.custom.getMetric(route));
    case "external":
      return externalListJson(await options.external.getMetric(route));
  }
}

function send(res: Response, code: number, body: object): void {
  res.status(code).type("application/json").send(JSON.stringify(body));
}

/** For callers outside the app (e.g. the health server) that want the same Status shape. */
export function sendApiError(res: Response, err: ApiError): void {
  send(res, err.code, statusBody(err));
}

export type { Request };
