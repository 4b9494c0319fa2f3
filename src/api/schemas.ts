/**
 * Zod schemas of the review API's wire types (src/api/types.ts). One source for three uses: the
 * request validation of `POST /api/v1/backtests`, the OpenAPI document (z.toJSONSchema with the
 * "openapi-3.0" target) and the tests that check responses against the document. The compile-time
 * checks at the bottom fail when a wire type has a (top-level) field its schema lacks, or a field
 * whose type the schema would refuse.
 */
import { z } from "zod";
import { parseDurationMs } from "../config/duration.js";
import type {
  BacktestJob,
  BacktestRequest,
  ControllerView,
  DecisionPageView,
  ModelsView,
  ScalerList,
  ScalerSummary,
  SeriesView,
} from "./types.js";

/** A number that JSON may carry as null: NaN and ±Infinity serialise as null (no score, no value). */
const scoreNumber = z.number().nullable().meta({ description: "null when not computed (NaN)" });

/** The schemas named in the OpenAPI document's components, by id. */
export const reviewApiSchemas = z.registry<{ id: string; description?: string }>();

const point = z.tuple([z.number(), z.number()]).meta({ description: "[unix ms, value]" });

export const conditionSchema = z.object({
  type: z.string(),
  status: z.enum(["True", "False", "Unknown"]),
  reason: z.string(),
  message: z.string(),
  lastTransitionTime: z.string().optional(),
});

export const accuracySchema = z.object({
  pinball: z.number().optional(),
  steps: z.number().optional(),
  coverage: z.number().optional(),
  underPredictionRate: z.number().optional(),
});

export const scalerSummarySchema = z
  .object({
    kind: z.enum(["PredictiveScaler", "ForecastTarget"]),
    id: z.string(),
    namespace: z.string().optional(),
    name: z.string(),
    mode: z.string(),
    target: z.string().optional(),
    ready: conditionSchema,
    conditions: z.array(conditionSchema),
    model: z.string().optional(),
    accuracy: accuracySchema.optional(),
    nextPeak: z.object({ value: z.number(), replicas: z.number().optional(), at: z.string() }).optional(),
    recommendedReplicas: z.number().optional(),
    appliedReplicas: z.number().optional(),
    lastAction: z
      .object({
        type: z.string(),
        time: z.string(),
        from: z.number().optional(),
        to: z.number().optional(),
        message: z.string().optional(),
      })
      .optional(),
    quantile: z.number(),
    capacityPerReplica: z.number().optional(),
    shard: z
      .object({ index: z.number().int(), heldHere: z.boolean(), holder: z.string().optional() })
      .optional(),
  })
  .register(reviewApiSchemas, { id: "ScalerSummary" });

export const controllerViewSchema = z
  .object({
    identity: z.string(),
    leaderElection: z.boolean(),
    shards: z.number().int(),
    held: z.array(z.number().int()),
    replicas: z.array(z.string()).optional(),
    shardHolders: z.array(
      z.object({
        shard: z.number().int(),
        holder: z.string().optional(),
        heldHere: z.boolean(),
        scalers: z.number().int(),
      }),
    ),
    blocked: z.string().optional(),
  })
  .register(reviewApiSchemas, { id: "ControllerView" });

export const scalerListSchema = z
  .object({ items: z.array(scalerSummarySchema) })
  .register(reviewApiSchemas, { id: "ScalerList" });

export const seriesViewSchema = z
  .object({
    id: z.string(),
    stepSeconds: z.number(),
    demand: z.array(point),
    forecast: z
      .object({
        startMs: z.number(),
        stepSeconds: z.number(),
        computedAtMs: z.number(),
        model: z.string(),
        mean: z.array(scoreNumber),
        quantiles: z.record(z.string(), z.array(scoreNumber)),
      })
      .optional(),
    pastForecasts: z.array(
      z.object({
        computedAtMs: z.number(),
        startMs: z.number(),
        stepSeconds: z.number(),
        model: z.string(),
        mean: z.array(scoreNumber),
        quantiles: z.record(z.string(), z.array(scoreNumber)),
      }),
    ),
    decidedForecasts: z.array(
      z.object({ madeAtMs: z.number(), forMs: z.number(), value: z.number(), quantile: z.number() }),
    ),
    actual: z.array(point),
    applied: z.array(point),
    recommended: z.array(point),
  })
  .register(reviewApiSchemas, { id: "SeriesView" });

