/**
 * Validation and defaulting of PredictiveScaler objects, mirroring the CRD
 * (deploy/crd/predictivescalers.foresight.dev.yaml) plus the cross-field checks a structural schema
 * cannot express (durations with d/w units compared, cron syntax, history vs step). The controller
 * shows the errors as a condition; each names its field, e.g. `spec.targetRef.kind: Required`.
 * Defaults must stay equal to the CRD's (test/actuator/spec.test.ts compares them).
 *
 * A valid spec is then parsed once (`parseScaler`, `scalerSpec`) into a ScalerSpec: durations in
 * milliseconds, the capacity as a number, the scaler's key. The controller computes with that, so
 * no other file parses a duration of the spec or falls back to a default of its own.
 */
import { validate as validateCron } from "node-cron";
import { z } from "zod";
import { parseDurationMs } from "../config/duration.js";
import { parseQuantity, QuantityParseError } from "../k8s/quantity.js";
import { replicaCeiling } from "./planner.js";
import { isExtendedResource, SHAPE_OVERRIDE_KEYS } from "./podShape.js";
import { formatScalerKey, type ScalerKey, scalerKeyOf } from "./scalerKey.js";
import {
  CAPACITY_BREACH_POLICIES,
  type CapacityBreachPolicy,
  type DemandSource,
  FALLBACK_BEHAVIORS,
  type FallbackSpec,
  NODE_MODES,
  type NodeMode,
  type PodShape,
  PREDICTIVE_SCALER_API_VERSION,
  PREDICTIVE_SCALER_KIND,
  type PredictiveScaler,
  type PredictiveScalerSpec,
  type PredictiveScalerStatus,
  SCALER_MODES,
  type ScalerMode,
  type TargetRef,
} from "./types.js";

/** The CRD's default of spec.history.step; also the step of a scaler whose spec is not valid (yet). */
export const DEFAULT_HISTORY_STEP = "5m";

/** One problem with a spec, e.g. { field: "spec.quantile", message: "must be less than 1" }. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export type ValidationResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

const duration = z.string().refine((s) => parseDurationMs(s) !== undefined, {
  message: 'must be a duration such as "90s", "5m", "1h30m" or "14d"',
});

/** A quantity (string or number); `positive` rejects zero and negatives. */
function quantity(positive: boolean) {
  return z.union([z.string(), z.number()]).superRefine((q, ctx) => {
    let value: number;
    try {
      value = typeof q === "number" ? q : quantityValue(q);
    } catch (error) {
      if (!(error instanceof QuantityParseError)) throw error;
      ctx.addIssue({ code: "custom", message: `${error.message}` });
      return;
    }
    if (!Number.isFinite(value) || value < 0 || (positive && value === 0)) {
      ctx.addIssue({ code: "custom", message: positive ? "must be greater than 0" : "must not be negative" });
    }
  });
}

/** The value of a quantity as a float, e.g. "500m" → 0.5 (precision is a float's). */
export function quantityValue(q: string | number): number {
  if (typeof q === "number") return q;
  const d = parseQuantity(q);
  return Number(d.mantissa) * 10 ** d.exponent;
}

/** A label key (optional DNS prefix + name) and value, as apimachinery validates them. */
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const labelKey = z
  .string()
  .regex(LABEL_KEY, { message: "must be a label key (e.g. app or example.com/model)" });
const labelValue = z
  .string()
  .max(63)
  .regex(LABEL_VALUE, { message: "must be a label value: [A-Za-z0-9_.-], starting and ending alphanumeric" });

const labelSelector = z.strictObject({
  matchLabels: z.record(labelKey, labelValue).optional(),
  matchExpressions: z
    .array(
      z
        .strictObject({
          key: labelKey,
          operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
          values: z.array(labelValue).optional(),
        })
        .superRefine((e, ctx) => {
          const n = e.values?.length ?? 0;
          if ((e.operator === "In" || e.operator === "NotIn") && n === 0)
            ctx.addIssue({
              code: "custom",
              path: ["values"],
              message: `must be non-empty for operator ${e.operator}`,
            });
          if ((e.operator === "Exists" || e.operator === "DoesNotExist") && n > 0)
            ctx.addIssue({
              code: "custom",
              path: ["values"],
              message: `must be empty for operator ${e.operator}`,
            });
        }),
    )
    .optional(),
});

const demand = z
  .strictObject({
    query: z.string().min(1).optional(),
    metric: z.strictObject({ name: z.string().min(1), selector: labelSelector.optional() }).optional(),
  })
  .superRefine((d, ctx) => {
    if ((d.query === undefined) === (d.metric === undefined)) {
      ctx.addIssue({
        code: "custom",
        message:
          d.query === undefined
            ? "Required: set query (PromQL) or metric (a rule-served metric)"
            : "set only one of query and metric",
      });
    }
  })
  .transform((d) => d as DemandSource);

