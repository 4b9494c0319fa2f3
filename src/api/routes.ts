/**
 * The review API's route table: every route's method, path, parameters, request and response
 * schemas, example, required permission and handler in one record. The express router
 * (router.ts) and the OpenAPI document (openapi.ts) are both built from this table, so the document
 * lists exactly the routes served.
 */
import type { Request, Response } from "express";
import type { z } from "zod";
import type { AccessCheck } from "./access.js";

export const API_PREFIX = "/api/v1";

export interface QueryParamDef {
  readonly name: string;
  readonly description: string;
  /** An OpenAPI 3.0 schema object. */
  readonly schema: Readonly<Record<string, unknown>>;
}

export interface RouteDef {
  readonly method: "get" | "post";
  /** OpenAPI form, `{param}` segments, with the /api/v1 prefix. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: "scalers" | "targets" | "backtests" | "meta";
  /** Descriptions of the `{…}` segments of `path`. */
  readonly pathParams?: Readonly<Record<string, string>>;
  readonly query?: readonly QueryParamDef[];
  /** A schema registered in reviewApiSchemas. */
  readonly body?: z.ZodType;
  readonly success: {
    readonly code: 200 | 202;
    readonly description: string;
    /** A schema registered in reviewApiSchemas. */
    readonly schema: z.ZodType;
    readonly example: unknown;
  };
  /** Error codes the route answers with a Status, with what each means. */
  readonly errors: Readonly<Record<number, string>>;
  /** The permission the request needs; undefined: authentication alone. */
  readonly access: (req: Request) => AccessCheck | undefined;
  readonly handler: (req: Request, res: Response) => Promise<void> | void;
}

/** `/api/v1/scalers/{namespace}/{name}` → `/api/v1/scalers/:namespace/:name` (express 5). */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ":$1");
}

/** The `{…}` segment names of a path, in order. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
}
