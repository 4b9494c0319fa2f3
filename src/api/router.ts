/**
 * The operator review API as an express router under /api/v1: the scalers and config
 * targets with their state, per subject the demand against the forecast band, every candidate
 * model's backtest and why the chosen one won, the decision log (paged), what-if backtests as
 * asynchronous jobs, and the OpenAPI document of all of it. Errors are Kubernetes Status objects.
 * `foresight serve` and `foresight demo` mount `createReviewApi(deps).router` on their HTTP app.
 */

import express, { type NextFunction, type Request, type Response, type Router } from "express";
import type { DecisionEntry } from "../actuator/decisionLog.js";
import { formatScalerKey, parseScalerKey } from "../actuator/scalerKey.js";
import {
  PREDICTIVE_SCALER_GROUP,
  PREDICTIVE_SCALER_RESOURCE,
  type PredictiveScaler,
} from "../actuator/types.js";
import { parseDurationMs } from "../config/duration.js";
import {
  ApiError,
  badRequest,
  internalError,
  methodNotAllowed,
  notFound,
  serviceUnavailable,
  statusBody,
  toApiError,
} from "../k8s/status.js";
import { MetricsSourceError } from "../metrics/source.js";
import { type AccessCheck, type AccessMode, createGuard } from "./access.js";
import { BacktestJobs, QueueFullError } from "./backtestJobs.js";
import * as examples from "./examples.js";
import { openApiDocument } from "./openapi.js";
import type { BacktestRunner, ConfigTargetView, ReviewSource, SubjectRef } from "./reviewSource.js";
import { API_PREFIX, expressPath, type RouteDef } from "./routes.js";
import {
  backtestJobListSchema,
  backtestJobSchema,
  backtestRequestSchema,
  controllerViewSchema,
  decisionPageSchema,
  modelsViewSchema,
  openApiDocumentSchema,
  scalerListSchema,
  scalerSummarySchema,
  seriesViewSchema,
} from "./schemas.js";
import type { BacktestRequest, DecisionPageView, ScalerSummary } from "./types.js";
import {
  capacityOf,
  controllerView,
  decisionView,
  modelsView,
  scalerId,
  scalerStepSeconds,
  scalerSummary,
  seriesView,
  shardView,
  targetSummary,
} from "./views.js";

export interface ReviewApiDeps {
  readonly source: ReviewSource;
  readonly access: AccessMode;
  /** Runs what-if backtests; `knownPolicies` (when given) refuses unknown policy names with a 400. */
  readonly runner: BacktestRunner & { readonly knownPolicies?: readonly string[] };
  /** Finished jobs kept (default 50) and jobs waiting at most (default 10). */
  readonly maxJobs?: number;
  readonly maxQueuedJobs?: number;
  /** Shown as info.version in the OpenAPI document. */
  readonly version?: string;
  /** 5xx errors and failed backtests, for the log. */
  readonly onError?: (error: unknown, context: string) => void;
}

export interface ReviewApi {
  /** Mount at the root: its paths carry the /api/v1 prefix. */
  readonly router: Router;
  readonly routes: readonly RouteDef[];
  readonly jobs: BacktestJobs;
  /** Fails waiting backtests and waits for the running one. */
  close(): Promise<void>;
}

const DEFAULT_SINCE = "2d";
const MAX_SINCE_MS = 90 * 86_400_000;
/** Decisions read for a series view at most. */
const MAX_SERIES_DECISIONS = 5000;

const SCALER_PARAMS = {
  namespace: "The PredictiveScaler's namespace.",
  name: "The PredictiveScaler's name.",
};
const TARGET_PARAMS = { name: "The forecast target's name in the config file (forecast.targets[].name)." };
const SINCE_PARAM = {
  name: "since",
  description: `How far back the demand history and decisions reach, as a duration (default ${DEFAULT_SINCE}, at most 90d).`,
  schema: { type: "string", default: DEFAULT_SINCE, example: "6h" },
};

function param(req: Request, name: string): string {
  const v = req.params[name];
  return typeof v === "string" ? v : "";
}

function queryText(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw badRequest(`query parameter ${name} must be given once, as text`);
  return v;
}

function sinceMs(req: Request, nowMs: number): number {
  const text = queryText(req, "since") ?? DEFAULT_SINCE;
  const ms = parseDurationMs(text);
  if (ms === undefined || ms <= 0)
    throw badRequest(`query parameter since "${text}" is not a positive duration; use e.g. 6h, 2d`);
  if (ms > MAX_SINCE_MS) throw badRequest(`query parameter since "${text}" is longer than 90d`);
  return nowMs - ms;
}

