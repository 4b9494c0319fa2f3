/**
 * The one schema of Foresight's config file. prometheus-adapter's `rules`, `externalRules` and
 * `resourceRules` are accepted verbatim (same keys, same meaning, unknown keys are errors, as
 * prometheus-adapter's strict loader does); Foresight's own sections sit beside them.
 * Types are inferred from the schema; defaults are settled here and nowhere else.
 */
import { z } from "zod";
import { compileGoRegex } from "../adapter/naming/goRegex.js";
import { parseDurationMs } from "./duration.js";

/** A duration string (`30s`, `1m30s`) turned into milliseconds. */
const duration = z.string().transform((text, ctx) => {
  const ms = parseDurationMs(text);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: `"${text}" is not a duration (use e.g. 30s, 1m, 1h30m)` });
    return z.NEVER;
  }
  return ms;
});

/** A Go (RE2) regular expression, as prometheus-adapter writes them (`(?P<name>…)`, `(?i)`, `\-`). */
const regex = z.string().superRefine((text, ctx) => {
  try {
    compileGoRegex(text);
  } catch (err) {
    const reason = (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "");
    ctx.addIssue({ code: "custom", message: `invalid regular expression: ${reason}` });
  }
});

/** `{group, resource}` a Prometheus label maps to (prometheus-adapter `GroupResource`). */
export const groupResourceSchema = z.strictObject({
  group: z.string().default(""),
  resource: z.string().min(1),
});

/** prometheus-adapter `DiscoveryRule`: series discovery, association to resources, naming, query. */
export const discoveryRuleSchema = z.strictObject({
  /** Prometheus series selector sent to /api/v1/series for discovery. */
  seriesQuery: z.string().min(1),
  /** Filters on the series name, applied after discovery. */
  seriesFilters: z
    .array(z.union([z.strictObject({ is: regex }), z.strictObject({ isNot: regex })]))
    .default([]),
  /** How series labels map to Kubernetes resources. */
  resources: z
    .strictObject({
      /** `<promLabel>: {group, resource}`. */
      overrides: z.record(z.string(), groupResourceSchema).default({}),
      /** Go template such as `<<.Resource>>` or `kube_<<.Group>>_<<.Resource>>`. */
      template: z.string().optional(),
      /** External rules only: false stops the namespace from scoping the query. Default true. */
      namespaced: z.boolean().optional(),
    })
    .default({ overrides: {} }),
  /** Naming: `matches` (regex on the series name, default `.*`) and `as` (default $0 or $1). */
  name: z
    .strictObject({
      // Empty values mean "unset", as prometheus-adapter's Go loader reads them (config-gen emits both).
      matches: z.preprocess((s) => (s === "" ? undefined : s), regex.default(".*")),
      as: z.preprocess((s) => (s === "" ? undefined : s), z.string().optional()),
    })
    .default({ matches: ".*" }),
  /** Go template of the query; fields .Series .LabelMatchers .GroupBy .GroupBySlice .LabelValuesByName. */
  metricsQuery: z.string().min(1),
});

const resourceRuleSchema = z.strictObject({
  containerQuery: z.string(),
  nodeQuery: z.string(),
  resources: z
    .strictObject({
      overrides: z.record(z.string(), groupResourceSchema).default({}),
      template: z.string().optional(),
    })
    .default({ overrides: {} }),
  containerLabel: z.string().default("container"),
});

/** TLS settings for a client connection. Files are read at start. */
const clientTlsSchema = z.strictObject({
  /** CA bundle (PEM) that signs the server's certificate. */
  caFile: z.string().optional(),
  /** Client certificate and key (PEM) for mutual TLS. */
  certFile: z.string().optional(),
  keyFile: z.string().optional(),
  /** Server name to verify instead of the URL's host. */
  serverName: z.string().optional(),
  /** Skip certificate verification. Only for tests. */
  insecureSkipVerify: z.boolean().default(false),
});

/** Where the metrics live, and how to reach them. */
export const prometheusSchema = z
  .strictObject({
    /** Base URL of a server with the Prometheus HTTP API (Prometheus, Thanos Query, Mimir, VictoriaMetrics). */
    url: z.url({ protocol: /^https?$/ }).default("http://localhost:9090"),
    /** Per-query timeout; also sent as the `timeout` query parameter. */
    timeout: duration.default(10_000),
    /** HTTP method for queries: `auto` uses POST when the query string would be long. */
    method: z.enum(["auto", "GET", "POST"]).default("auto"),
    /** Extra HTTP headers on every request. */
    headers: z.record(z.string(), z.string()).default({}),
    /** File holding a bearer token, re-read when it changes (projected service-account tokens rotate). */
    bearerTokenFile: z.string().optional(),
    basicAuth: z
      .strictObject({
        username: z.string(),
        password: z.string().optional(),
        passwordFile: z.string().optional(),
      })
      .refine((b) => (b.password === undefined) !== (b.passwordFile === undefined), {
        message: "set exactly one of password or passwordFile",
      })
      .optional(),
    tls: clientTlsSchema.default({ insecureSkipVerify: false }),
    /** Multi-tenant servers (Mimir, Cortex, Thanos receive): the tenant id, sent in `tenantHeader`. */
    tenant: z.string().optional(),
    tenantHeader: z.string().default("X-Scope-OrgID"),
    /** Queries in flight at once; more wait in line. */
    maxConcurrency: z.number().int().positive().default(16),
  })
  .refine((p) => !p.bearerTokenFile || !p.basicAuth, {
    message: "set bearerTokenFile or basicAuth, not both",
  });

/** How the adapter discovers series and answers requests. */
export const adapterSchema = z
  .strictObject({
    /** How often every rule re-runs its series query (prometheus-adapter `--metrics-relist-interval`). */
    relistInterval: duration.default(60_000),
    /** Only series with samples this recent are discovered (`--metrics-max-age`); default = relistInterval. */
    maxAge: duration.optional(),
    /** An unknown metric triggers a targeted re-discovery at most this often per metric name. */
    rediscoveryInterval: duration.default(5_000),
    /** How long an identical query's result is reused. 0 turns the cache off (one query per request). */
    cacheTTL: duration.default(5_000),
  })
  .refine((a) => a.maxAge === undefined || a.maxAge >= a.relistInterval, {
    message: "maxAge must not be less than relistInterval",
    path: ["maxAge"],
  });

export const configSchema = z.strictObject({
  prometheus: prometheusSchema.default(prometheusSchema.parse({})),
  adapter: adapterSchema.default(adapterSchema.parse({})),
  rules: z.array(discoveryRuleSchema).default([]),
  externalRules: z.array(discoveryRuleSchema).default([]),
  /** Accepted for compatibility; Foresight does not serve metrics.k8s.io (metrics-server does). */
  resourceRules: z
    .strictObject({
      cpu: resourceRuleSchema.optional(),
      memory: resourceRuleSchema.optional(),
      window: duration.optional(),
    })
    .optional(),
});

export type Config = z.infer<typeof configSchema>;
export type DiscoveryRule = z.infer<typeof discoveryRuleSchema>;
export type GroupResourceConfig = z.infer<typeof groupResourceSchema>;
export type PrometheusConfig = z.infer<typeof prometheusSchema>;
export type AdapterConfig = z.infer<typeof adapterSchema>;
