/**
 * The one schema of Foresight's config file. prometheus-adapter's `rules`, `externalRules` and
 * `resourceRules` are accepted verbatim (same keys, same meaning, unknown keys are errors, as
 * prometheus-adapter's strict loader does); Foresight's own sections sit beside them.
 * Types are inferred from the schema; defaults are settled here and nowhere else.
 */
import { validate as validateCron } from "node-cron";
import { z } from "zod";
import { parseDurationMs } from "./duration.js";
import { compileGoRegex } from "./goRegex.js";

const MiB = 1024 * 1024;
const BYTE_UNITS: Readonly<Record<string, number>> = { "": 1, Ki: 1024, Mi: MiB, Gi: 1024 * MiB };

/**
 * Estimated memory per body byte of a Prometheus answer being received and parsed: the body, its
 * decoded string and the JSON tree (metrics/memoryBudget.ts counts answers with it). Here because
 * the config checks that `responseMemoryBudget` can hold one answer of `maxResponseBytes`.
 */
export const MEMORY_PER_BODY_BYTE = 8;

/** A positive size in bytes: a number, or a string with a Kubernetes binary suffix (`64Mi`, `1Gi`). */
const byteSize = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const bytes = typeof value === "number" ? value : parseByteSize(value);
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    ctx.addIssue({
      code: "custom",
      message: `${JSON.stringify(value)} is not a size in bytes (use e.g. 67108864, 64Mi, 1Gi)`,
    });
    return z.NEVER;
  }
  return bytes;
});

function parseByteSize(text: string): number {
  const match = /^(\d+)(Ki|Mi|Gi)?$/.exec(text.trim());
  return match ? Number(match[1]) * (BYTE_UNITS[match[2] ?? ""] ?? 1) : Number.NaN;
}

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
    ctx.addIssue({ code: "custom", message: `invalid regular expression: ${(err as Error).message}` });
  }
});

/** `{group, resource}` a Prometheus label maps to (prometheus-adapter `GroupResource`). */
export const groupResourceSchema = z.strictObject({
  group: z.string().default(""),
  resource: z.string().min(1),
});

/** Empty values mean "unset", as prometheus-adapter's Go loader reads them (config-gen emits both). */
const unsetIfEmpty = (value: unknown) => (value === "" ? undefined : value);

/** prometheus-adapter `ResourceMapping`: how series labels map to Kubernetes resources. */
export const resourceMappingSchema = z.strictObject({
  /** `<promLabel>: {group, resource}`. */
  overrides: z.record(z.string(), groupResourceSchema).default({}),
  /** Go template such as `<<.Resource>>` or `kube_<<.Group>>_<<.Resource>>`. */
  template: z.string().optional(),
  /** false: the requester's namespace does not scope the query (external rules). Default true. */
  namespaced: z.boolean().optional(),
});

/** prometheus-adapter `DiscoveryRule`: series discovery, association to resources, naming, query. */
export const discoveryRuleSchema = z.strictObject({
  /** Prometheus series selector sent to /api/v1/series for discovery. */
  seriesQuery: z.string().min(1),
  /** Filters on the series name, applied after discovery. */
  seriesFilters: z
    .array(z.union([z.strictObject({ is: regex }), z.strictObject({ isNot: regex })]))
    .default([]),
  /** How series labels map to Kubernetes resources; absent, the rule maps none (and serves nothing). */
  resources: resourceMappingSchema.default({ overrides: {} }),
  /** Naming: `matches` (regex on the series name, default `.*`) and `as` (default $0 or $1). */
  name: z
    .strictObject({
      matches: z.preprocess(unsetIfEmpty, regex.default(".*")),
      as: z.preprocess(unsetIfEmpty, z.string().optional()),
    })
    .default({ matches: ".*" }),
  /** Go template of the query; fields .Series .LabelMatchers .GroupBy .GroupBySlice .LabelValuesByName. */
  metricsQuery: z.string().min(1),
  /**
   * External rules: find/replace pairs applied, in order, to the values of `.LabelValuesByName`
   * (prometheus-adapter `labelValueReplacements`), for label values Kubernetes cannot carry.
   */
  labelValueReplacements: z
    .array(z.strictObject({ find: z.string().default(""), replace: z.string().default("") }))
    .default([]),
});

