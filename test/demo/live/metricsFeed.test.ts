import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MetricsFeed } from "../../../src/demo/live/metricsFeed.js";
import type { Labels } from "../../../src/metrics/source.js";

function recorder() {
  const samples: { labels: Labels; t: number; v: number }[] = [];
  return { samples, ingest: (labels: Labels, t: number, v: number) => samples.push({ labels, t, v }) };
}

describe("MetricsFeed", () => {
  it("counts offered requests as the integral of demand", () => {
    const r = recorder();
    const feed = new MetricsFeed({
      namespace: "demo",
      deployment: "llm",
      capacityPerPod: 10,
      ingest: r.ingest,
    });
    feed.backfill(0, 60_000, 15_000, () => 4);
    const counter = r.samples.filter((s) => s.labels.__name__ === "llm_gateway_requests_total");
    assert.deepEqual(
      counter.map((s) => [s.t, s.v]),
      [
        [0, 0],
        [15_000, 60],
        [30_000, 120],
        [45_000, 180],
        [60_000, 240],
      ],
    );
    assert.deepEqual(counter[0]?.labels, {
      __name__: "llm_gateway_requests_total",
      namespace: "demo",
      service: "llm",
    });
  });

  it("splits demand over ready pods, with GPU utilization against one pod's capacity", () => {
    const r = recorder();
    const feed = new MetricsFeed({
      namespace: "demo",
      deployment: "llm",
      capacityPerPod: 10,
      ingest: r.ingest,
    });
    feed.observe(0, 15, [
      { id: 1, ready: true },
      { id: 2, ready: true },
      { id: 3, ready: false },
    ]);
    const running = r.samples.filter((s) => s.labels.__name__ === "vllm:num_requests_running");
    assert.deepEqual(
      running.map((s) => [s.labels.pod, s.v]),
      [
        ["llm-1", 7.5],
        ["llm-2", 7.5],
      ],
    );
    const util = r.samples.filter((s) => s.labels.__name__ === "DCGM_FI_DEV_GPU_UTIL").map((s) => s.v);
    assert.deepEqual(util, [75, 75]);
    feed.observe(15_000, 100, [{ id: 1, ready: true }]);
    const capped = r.samples.filter((s) => s.labels.__name__ === "DCGM_FI_DEV_GPU_UTIL").at(-1);
    assert.equal(capped?.v, 100, "capped at 100 %");
  });
});
