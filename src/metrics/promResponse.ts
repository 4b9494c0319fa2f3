/**
 * Parsing of Prometheus HTTP API answers: the JSON envelope and the vector, scalar, matrix and
 * series shapes inside it. Every deviation is reported through `complain`, which the caller turns
 * into a bad_response error naming the request; nothing is guessed or defaulted.
 */
import type {
  BackendLimit,
  InstantResult,
  Labels,
  MetricsSourceError,
  RangeSeries,
  Sample,
} from "./source.js";

export interface Envelope {
  status?: unknown;
  data?: unknown;
  errorType?: unknown;
  error?: unknown;
  warnings?: unknown;
  /** VictoriaMetrics cluster: true when a vmstorage node did not answer. */
  isPartial?: unknown;
}

/** What a successful answer says about itself beside its data. */
export interface Annotations {
  /** Warnings as the server wrote them (Prometheus, Thanos, Mimir: the `warnings` array). */
  readonly warnings: readonly string[];
  /** Part of the data is missing: VictoriaMetrics' isPartial, or a warning that is not a PromQL annotation. */
  readonly partial: boolean;
}

/**
 * Prometheus 2.43+ also puts PromQL's own remarks in `warnings` ("PromQL warning: metric might not
 * be a counter…", "PromQL info: …"): the data is whole. Any other warning comes from storage (a
 * Thanos store, a Prometheus remote-read endpoint, a Mimir querier that failed while the query
 * went on) and means data is missing.
 */
const PROMQL_ANNOTATION = /^PromQL (info|warning):/;

export function annotationsOf(envelope: Envelope): Annotations {
  const warnings = Array.isArray(envelope.warnings)
    ? envelope.warnings.map((w: unknown) => (typeof w === "string" ? w : JSON.stringify(w)))
    : [];
  const partial = envelope.isPartial === true || warnings.some((w) => !PROMQL_ANNOTATION.test(w));
  return { warnings, partial };
}

export interface LimitHit {
  readonly limit: BackendLimit;
  /** The server setting that sets it, for the message. */
  readonly setting: string;
}

/** Server limits recognised in error texts; the first match wins. */
const LIMIT_MESSAGES: readonly { readonly pattern: RegExp; readonly hit: LimitHit }[] = [
  {
    // Prometheus' engine, also inside Thanos Query, Cortex and Mimir.
    pattern: /query processing would load too many samples into memory/,
    hit: {
      limit: "samples",
      setting: "Prometheus --query.max-samples (Thanos, Mimir: their max-samples limit)",
    },
  },
  {
    pattern: /-search\.maxSamplesPer(Query|Series)/,
    hit: {
      limit: "samples",
      setting: "VictoriaMetrics -search.maxSamplesPerQuery / -search.maxSamplesPerSeries",
    },
  },
  {
    pattern: /exceeded maximum resolution of [\d,]+ points per timeseries/,
    hit: { limit: "points", setting: "Prometheus' fixed 11,000 points per series" },
  },
  {
    pattern: /-search\.maxPointsPerTimeseries/,
    hit: { limit: "points", setting: "VictoriaMetrics -search.maxPointsPerTimeseries" },
  },
  {
    // VictoriaMetrics 1.79 names no flag ("increase -search.max* command-line flag values").
    pattern:
      /number of matching (unique )?timeseries exceeds|-search\.maxUniqueTimeseries|-search\.maxSeries\b/,
    hit: {
      limit: "series",
      setting: "VictoriaMetrics -search.maxUniqueTimeseries (or -search.maxSeries for /series)",
    },
  },
  {
    pattern: /max-series-per-query|maximum number of series|max_fetched_series_per_query/,
    hit: {
      limit: "series",
      setting: "the server's series-per-query limit (Mimir -querier.max-fetched-series-per-query)",
    },
  },
];

/** The server limit an error text names, if any. */
export function limitOf(errorText: string): LimitHit | undefined {
  return LIMIT_MESSAGES.find((m) => m.pattern.test(errorText))?.hit;
}

