/**
 * A minimal OpenAPI v2 document of the metrics APIs. kube-apiserver's aggregator fetches
 * `/openapi/v2` from aggregated servers to merge into its own; this one declares the paths and the
 * list kinds so `kubectl explain`-style tooling and the aggregator have something truthful. With
 * `resourceRules`, metrics.k8s.io's paths and kinds too (nodes only with a nodeQuery).
 */
import type { ServedApis } from "./metricsRoute.js";
import { CUSTOM_GROUP, CUSTOM_VERSIONS, EXTERNAL_GROUP, RESOURCE_METRICS_GROUP } from "./routes.js";

const RESOURCE_DEFS = "io.k8s.metrics.pkg.apis.metrics.v1beta1";

export function openApiV2Doc(version: string, served: ServedApis = {}): object {
  const paths: Record<string, object> = {};
  const get = (summary: string, ref: string, params: string[]) => ({
    get: {
      summary,
      produces: ["application/json"],
      parameters: params.map((name) => ({ name, in: "query", type: "string", required: false })),
      responses: {
        200: { description: "OK", schema: { $ref: ref } },
        404: { description: "metric not found" },
      },
    },
  });
  for (const v of CUSTOM_VERSIONS) {
    const ref = `#/definitions/io.k8s.metrics.pkg.apis.custom_metrics.${v}.MetricValueList`;
    const prefix = `/apis/${CUSTOM_GROUP}/${v}`;
    const sel = ["labelSelector", "metricLabelSelector"];
    paths[`${prefix}/namespaces/{namespace}/{resource}/{name}/{metric}`] = get(
      "a metric of namespaced objects",
      ref,
      sel,
    );
    paths[`${prefix}/{resource}/{name}/{metric}`] = get("a metric of cluster-scoped objects", ref, sel);
    paths[`${prefix}/namespaces/{namespace}/metrics/{metric}`] = get("a metric of a namespace", ref, sel);
  }
  paths[`/apis/${EXTERNAL_GROUP}/v1beta1/namespaces/{namespace}/{metric}`] = get(
    "an external metric",
    "#/definitions/io.k8s.metrics.pkg.apis.external_metrics.v1beta1.ExternalMetricValueList",
    ["labelSelector"],
  );
  const listDef = (itemProps: Record<string, object>, required: string[]) => ({
    type: "object",
    required: ["items"],
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      items: { type: "array", items: { type: "object", required, properties: itemProps } },
    },
  });
  const resourceMetrics = served.resourceMetrics;
  if (resourceMetrics) {
    const prefix = `/apis/${RESOURCE_METRICS_GROUP}/v1beta1`;
    const sel = ["labelSelector", "fieldSelector"];
    paths[`${prefix}/namespaces/{namespace}/pods`] = get(
      "pod metrics of a namespace",
      `#/definitions/${RESOURCE_DEFS}.PodMetricsList`,
      sel,
    );
    paths[`${prefix}/pods`] = get(
      "pod metrics of every namespace",
      `#/definitions/${RESOURCE_DEFS}.PodMetricsList`,
      sel,
    );
    paths[`${prefix}/namespaces/{namespace}/pods/{name}`] = get(
      "one pod's metrics",
      `#/definitions/${RESOURCE_DEFS}.PodMetrics`,
      [],
    );
    if (resourceMetrics.nodes) {
      paths[`${prefix}/nodes`] = get("node metrics", `#/definitions/${RESOURCE_DEFS}.NodeMetricsList`, sel);
      paths[`${prefix}/nodes/{name}`] = get(
        "one node's metrics",
        `#/definitions/${RESOURCE_DEFS}.NodeMetrics`,
        [],
      );
    }
  }
  const describedObject = { type: "object" };
  const selector = { type: "object" };
  return {
    swagger: "2.0",
    info: { title: "Foresight metrics APIs", version },
    paths,
    definitions: {
      "io.k8s.metrics.pkg.apis.custom_metrics.v1beta1.MetricValueList": listDef(
        {
          describedObject,
          metricName: { type: "string" },
          timestamp: { type: "string", format: "date-time" },
          window: { type: "integer", format: "int64" },
          value: { type: "string" },
          selector,
        },
        ["describedObject", "metricName", "timestamp", "value"],
      ),
      "io.k8s.metrics.pkg.apis.custom_metrics.v1beta2.MetricValueList": listDef(
        {
          describedObject,
          metric: { type: "object", properties: { name: { type: "string" }, selector } },
          timestamp: { type: "string", format: "date-time" },
          windowSeconds: { type: "integer", format: "int64" },
          value: { type: "string" },
        },
        ["describedObject", "metric", "timestamp", "value"],
      ),
      "io.k8s.metrics.pkg.apis.external_metrics.v1beta1.ExternalMetricValueList": listDef(
        {
          metricName: { type: "string" },
          metricLabels: { type: "object", additionalProperties: { type: "string" } },
          timestamp: { type: "string", format: "date-time" },
          window: { type: "integer", format: "int64" },
          value: { type: "string" },
        },
        ["metricName", "metricLabels", "timestamp", "value"],
      ),
      ...(resourceMetrics ? resourceMetricsDefinitions() : {}),
    },
  };
}

/** PodMetrics, NodeMetrics and their lists (k8s.io/metrics pkg/apis/metrics/v1beta1). */
function resourceMetricsDefinitions(): Record<string, object> {
  const usage = { type: "object", additionalProperties: { type: "string" } };
  const common = {
    metadata: { type: "object" },
    timestamp: { type: "string", format: "date-time" },
    window: { type: "string" },
  };
  const pod = {
    type: "object",
    required: ["timestamp", "window", "containers"],
    properties: {
      ...common,
      containers: {
        type: "array",
        items: {
          type: "object",
          required: ["name", "usage"],
          properties: { name: { type: "string" }, usage },
        },
      },
    },
  };
  const node = {
    type: "object",
    required: ["timestamp", "window", "usage"],
    properties: { ...common, usage },
  };
  const listOf = (item: object) => ({
    type: "object",
    required: ["items"],
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      items: { type: "array", items: item },
    },
  });
  return {
    [`${RESOURCE_DEFS}.PodMetrics`]: pod,
    [`${RESOURCE_DEFS}.PodMetricsList`]: listOf(pod),
    [`${RESOURCE_DEFS}.NodeMetrics`]: node,
    [`${RESOURCE_DEFS}.NodeMetricsList`]: listOf(node),
  };
}
