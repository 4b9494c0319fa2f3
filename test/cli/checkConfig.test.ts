/** The CLI as a user runs it: check-config on good and bad files, and serve refusing a bad file. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestExporter, type TestExporter } from "../harness/exporter.js";
import { startPrometheus, type TestPrometheus } from "../harness/prometheus.js";

const ROOT = new URL("../../", import.meta.url).pathname;

function foresight(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", join(ROOT, "src/cli/main.ts"), ...args],
      { cwd: ROOT, timeout: 60_000, env: { ...process.env, KUBECONFIG: "", HOME: "/nonexistent" } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

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

  it("--offline validates without Prometheus", async () => {
    const { code, stdout } = await foresight(["check-config", "examples/vllm.yaml", "--offline"]);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /valid/);
    assert.match(stdout, /externalRules\[0\] \[external\]/);
  });

  it("names file, line, column and field of schema problems, and exits 1", async () => {
    const { code, stdout } = await foresight([
      "check-config",
      "test/fixtures/config/missing-metrics-query.yaml",
      "--offline",
    ]);
    assert.equal(code, 1);
    assert.match(stdout, /missing-metrics-query\.yaml:\d+:\d+: rules\[1\]\.metricsQuery: Required/);
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
    const { code, stdout } = await foresight(["check-config", file, "--offline"]);
    assert.equal(code, 1);
    assert.match(stdout, /bad-template\.yaml:4:19: rules\[0\]\.metricsQuery: .*Serie/);
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
    const { code, stdout } = await foresight(["check-config", file, "--offline"]);
    assert.equal(code, 1, stdout);
    assert.match(stdout, /bad-promql\.yaml: invalid/);
    assert.match(stdout, /bad-promql\.yaml:2:18: rules\[0\]\.seriesQuery: .*parse error/);
    assert.match(stdout, /bad-promql\.yaml:4:19: rules\[0\]\.metricsQuery: .*parse error/);
    assert.match(stdout, /bad-promql\.yaml:7:26: forecast\.targets\[0\]\.query: .*parse error/);
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