const scalerAccess =
  (verb: string) =>
  (req: Request): AccessCheck => ({
    verb,
    group: PREDICTIVE_SCALER_GROUP,
    resource: PREDICTIVE_SCALER_RESOURCE,
    namespace: param(req, "namespace"),
    name: param(req, "name"),
  });

/** Config targets have no namespace: reading them takes cluster-wide `get` on PredictiveScalers. */
const targetAccess = (): AccessCheck => ({
  verb: "get",
  group: PREDICTIVE_SCALER_GROUP,
  resource: PREDICTIVE_SCALER_RESOURCE,
});

function backtestAccess(verb: string, subject: unknown): AccessCheck {
  const ns =
    typeof subject === "string" && subject.includes("/") ? parseScalerKey(subject).namespace : undefined;
  return {
    verb,
    group: PREDICTIVE_SCALER_GROUP,
    resource: PREDICTIVE_SCALER_RESOURCE,
    subresource: "backtests",
    ...(ns !== undefined && ns !== "" ? { namespace: ns } : {}),
  };
}

function mapSourceError(err: unknown, what: string): never {
  if (err instanceof MetricsSourceError) {
    const message = `cannot read the demand history of ${what}: ${err.message}`;
    // Unreachable, slow or partial (a store down): retry later. A refused query or a garbled answer
    // will not heal by retrying.
    throw err.kind === "unavailable" || err.kind === "timeout" || err.kind === "partial"
      ? serviceUnavailable(message, err)
      : internalError(message, err);
  }
  throw err;
}

/** Zod issues as one 400 Status naming every field. */
function invalidBody(
  kind: string,
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): ApiError {
  const causes = issues.map((i) => ({
    reason: "FieldValueInvalid",
    field: i.path.map(String).join(".") || "(body)",
    message: i.message,
  }));
  return new ApiError(
    400,
    "BadRequest",
    `${kind} is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join("; ")}`,
    { details: { kind, causes } },
  );
}

/** Response header carrying the server's clock (ISO 8601). */
export const NOW_HEADER = "Foresight-Now";