const toleration = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(["Exists", "Equal"]).optional(),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
  tolerationSeconds: z.number().int().optional(),
});

/** A whole number of an extended resource (`vendor/name`), as Kubernetes counts them. */
function wholeIfExtended(name: string) {
  return quantity(false).superRefine((q, ctx) => {
    if (!isExtendedResource(name)) return;
    let whole: boolean;
    try {
      whole = Number.isInteger(quantityValue(q));
    } catch {
      return; // quantity() reports it
    }
    if (!whole)
      ctx.addIssue({ code: "custom", message: `must be a whole number (${name} is an extended resource)` });
  });
}

const resourceName = z
  .string()
  .regex(LABEL_KEY, { message: "must be a resource name (e.g. cpu, amd.com/gpu or nvidia.com/mig-1g.10gb)" });

const podShape = z
  .strictObject({
    cpu: quantity(true).optional(),
    memory: quantity(true).optional(),
    "nvidia.com/gpu": wholeIfExtended("nvidia.com/gpu").optional(),
    resources: z.record(resourceName, z.union([z.string(), z.number()])).optional(),
    nodeSelector: z.record(z.string(), z.string()).optional(),
    tolerations: z.array(toleration).optional(),
  })
  .superRefine((shape, ctx) => {
    for (const [name, q] of Object.entries(shape.resources ?? {})) {
      const checked = wholeIfExtended(name).safeParse(q);
      for (const iss of checked.error?.issues ?? []) {
        ctx.addIssue({ code: "custom", path: ["resources", name], message: iss.message });
      }
      if ((SHAPE_OVERRIDE_KEYS as readonly string[]).includes(name) && shape[name as "cpu"] !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["resources", name],
          message: `also set as podShape.${name}; set one`,
        });
      }
    }
  });

const int32 = z.number().int().max(2_147_483_647);

/** The spec with the CRD's defaults. `prefault` runs a defaulted object through its schema, as the API server does. */
export const predictiveScalerSpecSchema = z
  .strictObject({
    targetRef: z.strictObject({
      apiVersion: z.string().optional(),
      kind: z.string().min(1),
      name: z.string().min(1),
    }),
    demand,
    capacityPerReplica: quantity(true),
    leadTime: duration.default("5m"),
    quantile: z.number().gt(0, "must be greater than 0").lt(1, "must be less than 1").default(0.9),
    horizon: duration.default("1h"),
    history: z
      .strictObject({
        length: duration.default("14d"),
        step: duration.default(DEFAULT_HISTORY_STEP),
        minimum: duration.default("1d"),
      })
      .prefault({}),
    schedule: z
      .string()
      .refine((expr) => validateCron(expr), { message: 'is not a cron expression (e.g. "0 * * * *")' })
      .default("0 * * * *"),
    mode: z.enum(SCALER_MODES).default("ForecastOnly"),
    minReplicas: int32.min(0).default(1),
    maxReplicas: int32.min(1),
    maxCapacityBreach: z.enum(CAPACITY_BREACH_POLICIES).default("Honor"),
    maxCapacityBuffer: z.number().int().min(0).max(100).optional(),
    scaleDown: z
      .strictObject({
        delay: duration.default("10m"),
        maxPercentPerMinute: z.number().gt(0).max(100).default(10),
        maxReplicasPerMinute: int32.min(1).optional(),
      })
      .prefault({}),
    nodes: z
      .strictObject({
        mode: z.enum(NODE_MODES).default("None"),
        leadTime: duration.default("10m"),
        podShape: podShape.optional(),
        priorityClassName: z.string().min(1).optional(),
      })
      .prefault({}),
    fallback: z
      .strictObject({
        behavior: z.enum(FALLBACK_BEHAVIORS).default("Release"),
        underPredictionRate: z.number().min(0).max(1).optional(),
        failureThreshold: int32.min(1).default(3),
      })
      .prefault({}),
  })
  .superRefine(
    (spec, ctx) => {
      // Runs even when other fields failed (so all errors show at once): fields may hold raw input.
      const s = spec as unknown as LooseSpec;
      const ms = (d: unknown) => (typeof d === "string" ? (parseDurationMs(d) ?? Number.NaN) : Number.NaN);
      const issue = (path: (string | number)[], message: string) =>
        ctx.addIssue({ code: "custom", path, message });
      if (
        typeof s.minReplicas === "number" &&
        typeof s.maxReplicas === "number" &&
        s.minReplicas > s.maxReplicas
      ) {
        issue(["minReplicas"], `must not exceed maxReplicas (${s.maxReplicas})`);
      }
      if (s.maxCapacityBreach === "Increase" && s.maxCapacityBuffer === undefined) {
        issue(
          ["maxCapacityBuffer"],
          "Required when maxCapacityBreach is Increase (0–100, percent of maxReplicas)",
        );
      }
      if (s.maxCapacityBreach !== "Increase" && s.maxCapacityBuffer !== undefined) {
        issue(["maxCapacityBuffer"], "only applies when maxCapacityBreach is Increase");
      }
      if (ms(s.horizon) < ms(s.leadTime)) {
        issue(["horizon"], `must be at least leadTime (${s.leadTime}): the forecast is read leadTime ahead`);
      }
      if (s.nodes?.mode !== "None" && ms(s.horizon) < ms(s.nodes?.leadTime)) {
        issue(["horizon"], `must be at least nodes.leadTime (${s.nodes?.leadTime}) when nodes.mode is set`);
      }
      if (ms(s.history?.step) === 0) issue(["history", "step"], "must be longer than 0");
      if (ms(s.history?.length) < 10 * ms(s.history?.step)) {
        issue(["history", "length"], `must cover at least 10 steps of ${s.history?.step}`);
      }
      if (ms(s.history?.minimum) > ms(s.history?.length)) {
        issue(["history", "minimum"], `must not exceed history.length (${s.history?.length})`);
      }
    },
    { when: (payload) => isObject(payload.value) },
  );

