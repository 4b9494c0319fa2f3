import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderPlot } from "../../../src/sim/replay/plot.js";

describe("renderPlot", () => {
  const input = {
    title: "a <trace> & more",
    startMs: Date.UTC(2026, 0, 1),
    stepMs: 15_000,
    demand: Float64Array.from({ length: 100 }, (_, i) => i),
    capacityPerReplica: 10,
    series: [
      { name: "reactive", ready: Int32Array.from({ length: 100 }, () => 5) },
      { name: "oracle", ready: Int32Array.from({ length: 100 }, () => 9) },
    ],
  };

  it("draws demand and one line per policy, with a legend and escaped text", () => {
    const svg = renderPlot(input);
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.equal((svg.match(/<polyline /g) ?? []).length, 3);
    assert.match(svg, /reactive ready capacity/);
    assert.match(svg, /oracle ready capacity/);
    assert.match(svg, /a &lt;trace&gt; &amp; more/);
    assert.ok(svg.trimEnd().endsWith("</svg>"));
  });

  it("buckets long runs, keeping the worst demand of each bucket", () => {
    const svg = renderPlot({ ...input, maxPoints: 10, fromStep: 50 });
    const demandLine = svg.match(/<polyline fill="none" stroke="#000"[^>]*points="([^"]*)"/)?.[1] ?? "";
    const points = demandLine.split(" ");
    assert.equal(points.length, 10);
    // Last bucket is steps 95..99: its max, 99, is the top value, drawn highest (smallest y).
    const ys = points.map((p) => Number(p.split(",")[1]));
    assert.equal(Math.min(...ys), ys[ys.length - 1]);
  });
});
