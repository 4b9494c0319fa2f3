/**
 * How the live HPA controller asks for metrics: the `HpaMetricsClient` port, and its implementation
 * over HTTP(S) against the aggregated metrics APIs (custom.metrics.k8s.io/v1beta2 and
 * external.metrics.k8s.io/v1beta1), i.e. the requests kube-controller-manager's REST metrics client
 * (pkg/controller/podautoscaler/metrics/client.go) sends, and its error wording. Values come back as
 * integer milli-units (Quantity.MilliValue). `httpResourceMetrics` is its resource metrics client
 * (metrics.k8s.io/v1beta1 PodMetrics, for Resource and ContainerResource metrics), shaped as the
 * controller's `resourceMetrics` port. Hand-written: the official Go client has no JS port, and
 * @kubernetes/client-node has no typed client for these aggregated groups.
 *
 * Any failure (non-2xx, connection error, bad JSON or quantity) is a `MetricError`, never a throw: the
 * HPA then holds its replicas and reports ScalingActive False, as in Kubernetes.
 */
import http from "node:http";
import https from "node:https";
import { parseDurationMs } from "../../config/duration.js";
import { milliValue } from "../../k8s/quantity.js";
import type { MetricError, PodMetricsReading } from "../../replay/hpa/types.js";

/** The object an Object metric describes, as a metrics-API path names it. */
export interface DescribedResource {
  /** Group-qualified plural, as the HPA's REST mapper renders it: "deployments.apps", "services". */
  readonly resource: string;
  readonly name: string;
}

export interface HpaMetricsClient {
  /** Per-pod values of a Pods metric for the pods matching `labelSelector` (the scale's selector). */
  podsMetric(
    namespace: string,
    metricName: string,
    labelSelector: string,
    metricSelector?: string,
  ): Promise<PodMetricsReading | MetricError>;
  /** The one value of an Object metric. */
  objectMetric(
    namespace: string,
    object: DescribedResource,
    metricName: string,
    metricSelector?: string,
  ): Promise<{ value: number } | MetricError>;
  /** The item values of an External metric; `labelSelector` selects the metric's series. */
  externalMetric(
    namespace: string,
    metricName: string,
    labelSelector: string,
  ): Promise<{ items: number[] } | MetricError>;
}

export interface HttpMetricsClientOptions {
  /** Where the aggregated APIs are served, e.g. https://localhost:6443 (a path prefix is kept). */
  readonly baseUrl: string;
  /** PEM of the CA that signed the server's certificate. */
  readonly ca?: string | Buffer;
  /** Skip certificate verification (a self-signed serving certificate). */
  readonly insecure?: boolean;
  /** Sent as `Authorization: Bearer …` when set. */
  readonly token?: string;
  /** Per-request timeout; default 10 s. */
  readonly timeoutMs?: number;
}

const CUSTOM = "/apis/custom.metrics.k8s.io/v1beta2";
const EXTERNAL = "/apis/external.metrics.k8s.io/v1beta1";
const RESOURCE = "/apis/metrics.k8s.io/v1beta1";
const DEFAULT_WINDOW_MS = 60_000;

type Fetched = { ok: true; body: unknown } | { ok: false; error: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function itemsOf(body: unknown): Record<string, unknown>[] {
  if (!isRecord(body) || !Array.isArray(body.items)) throw new Error("the response has no items list");
  return body.items.filter(isRecord);
}

function milli(value: unknown, what: string): number {
  if (typeof value !== "string" && typeof value !== "number") {
    throw new Error(`${what} has no value quantity`);
  }
  return Number(milliValue(String(value)));
}

/** The message of a metav1.Status body, else the HTTP status line. */
function failureMessage(code: number, statusMessage: string | undefined, text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    if (isRecord(body) && typeof body.message === "string" && body.message !== "") return body.message;
  } catch {
    // not JSON: fall through to the status line
  }
  return `the server returned HTTP ${code}${statusMessage ? ` ${statusMessage}` : ""}`;
}

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) q.set(key, value);
  const text = q.toString();
  return text ? `?${text}` : "";
}

const seg = encodeURIComponent;