/**
 * prometheus-adapter `ResourceRule`: the PromQL behind metrics.k8s.io's cpu or memory. Templates
 * (`<<` `>>`) see `.Series`, `.LabelMatchers` and `.GroupBy`. `nodeQuery` is undefined when the
 * file has none (or an empty one): then node metrics are not served.
 */
export const resourceRuleSchema = z.strictObject({
  containerQuery: z.string().min(1),
  nodeQuery: z.preprocess(unsetIfEmpty, z.string().optional()),
  resources: resourceMappingSchema.default({ overrides: {} }),
  /** The Prometheus label holding the container name. */
  containerLabel: z.preprocess(unsetIfEmpty, z.string().default("container")),
});

/** prometheus-adapter `ResourceRules`: metrics.k8s.io's cpu and memory, and the window they report. */
export const resourceRulesSchema = z.strictObject({
  cpu: resourceRuleSchema.optional(),
  memory: resourceRuleSchema.optional(),
  /** The window reported with each value; should match the `rate` range of the queries. */
  window: duration.optional(),
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
    /**
     * Base URL of a server with the Prometheus HTTP API (Prometheus, Thanos Query, Mimir,
     * VictoriaMetrics). Without one, the embedded metrics store (`embedded:`) is the source.
     */
    url: z.url({ protocol: /^https?$/ }).optional(),
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
    /** Body bytes of one answer (`48Mi`); a larger answer fails (500) instead of being buffered. */
    maxResponseBytes: byteSize.default(48 * MiB),
    /**
     * Estimated memory of all answers being received and parsed at once, counted as
     * MEMORY_PER_BODY_BYTE per body byte; an answer that does not fit fails with 503 (see
     * src/metrics/memoryBudget.ts). The default holds one answer of `maxResponseBytes` (384 MiB
     * counted) and 16 MiB of smaller answers beside it, inside a 1 Gi pod.
     */
    responseMemoryBudget: byteSize.default(512 * MiB),
    /**
     * Points per series of one range query (the forecaster's history, the review page): a longer
     * range is asked in consecutive chunks, and a chunk refused for a samples or points limit is
     * halved and asked again (src/metrics/rangeSplit.ts). Prometheus refuses more than 11,000;
     * VictoriaMetrics' -search.maxPointsPerTimeseries is 30,000 by default.
     */
    maxPointsPerQuery: z.number().int().positive().default(11_000),
    /**
     * Label matchers added to every selector of every query (`cluster="prod-eu"`), for a store
     * holding several clusters' series (Thanos, Mimir, VictoriaMetrics). Checked at load with
     * Prometheus' grammar (src/cli/loadRules.ts names the line of a bad one).
     */
    clusterMatchers: z.array(z.string()).default([]),
  })
  .refine((p) => !p.bearerTokenFile || !p.basicAuth, {
    message: "set bearerTokenFile or basicAuth, not both",
  })
  .refine((p) => p.maxResponseBytes * MEMORY_PER_BODY_BYTE <= p.responseMemoryBudget, {
    message: `responseMemoryBudget must hold one answer of maxResponseBytes, counted ${MEMORY_PER_BODY_BYTE} bytes per body byte: raise it or lower maxResponseBytes`,
    path: ["responseMemoryBudget"],
  });

/** A positive duration in milliseconds. */
const positiveDuration = duration.refine((ms) => ms > 0, { message: "must be longer than 0" });

