/** The CLI as a user runs it: check-config on good and bad files, and serve refusing a bad file. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { foresight } from "../harness/cli.js";
import { startTestExporter, type TestExporter } from "../harness/exporter.js";
import { startKubeFacade } from "../harness/kubeFacade.js";
import { startPrometheus, type TestPrometheus } from "../harness/prometheus.js";

describe("foresight check-config and serve on config files", { timeout: 120_000 }, () => {
  let dir: string;
  let exporter: TestExporter;
  let prom: TestPrometheus;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "foresight-cli-"));
    exporter = await startTestExporter();
    exporter.gpuPods({ namespace: "ml", honorLabels: true, pods: [{ pod: "web-0", util: 50, fbUsed: 10 }] });
    prom = await startPrometheus({ scrapeTargets: [exporter.scrapeTarget()] });
    await prom.waitForSeries("DCGM_FI_DEV_GPU_UTIL", 1, 30_000);
  });

  after(async () => {
    await prom?.close();
    await exporter?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("shows each rule and what it matches in Prometheus now", async () => {
    const { code, stdout } = await foresight([
      "check-config",
      "examples/gpu-dcgm.yaml",
      "--prometheus-url",
      prom.url,
    ]);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /examples\/gpu-dcgm\.yaml: valid \(6 rules, 0 external rules\)/);
    assert.match(stdout, /rules\[0\] \[custom\] seriesQuery DCGM_FI_DEV_GPU_UTIL/);
    assert.match(stdout, /pods\/gpu_utilization \(series DCGM_FI_DEV_GPU_UTIL\)/);
    assert.match(stdout, /nodes\/gpu_utilization_node/);
  });

  it("counts series, not names, and reports the series naming drops with the reason", async () => {
    const file = join(dir, "drops.yaml");
    writeFileSync(
      file,
      [
        "rules:",
        "  - seriesQuery: DCGM_FI_DEV_GPU_UTIL",
        "    resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}",
        "    name: {matches: '^DCGM_FI_(.*)$', as: 'dcgm:$1'}",
        "    metricsQuery: sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
        "  - seriesQuery: DCGM_FI_DEV_GPU_UTIL",
        "    resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}",
        "    name: {matches: '^(x)?DCGM_FI_DEV_GPU_UTIL$', as: '$1'}",
        "    metricsQuery: sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
        "  - seriesQuery: DCGM_FI_DEV_GPU_UTIL",
        "    metricsQuery: sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
        "",
      ].join("\n"),
    );
    const { code, stdout, stderr } = await foresight(["check-config", file, "--prometheus-url", prom.url]);
    assert.equal(code, 0, stdout);
    assert.match(
      stderr,
      /warning: .*drops\.yaml:10:5: rules\[2\]\.resources: .*neither resources\.overrides nor resources\.template/,
    );
    assert.match(
      stdout,
      /rules\[0\] [^\n]*\n {2}1 series returned: 0 served, 0 filtered out by name, 1 dropped/,
    );
    assert.match(
      stdout,
      /dropped 1 series: rules\[0\]: series "DCGM_FI_DEV_GPU_UTIL" would be served as metric "dcgm:DEV_GPU_UTIL", but it contains ":"/,
    );
    assert.match(stdout, /dropped 1 series: rules\[1\]: .*the name is empty/);
    assert.match(stdout, /dropped 1 series: rules\[2\]: .*has no label the rule maps to a resource/);
  });

  it("--kubeconfig checks resource overrides against the cluster's discovery, custom resources included", async () => {
    const file = join(dir, "ray.yaml");
    writeFileSync(
      file,
      [
        "rules:",
        "  - seriesQuery: 'ray_tasks{ray_io_cluster!=\"\"}'",
        "    resources:",
        "      overrides:",
        "        namespace: {resource: namespace}",
        "        ray_io_cluster: {group: ray.io, resource: raycluster}",
        "    metricsQuery: sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
        "",
      ].join("\n"),
    );
    const builtin = await foresight(["check-config", file, "--offline"]);
    assert.equal(builtin.code, 0, builtin.stdout);
    assert.match(
      builtin.stderr,
      /warning: .*ray\.yaml:6:25: rules\[0\]\.resources\.overrides\.ray_io_cluster: .*"raycluster\.ray\.io"/,
    );

    const kube = await startKubeFacade();
    try {
      const crd = {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: "rayclusters.ray.io" },
        spec: {
          group: "ray.io",
          scope: "Namespaced",
          names: {
            plural: "rayclusters",
            singular: "raycluster",
            kind: "RayCluster",
            listKind: "RayClusterList",
          },
          versions: [
            { name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } },
          ],
        },
      };
      const created = await fetch(`${kube.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(crd),
      });
      assert.equal(created.status, 201, await created.text());
      const kubeconfig = join(dir, "kubeconfig");
      kube.kubeconfig(kubeconfig);
      const discovered = await foresight(["check-config", file, "--offline", "--kubeconfig", kubeconfig]);
      assert.equal(discovered.code, 0, discovered.stdout);
      assert.match(discovered.stdout, /resources checked against the cluster's discovery/);
      assert.doesNotMatch(discovered.stderr, /warning:/);
    } finally {
      await kube.close();
    }
  });

  it("--offline validates without Prometheus", async () => {
    const { code, stdout } = await foresight(["check-config", "examples/vllm.yaml", "--offline"]);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /valid/);
    assert.match(stdout, /externalRules\[0\] \[external\]/);
  });

  it("names file, line, column and field of schema problems, and exits 1", async () => {
    const { code, stderr } = await foresight([
      "check-config",
      "test/fixtures/config/missing-metrics-query.yaml",
      "--offline",
    ]);
    assert.equal(code, 1);
    assert.match(stderr, /missing-metrics-query\.yaml:\d+:\d+: rules\[1\]\.metricsQuery: Required/);
  });

  it("names the line of a template that does not compile", async () => {
    const file = join(dir, "bad-template.yaml");
    writeFileSync(
      file,
      [
        "rules:",
        "  - seriesQuery: 'up'",
        "    resources: {template: <<.Resource>>}",
        "    metricsQuery: sum(<<.Serie>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
        "",
      ].join("\n"),
    );
    const { code, stderr } = await foresight(["check-config", file, "--offline"]);
    assert.equal(code, 1);
    assert.match(stderr, /bad-template\.yaml:4:19: rules\[0\]\.metricsQuery: .*Serie/);
  });

  const resourceRules = (cpuQuery: string, memoryQuery: string) =>
    [
      "resourceRules:",
      "  cpu:",
      `    containerQuery: ${cpuQuery}`,
      "    resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}",
      "    containerLabel: container",
      "  memory:",
      `    containerQuery: ${memoryQuery}`,
      "    resources: {overrides: {namespace: {resource: namespace}, pod: {resource: pod}}}",
      "    containerLabel: container",
      "",
    ].join("\n");
  const cpuQuery = "sum(rate(container_cpu_usage_seconds_total{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)";
  const memoryQuery = "sum(container_memory_working_set_bytes{<<.LabelMatchers>>}) by (<<.GroupBy>>)";

  it("names the line of a resourceRules template serve would refuse", async () => {
    const file = join(dir, "bad-resource-template.yaml");
    writeFileSync(file, resourceRules(cpuQuery, memoryQuery.replace(".GroupBy", ".Group")));
    const { code, stderr } = await foresight(["check-config", file, "--offline"]);
    assert.equal(code, 1, stderr);
    assert.match(
      stderr,
      /bad-resource-template\.yaml:7:\d+: resourceRules\.memory\.containerQuery: not a valid template: .*Group/,
    );
  });

  it("names the line of a resourceRules query Prometheus would refuse", async () => {
    const file = join(dir, "bad-resource-promql.yaml");
    writeFileSync(file, resourceRules(cpuQuery.slice(0, -1), memoryQuery));
    const { code, stderr } = await foresight(["check-config", file, "--offline"]);
    assert.equal(code, 1, stderr);
    assert.match(
      stderr,
      /bad-resource-promql\.yaml:3:\d+: resourceRules\.cpu\.containerQuery: renders PromQL/,
    );
    const good = join(dir, "good-resource-rules.yaml");
    writeFileSync(good, resourceRules(cpuQuery, memoryQuery));
    const ok = await foresight(["check-config", good, "--offline"]);
    assert.equal(ok.code, 0, ok.stdout);
  });

  it("names the field and line of PromQL that Prometheus would refuse, and exits 1", async () => {
    const file = join(dir, "bad-promql.yaml");
    writeFileSync(
      file,
      [
        "rules:",
        "  - seriesQuery: 'up{'",
        "    resources: {template: <<.Resource>>}",
        "    metricsQuery: sum by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>}",
        "forecast:",
        "  targets:",
        "    - {name: web, query: 'sum(rate(x[5m])'}",
        "",
      ].join("\n"),
    );
    const { code, stderr } = await foresight(["check-config", file, "--offline"]);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /bad-promql\.yaml: invalid/);
    assert.match(stderr, /bad-promql\.yaml:2:18: rules\[0\]\.seriesQuery: .*parse error/);
    assert.match(stderr, /bad-promql\.yaml:4:19: rules\[0\]\.metricsQuery: .*parse error/);
    assert.match(stderr, /bad-promql\.yaml:7:26: forecast\.targets\[0\]\.query: .*parse error/);
  });

  it("serve refuses to start on an invalid file, naming the problem", async () => {
    const { code, stderr } = await foresight([
      "serve",
      "--config",
      "test/fixtures/config/unknown-key.yaml",
      "--secure-port",
      "0",
      "--http-port",
      "0",
    ]);
    assert.equal(code, 1);
    assert.match(stderr, /unknown-key\.yaml:\d+:\d+: .*unknown field/);
  });
});
