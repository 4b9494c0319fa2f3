import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { customListJson, externalListJson, formatTimestamp } from "../../src/adapter/metricValues.js";
import { routeRequest } from "../../src/adapter/routes.js";
import { parseLabelSelector } from "../../src/k8s/labelSelector.js";
import { StaticResourceCatalog } from "../../src/k8s/resourceCatalog.js";

const catalog = new StaticResourceCatalog();
const C = "/apis/custom.metrics.k8s.io";

function route(path: string, query = "") {
  return routeRequest(path, new URLSearchParams(query), catalog);
}

describe("routeRequest", () => {
  const ok: [string, string, Record<string, unknown>][] = [
    ["/apis", "", { type: "groupList" }],
    [C, "", { type: "group", group: "custom.metrics.k8s.io" }],
    [`${C}/v1beta1`, "", { type: "resourceList", version: "v1beta1" }],
    ["/apis/external.metrics.k8s.io/v1beta1", "", { type: "resourceList", group: "external.metrics.k8s.io" }],
    [
      `${C}/v1beta2/namespaces/ml/pods/%2A/gpu`,
      "labelSelector=app%3Dweb",
      { type: "custom", namespace: "ml", name: "*", metricName: "gpu" },
    ],
    [`${C}/v1beta2/namespaces/ml/pods/web-1/gpu`, "", { type: "custom", name: "web-1" }],
    [
      `${C}/v1beta1/namespaces/ml/deployments.apps/web/p95`,
      "",
      { type: "custom", version: "v1beta1", name: "web" },
    ],
    [`${C}/v1beta2/namespaces/ml/metrics/queue`, "", { type: "custom", name: "ml", metricName: "queue" }],
    [`${C}/v1beta2/nodes/n1/gpu`, "", { type: "custom", name: "n1" }],
    [`${C}/v1beta2/nodes/n1/gpu/`, "watch=false", { type: "custom", name: "n1" }],
    [
      `${C}/v1beta2/namespaces/ml/pods/a/gpu`,
      "fieldSelector=metadata.name%3Da",
      { type: "custom", name: "a" },
    ],
    [
      "/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue_depth",
      "labelSelector=queue%3Dorders",
      { type: "external", namespace: "shop" },
    ],
  ];
  for (const [path, query, expected] of ok) {
    it(`routes ${path}?${query}`, () => {
      const result = route(path, query);
      assert.ok(result.ok, result.ok ? "" : result.error.message);
      for (const [key, value] of Object.entries(expected)) {
        assert.deepEqual((result.route as unknown as Record<string, unknown>)[key], value, key);
      }
    });
  }

  it("resolves resources and selectors", () => {
    const result = route(
      `${C}/v1beta2/namespaces/ml/deployments.apps/%2A/m`,
      "labelSelector=a%20in%20(x,y)&metricLabelSelector=gpu%3D0",
    );
    assert.ok(result.ok && result.route.type === "custom");
    assert.equal(result.route.resource.kind, "Deployment");
    assert.equal(result.route.resource.group, "apps");
    assert.ok(result.route.labelSelector.matches({ a: "y" }));
    assert.ok(!result.route.metricSelector.matches({ gpu: "1" }));
  });

  const bad: [string, string, number, RegExp][] = [
    ["/api/v1/pods", "", 404, /could not find/],
    ["/apis/metrics.k8s.io/v1beta1", "", 404, /not served/],
    [`${C}/v1`, "", 404, /not served/],
    [`${C}/v1beta2/namespaces/ml/pods/a`, "", 400, /invalid request path/],
    [`${C}/v1beta2/namespaces/ml/widgets/a/m`, "", 404, /unknown resource/],
    [`${C}/v1beta2/namespaces/ml/nodes/a/m`, "", 400, /not namespaced/],
    [`${C}/v1beta2/pods/a/m`, "", 400, /is namespaced/],
    [`${C}/v1beta2/namespaces/ml/pods/a/m`, "labelSelector=a%3D%3D%3D", 400, /invalid labelSelector/],
    [`${C}/v1beta2/namespaces/ml/pods/a/m`, "fieldSelector=metadata.name%3Db", 400, /doesn't match/],
    [`${C}/v1beta2/namespaces/ml/pods/%ZZ/m`, "", 400, /percent-encoding/],
    ["/apis/external.metrics.k8s.io/v1beta1/queue_depth", "", 400, /invalid request path/],
    // Other spellings of a metric are not served (kube-apiserver would authorize
    // them as other resources than the canonical path's).
    [`${C}/v1beta2/namespaces/ml/queue`, "", 404, /namespaces\/\{namespace\}\/metrics\/\{metric\}/],
    [`${C}/v1beta1/namespaces/ml/status`, "", 404, /could not find/],
    [`${C}/v1beta2/namespaces/ml/deployment.apps/web/p95`, "", 404, /served as "deployments.apps"/],
    [`${C}/v1beta2/namespaces/ml/pod/web/p95`, "", 404, /served as "pods"/],
    [`${C}/v1beta2/namespaces/ml/PODS/web/p95`, "", 404, /served as "pods"/],
    [`${C}/v1beta2/Node/n1/p95`, "", 404, /served as "nodes"/],
    [`${C}/v1beta2/namespaces/ml//pods/a/m`, "", 404, /empty path segments/],
    [`${C}/v1beta2/namespaces/ml/pods/a%2Fb/m`, "", 404, /encoded slashes/],
    [`${C}/v1beta2/namespaces/ml/pods/a/m`, "watch=true", 405, /watch is not supported/],
    ["/apis/external.metrics.k8s.io/v1beta1/namespaces/ml/status", "", 404, /get namespaces\/status ml/],
    [
      "/apis/external.metrics.k8s.io/v1beta1/namespaces/ml/q",
      "fieldSelector=metadata.name%3Dx",
      400,
      /fieldSelector/,
    ],
    ["/apis/external.metrics.k8s.io/v1beta1/namespaces/ml/q", "watch=1", 405, /watch/],
  ];
  for (const [path, query, code, message] of bad) {
    it(`refuses ${path}?${query} with ${code}`, () => {
      const result = route(path, query);
      assert.ok(!result.ok);
      assert.equal(result.error.code, code);
      assert.match(result.error.message, message);
    });
  }
});

describe("metric value encodings", () => {
  const item = {
    describedObject: { kind: "Pod", namespace: "default", name: "web-7d9f-abcde", apiVersion: "v1" },
    metricName: "http_requests",
    metricSelector: parseLabelSelector(""),
    timestamp: Date.parse("2026-01-01T12:00:00.750Z"),
    windowSeconds: 60,
    value: "500m",
  };

  it("v1beta2 uses metric{name,selector} and windowSeconds", () => {
    assert.equal(
      JSON.stringify(customListJson("v1beta2", [item])),
      '{"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta2","metadata":{},"items":[{"describedObject":{"kind":"Pod","namespace":"default","name":"web-7d9f-abcde","apiVersion":"v1"},"metric":{"name":"http_requests","selector":null},"timestamp":"2026-01-01T12:00:00Z","windowSeconds":60,"value":"500m"}]}',
    );
  });

  it("v1beta1 uses metricName, window and a null selector", () => {
    assert.equal(
      JSON.stringify(customListJson("v1beta1", [item])),
      '{"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta1","metadata":{},"items":[{"describedObject":{"kind":"Pod","namespace":"default","name":"web-7d9f-abcde","apiVersion":"v1"},"metricName":"http_requests","timestamp":"2026-01-01T12:00:00Z","window":60,"value":"500m","selector":null}]}',
    );
  });

  it("a metric selector becomes a LabelSelector", () => {
    const list = customListJson("v1beta2", [
      { ...item, metricSelector: parseLabelSelector("gpu=0,model in (a,b)") },
    ]) as {
      items: { metric: { selector: unknown } }[];
    };
    assert.deepEqual(list.items[0]?.metric.selector, {
      matchLabels: { gpu: "0" },
      matchExpressions: [{ key: "model", operator: "In", values: ["a", "b"] }],
    });
  });

  it("external items always carry metricLabels and omit an unknown window", () => {
    assert.equal(
      JSON.stringify(externalListJson([{ metricName: "q", metricLabels: {}, timestamp: 0, value: "42" }])),
      '{"kind":"ExternalMetricValueList","apiVersion":"external.metrics.k8s.io/v1beta1","metadata":{},"items":[{"metricName":"q","metricLabels":{},"timestamp":"1970-01-01T00:00:00Z","value":"42"}]}',
    );
    assert.equal(
      JSON.stringify(customListJson("v1beta1", [])),
      '{"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta1","metadata":{},"items":[]}',
    );
  });

  it("timestamps are UTC RFC 3339 with whole seconds", () => {
    assert.equal(formatTimestamp(Date.parse("2026-03-04T05:06:07.999Z")), "2026-03-04T05:06:07Z");
  });
});