export function createReviewApi(deps: ReviewApiDeps): ReviewApi {
  const { source } = deps;
  const guard = createGuard(deps.access);
  const jobs = new BacktestJobs({
    runner: deps.runner,
    clock: source.clock,
    ...(deps.maxJobs !== undefined ? { maxJobs: deps.maxJobs } : {}),
    ...(deps.maxQueuedJobs !== undefined ? { maxQueued: deps.maxQueuedJobs } : {}),
    onError: (job, err) => deps.onError?.(err, `backtest ${job.id} of ${job.request.subject}`),
  });

  const findScaler = (namespace: string, name: string): PredictiveScaler => {
    const id = formatScalerKey({ namespace, name });
    const scaler = source.scalers().find((s) => scalerId(s) === id);
    if (!scaler)
      throw new ApiError(
        404,
        "NotFound",
        `${PREDICTIVE_SCALER_RESOURCE}.${PREDICTIVE_SCALER_GROUP} "${name}" not found in namespace "${namespace}"`,
        { details: { name, group: PREDICTIVE_SCALER_GROUP, kind: PREDICTIVE_SCALER_RESOURCE } },
      );
    return scaler;
  };
  const findTarget = (name: string): ConfigTargetView => {
    const target = source.targets().find((t) => t.name === name);
    if (!target)
      throw notFound(
        `forecast target "${name}" not found; targets come from the config file's forecast.targets`,
      );
    return target;
  };
  const scalerRef = (s: PredictiveScaler): SubjectRef => ({ kind: "PredictiveScaler", id: scalerId(s) });
  const targetRef = (t: ConfigTargetView): SubjectRef => ({ kind: "ForecastTarget", id: t.name });
  const summaryOf = (s: PredictiveScaler, shards = source.controller?.status()): ScalerSummary => {
    const controller = source.controller;
    const shard = controller ? shardView(controller.of(scalerId(s)), shards) : undefined;
    return scalerSummary(s, source.forecast(scalerRef(s)), shard);
  };
  const targetSummaryOf = (t: ConfigTargetView): ScalerSummary =>
    targetSummary(t, source.forecast(targetRef(t)), source.clock.now());

  /** The subject's latest forecast and the earlier ones whose paths reach past `since`. */
  const seriesForecasts = (ref: SubjectRef, since: number) => {
    const state = source.forecast(ref);
    const before = state?.forecast?.computedAtMs ?? source.clock.now() + 1;
    return { state, pastForecasts: source.pastForecasts?.(ref, since, before) ?? [] };
  };

  /** The workload's replicas over time; a failed read of the workload leaves them out (logged). */
  const actualReplicas = async (ref: SubjectRef, since: number) => {
    try {
      return (await source.actualReplicas?.(ref, since)) ?? [];
    } catch (err) {
      deps.onError?.(err, `replicas of ${ref.id}`);
      return [];
    }
  };

  /** The scaler's decisions since `since`, newest first, read page by page. */
  const decisionsSince = (id: string, since: number): DecisionEntry[] => {
    const log = source.decisions;
    if (!log) return [];
    const out: DecisionEntry[] = [];
    let cursor: string | undefined;
    do {
      const page = log.list(id, { limit: 500, ...(cursor !== undefined ? { cursor } : {}) });
      for (const e of page.items) {
        if (e.atMs < since) return out;
        out.push(e);
      }
      cursor = page.next;
    } while (cursor !== undefined && out.length < MAX_SERIES_DECISIONS);
    return out;
  };

  const scalerCodes = {
    401: "no or a refused bearer token",
    403: "not permitted",
    404: "no such PredictiveScaler",
  };
  const targetCodes = {
    401: "no or a refused bearer token",
    403: "not permitted",
    404: "no such forecast target",
  };
  /** What a series route adds: its `since` parameter and the metrics backend. */
  const seriesCodes = {
    400: "a malformed since",
    500: "the metrics backend rejected the demand query or answered garbage",
    503: "the metrics backend is unreachable",
  };
  const routes: RouteDef[] = [
    {
      method: "get",
      path: `${API_PREFIX}/scalers`,
      operationId: "listScalers",
      summary: "PredictiveScalers and config-file forecast targets with their state",
      tag: "scalers",
      success: {
        code: 200,
        description: "every subject",
        schema: scalerListSchema,
        example: examples.scalerListExample,
      },
      errors: { 401: "no or a refused bearer token", 403: "not permitted" },
      access: () => ({ verb: "list", group: PREDICTIVE_SCALER_GROUP, resource: PREDICTIVE_SCALER_RESOURCE }),
      handler: (_req, res) => {
        const shards = source.controller?.status();
        const scalers = [...source.scalers()]
          .map((s) => summaryOf(s, shards))
          .sort((a, b) => a.id.localeCompare(b.id));
        const targets = [...source.targets()].map(targetSummaryOf).sort((a, b) => a.id.localeCompare(b.id));
        res.json({ items: [...scalers, ...targets] });
      },
    },
    {
      method: "get",
      path: `${API_PREFIX}/scalers/{namespace}/{name}`,
      operationId: "getScaler",
      summary: "One PredictiveScaler's state",
      tag: "scalers",
      pathParams: SCALER_PARAMS,
      success: {
        code: 200,
        description: "the scaler",
        schema: scalerSummarySchema,
        example: examples.scalerExample,
      },
      errors: scalerCodes,
      access: scalerAccess("get"),
      handler: (req, res) => {
        res.json(summaryOf(findScaler(param(req, "namespace"), param(req, "name"))));
      },
    },
    {
      method: "get",
      path: `${API_PREFIX}/scalers/{namespace}/{name}/series`,
      operationId: "getScalerSeries",
      summary: "Demand against the latest forecast band, and replicas applied and recommended over time",
      tag: "scalers",
      pathParams: SCALER_PARAMS,
      query: [SINCE_PARAM],
      success: {
        code: 200,
        description: "the series",
        schema: seriesViewSchema,
        example: examples.seriesExample,
      },
      errors: { ...scalerCodes, ...seriesCodes },
      access: scalerAccess("get"),
      handler: async (req, res) => {
        const scaler = findScaler(param(req, "namespace"), param(req, "name"));
        const since = sinceMs(req, source.clock.now());
        const ref = scalerRef(scaler);
        const demand = await source.history(ref, since).catch((e) => mapSourceError(e, ref.id));
        const capacity = capacityOf(scaler);
        res.json(
          seriesView({
            id: ref.id,
            stepSeconds: scalerStepSeconds(scaler),
            demand,
            ...seriesForecasts(ref, since),
            actual: await actualReplicas(ref, since),
            decisions: decisionsSince(ref.id, since),
            bounds: {
              ...(capacity !== undefined ? { capacityPerReplica: capacity } : {}),
              ...(scaler.spec?.minReplicas !== undefined ? { minReplicas: scaler.spec.minReplicas } : {}),
              ...(scaler.spec?.maxReplicas !== undefined ? { maxReplicas: scaler.spec.maxReplicas } : {}),
            },
          }),
        );
      },
    },
    {
      method: "get",
      path: `${API_PREFIX}/scalers/{namespace}/{name}/models`,
      operationId: "getScalerModels",
      summary: "Every candidate model's backtest scores and why the chosen one won",
      tag: "scalers",
      pathParams: SCALER_PARAMS,
      success: {
        code: 200,
        description: "the models",
        schema: modelsViewSchema,
        example: examples.modelsExample,
      },
      errors: scalerCodes,
      access: scalerAccess("get"),
      handler: (req, res) => {
        const ref = scalerRef(findScaler(param(req, "namespace"), param(req, "name")));
        res.json(modelsView(ref.id, source.forecast(ref)));
      },
    },
    {
      method: "get",
      path: `${API_PREFIX}/scalers/{namespace}/{name}/decisions`,
      operationId: "listScalerDecisions",
      summary: "The scaler's decision log, newest first, paged",
      tag: "scalers",
      pathParams: SCALER_PARAMS,
      query: [
        {
          name: "limit",
          description: "Entries per page, 1 to 500 (default 50).",
          schema: { type: "integer", minimum: 1, maximum: 500, default: 50 },
        },
        {
          name: "cursor",
          description: "The `next` of the previous page, for older entries.",
          schema: { type: "string" },
        },
      ],
      success: {
        code: 200,
        description: "one page of decisions",
        schema: decisionPageSchema,
        example: examples.decisionsExample,
      },
      errors: { ...scalerCodes, 400: "a malformed limit or cursor" },
      access: scalerAccess("get"),
      handler: (req, res) => {
        const ref = scalerRef(findScaler(param(req, "namespace"), param(req, "name")));
        const limitText = queryText(req, "limit");
        let limit: number | undefined;
        if (limitText !== undefined) {
          limit = /^\d{1,6}$/.test(limitText) ? Number(limitText) : Number.NaN;
          if (!(limit >= 1 && limit <= 500))
            throw badRequest(`query parameter limit "${limitText}" must be an integer from 1 to 500`);
        }
        const cursor = queryText(req, "cursor");
        const log = source.decisions;
        let page: DecisionPageView = { items: [], total: 0 };
        if (log) {
          try {
            const p = log.list(ref.id, {
              ...(limit !== undefined ? { limit } : {}),
              ...(cursor !== undefined ? { cursor } : {}),
            });
            page = {
              items: p.items.map(decisionView),
              total: p.total,
              ...(p.next !== undefined ? { next: p.next } : {}),
            };
          } catch (err) {
            if (err instanceof RangeError) throw badRequest(`query parameter ${err.message}`);
            throw err;
          }
        }
        res.json(page);
      },
    },
    {
      method: "get",
      path: `${API_PREFIX}/targets/{name}`,
      operationId: "getTarget",
      summary: "One config-file forecast target's state",
      tag: "targets",
      pathParams: TARGET_PARAMS,
      success: {
        code: 200,
        description: "the target",
        schema: scalerSummarySchema,
        example: examples.targetExample,
      },
      errors: targetCodes,
      access: targetAccess,
      handler: (req, res) => {
        res.json(targetSummaryOf(findTarget(param(req, "name"))));
      },
    },
    {
      method: "get",
      path: `${API_PREFIX}/targets/{name}/series`,
      operationId: "getTargetSeries",
      summary: "A forecast target's demand against its latest forecast band",
      tag: "targets",
      pathParams: TARGET_PARAMS,
      query: [SINCE_PARAM],
      success: {
        code: 200,
        description: "the series",
        schema: seriesViewSchema,
        example: examples.seriesExample,
      },
      errors: { ...targetCodes, ...seriesCodes },
      access: targetAccess,
      handler: async (req, res) => {
        const target = findTarget(param(req, "name"));
        const since = sinceMs(req, source.clock.now());
        const ref = targetRef(target);
        const demand = await source.history(ref, since).catch((e) => mapSourceError(e, ref.id));
        res.json(
          seriesView({
            id: ref.id,
            stepSeconds: target.stepSeconds,
            demand,
            ...seriesForecasts(ref, since),
            decisions: [],
            bounds: {},
          }),
        );
      },
    },
    {
      method: "get",
      path: `${API_PREFIX}/targets/{name}/models`,
      operationId: "getTargetModels",
      summary: "Every candidate model's backtest scores for a forecast target and why the chosen one won",
      tag: "targets",
      pathParams: TARGET_PARAMS,
      success: {
        code: 200,
        description: "the models",
        schema: modelsViewSchema,
        example: examples.modelsExample,
      },
      errors: targetCodes,
      access: targetAccess,
      handler: (req, res) => {
        const ref = targetRef(findTarget(param(req, "name")));
        res.json(modelsView(ref.id, source.forecast(ref)));
      },
    },
    {
      method: "post",
      path: `${API_PREFIX}/backtests`,
      operationId: "createBacktest",
      summary: "Start a what-if backtest of policies on a subject's stored demand history",
      description:
        "Jobs run one at a time in the background; poll GET /api/v1/backtests/{id}. The result has the shape `foresight backtest --json` writes.",
      tag: "backtests",
      body: backtestRequestSchema,
      success: {
        code: 202,
        description: "the job, queued",
        schema: backtestJobSchema,
        example: examples.backtestQueuedExample,
      },
      errors: {
        400: "an invalid request (the Status names the field)",
        401: "no or a refused bearer token",
        403: "not permitted",
        503: "too many backtests waiting",
      },
      access: (req) => backtestAccess("create", (req.body as { subject?: unknown } | undefined)?.subject),
      handler: (req, res) => {
        const parsed = backtestRequestSchema.safeParse(req.body);
        if (!parsed.success) throw invalidBody("BacktestRequest", parsed.error.issues);
        const request = parsed.data as BacktestRequest;
        const known =
          source.scalers().some((s) => scalerId(s) === request.subject) ||
          source.targets().some((t) => t.name === request.subject);
        if (!known)
          throw invalidBody("BacktestRequest", [
            {
              path: ["subject"],
              message: `no PredictiveScaler (namespace/name) or forecast target named "${request.subject}"`,
            },
          ]);
        const policies = deps.runner.knownPolicies;
        if (policies) {
          const unknown = request.policies
            .map((p, i) => ({ p, i }))
            .filter(({ p }) => !policies.includes(p))
            .map(({ p, i }) => ({
              path: ["policies", i],
              message: `unknown policy "${p}"; known policies: ${policies.join(", ")}`,
            }));
          if (unknown.length > 0) throw invalidBody("BacktestRequest", unknown);
        }
        let job: ReturnType<BacktestJobs["submit"]>;
        try {
          job = jobs.submit(request);
        } catch (err) {
          if (err instanceof QueueFullError) {
            res.set("Retry-After", "10");
            throw new ApiError(503, "ServiceUnavailable", err.message, {
              details: { retryAfterSeconds: 10 },
            });
          }
          throw err;
        }
        res.status(202).location(`${API_PREFIX}/backtests/${job.id}`).json(job);
      },
    },
    {
      method: "get",
      path: `${API_PREFIX}/backtests`,
      operationId: "listBacktests",
      summary: "The backtest jobs kept, newest first",
      tag: "backtests",
      success: {
        code: 200,
        description: "the jobs",
        schema: backtestJobListSchema,
        example: { items: [examples.backtestDoneExample] },
      },
      errors: { 401: "no or a refused bearer token", 403: "not permitted" },
      access: () => backtestAccess("list", undefined),
      handler: (_req, res) => {
        res.json({ items: jobs.list() });
      },
    },
    {
      method: "get",
      path: `${API_PREFIX}/backtests/{id}`,
      operationId: "getBacktest",
      summary: "A backtest job: state, progress, and the result or error",
      tag: "backtests",
      pathParams: { id: "The job id returned by POST /api/v1/backtests." },
      success: {
        code: 200,
        description: "the job",
        schema: backtestJobSchema,
        example: examples.backtestDoneExample,
      },
      errors: {
        401: "no or a refused bearer token",
        403: "not permitted",
        404: "no such job (or dropped from the bounded history)",
      },
      access: (req) => backtestAccess("get", jobs.get(param(req, "id"))?.request.subject),
      handler: (req, res) => {
        const job = jobs.get(param(req, "id"));
        if (!job)
          throw notFound(`backtest "${param(req, "id")}" not found; finished jobs are kept for a while only`);
        res.json(job);
      },
    },
    {
      method: "get",
      path: `${API_PREFIX}/controller`,
      operationId: "getController",
      summary: "The PredictiveScaler controller on the replica answering: its shards and who holds each",
      description:
        "The scalers are split into shards by a stable hash of namespace/name; the replica holding a shard's Lease trains and acts for its scalers. Each replica answers for itself (its identity, the shards it holds, the replicas and holders it has seen).",
      tag: "meta",
      success: {
        code: 200,
        description: "the controller and its shards",
        schema: controllerViewSchema,
        example: examples.controllerExample,
      },
      errors: {
        401: "no or a refused bearer token",
        403: "not permitted",
        404: "the controller does not run on this replica",
      },
      access: () => ({ verb: "list", group: PREDICTIVE_SCALER_GROUP, resource: PREDICTIVE_SCALER_RESOURCE }),
      handler: (_req, res) => {
        const controller = source.controller;
        if (!controller)
          throw notFound(
            "the PredictiveScaler controller does not run on this replica (actuator.enabled, a Kubernetes connection and the CRD are needed)",
          );
        const shards = source.scalers().map((s) => controller.of(scalerId(s)));
        res.json(controllerView(controller.identity, controller.status(), shards));
      },
    },
    {
      method: "get",
      path: `${API_PREFIX}/openapi.json`,
      operationId: "getOpenApi",
      summary: "This document",
      tag: "meta",
      success: {
        code: 200,
        description: "the OpenAPI 3.0 document",
        schema: openApiDocumentSchema,
        example: { openapi: "3.0.3" },
      },
      errors: { 401: "no or a refused bearer token" },
      access: () => undefined,
      handler: (_req, res) => {
        res.json(document);
      },
    },
  ];
  const document = openApiDocument(routes, deps.version ?? "dev");

  const router = express.Router();
  router.use(API_PREFIX, express.json({ limit: "64kb" }), (_req, res, next) => {
    res.set("Cache-Control", "no-store");
    // The server's clock, which the page measures "in 2h" and "5m ago" against (simulated in the demo).
    res.set(NOW_HEADER, new Date(source.clock.now()).toISOString());
    next();
  });
  for (const route of routes) {
    router[route.method](expressPath(route.path), guard.require(route.access), async (req, res) => {
      await route.handler(req, res);
    });
  }
  // A known path with another method: 405 naming the allowed ones.
  const methodsByPath = new Map<string, string[]>();
  for (const r of routes)
    methodsByPath.set(r.path, [...(methodsByPath.get(r.path) ?? []), r.method.toUpperCase()]);
  for (const [path, methods] of methodsByPath) {
    router.all(expressPath(path), (req, res) => {
      res.set("Allow", methods.join(", "));
      throw methodNotAllowed(`${req.method} is not supported on ${path}; use ${methods.join(" or ")}`);
    });
  }
  router.use(API_PREFIX, (req) => {
    throw notFound(
      `the server could not find the requested resource (${req.method} ${req.originalUrl.split("?")[0]})`,
    );
  });
  router.use(API_PREFIX, (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const apiError = bodyParserError(err) ?? toApiError(err);
    if (apiError.code >= 500 && apiError.code !== 503)
      deps.onError?.(err, `${req.method} ${req.originalUrl}`);
    res
      .status(apiError.code)
      .type("application/json")
      .send(JSON.stringify(statusBody(apiError)));
  });

  return { router, routes, jobs, close: () => jobs.close() };
}

/** body-parser's errors (malformed JSON, too large) as 400s. */
function bodyParserError(err: unknown): ApiError | undefined {
  const e = err as { type?: unknown; message?: unknown };
  if (e?.type === "entity.parse.failed")
    return badRequest(`the request body is not valid JSON: ${String(e.message)}`);
  if (e?.type === "entity.too.large") return badRequest("the request body is larger than 64kb");
  if ((typeof e?.type === "string" && e.type.startsWith("entity.")) || e?.type === "charset.unsupported")
    return badRequest(`the request body cannot be read: ${String(e.message)}`);
  return undefined;
}
