/**
 * The OpenAPI 3.0 document of the review API (`GET /api/v1/openapi.json`), generated from the
 * route table (routes.ts) and the zod schemas (schemas.ts, through z.toJSONSchema's "openapi-3.0"
 * target), so it lists exactly the routes the router serves with the shapes they answer.
 */
import { z } from "zod";
import { pathParamNames, type RouteDef } from "./routes.js";
import { reviewApiSchemas, statusSchema } from "./schemas.js";

const JSON_TYPE = "application/json";

type Json = Record<string, unknown>;

/** Every schema of the registry as components.schemas (without the `$id`s OpenAPI 3.0 does not know). */
export function componentSchemas(): Record<string, Json> {
  const generated = z.toJSONSchema(reviewApiSchemas, {
    target: "openapi-3.0",
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: "any",
  }) as { schemas: Record<string, Json> };
  const out: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(generated.schemas)) {
    const { $id: _id, $schema: _schema, ...rest } = schema;
    out[id] = rest;
  }
  return out;
}

function refOf(schema: z.ZodType): Json {
  const id = reviewApiSchemas.get(schema)?.id;
  if (id === undefined)
    throw new Error("review API schema used in a route is not registered in reviewApiSchemas");
  return { $ref: `#/components/schemas/${id}` };
}

function operation(route: RouteDef): Json {
  const parameters = [
    ...pathParamNames(route.path).map((name) => ({
      name,
      in: "path",
      required: true,
      description: route.pathParams?.[name] ?? name,
      schema: { type: "string" },
    })),
    ...(route.query ?? []).map((q) => ({
      name: q.name,
      in: "query",
      required: false,
      description: q.description,
      schema: q.schema,
    })),
  ];
  const statusRef = refOf(statusSchema);
  const responses: Record<string, Json> = {
    [String(route.success.code)]: {
      description: route.success.description,
      content: { [JSON_TYPE]: { schema: refOf(route.success.schema), example: route.success.example } },
    },
  };
  for (const [code, description] of Object.entries(route.errors))
    responses[code] = { description, content: { [JSON_TYPE]: { schema: statusRef } } };
  responses.default = {
    description: "an error, as a Kubernetes Status",
    content: { [JSON_TYPE]: { schema: statusRef } },
  };
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description !== undefined ? { description: route.description } : {}),
    tags: [route.tag],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body !== undefined
      ? { requestBody: { required: true, content: { [JSON_TYPE]: { schema: refOf(route.body) } } } }
      : {}),
    responses,
  };
}

export function openApiDocument(routes: readonly RouteDef[], version: string): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const item = paths[route.path] ?? {};
    if (item[route.method] !== undefined)
      throw new Error(`route ${route.method.toUpperCase()} ${route.path} is defined twice`);
    item[route.method] = operation(route);
    paths[route.path] = item;
  }
  return {
    openapi: "3.0.3",
    info: {
      title: "Foresight review API",
      version,
      description:
        "What operators read about forecasts and PredictiveScalers: state, demand against the forecast band, model choice, decisions, and what-if backtests. In a cluster, send a bearer token (checked with TokenReview; permissions with SubjectAccessReview on predictivescalers.foresight.dev). Locally, the API is open on loopback only.",
    },
    servers: [{ url: "/" }],
    // Either a bearer token (in a cluster) or nothing (local mode, loopback only).
    security: [{ bearerAuth: [] }, {}],
    tags: [
      { name: "scalers", description: "PredictiveScalers" },
      { name: "targets", description: "Forecast targets of the config file" },
      { name: "backtests", description: "What-if backtests" },
      { name: "meta", description: "The controller on the replica answering, and this document" },
    ],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: "http", scheme: "bearer" } },
      schemas: componentSchemas(),
    },
  };
}
