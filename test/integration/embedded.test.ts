/**
 * `foresight serve` without Prometheus: the embedded store scrapes an exporter (a static target)
 * and the adapter answers the custom metrics API from it, the rule's PromQL evaluated in process.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import { startAdapter, type TestAdapter } from "../harness/adapter.js";
import { startTestExporter, type TestExporter } from "../harness/exporter.js";

describe("foresight serve on the embedded metrics store", { timeout: 60_000 }, () => {
  let dir: string;
  let exporter: TestExporter;
  let adapter: TestAdapter;
  let configPath: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "foresight-embedded-it-"));
    exporter = await startTestExporter();
    exporter.setGauge("DCGM_FI_DEV_GPU_UTIL", { namespace: "llm", pod: "llm-0", gpu: "0" }, 73);
    exporter.setGauge("DCGM_FI_DEV_GPU_UTIL", { namespace: "llm", pod: "llm-1", gpu: "0" }, 41);
    configPath = join(dir, "config.yaml");
    writeFileSync(
      configPath,
      stringify({
        embedded: {
          scrapeInterval: "1s",
          staticTargets: [{ url: exporter.url, job: "dcgm", honorLabels: true }],
        },
        adapter: { relistInterval: "1s", cacheTTL: "0s" },
        rules: [
          {
            seriesQuery: 'DCGM_FI_DEV_GPU_UTIL{namespace!="",pod!=""}',
            resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
            name: { matches: "^DCGM_FI_DEV_GPU_UTIL$", as: "gpu_utilization" },
            metricsQuery: "avg by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>})",
          },
        ],
      }),
    );
    adapter = await startAdapter({ configPath, prometheusUrl: "" });
  });
  after(async () => {
    await adapter?.stop();
    await exporter?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("serves a scraped metric through the custom metrics API", async () => {
    const path = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/llm/pods/llm-0/gpu_utilization";
    const deadline = Date.now() + 30_000;
    let res = await adapter.get(path);
    while (res.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      res = await adapter.get(path);
    }
    assert.equal(res.status, 200, `${JSON.stringify(res.body)}\n${adapter.logs().slice(-1500)}`);
    const items = (res.body as { items: { value: string }[] }).items;
    assert.deepEqual(
      items.map((i) => i.value),
      ["73"],
    );
    assert.ok(exporter.scrapes >= 1);
  });

  it("a broken config file changes nothing; a good one replaces the rules at once", async () => {
    const good = (await import("node:fs")).readFileSync(configPath, "utf8");
    writeFileSync(configPath, "rules:\n  - seriesQuery: [unclosed\n");
    const metricsText = async () => (await fetch(`${adapter.httpUrl}/metrics`)).text();
    const deadline = Date.now() + 15_000;
    while (!/foresight_config_reloads_total\{result="error"\} [1-9]/.test(await metricsText())) {
      assert.ok(Date.now() < deadline, `no failed reload counted\n${adapter.logs().slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const before = await adapter.get(
      "/apis/custom.metrics.k8s.io/v1beta2/namespaces/llm/pods/llm-0/gpu_utilization",
    );
    assert.equal(before.status, 200, "the running rules stay");
    await adapter.waitForLog(/config reload failed/);

    writeFileSync(configPath, good.replace("as: gpu_utilization", "as: gpu_busy_percent"));
    const renamed = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/llm/pods/llm-0/gpu_busy_percent";
    let res = await adapter.get(renamed);
    while (res.status !== 200 && Date.now() < deadline + 15_000) {
      await new Promise((r) => setTimeout(r, 200));
      res = await adapter.get(renamed);
    }
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const old = await adapter.get(
      "/apis/custom.metrics.k8s.io/v1beta2/namespaces/llm/pods/llm-0/gpu_utilization",
    );
    assert.equal(old.status, 404, "the old name is gone");
  });
});