/** The embedded metrics store: used when `prometheus.url` is not set. */
export const embeddedSchema = z.strictObject({
  /** How long samples are kept. */
  retention: positiveDuration.default(8 * 86_400_000),
  /** Series kept at most; new series beyond it are refused (and counted). */
  maxSeries: z.number().int().positive().default(200_000),
  /** Default scrape interval and timeout of targets. */
  scrapeInterval: positiveDuration.default(15_000),
  scrapeTimeout: positiveDuration.default(10_000),
  /** Exporter endpoints scraped (Prometheus `static_configs`). */
  staticTargets: z
    .array(
      z.strictObject({
        url: z.url({ protocol: /^https?$/ }),
        job: z.string().min(1).optional(),
        labels: z.record(z.string(), z.string()).optional(),
        interval: positiveDuration.optional(),
        honorLabels: z.boolean().optional(),
      }),
    )
    .default([]),
  /** Scrape pods annotated `prometheus.io/scrape: "true"` (with a Kubernetes connection). */
  kubernetesPods: z.boolean().default(true),
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
    /**
     * Requests for single objects share their namespace's query (one per rule, namespace and
     * cacheTTL) while its answer holds at most this many objects; 0 turns batching off.
     */
    batchMaxObjects: z.number().int().min(0).default(1_000),
    /**
     * What the metrics APIs do with an answer the backend marked partial (a Thanos store, a
     * VictoriaMetrics shard or a remote-read endpoint missing), named after Thanos' strategies:
     * `abort` answers 503 (the HPA keeps its replica count), `warn` serves the value and logs it.
     * The forecaster never trains on a partial history, whatever this says.
     */
    partialResponse: z.enum(["abort", "warn"]).default("abort"),
  })
  .refine((a) => a.maxAge === undefined || a.maxAge >= a.relistInterval, {
    message: "maxAge must not be less than relistInterval",
    path: ["maxAge"],
  });

/**
 * One forecast target: a PromQL query returning one series (the demand of one workload) and how to
 * forecast it. Served as `foresight_forecast{target=<name>,quantile=<q>,horizon=<horizon>}`.
 */
export const forecastTargetSchema = z
  .strictObject({
    /** Unique; the `target` label of `foresight_forecast`. A valid label value. */
    name: z.string().regex(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, {
      message:
        "must be a label value: up to 63 of [A-Za-z0-9_.-], starting and ending with a letter or digit",
    }),
    /** PromQL returning exactly one series, e.g. `sum(rate(http_requests_total{app="web"}[5m]))`. */
    query: z.string().min(1),
    /** Resolution of history and forecast. */
    step: positiveDuration.default(300_000),
    /** How much history is kept and trained on. */
    history: positiveDuration.default(14 * 86_400_000),
    /** Below this much history the target is "not ready" (models have their own, usually longer, rules). */
    minHistory: positiveDuration.optional(),
    /** How far ahead `foresight_forecast` looks: the max of the quantile path over [now, now + horizon]. */
    horizon: positiveDuration.default(3_600_000),
    /** Quantile levels served (the `quantile` label). */
    quantiles: z.array(z.number().gt(0).lt(1)).min(1).default([0.5, 0.9]),
    /** Cron expression of full retrains (all models, backtest, selection); a random jitter is added. */
    schedule: z
      .string()
      .refine((expr) => validateCron(expr), { message: 'is not a cron expression (e.g. "0 * * * *")' })
      .default("0 * * * *"),
    /** Cheap update between retrains: the last selected model refitted on new data. */
    updateEvery: positiveDuration.default(300_000),
    /** Restrict the candidate models by name (default: all of the engine's default models). */
    models: z.array(z.string().min(1)).min(1).optional(),
  })
  .refine((t) => t.history > t.step * 10, {
    message: "history must cover at least 10 steps",
    path: ["history"],
  })
  .refine((t) => t.minHistory === undefined || t.minHistory <= t.history, {
    message: "minHistory must not exceed history",
    path: ["minHistory"],
  });

/** Forecasting: targets, where the latest forecasts are kept, and bounds on training. */
export const forecastSchema = z.strictObject({
  targets: z
    .array(forecastTargetSchema)
    .default([])
    .superRefine((targets, ctx) => {
      const seen = new Map<string, number>();
      targets.forEach((t, i) => {
        const first = seen.get(t.name);
        if (first !== undefined) {
          ctx.addIssue({
            code: "custom",
            message: `duplicate target name "${t.name}" (also targets[${first}]): names must be unique`,
            path: [i, "name"],
          });
        } else seen.set(t.name, i);
      });
    }),
  /** JSON snapshot of the latest forecasts, rewritten after each run and read at start. Default: memory only. */
  storePath: z.string().min(1).optional(),
  /** Upper bound of one target's run (fetch, fit, backtest); a run over it fails with a timeout. */
  maxTrainSeconds: z.number().positive().default(300),
  /** Random delay (0..jitter) added to each scheduled retrain so targets do not all train at once. */
  jitter: duration.default(60_000),
});

