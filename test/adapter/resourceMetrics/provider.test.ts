/**
 * The resource metrics provider against canned Prometheus answers: the queries it renders (as
 * prometheus-adapter's Build), how samples become PodMetrics and NodeMetrics (containers, the
 * fill-in zero, negative values, the earliest timestamp, the window), what is left out or a 404,
 * and that an outage is a 503 rather than an empty list.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseFieldSelector } from "../../../src/adapter/resourceMetrics/fieldSelector.js";
import type { ResourceMetricsRequest } from "../../../src/adapter/resourceMetrics/provider.js";
import {
  compileResourceRules,
  missingResourceRules,
  ResourceRulesError,
} from "../../../src/adapter/resourceMetrics/resourceRules.js";
import { podMetricsListJson } from "../../../src/adapter/resourceMetrics/values.js";
import { parseConfigText } from "../../../src/config/load.js";
import { parseLabelSelector } from "../../../src/k8s/labelSelector.js";
import { ApiError } from "../../../src/k8s/status.js";
import { FakeSource } from "../../doubles/fakeSource.js";
import { catalog, node, pod, providerWith, Q, RESOURCE_RULES, rulesOf, sample, T0 } from "./fixtures.js";

const MiB = 1024 * 1024;

function list(
  resource: "pods" | "nodes",
  extra: Partial<ResourceMetricsRequest> = {},
): ResourceMetricsRequest {
  return {
    resource,
    labelSelector: parseLabelSelector(""),
    fieldSelector: parseFieldSelector(null, ["metadata.name", "metadata.namespace"]),
    ...extra,
  };
}

async function rejects(promise: Promise<unknown>, code: number, message?: RegExp): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected a ${code}`);
}

describe("resource metrics provider", () => {
  it("lists the pods of a namespace with their containers, from one query per resource", async () => {
    const source = new FakeSource({
      strict: true,
      instant: {
        [Q.cpuPods("ml")]: [
          sample({ pod: "web-0", container: "app" }, 0.25),
          sample({ pod: "web-0", container: "sidecar" }, 0.0015, T0 - 5_000),
          sample({ pod: "web-1", container: "app" }, 1.5),
          sample({ pod: "gone", container: "app" }, 3),
        ],
        [Q.memPods("ml")]: [
          sample({ pod: "web-0", container: "app" }, 100 * MiB),
          sample({ pod: "web-0", container: "sidecar" }, 1000), // below 1024: DecimalSI, as Go
          sample({ pod: "web-1", container: "app" }, 200 * MiB),
        ],
      },
    });
    const provider = providerWith(source, {
      pods: [pod("ml", "web-1", { app: "web" }), pod("ml", "web-0", { app: "web" }), pod("other", "x")],
    });
    const pods = await provider.listPods(list("pods", { namespace: "ml" }));
    assert.deepEqual(source.queries().sort(), [Q.cpuPods("ml"), Q.memPods("ml")].sort());
    assert.deepEqual(
      pods.map((p) => [p.namespace, p.name, p.containers.map((c) => [c.name, c.usage.cpu, c.usage.memory])]),
      [
        [
          "ml",
          "web-0",
          [
            ["app", "250m", "100Mi"],
            ["sidecar", "1m", "1k"],
          ],
        ],
        ["ml", "web-1", [["app", "1500m", "200Mi"]]],
      ],
    );
    assert.equal(pods[0]?.timestamp, T0 - 5_000, "the earliest sample's time");
    assert.equal(pods[0]?.windowMs, 180_000);
    const json = podMetricsListJson(pods, T0) as {
      items: { window: string; timestamp: string; metadata: object }[];
    };
    assert.equal(json.items[0]?.window, "3m0s");
    assert.equal(json.items[0]?.timestamp, "2023-11-14T22:13:15Z");
    assert.deepEqual(json.items[0]?.metadata, {
      name: "web-0",
      namespace: "ml",
      creationTimestamp: "2023-11-14T22:13:20Z",
      labels: { app: "web" },
    });
  });

  it("leaves out a pod missing cpu or memory, fills a container's missing half with 0, clamps negatives", async () => {
    const source = new FakeSource({
      instant: {
        [Q.cpuPods("ml")]: [
          sample({ pod: "a", container: "app" }, -0.5),
          sample({ pod: "b", container: "app" }, 0.1),
          sample({ pod: "c", container: "app" }, 0.1),
        ],
        [Q.memPods("ml")]: [
          sample({ pod: "a", container: "app" }, 2048),
          sample({ pod: "a", container: "POD" }, 4096),
          sample({ pod: "c", container: "app" }, Number.NaN),
        ],
      },
    });
    const provider = providerWith(source, { pods: ["a", "b", "c"].map((n) => pod("ml", n)) });
    const pods = await provider.listPods(list("pods", { namespace: "ml" }));
    assert.deepEqual(
      pods.map((p) => [p.name, p.containers.map((c) => [c.name, c.usage])]),
      [
        [
          "a",
          [
            ["POD", { cpu: "0", memory: "4Ki" }],
            ["app", { cpu: "0", memory: "2Ki" }],
          ],
        ],
      ],
      "b has no memory, c's memory is NaN (dropped): both left out",
    );
  });

  it("lists every namespace with one query pair per namespace, filtered by label and field selectors", async () => {
    const source = new FakeSource({
      instant: {
        [Q.cpuPods("a")]: [sample({ pod: "p", container: "c" }, 1)],
        [Q.memPods("a")]: [sample({ pod: "p", container: "c" }, MiB)],
        [Q.cpuPods("b")]: [sample({ pod: "p", container: "c" }, 2), sample({ pod: "q", container: "c" }, 2)],
        [Q.memPods("b")]: [
          sample({ pod: "p", container: "c" }, MiB),
          sample({ pod: "q", container: "c" }, MiB),
        ],
      },
    });
    const provider = providerWith(source, {
      pods: [pod("b", "q", { tier: "x" }), pod("b", "p", { tier: "web" }), pod("a", "p", { tier: "web" })],
    });
    const all = await provider.listPods(list("pods"));
    assert.deepEqual(
      all.map((p) => `${p.namespace}/${p.name}`),
      ["a/p", "b/p", "b/q"],
    );
    assert.equal(source.queries().length, 4);
    const web = await provider.listPods(list("pods", { labelSelector: parseLabelSelector("tier=web") }));
    assert.deepEqual(
      web.map((p) => `${p.namespace}/${p.name}`),
      ["a/p", "b/p"],
    );
    const named = await provider.listPods(
      list("pods", {
        fieldSelector: parseFieldSelector("metadata.namespace=b,metadata.name!=p", [
          "metadata.name",
          "metadata.namespace",
        ]),
      }),
    );
    assert.deepEqual(
      named.map((p) => `${p.namespace}/${p.name}`),
      ["b/q"],
    );
  });

  it("gets one pod with a query for that pod; 404 when it has no metrics or does not exist", async () => {
    const source = new FakeSource({
      strict: true,
      instant: {
        [Q.cpuPod("ml", "web-0")]: [sample({ pod: "web-0", container: "app" }, 0.5)],
        [Q.memPod("ml", "web-0")]: [sample({ pod: "web-0", container: "app" }, 3 * MiB)],
        [Q.cpuPod("ml", "idle")]: [],
        [Q.memPod("ml", "idle")]: [],
      },
    });
    const provider = providerWith(source, { pods: [pod("ml", "web-0"), pod("ml", "idle")] });
    const one = await provider.getPod("ml", "web-0");
    assert.deepEqual(one.containers, [{ name: "app", usage: { cpu: "500m", memory: "3Mi" } }]);
    const noMetrics = await rejects(provider.getPod("ml", "idle"), 404);
    assert.equal(noMetrics.message, 'pods.metrics.k8s.io "ml/idle" not found');
    assert.deepEqual(noMetrics.details, { name: "ml/idle", group: "metrics.k8s.io", kind: "pods" });
    await rejects(provider.getPod("ml", "nope"), 404, /^pod "nope" not found$/);
  });

  it("lists and gets nodes from nodeQuery, by the rule's node label", async () => {
    const source = new FakeSource({
      strict: true,
      instant: {
        [Q.cpuNodes]: [sample({ instance: "n1" }, 3.2), sample({ instance: "n2" }, 0.7)],
        [Q.memNodes]: [
          sample({ instance: "n1" }, 8 * 1024 * MiB, T0 - 1000),
          sample({ instance: "n3" }, MiB),
        ],
        [Q.cpuNode("n2")]: [sample({ instance: "n2" }, 0.7)],
        [Q.memNode("n2")]: [],
      },
    });
    const provider = providerWith(source, { nodes: [node("n2"), node("n1", { zone: "a" }), node("n3")] });
    const nodes = await provider.listNodes(list("nodes"));
    assert.deepEqual(
      nodes.map((n) => [n.name, n.usage, n.timestamp, n.labels]),
      [["n1", { cpu: "3200m", memory: "8Gi" }, T0 - 1000, { zone: "a" }]],
    );
    await rejects(provider.getNode("n2"), 404, /^nodes\.metrics\.k8s\.io "n2" not found$/);
    await rejects(provider.getNode("n9"), 404, /^node "n9" not found$/);
  });

  it("fails with 503 when Prometheus is unreachable, never an empty list", async () => {
    const source = new FakeSource({
      instant: { [Q.memPods("ml")]: [sample({ pod: "web-0", container: "app" }, 1)] },
      errors: { [Q.cpuPods("ml")]: "unavailable" },
    });
    const provider = providerWith(source, { pods: [pod("ml", "web-0")] });
    await rejects(provider.listPods(list("pods", { namespace: "ml" })), 503);
  });

  it("waits for the informers: 503 until the pods are synced", async () => {
    const provider = providerWith(new FakeSource(), { pods: [pod("ml", "web-0")] }, RESOURCE_RULES, false);
    await rejects(provider.listPods(list("pods", { namespace: "ml" })), 503, /not synced/);
  });

  it("serves no nodes without a nodeQuery, and says so", async () => {
    const text = RESOURCE_RULES.replace(/ {4}nodeQuery: .*\n/g, "    nodeQuery: ''\n");
    const rules = rulesOf(text);
    assert.equal(rules.servesNodes, false);
    const provider = providerWith(new FakeSource(), { nodes: [node("n1")] }, text);
    await rejects(provider.listNodes(list("nodes")), 404, /node metrics are not served/);
  });

  it("refuses at start a rule that cannot serve, with every problem", () => {
    const broken = RESOURCE_RULES.replace(
      "sum(container_memory_working_set_bytes{<<.LabelMatchers>>}) by",
      "sum(<<.Nope>>) by",
    ).replace(/ {8}pod: \{resource: pod\}\n/, "");
    assert.throws(
      () => rulesOf(broken),
      (err: unknown) =>
        err instanceof ResourceRulesError &&
        err.problems.some((p) => p.startsWith("resourceRules.cpu.resources maps no label to pods")) &&
        err.problems.some((p) => p.startsWith("resourceRules.memory.containerQuery is not a valid template")),
    );
    // Only memory: loads as prometheus-adapter loads it, and serves nothing (a warning says why).
    const memoryOnly = RESOURCE_RULES.replace(/ {2}cpu:[\s\S]*? {2}memory:/, "  memory:");
    const section = parseConfigText(memoryOnly, "test.yaml").resourceRules;
    assert.equal(compileResourceRules(section, catalog), undefined);
    assert.deepEqual(missingResourceRules(section), [
      "resourceRules.cpu is missing: metrics.k8s.io is served only with both cpu and memory",
    ]);
  });
});