/** The spec as the cross-field checks see it: possibly invalid after other errors. */
interface LooseSpec {
  maxCapacityBreach?: unknown;
  maxCapacityBuffer?: unknown;
  minReplicas?: unknown;
  maxReplicas?: unknown;
  leadTime?: unknown;
  horizon?: unknown;
  nodes?: { mode?: unknown; leadTime?: unknown };
  history?: { length?: unknown; step?: unknown; minimum?: unknown };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// Compile-time check that the schema's output is the documented type.
const specTypeCheck: z.ZodType<PredictiveScalerSpec> = predictiveScalerSpecSchema;
void specTypeCheck;

export const predictiveScalerSchema = z.object({
  apiVersion: z.literal(PREDICTIVE_SCALER_API_VERSION),
  kind: z.literal(PREDICTIVE_SCALER_KIND),
  metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional() }),
  spec: predictiveScalerSpecSchema,
  // Written by the controller, not by users: kept as is.
  status: z
    .custom<PredictiveScalerStatus>((v) => v === undefined || (typeof v === "object" && v !== null))
    .optional(),
});

/** "spec.nodes.podShape" + "nvidia.com/gpu" → spec.nodes.podShape[nvidia.com/gpu]; indices as [i]. */
function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else {
      const name = String(part);
      if (/^[A-Za-z_$][\w$]*$/.test(name)) out += out === "" ? name : `.${name}`;
      else out += `[${name}]`;
    }
  }
  return out;
}

/** Kubernetes-style messages: "Required", `Unsupported value: "X": supported values: "A", "B"`. */
const errorMap: z.core.$ZodErrorMap = (iss) => {
  if ((iss.code === "invalid_type" || iss.code === "invalid_union") && iss.input === undefined)
    return "Required";
  if (iss.code === "invalid_value" && iss.values.length > 1) {
    return `Unsupported value: ${JSON.stringify(iss.input)}: supported values: ${iss.values
      .map((v) => JSON.stringify(v))
      .join(", ")}`;
  }
  return undefined;
};

function toFieldErrors(error: z.ZodError, prefix: readonly PropertyKey[]): FieldError[] {
  return error.issues.flatMap((iss): FieldError[] => {
    const path = [...prefix, ...iss.path];
    if (iss.code === "unrecognized_keys") {
      return iss.keys.map((key) => ({ field: fieldPath([...path, key]), message: "unknown field" }));
    }
    if (iss.code === "invalid_key") {
      // A record key that fails its schema (a label or resource name): say why, not "Invalid key".
      return [{ field: fieldPath(path), message: iss.issues[0]?.message ?? iss.message }];
    }
    return [{ field: fieldPath(path), message: iss.message }];
  });
}

function run<T>(schema: z.ZodType<T>, input: unknown, prefix: readonly PropertyKey[]): ValidationResult<T> {
  const result = schema.safeParse(input, { error: errorMap });
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, errors: toFieldErrors(result.error, prefix) };
}

/** Validates and defaults a whole PredictiveScaler object (as read from the API or a manifest). */
export function validatePredictiveScaler(object: unknown): ValidationResult<PredictiveScaler> {
  return run(predictiveScalerSchema as z.ZodType<PredictiveScaler>, object, []);
}

/** Validates and defaults a spec alone; fields are still named `spec.…`. */
export function validatePredictiveScalerSpec(spec: unknown): ValidationResult<PredictiveScalerSpec> {
  return run(predictiveScalerSpecSchema, spec, ["spec"]);
}

/** One line for a condition message: "spec.quantile: must be less than 1; spec.mode: …". */
export function formatFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join("; ");
}