/** GET of a path under `baseUrl`, JSON-decoded; a failure is its message, never a throw. */
function httpGetter(options: HttpMetricsClientOptions): (path: string) => Promise<Fetched> {
  const base = new URL(options.baseUrl);
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new Error(`httpMetricsClient: baseUrl ${options.baseUrl} must be an http or https URL`);
  }
  const prefix = base.pathname.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 10_000;

  return (path: string): Promise<Fetched> =>
    new Promise((resolve) => {
      const url = new URL(prefix + path, base);
      const headers: Record<string, string> = { accept: "application/json" };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      const common = { method: "GET", headers, timeout: timeoutMs };
      const onResponse = (res: http.IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (e) => resolve({ ok: false, error: e.message }));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const code = res.statusCode ?? 0;
          if (code < 200 || code > 299) {
            return resolve({ ok: false, error: failureMessage(code, res.statusMessage, text) });
          }
          try {
            resolve({ ok: true, body: JSON.parse(text) });
          } catch {
            resolve({ ok: false, error: `the response to GET ${url.pathname} is not JSON` });
          }
        });
      };
      const req =
        url.protocol === "https:"
          ? https.request(
              url,
              {
                ...common,
                rejectUnauthorized: options.insecure !== true,
                ...(options.ca !== undefined ? { ca: options.ca } : {}),
              },
              onResponse,
            )
          : http.request(url, common, onResponse);
      req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on("error", (e) => resolve({ ok: false, error: e.message }));
      req.end();
    });
}

/** A client of the metrics APIs served at `baseUrl` (Foresight's adapter, or any other). */
export function httpMetricsClient(options: HttpMetricsClientOptions): HpaMetricsClient {
  const get = httpGetter(options);

  /** GET + decode; failures worded as the Go metrics client words them. */
  const fetchAs = async <T>(
    api: "custom" | "external",
    path: string,
    decode: (body: unknown) => T,
  ): Promise<T | MetricError> => {
    const got = await get(path);
    const wrap = (e: string): MetricError => ({
      error: `unable to fetch metrics from ${api} metrics API: ${e}`,
    });
    if (!got.ok) return wrap(got.error);
    try {
      return decode(got.body);
    } catch (e) {
      return wrap(e instanceof Error ? e.message : String(e));
    }
  };

  return {
    podsMetric: (namespace, metricName, labelSelector, metricSelector) =>
      fetchAs(
        "custom",
        `${CUSTOM}/namespaces/${seg(namespace)}/pods/*/${seg(metricName)}${query({ labelSelector, metricLabelSelector: metricSelector })}`,
        (body): PodMetricsReading | MetricError => {
          const items = itemsOf(body);
          const first = items[0];
          if (!first) return { error: "no metrics returned from custom metrics API" };
          const values: Record<string, number> = {};
          for (const item of items) {
            const name = isRecord(item.describedObject) ? item.describedObject.name : undefined;
            if (typeof name !== "string") throw new Error("an item has no describedObject.name");
            values[name] = milli(item.value, `the item for pod ${name}`);
          }
          const ts = typeof first.timestamp === "string" ? Date.parse(first.timestamp) : Number.NaN;
          const window = typeof first.windowSeconds === "number" ? first.windowSeconds * 1000 : undefined;
          return {
            values,
            ...(Number.isFinite(ts) ? { timestampMs: ts } : {}),
            windowMs: window ?? DEFAULT_WINDOW_MS,
          };
        },
      ),
    objectMetric: (namespace, object, metricName, metricSelector) =>
      fetchAs(
        "custom",
        // A Namespace's metric has its own path, as client-go's custom metrics client builds it.
        object.resource === "namespaces"
          ? `${CUSTOM}/namespaces/${seg(object.name)}/metrics/${seg(metricName)}${query({ metricLabelSelector: metricSelector })}`
          : `${CUSTOM}/namespaces/${seg(namespace)}/${seg(object.resource)}/${seg(object.name)}/${seg(metricName)}${query({ metricLabelSelector: metricSelector })}`,
        (body) => {
          const items = itemsOf(body);
          const first = items[0];
          if (items.length !== 1 || !first) {
            throw new Error(`the server returned ${items.length} results when 1 was expected`);
          }
          return { value: milli(first.value, `the item for ${object.resource}/${object.name}`) };
        },
      ),
    externalMetric: (namespace, metricName, labelSelector) =>
      fetchAs(
        "external",
        `${EXTERNAL}/namespaces/${seg(namespace)}/${seg(metricName)}${query({ labelSelector })}`,
        (body) => ({
          items: itemsOf(body).map((item, i) => milli(item.value, `item ${i} of ${metricName}`)),
        }),
      ),
  };
}