export const modelsViewSchema = z
  .object({
    id: z.string(),
    chosen: z.string().optional(),
    why: z.string(),
    computedAtMs: z.number().optional(),
    candidates: z.array(
      z.object({
        name: z.string(),
        ready: z.boolean(),
        reason: z.string().optional(),
        scaledPinball: scoreNumber,
        coverage: scoreNumber,
        mase: scoreNumber,
        fitSeconds: z.number(),
      }),
    ),
    calibration: z.record(z.string(), z.number()),
  })
  .register(reviewApiSchemas, { id: "ModelsView" });

export const decisionViewSchema = z
  .object({
    atMs: z.number(),
    time: z.string(),
    action: z.string(),
    applied: z.boolean(),
    from: z.number().optional(),
    to: z.number().optional(),
    reason: z.string(),
    forecast: z
      .object({
        value: z.number(),
        quantile: z.number(),
        horizon: z.string(),
        model: z.string().optional(),
      })
      .optional(),
    error: z.string().optional(),
  })
  .register(reviewApiSchemas, { id: "DecisionView" });

export const decisionPageSchema = z
  .object({ items: z.array(decisionViewSchema), total: z.number().int(), next: z.string().optional() })
  .register(reviewApiSchemas, { id: "DecisionPageView" });

const durationText = (field: string) =>
  z.string().refine((s) => {
    const ms = parseDurationMs(s);
    return ms !== undefined && ms >= 0;
  }, `${field} must be a duration such as 5m, 90s or 7d`);

/** The body of `POST /api/v1/backtests`; unknown fields are refused so typos are not ignored. */
export const backtestRequestSchema = z
  .strictObject({
    subject: z.string().min(1, "subject is required: namespace/name of a scaler or a target name"),
    policies: z.array(z.string().min(1)).min(1, "policies must name at least one policy"),
    peakReplicas: z.number().int().min(1).optional(),
    leadTime: durationText("leadTime").optional(),
    nodeLeadTime: durationText("nodeLeadTime").optional(),
    warmup: durationText("warmup").optional(),
    since: durationText("since").optional(),
    targets: z.array(z.number().gt(0).max(100)).min(1).optional(),
    neural: z.boolean().optional(),
  })
  .register(reviewApiSchemas, { id: "BacktestRequest" });

export const backtestJobSchema = z
  .object({
    id: z.string(),
    state: z.enum(["queued", "running", "succeeded", "failed"]),
    progress: z.number().min(0).max(1),
    createdTime: z.string(),
    request: backtestRequestSchema,
    result: z.unknown().optional(),
    error: z.string().optional(),
  })
  .register(reviewApiSchemas, { id: "BacktestJob" });

export const backtestJobListSchema = z
  .object({ items: z.array(backtestJobSchema) })
  .register(reviewApiSchemas, { id: "BacktestJobList" });

export const statusSchema = z
  .object({
    kind: z.literal("Status"),
    apiVersion: z.literal("v1"),
    metadata: z.object({}),
    status: z.literal("Failure"),
    message: z.string().optional(),
    reason: z.string(),
    details: z
      .object({
        name: z.string().optional(),
        group: z.string().optional(),
        kind: z.string().optional(),
        causes: z
          .array(
            z.object({
              reason: z.string().optional(),
              message: z.string().optional(),
              field: z.string().optional(),
            }),
          )
          .optional(),
        retryAfterSeconds: z.number().int().optional(),
      })
      .optional(),
    code: z.number().int(),
  })
  .register(reviewApiSchemas, { id: "Status" });

/** The OpenAPI document itself is described loosely: it is JSON, checked by its own test. */
export const openApiDocumentSchema = z
  .record(z.string(), z.unknown())
  .register(reviewApiSchemas, { id: "OpenAPIDocument" });

// Compile-time: every value of a wire type is accepted by its schema's input type.
type DeepReadonly<T> = T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;
type Accepts<S extends z.ZodType, T> =
  T extends DeepReadonly<z.input<S>>
    ? [Exclude<keyof T, keyof z.input<S>>] extends [never]
      ? true
      : false
    : false;
const typesMatch: [
  Accepts<typeof scalerSummarySchema, ScalerSummary>,
  Accepts<typeof scalerListSchema, ScalerList>,
  Accepts<typeof seriesViewSchema, SeriesView>,
  Accepts<typeof modelsViewSchema, ModelsView>,
  Accepts<typeof decisionPageSchema, DecisionPageView>,
  Accepts<typeof backtestRequestSchema, BacktestRequest>,
  Accepts<typeof backtestJobSchema, BacktestJob>,
  Accepts<typeof controllerViewSchema, ControllerView>,
] = [true, true, true, true, true, true, true, true];
void typesMatch;
