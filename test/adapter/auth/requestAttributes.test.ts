import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { requestAttributes } from "../../../src/adapter/auth/requestAttributes.js";

describe("requestAttributes (the SubjectAccessReview attributes of a metrics API request)", () => {
  it("gives a selector request on pods verb get, name *, the metric as subresource", () => {
    assert.deepEqual(
      requestAttributes("GET", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/llm/pods/%2A/gpu_util"),
      {
        kind: "resource",
        attributes: {
          verb: "get",
          group: "custom.metrics.k8s.io",
          version: "v1beta2",
          resource: "pods",
          subresource: "gpu_util",
          namespace: "llm",
          name: "*",
        },
      },
    );
  });

  it("names the single object of a by-name request, root-scoped resources have no namespace", () => {
    assert.deepEqual(
      requestAttributes("GET", "/apis/custom.metrics.k8s.io/v1beta1/nodes/n1/load").attributes,
      {
        verb: "get",
        group: "custom.metrics.k8s.io",
        version: "v1beta1",
        resource: "nodes",
        subresource: "load",
        name: "n1",
      },
    );
  });

  it("reads the namespace-metric route as resource metrics, name = the metric", () => {
    assert.deepEqual(
      requestAttributes("GET", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/llm/metrics/queue").attributes,
      {
        verb: "get",
        group: "custom.metrics.k8s.io",
        version: "v1beta2",
        resource: "metrics",
        namespace: "llm",
        name: "queue",
      },
    );
  });

  it("gives an external metric verb list with the metric as resource", () => {
    assert.deepEqual(
      requestAttributes("GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/llm/queue_depth").attributes,
      {
        verb: "list",
        group: "external.metrics.k8s.io",
        version: "v1beta1",
        resource: "queue_depth",
        namespace: "llm",
      },
    );
  });

  it("gives discovery and other paths non-resource attributes", () => {
    for (const path of [
      "/apis",
      "/apis/custom.metrics.k8s.io",
      "/apis/custom.metrics.k8s.io/v1beta2",
      "/openapi/v2",
    ])
      assert.deepEqual(requestAttributes("GET", path), {
        kind: "nonResource",
        attributes: { path, verb: "get" },
      });
    assert.equal(requestAttributes("HEAD", "/apis").attributes.verb, "get");
  });

  it("maps other methods as Go does", () => {
    assert.equal(requestAttributes("POST", "/apis/g/v1/namespaces/a/things").attributes.verb, "create");
    assert.equal(
      requestAttributes("DELETE", "/apis/g/v1/namespaces/a/things").attributes.verb,
      "deletecollection",
    );
    assert.equal(requestAttributes("DELETE", "/apis/g/v1/namespaces/a/things/x").attributes.verb, "delete");
  });

  it("reads paths as kube-apiserver's RequestInfoFactory does", () => {
    const C = "/apis/custom.metrics.k8s.io/v1beta2";
    const E = "/apis/external.metrics.k8s.io/v1beta1";
    const q = (text: string) => new URLSearchParams(text);
    const cases: [string, string, Record<string, string>][] = [
      // A namespace's subresource, not a resource in the namespace.
      [
        `${C}/namespaces/b/status`,
        "",
        { verb: "get", resource: "namespaces", subresource: "status", namespace: "b", name: "b" },
      ],
      // The root-scoped spelling of a namespace's metric is a list of the metric in it.
      [`${C}/namespaces/b/queue`, "", { verb: "list", resource: "queue", namespace: "b" }],
      // Decoded before it is split; an empty segment inside stays one; trailing slashes go.
      [
        `${C}/namespaces/b/pods/a%2Fb/m`,
        "",
        { verb: "get", resource: "pods", subresource: "b", namespace: "b", name: "a" },
      ],
      [
        `${C}/namespaces/b//pods/p/m`,
        "",
        { verb: "get", resource: "", subresource: "p", namespace: "b", name: "pods" },
      ],
      [`${C}/namespaces/b/metrics/m/`, "", { verb: "get", resource: "metrics", namespace: "b", name: "m" }],
      [`${E}/namespaces/b/q`, "watch=true", { verb: "watch", resource: "q", namespace: "b" }],
      [`${E}/namespaces/b/q`, "watch=false", { verb: "list", resource: "q", namespace: "b" }],
      [
        `${E}/namespaces/b/q`,
        "fieldSelector=metadata.name%3Dx",
        { verb: "list", resource: "q", namespace: "b", name: "x" },
      ],
      [`${E}/watch/namespaces/b/q`, "", { verb: "watch", resource: "q", namespace: "b" }],
    ];
    for (const [path, query, want] of cases) {
      const got = requestAttributes("GET", path, q(query));
      assert.equal(got.kind, "resource", path);
      const { group: _g, version: _v, ...rest } = got.attributes as unknown as Record<string, string>;
      assert.deepEqual(rest, want, `${path}?${query}`);
    }
  });
});