/**
 * Leader election on coordination.k8s.io/v1 Leases: the scalers are split into `shards`, each led
 * through its own Lease `<name>-shard-<i>`, and a replica trains and acts only for the shards it
 * holds (src/kube/shardElection.ts). `shards: 1` is a single leader on the Lease `<name>`.
 */
export const leaderElectionSchema = z
  .strictObject({
    /** Off only for a single replica (every replica would act). */
    enabled: z.boolean().default(true),
    /** Namespace of the Lease; default $POD_NAMESPACE, else the kubeconfig's namespace, else "default". */
    namespace: z.string().min(1).optional(),
    name: z.string().min(1).default("foresight-controller"),
    /**
     * Shards the scalers are split into (by a stable hash of namespace/name); every replica must
     * run with the same number. 1: one leader acts for every scaler.
     */
    shards: z.number().int().min(1).max(256).default(16),
    leaseDuration: positiveDuration.default(15_000),
    renewDeadline: positiveDuration.default(10_000),
    retryPeriod: positiveDuration.default(2_000),
  })
  .refine((l) => l.leaseDuration > l.renewDeadline, {
    message: "leaseDuration must be longer than renewDeadline",
    path: ["leaseDuration"],
  })
  .refine((l) => l.renewDeadline > l.retryPeriod * 1.2, {
    message: "renewDeadline must be longer than 1.2 × retryPeriod",
    path: ["renewDeadline"],
  });

/** The PredictiveScaler controller. */
export const actuatorSchema = z.strictObject({
  /** Run the controller when Kubernetes is reachable and the PredictiveScaler CRD is installed. */
  enabled: z.boolean().default(true),
  leaderElection: leaderElectionSchema.default(leaderElectionSchema.parse({})),
  /** Every scaler is reconciled at least this often (and at once on any change). */
  resyncInterval: positiveDuration.default(30_000),
  /** JSON snapshot of scalers' latest forecasts; default memory only. */
  storePath: z.string().min(1).optional(),
  /** Decision log (JSON lines, newest kept); default memory only. */
  decisionLogPath: z.string().min(1).optional(),
  /** Restrict the candidate models (default: every model, the neural one where TensorFlow.js loads). */
  models: z.array(z.string().min(1)).min(1).optional(),
  /** Upper bound of one scaler's forecast run. */
  maxTrainSeconds: z.number().positive().default(300),
});

export const configSchema = z.strictObject({
  prometheus: prometheusSchema.default(prometheusSchema.parse({})),
  adapter: adapterSchema.default(adapterSchema.parse({})),
  rules: z.array(discoveryRuleSchema).default([]),
  externalRules: z.array(discoveryRuleSchema).default([]),
  /** prometheus-adapter's resource metrics (metrics.k8s.io cpu and memory). */
  resourceRules: resourceRulesSchema.optional(),
  forecast: forecastSchema.default(forecastSchema.parse({})),
  embedded: embeddedSchema.default(embeddedSchema.parse({})),
  actuator: actuatorSchema.default(actuatorSchema.parse({})),
});

export type Config = z.infer<typeof configSchema>;
export type DiscoveryRule = z.infer<typeof discoveryRuleSchema>;
export type ResourceMappingConfig = z.infer<typeof resourceMappingSchema>;
export type ResourceRuleConfig = z.infer<typeof resourceRuleSchema>;
export type ResourceRulesConfig = z.infer<typeof resourceRulesSchema>;
export type GroupResourceConfig = z.infer<typeof groupResourceSchema>;
export type PrometheusConfig = z.infer<typeof prometheusSchema>;
export type AdapterConfig = z.infer<typeof adapterSchema>;
export type ForecastConfig = z.infer<typeof forecastSchema>;
export type ActuatorConfig = z.infer<typeof actuatorSchema>;
export type EmbeddedConfig = z.infer<typeof embeddedSchema>;
export type ForecastTargetConfig = z.infer<typeof forecastTargetSchema>;
