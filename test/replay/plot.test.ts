import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatTick, formatUtc, niceTicks, renderPlot, timeTicks } from "../../src/replay/plot.js";
import { assertWellFormed, attributes, legendRect, plotArea, type Rect } from "./svgAssertions.js";

function inside(inner: Rect, outer: Rect): boolean {
  return (
    inner.x >= outer.x &&
    inner.y >= outer.y &&
    inner.x + inner.width <= outer.x + outer.width &&
    inner.y + inner.height <= outer.y + outer.height
  );
}

function polylines(svg: string): { stroke: string; dash: string; points: [number, number][] }[] {
  return [...svg.matchAll(/<polyline [^>]*>/g)].map((m) => {
    const a = attributes(m[0]);
    const points = (a.points ?? "").split(" ").map((p) => p.split(",").map(Number) as [number, number]);
    return { stroke: a.stroke ?? "", dash: a["stroke-dasharray"] ?? "", points };
  });
}

const tickLabels = (svg: string) =>
  [...svg.matchAll(/<text class="tick"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

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

  /** Three days at 15 s starting at an odd minute, with a daily wave. */
  const days = {
    title: "three days",
    startMs: Date.UTC(2026, 6, 2, 17, 3),
    stepMs: 15_000,
    demand: Float64Array.from({ length: 3 * 5760 }, (_, i) => 500 + 400 * Math.sin((i / 5760) * 2 * Math.PI)),
    capacityPerReplica: 50,
    series: ["reactive", "oracle", "phpa", "crane", "predictive"].map((name, k) => ({
      name,
      ready: Int32Array.from({ length: 3 * 5760 }, () => 18 + k),
    })),
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

  it("keeps the smallest capacity of each bucket", () => {
    const ready = Int32Array.from({ length: 100 }, (_, i) => (i === 42 ? 1 : 9));
    const svg = renderPlot({ ...input, series: [{ name: "dip", ready }], maxPoints: 10 });
    const line = polylines(svg)[1]?.points ?? [];
    const ys = line.map(([, y]) => y);
    // Bucket 40..49 holds the dip: its capacity, 10, is drawn lowest (largest y).
    assert.equal(Math.max(...ys), ys[4]);
  });

  it("is well-formed XML, whatever the names hold", () => {
    assertWellFormed(renderPlot(input));
    assertWellFormed(renderPlot(days));
    const odd = renderPlot({
      ...input,
      title: `"quoted" & 'single' <b>`,
      yLabel: "req/s <p95> & more",
      series: [{ name: `x"><script>&`, ready: input.series[0]?.ready as Int32Array }],
    });
    assertWellFormed(odd);
    assert.match(odd, /x&quot;&gt;&lt;script&gt;&amp; ready capacity/);
    assert.match(odd, /req\/s &lt;p95&gt; &amp; more/);
  });

  it("puts the legend inside the plot area, top-left, on a semi-opaque white box", () => {
    for (const svg of [renderPlot(input), renderPlot(days)]) {
      const area = plotArea(svg);
      const legend = legendRect(svg);
      assert.ok(inside(legend, area), `legend ${JSON.stringify(legend)} outside ${JSON.stringify(area)}`);
      assert.ok(legend.x - area.x < 20 && legend.y - area.y < 20, "legend is not at the top-left");
      assert.match(svg, /<g class="legend">\s*<rect [^>]*fill="white" fill-opacity="0\.\d+"/);
    }
  });

  it("keeps a legend of many long names inside the plot area", () => {
    const many = {
      ...days,
      series: Array.from({ length: 12 }, (_, k) => ({
        name: `predictive policy number ${k} with a long name`,
        ready: days.series[0]?.ready as Int32Array,
      })),
    };
    const svg = renderPlot(many);
    assert.ok(inside(legendRect(svg), plotArea(svg)));
    for (let k = 0; k < 12; k++)
      assert.match(svg, new RegExp(`predictive policy number ${k} with a long name`));
  });

  it("leaves room above the data for the legend, so that it covers no line", () => {
    for (const svg of [renderPlot(input), renderPlot(days)]) {
      const legend = legendRect(svg);
      for (const line of polylines(svg))
        for (const [, y] of line.points)
          assert.ok(y > legend.y + legend.height, `point at y ${y} under the legend`);
    }
  });

  it("draws every series in its own colour and dash pattern", () => {
    const styles = polylines(renderPlot(days)).map((l) => `${l.stroke} ${l.dash}`);
    assert.equal(new Set(styles).size, styles.length);
  });

  it("labels the time axis in UTC: 12-hour ticks over three days, at UTC midnights and noons", () => {
    const svg = renderPlot(days);
    assert.deepEqual(tickLabels(svg), [
      "Jul 03 00:00",
      "Jul 03 12:00",
      "Jul 04 00:00",
      "Jul 04 12:00",
      "Jul 05 00:00",
      "Jul 05 12:00",
    ]);
    assert.match(svg, />time \(UTC\)<\/text>/);
  });

  it("draws the same ticks whatever the machine's time zone", () => {
    const saved = process.env.TZ;
    const here = renderPlot(days);
    try {
      // Node applies a changed TZ to Date at once: local-time getters would move these labels.
      process.env.TZ = "America/Los_Angeles";
      assert.equal(renderPlot(days), here);
      process.env.TZ = "Asia/Kolkata";
      assert.equal(renderPlot(days), here);
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it("labels the y axis with yLabel, by default 'demand', and round tick values", () => {
    assert.match(renderPlot(input), /transform="rotate\(-90[^"]*"\s*>demand<\/text>/);
    const svg = renderPlot({ ...days, yLabel: "requests / s" });
    assert.match(svg, />requests \/ s<\/text>/);
    const yTicks = [...svg.matchAll(/<text x="\d+" y="[\d.]+" text-anchor="end">([^<]*)<\/text>/g)].map(
      (m) => m[1],
    );
    assert.equal(yTicks[0], "0");
    for (const label of yTicks) assert.match(label as string, /^\d+(\.\d+)?k?$/);
  });

  it("draws only the window [fromStep, toStep), across the whole plot width", () => {
    const ramp = {
      ...input,
      series: [{ name: "ramp", ready: Int32Array.from({ length: 100 }, (_, i) => Math.ceil(i / 10)) }],
    };
    const svg = renderPlot({ ...ramp, fromStep: 20, toStep: 30 });
    const area = plotArea(svg);
    for (const line of polylines(svg)) {
      assert.equal(line.points.length, 10);
      assert.equal(line.points[0]?.[0], area.x);
      assert.equal(line.points[9]?.[0], area.x + area.width);
    }
    // The y axis fits the window's values (up to 30), not the whole run's (up to 100).
    const yTicks = [...svg.matchAll(/text-anchor="end">([^<]*)<\/text>/g)].map((m) => Number(m[1]));
    assert.ok(Math.max(...yTicks) < 60, `y axis up to ${Math.max(...yTicks)}`);
    // Steps 20..29 are 5:00 to 7:15 minutes after midnight: one-minute ticks inside that span only.
    assert.deepEqual(tickLabels(svg), ["Jan 01 00:05", "Jan 01 00:06", "Jan 01 00:07"]);
  });

  it("rejects a window outside the run and series shorter than the window", () => {
    assert.throws(() => renderPlot({ ...input, toStep: 101 }), /0 ≤ fromStep < toStep ≤ 100/);
    assert.throws(() => renderPlot({ ...input, fromStep: 40, toStep: 40 }), RangeError);
    assert.throws(() => renderPlot({ ...input, fromStep: 100 }), RangeError);
    assert.throws(() => renderPlot({ ...input, fromStep: 1.5 }), RangeError);
    const short = { name: "short", ready: new Int32Array(50) };
    assert.throws(() => renderPlot({ ...input, series: [short] }), /series "short" has 50 steps/);
  });
});

describe("plot helpers", () => {
  it("niceTicks: round steps covering the range", () => {
    assert.deepEqual(niceTicks(0, 97, 5), [0, 20, 40, 60, 80, 100]);
    assert.deepEqual(niceTicks(0, 1, 4), [0, 0.25, 0.5, 0.75, 1]);
    assert.deepEqual(niceTicks(0, 0, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(1146, 2154, 6), [1000, 1200, 1400, 1600, 1800, 2000, 2200]);
    assert.deepEqual(niceTicks(0, 0.3, 3), [0, 0.1, 0.2, 0.3]);
  });

  it("formatTick: as few decimals as the spacing needs, k and M for large values", () => {
    assert.equal(formatTick(0.5, 0.25), "0.5");
    assert.equal(formatTick(0.75, 0.25), "0.75");
    assert.equal(formatTick(0, 2000), "0");
    assert.equal(formatTick(4000, 2000), "4k");
    assert.equal(formatTick(7500, 2500), "7.5k");
    assert.equal(formatTick(3_000_000, 1_000_000), "3M");
    assert.equal(formatTick(120, 20), "120");
  });

  it("formatUtc and timeTicks work in UTC: hours, midnights, Mondays", () => {
    assert.equal(formatUtc(Date.UTC(2026, 6, 3, 6, 5)), "Jul 03 06:05");
    const hour = 3_600_000;
    const day = 24 * hour;
    const start = Date.UTC(2026, 6, 1, 5, 17);
    assert.deepEqual(timeTicks(start, start + 2 * hour, 8).map(formatUtc), [
      "Jul 01 05:30",
      "Jul 01 06:00",
      "Jul 01 06:30",
      "Jul 01 07:00",
    ]);
    const daily = timeTicks(start, start + 6 * day, 8);
    assert.ok(daily.every((t) => t % day === 0));
    const weekly = timeTicks(start, start + 30 * day, 8);
    assert.deepEqual(weekly.map(formatUtc), ["Jul 06 00:00", "Jul 13 00:00", "Jul 20 00:00", "Jul 27 00:00"]);
    assert.ok(weekly.every((t) => new Date(t).getUTCDay() === 1));
    for (const [span, max] of [
      [hour, 8],
      [7 * day, 8],
      [400 * day, 8],
    ] as const)
      assert.ok(timeTicks(start, start + span, max).length <= max);
  });
});
