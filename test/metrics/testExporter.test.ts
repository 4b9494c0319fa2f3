/**
 * The test exporter (test/harness/exporter.ts) that the Prometheus integration tests and benchmarks
 * scrape: its exposition must be valid (promtool agrees) and shaped like dcgm-exporter's.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { LATENCY_METRIC, startTestExporter, type TestExporter } from "../harness/exporter.js";

/**
 * Problems `promtool check metrics` finds, less the camelCase label-name lint: dcgm-exporter really
 * names its labels `modelName` and `UUID`. A parse error is reported as a problem too.
 */
function promtoolProblems(text: string): string[] {
  const run = spawnSync("/usr/bin/promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  const problems = `${run.stdout}${run.stderr}`
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.includes("should be written in 'snake_case' not 'camelCase'"));
  if (run.status !== 0 && problems.length === 0 && run.status !== 3)
    problems.push(`promtool exited ${run.status}`);
  return problems;
}

function lines(text: string, prefix: string): string[] {
  return text.split("\n").filter((l) => l.startsWith(prefix));
}

describe("test exporter", () => {
  let exporter: TestExporter;
  before(async () => {
    exporter = await startTestExporter();
  });
  after(async () => {
    await exporter?.close();
  });

  it("has a promtool check that catches a broken exposition", () => {
    assert.notDeepEqual(promtoolProblems('x{a="b" 1\n'), []);
  });

  it("writes DCGM series with dcgm-exporter's labels in its order, one per allocated GPU", () => {
    exporter.gpuPods({
      namespace: "llm",
      pods: [
        { pod: "big", util: 87.4, fbUsed: 73412, gpus: 6 },
        { pod: "small", util: 3, fbUsed: 10, gpus: 4 },
      ],
      hostLabel: "hostname",
    });
    const text = exporter.render();
    const util = lines(text, "DCGM_FI_DEV_GPU_UTIL{");
    assert.equal(util.length, 10);
    assert.match(
      util[0] ?? "",
      /^DCGM_FI_DEV_GPU_UTIL\{gpu="0",UUID="GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",pci_bus_id="00000000:1A:00\.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",hostname="gpu-node-00",DCGM_FI_DRIVER_VERSION="550\.54\.15",container="main",namespace="llm",pod="big"\} 87$/,
    );
    // Six GPUs fill node 00; four more do not fit in its remaining two, so "small" goes to node 01.
    assert.equal(
      util.filter((l) => l.includes('pod="small"') && l.includes('hostname="gpu-node-01"')).length,
      4,
    );
    assert.ok(lines(text, "DCGM_FI_PROF_GR_ENGINE_ACTIVE{").every((l) => / 0\.\d{6}$/.test(l)));
    assert.match(text, /# TYPE DCGM_FI_DEV_FB_USED gauge/);
    assert.equal(lines(text, `${LATENCY_METRIC}_count{`).length, 2);
    assert.deepEqual(promtoolProblems(text), []);
  });

  it("replaces a namespace's preset series on the next gpuPods call, leaving others", () => {
    exporter.gpuPods({ namespace: "other", pods: [{ pod: "o", util: 1, fbUsed: 1 }] });
    exporter.gpuPods({ namespace: "llm", pods: [{ pod: "only", util: 50, fbUsed: 1 }] });
    const util = lines(exporter.render(), "DCGM_FI_DEV_GPU_UTIL{");
    assert.deepEqual(util.map((l) => /pod="([^"]+)"/.exec(l)?.[1]).sort(), ["o", "only"]);
  });

  it("keeps histograms cumulative and counters increasing; removes series on demand", () => {
    const labels = { namespace: "llm", pod: "h" };
    exporter.observe("req_seconds", labels, 0.03, [0.01, 0.05, 0.1]);
    exporter.observe("req_seconds", labels, 0.07, [0.01, 0.05, 0.1]);
    exporter.inc("reqs_total", labels);
    exporter.inc("reqs_total", labels, 2);
    exporter.setGauge("weird", { v: 'a"b\\c\nd' }, Number.NEGATIVE_INFINITY);
    const text = exporter.render();
    assert.deepEqual(lines(text, "req_seconds_"), [
      'req_seconds_bucket{namespace="llm",pod="h",le="0.01"} 0',
      'req_seconds_bucket{namespace="llm",pod="h",le="0.05"} 1',
      'req_seconds_bucket{namespace="llm",pod="h",le="0.1"} 2',
      'req_seconds_bucket{namespace="llm",pod="h",le="+Inf"} 2',
      'req_seconds_sum{namespace="llm",pod="h"} 0.1',
      'req_seconds_count{namespace="llm",pod="h"} 2',
    ]);
    assert.deepEqual(lines(text, "reqs_total{"), ['reqs_total{namespace="llm",pod="h"} 3']);
    assert.deepEqual(lines(text, "weird{"), ['weird{v="a\\"b\\\\c\\nd"} -Inf']);
    assert.deepEqual(promtoolProblems(text), []);
    assert.equal(exporter.removeSeries("reqs_total", { pod: "h", namespace: "llm" }), true);
    assert.equal(exporter.removeSeries("reqs_total", labels), false);
    assert.deepEqual(lines(exporter.render(), "reqs_total"), []);
  });

  it("serves /metrics over HTTP, counts scrapes, and fails on demand", async () => {
    const before = exporter.scrapes;
    const ok = await fetch(exporter.url);
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get("content-type") ?? "", /text\/plain; version=0\.0\.4/);
    assert.equal(await ok.text(), exporter.render());
    exporter.setFailing(true);
    const failing = await fetch(exporter.url);
    await failing.body?.cancel();
    assert.equal(failing.status, 500);
    exporter.setFailing(false);
    assert.equal(exporter.scrapes, before + 2);
  });

  it("describes its scrape target, with clashing target labels when labels are not honoured", () => {
    exporter.gpuPods({ namespace: "llm", pods: [], honorLabels: false });
    const renaming = exporter.scrapeTarget();
    assert.equal(renaming.honorLabels, false);
    assert.equal(renaming.url, exporter.url);
    assert.deepEqual(Object.keys(renaming.labels ?? {}).sort(), ["container", "namespace", "pod"]);
    assert.deepEqual(exporter.scrapeTarget({ honorLabels: true }).labels, {});
  });
});