export function parseEnvelope(body: string): Envelope | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export type Complain = (why: string) => MetricsSourceError;

export function parseInstant(data: unknown, complain: Complain): InstantResult {
  if (!isRecord(data)) throw complain("data is not an object");
  switch (data.resultType) {
    case "vector": {
      if (!Array.isArray(data.result)) throw complain("vector result is not an array");
      return { type: "vector", samples: data.result.map((item) => parseVectorItem(item, complain)) };
    }
    case "scalar": {
      const [timestamp, value] = parsePoint(data.result, complain);
      return { type: "scalar", sample: { labels: {}, value, timestamp } };
    }
    case "matrix":
    case "string":
      throw complain(
        `an instant query must yield a vector or scalar, got a ${data.resultType}; drop the range selector [..] or wrap it in a function`,
      );
    default:
      throw complain(`unknown resultType ${JSON.stringify(data.resultType)}`);
  }
}

function parseVectorItem(item: unknown, complain: Complain): Sample {
  if (!isRecord(item)) throw complain("vector item is not an object");
  if (item.value === undefined && item.histogram !== undefined) {
    throw complain("native histogram samples are not supported; use histogram_quantile() or histogram_sum()");
  }
  const [timestamp, value] = parsePoint(item.value, complain);
  return { labels: parseLabels(item.metric, complain), value, timestamp };
}

export function parseRange(data: unknown, complain: Complain): RangeSeries[] {
  if (!isRecord(data)) throw complain("data is not an object");
  if (data.resultType !== "matrix")
    throw complain(`range query returned ${JSON.stringify(data.resultType)}, not a matrix`);
  if (!Array.isArray(data.result)) throw complain("matrix result is not an array");
  return data.result.map((item: unknown) => {
    if (!isRecord(item)) throw complain("matrix item is not an object");
    if (!Array.isArray(item.values)) {
      if (item.histograms !== undefined) throw complain("native histogram samples are not supported");
      throw complain("matrix item has no values");
    }
    return {
      labels: parseLabels(item.metric, complain),
      points: item.values.map((point: unknown) => parsePoint(point, complain)),
    };
  });
}

export function parseSeries(data: unknown, complain: Complain): Labels[] {
  if (!Array.isArray(data)) throw complain("series data is not an array");
  return data.map((labels: unknown) => parseLabels(labels, complain));
}

function parseLabels(value: unknown, complain: Complain): Labels {
  if (!isRecord(value)) throw complain("label set is not an object");
  for (const name in value) {
    if (typeof value[name] !== "string") throw complain(`label ${name} is not a string`);
  }
  return value as Labels;
}

/** `[<unix seconds float>, "<value>"]` → `[unix ms, number]`. */
function parsePoint(point: unknown, complain: Complain): [number, number] {
  if (
    !Array.isArray(point) ||
    point.length !== 2 ||
    typeof point[0] !== "number" ||
    typeof point[1] !== "string"
  ) {
    throw complain(`sample is not [time, "value"]: ${preview(JSON.stringify(point) ?? "undefined")}`);
  }
  return [Math.round(point[0] * 1000), parseSampleValue(point[1], complain)];
}

/** Prometheus renders values with Go's strconv: NaN, +Inf, -Inf are passed through as numbers. */
export function parseSampleValue(text: string, complain: Complain): number {
  switch (text) {
    case "NaN":
      return Number.NaN;
    case "+Inf":
    case "Inf":
      return Number.POSITIVE_INFINITY;
    case "-Inf":
      return Number.NEGATIVE_INFINITY;
  }
  const value = Number(text);
  // Number("") is 0 and Number("abc") is NaN: both would hide garbage.
  if (text.trim() === "" || Number.isNaN(value))
    throw complain(`sample value ${JSON.stringify(text)} is not a number`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function preview(text: string): string {
  return text.length <= 100 ? text : `${text.slice(0, 100)}…`;
}
