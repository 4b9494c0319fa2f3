import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { type KubeFacade, startKubeFacade } from "../../../src/demo/kube/index.js";
import { kubePodLister } from "../../../src/metrics/embedded/kubePodLister.js";
import { podScrapeTargets, sanitizeLabelName } from "../../../src/metrics/embedded/podTargets.js";

describe("podScrapeTargets", () => {
  const pod = (name: string, annotations: Record<string, string>, extra = {}) => ({
    namespace: "ns",
    name,
    ip: "10.0.0.5",
    phase: "Running",
    annotations: { "prometheus.io/scrape": "true", ...annotations },
    ...extra,
  });

  it("reads port, path and scheme annotations with their defaults", () => {
    const targets = podScrapeTargets([
      pod("a", {
        "prometheus.io/port": "8000",
        "prometheus.io/path": "/stats",
        "prometheus.io/scheme": "https",
      }),
      pod("b", {}, { containerPorts: [9400, 8080] }),
      pod("c", {}),
      pod("d", { "prometheus.io/port": "99999" }, { containerPorts: [9090] }),
      pod("e", { "prometheus.io/port": "9100" }, { ip: "fd00::5" }),
    ]);
    assert.deepEqual(
      targets.map((t) => [t.url, t.labels.instance]),
      [
        ["https://10.0.0.5:8000/stats", "10.0.0.5:8000"],
        ["http://10.0.0.5:9400/metrics", "10.0.0.5:9400"],
        ["http://10.0.0.5/metrics", "10.0.0.5"],
        ["http://10.0.0.5:9090/metrics", "10.0.0.5:9090"],
        ["http://[fd00::5]:9100/metrics", "[fd00::5]:9100"],
      ],
    );
  });

  it("lets namespace, pod and job win over pod labels of the same name, and sanitizes names", () => {
    const [t] = podScrapeTargets(
      [pod("a", {}, { labels: { pod: "x", "9lives": "y", "team.io/owner": "ml" } })],
      { job: "pods" },
    );
    assert.deepEqual(t?.labels, {
      pod: "a",
      _9lives: "y",
      team_io_owner: "ml",
      job: "pods",
      instance: "10.0.0.5",
      namespace: "ns",
    });
    assert.equal(sanitizeLabelName("a-b.c/d"), "a_b_c_d");
    const [bare] = podScrapeTargets([pod("a", {}, { labels: { app: "x" } })], { podLabels: false });
    assert.equal(bare?.labels.app, undefined);
  });
});

describe("kubePodLister", () => {
  let facade: KubeFacade;
  before(async () => {
    facade = await startKubeFacade();
  });
  after(() => facade.close());

  it("lists pods with annotations, IPs, phase, node and container ports from the API", async () => {
    facade.store.addNamespace("llm");
    facade.store.addNamespace("other");
    facade.store.create("pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "vllm-0",
        namespace: "llm",
        labels: { app: "vllm" },
        annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": "8000" },
      },
      spec: {
        nodeName: "gpu-node-01",
        containers: [{ name: "main", image: "vllm", ports: [{ containerPort: 8000 }] }],
      },
      status: { phase: "Running", podIP: "10.1.0.7" },
    });
    facade.store.addPod({ namespace: "other", name: "plain", podIP: "10.1.0.8" });
    const kc = new KubeConfig();
    kc.loadFromString(facade.kubeconfig());

    const all = await kubePodLister(kc).listPods();
    const vllm = all.find((p) => p.name === "vllm-0");
    assert.deepEqual(vllm, {
      namespace: "llm",
      name: "vllm-0",
      ip: "10.1.0.7",
      phase: "Running",
      nodeName: "gpu-node-01",
      labels: { app: "vllm" },
      annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": "8000" },
      containerPorts: [8000],
    });
    assert.ok(all.some((p) => p.name === "plain"));

    const inLlm = await kubePodLister(kc, { namespace: "llm" }).listPods();
    assert.deepEqual(
      inLlm.map((p) => p.name),
      ["vllm-0"],
    );
    const targets = podScrapeTargets(all);
    assert.deepEqual(
      targets.map((t) => t.url),
      ["http://10.1.0.7:8000/metrics"],
    );
  });
});
