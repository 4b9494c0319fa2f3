/**
 * The server's own metrics beside the adapter's: build info, and the config file's load results
 * (the last-success time and result next to the reload counter), through a real reload.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { Discovery } from "../../src/adapter/discovery.js";
import { watchConfig } from "../../src/cli/configReload.js";
import { loadAndCompile } from "../../src/cli/loadRules.js";
import { BUILTIN_RESOURCES, StaticResourceCatalog } from "../../src/k8s/resourceCatalog.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { createSelfMetrics } from "../../src/telemetry/selfMetrics.js";
import { parseExposition, sampleValue } from "./exposition.js";

const scrape = async (registry: { metrics(): Promise<string> }) => parseExposition(await registry.metrics());

describe("self-metrics", () => {
  it("exports foresight_build_info with the version and the Node.js version", async () => {
    const metrics = createSelfMetrics({ version: "1.2.3", defaultMetrics: false });
    const exp = await scrape(metrics.registry);
    assert.equal(exp.families.get("foresight_build_info"), "gauge");
    assert.equal(
      sampleValue(exp, "foresight_build_info", { version: "1.2.3", node_version: process.version }),
      1,
    );
  });

  it("registers every family once, with Prometheus naming (counters _total, durations _seconds)", async () => {
    const exp = await scrape(createSelfMetrics({ version: "t" }).registry);
    for (const [name, type] of exp.families) {
      assert.match(name, /^foresight_[a-z0-9_]+$/, name);
      if (type === "counter") assert.match(name, /_total$/, name);
      if (name.includes("duration")) assert.match(name, /_seconds$/, name);
    }
  });

  describe("config reloads", () => {
    const dir = mkdtempSync(join(tmpdir(), "foresight-reload-"));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const catalog = new StaticResourceCatalog(BUILTIN_RESOURCES);
    const path = join(dir, "config.yaml");
    const good = (n: number) =>
      `prometheus:\n  url: http://127.0.0.1:9090\nrules:\n  - seriesQuery: 'http_requests_total_${n}{namespace!="",pod!=""}'\n    resources:\n      template: "<<.Resource>>"\n    metricsQuery: "sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)"\n`;

    it("sets the last-success time and result beside the counter", async () => {
      writeFileSync(path, good(1));
      const running = (await loadAndCompile(path, catalog)).config;
      const metrics = createSelfMetrics({ defaultMetrics: false });
      metrics.configLoaded(true, 1_000_000);
      let exp = await scrape(metrics.registry);
      assert.equal(sampleValue(exp, "foresight_config_last_reload_success_timestamp_seconds"), 1000);
      assert.equal(sampleValue(exp, "foresight_config_last_reload_successful"), 1);

      const rules: unknown[] = [];
      const reloader = watchConfig({
        path,
        running,
        catalog,
        discovery: { setRules: async (r: unknown) => void rules.push(r) } as unknown as Discovery,
        logger: silentLogger(),
        reloads: metrics.configReloads,
        loaded: (ok, atMs) => metrics.configLoaded(ok, atMs),
        debounceMs: 60_000,
      });
      try {
        writeFileSync(path, "prometheus: [not, a, map\n");
        const before = Date.now();
        assert.equal(await reloader.reload(), false);
        exp = await scrape(metrics.registry);
        assert.equal(sampleValue(exp, "foresight_config_reloads_total", { result: "error" }), 1);
        assert.equal(sampleValue(exp, "foresight_config_last_reload_successful"), 0);
        assert.equal(
          sampleValue(exp, "foresight_config_last_reload_success_timestamp_seconds"),
          1000,
          "a failed reload keeps the last success time",
        );

        writeFileSync(path, good(2));
        assert.equal(await reloader.reload(), true);
        exp = await scrape(metrics.registry);
        assert.equal(rules.length, 1);
        assert.equal(sampleValue(exp, "foresight_config_reloads_total", { result: "ok" }), 1);
        assert.equal(sampleValue(exp, "foresight_config_last_reload_successful"), 1);
        const at = sampleValue(exp, "foresight_config_last_reload_success_timestamp_seconds");
        assert.ok(at >= before / 1000 && at <= Date.now() / 1000, `${at}`);
      } finally {
        reloader.stop();
      }
    });
  });
});
