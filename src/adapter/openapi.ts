/**
 * A minimal OpenAPI v2 document of the metrics APIs. kube-apiserver's aggregator fetches
 * `/openapi/v2` from aggregated servers to merge into its own; this one declares the paths and the
 * list kinds so `kubectl explain`-style tooling and the aggregator have something truthful.
 */
import { CUSTOM_GROUP, CUSTOM_VERSIONS, EXTERNAL_GROUP } from "./routes.js";

export function openApiV2Doc(version: string): object {
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
    },
  };
}