/** A valid spec parsed: durations in milliseconds, capacityPerReplica as a number. */
export interface ScalerSpec {
  /** The spec as validated and defaulted, durations as written (for the status and the decision log). */
  readonly written: PredictiveScalerSpec;
  readonly targetRef: TargetRef;
  readonly demand: DemandSource;
  readonly mode: ScalerMode;
  readonly capacityPerReplica: number;
  readonly leadTimeMs: number;
  readonly quantile: number;
  readonly horizonMs: number;
  readonly history: { readonly lengthMs: number; readonly stepMs: number; readonly minimumMs: number };
  readonly schedule: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly maxCapacityBreach: CapacityBreachPolicy;
  /** Percent of maxReplicas the forecast may go past it under Increase; 0 under Honor. */
  readonly maxCapacityBuffer: number;
  /** The most replicas the forecast may ask for: maxReplicas, or past it within the buffer under Increase. */
  readonly replicaCeiling: number;
  readonly scaleDown: {
    readonly delayMs: number;
    readonly maxPercentPerMinute: number;
    readonly maxReplicasPerMinute?: number;
  };
  readonly nodes: {
    readonly mode: NodeMode;
    readonly leadTimeMs: number;
    readonly podShape?: PodShape;
    readonly priorityClassName?: string;
  };
  readonly fallback: FallbackSpec;
}

/** A valid duration in milliseconds (validation has checked it parses). */
function validMs(field: string, text: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined)
    throw new RangeError(`spec.${field}: not a duration: ${text} (the spec was not validated)`);
  return ms;
}

/** Parses a validated, defaulted spec (validatePredictiveScalerSpec's value). */
export function scalerSpec(spec: PredictiveScalerSpec): ScalerSpec {
  const { scaleDown, nodes } = spec;
  return {
    written: spec,
    targetRef: spec.targetRef,
    demand: spec.demand,
    mode: spec.mode,
    capacityPerReplica: quantityValue(spec.capacityPerReplica),
    leadTimeMs: validMs("leadTime", spec.leadTime),
    quantile: spec.quantile,
    horizonMs: validMs("horizon", spec.horizon),
    history: {
      lengthMs: validMs("history.length", spec.history.length),
      stepMs: validMs("history.step", spec.history.step),
      minimumMs: validMs("history.minimum", spec.history.minimum),
    },
    schedule: spec.schedule,
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas,
    maxCapacityBreach: spec.maxCapacityBreach,
    maxCapacityBuffer: spec.maxCapacityBuffer ?? 0,
    replicaCeiling: replicaCeiling(spec.maxReplicas, spec.maxCapacityBreach, spec.maxCapacityBuffer ?? 0),
    scaleDown: {
      delayMs: validMs("scaleDown.delay", scaleDown.delay),
      maxPercentPerMinute: scaleDown.maxPercentPerMinute,
      ...(scaleDown.maxReplicasPerMinute !== undefined
        ? { maxReplicasPerMinute: scaleDown.maxReplicasPerMinute }
        : {}),
    },
    nodes: {
      mode: nodes.mode,
      leadTimeMs: validMs("nodes.leadTime", nodes.leadTime),
      ...(nodes.podShape !== undefined ? { podShape: nodes.podShape } : {}),
      ...(nodes.priorityClassName !== undefined ? { priorityClassName: nodes.priorityClassName } : {}),
    },
    fallback: spec.fallback,
  };
}

/** A PredictiveScaler validated, defaulted and parsed: what the reconciler acts on. */
export interface ParsedScaler {
  readonly key: ScalerKey;
  /** formatScalerKey(key): the scaler's forecast target, decision-log and annotation name. */
  readonly id: string;
  /** The object validated and defaulted (for the demand query and the reports). */
  readonly scaler: PredictiveScaler;
  readonly spec: ScalerSpec;
}

/** Validates, defaults and parses a PredictiveScaler object. */
export function parseScaler(object: unknown): ValidationResult<ParsedScaler> {
  const checked = validatePredictiveScaler(object);
  if (!checked.ok) return checked;
  const key = scalerKeyOf(checked.value.metadata);
  return {
    ok: true,
    value: { key, id: formatScalerKey(key), scaler: checked.value, spec: scalerSpec(checked.value.spec) },
  };
}

/**
 * spec.history.step in milliseconds of a scaler that may not be valid (the metric served from
 * status, the review API): the CRD's default when it is missing, malformed or zero.
 */
export function historyStepMs(spec: { readonly history?: { readonly step?: unknown } } | undefined): number {
  const step = spec?.history?.step;
  const ms = typeof step === "string" ? parseDurationMs(step) : undefined;
  return ms !== undefined && ms > 0 ? ms : validMs("history.step", DEFAULT_HISTORY_STEP);
}
