/**
 * httpResourceMetrics, the live HPA controller's resource metrics client: the PodMetrics list it
 * asks for, and how it reads it as kube-controller-manager's client does (a pod's containers
 * summed, a pod lacking the resource left out, a missing container an error, the Go wording).
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { httpResourceMetrics } from "../../../src/demo/live/hpaMetricsClient.js";

const T0 = "2026-01-01T00:00:00Z";

function podMetrics(name: string, containers: [string, Record<string, string>][]) {
  return {
    metadata: { name, namespace: "demo" },
    timestamp: T0,
    window: "30s",
    containers: containers.map(([n, usage]) => ({ name: n, usage })),
  };
}

async function serving(answer: (url: string) => [number, unknown]) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url ?? "");
    const [status, body] = answer(req.url ?? "");
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    read: httpResourceMetrics({ baseUrl: `http://127.0.0.1:${port}` }),
    seen,
    close: () => server.close(),
  };
}

describe("httpResourceMetrics", () => {
  it("sums a pod's containers, leaves out a pod lacking the resource, reads a container's usage", async () => {
    const items = [
      podMetrics("web-0", [
        ["app", { cpu: "250m", memory: "100Mi" }],
        ["sidecar", { cpu: "5m", memory: "20Mi" }],
      ]),
      podMetrics("web-1", [["app", { memory: "1Gi" }]]),
      podMetrics("web-2", []),
    ];
    const server = await serving(() => [200, { kind: "PodMetricsList", items }]);
    try {
      assert.deepEqual(await server.read("demo", "cpu", "app=web,tier in (a,b)"), {
        values: { "web-0": 255 },
        timestampMs: Date.parse(T0),
        windowMs: 30_000,
      });
      const url = new URL(server.seen[0] ?? "", "http://x");
      assert.equal(url.pathname, "/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods");
      assert.equal(url.searchParams.get("labelSelector"), "app=web,tier in (a,b)");
      assert.deepEqual(((await server.read("demo", "memory", "app=web")) as { values?: unknown }).values, {
        "web-0": 125_829_120_000,
        "web-1": 1_073_741_824_000,
      });
      assert.deepEqual(await server.read("demo", "cpu", "app=web", "sidecar"), {
        error: "failed to get container metrics: container sidecar not present in metrics for pod demo/web-1",
      });
    } finally {
      server.close();
    }
  });

  it("words failures as the Go client: the Status message, or no metrics returned", async () => {
    const server = await serving((url) =>
      url.includes("none")
        ? [200, { kind: "PodMetricsList", items: [] }]
        : [
            503,
            {
              kind: "Status",
              code: 503,
              message: "unable to fetch metrics: the metrics backend is unreachable",
            },
          ],
    );
    try {
      assert.deepEqual(await server.read("demo", "cpu", "app=none"), {
        error: "no metrics returned from resource metrics API",
      });
      assert.deepEqual(await server.read("demo", "cpu", "app=web"), {
        error:
          "unable to fetch metrics from resource metrics API: unable to fetch metrics: the metrics backend is unreachable",
      });
    } finally {
      server.close();
    }
  });
});