/** One PodMetrics item as the resource metrics client reads it. */
interface PodMetricsItem {
  readonly name: string;
  readonly namespace: string;
  readonly containers: readonly { readonly name: string; readonly usage: Record<string, unknown> }[];
}

function podMetricsItem(item: Record<string, unknown>): PodMetricsItem {
  const meta = isRecord(item.metadata) ? item.metadata : {};
  if (typeof meta.name !== "string") throw new Error("a PodMetrics item has no metadata.name");
  const containers = Array.isArray(item.containers) ? item.containers.filter(isRecord) : [];
  return {
    name: meta.name,
    namespace: typeof meta.namespace === "string" ? meta.namespace : "",
    containers: containers.map((c) => ({
      name: typeof c.name === "string" ? c.name : "",
      usage: isRecord(c.usage) ? c.usage : {},
    })),
  };
}

/**
 * kube-controller-manager's resource metrics client over HTTP(S): lists PodMetrics of `namespace`
 * matching `podSelector` and reads `resource` from them (GetResourceMetric). For a Resource
 * metric, a pod's usage is the sum over its containers, and a pod with a container lacking the
 * resource (or with no containers) is left out; for a ContainerResource metric, that container's
 * usage, and a pod without that container fails the reading. The timestamp (and window) are the
 * first item's. Errors are worded as the Go client words them.
 */
export function httpResourceMetrics(
  options: HttpMetricsClientOptions,
): (
  namespace: string,
  resource: string,
  podSelector: string,
  container?: string,
) => Promise<PodMetricsReading | MetricError> {
  const get = httpGetter(options);
  return async (namespace, resource, podSelector, container) => {
    const got = await get(
      `${RESOURCE}/namespaces/${seg(namespace)}/pods${query({ labelSelector: podSelector })}`,
    );
    if (!got.ok) return { error: `unable to fetch metrics from resource metrics API: ${got.error}` };
    try {
      const raw = itemsOf(got.body);
      const items = raw.map(podMetricsItem);
      const first = raw[0];
      if (!first) return { error: "no metrics returned from resource metrics API" };
      const values: Record<string, number> = {};
      for (const pod of items) {
        if (container !== undefined && container !== "") {
          const found = pod.containers.find((c) => c.name === container);
          if (!found) {
            return {
              error: `failed to get container metrics: container ${container} not present in metrics for pod ${pod.namespace}/${pod.name}`,
            };
          }
          const usage = found.usage[resource];
          if (usage !== undefined)
            values[pod.name] = milli(usage, `container ${container} of pod ${pod.name}`);
          continue;
        }
        if (pod.containers.length === 0) continue;
        let sum = 0;
        let missing = false;
        for (const c of pod.containers) {
          const usage = c.usage[resource];
          if (usage === undefined) {
            missing = true;
            break;
          }
          sum += milli(usage, `container ${c.name} of pod ${pod.name}`);
        }
        if (!missing) values[pod.name] = sum;
      }
      const ts = typeof first.timestamp === "string" ? Date.parse(first.timestamp) : Number.NaN;
      const window = typeof first.window === "string" ? parseDurationMs(first.window) : undefined;
      return {
        values,
        ...(Number.isFinite(ts) ? { timestampMs: ts } : {}),
        windowMs: window ?? DEFAULT_WINDOW_MS,
      };
    } catch (e) {
      return {
        error: `unable to fetch metrics from resource metrics API: ${e instanceof Error ? e.message : String(e)}`,
      };
    }
  };
}
