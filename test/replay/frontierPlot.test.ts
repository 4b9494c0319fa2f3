import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type FrontierPlotInput, renderFrontierPlot } from "../../src/replay/frontierPlot.js";
import { assertWellFormed, attributes, legendRect, plotArea, type Rect } from "./svgAssertions.js";

const contains = (r: Rect, x: number, y: number) =>
  x >= r.x && x <= r.x + r.width && y >= r.y && y <= r.y + r.height;

/** Centres of the drawn markers, outside the legend: circles and polygons (mean of the corners). */
function markerCentres(svg: string): [number, number][] {
  const body = svg.replace(/<g class="legend">[\s\S]*?<\/g>/, "");
  const circles = [...body.matchAll(/<circle [^>]*>/g)].map((m) => {
    const a = attributes(m[0]);
    return [Number(a.cx), Number(a.cy)] as [number, number];
  });
  const polygons = [...body.matchAll(/<polygon points="([^"]*)"/g)].map((m) => {
    const corners = (m[1] as string).split(" ").map((p) => p.split(",").map(Number));
    const mean = (k: number) => corners.reduce((s, c) => s + (c[k] as number), 0) / corners.length;
    return [mean(0), mean(1)] as [number, number];
  });
  return [...circles, ...polygons];
}

/** The y of the horizontal grid line of the y tick labelled `label`. */
function yOfTick(svg: string, label: string): number {
  const text = [...svg.matchAll(/<text x="[\d.]+" y="([\d.]+)" text-anchor="end">([^<]*)<\/text>/g)].find(
    (m) => m[2] === label,
  );
  assert.ok(text, `no y tick "${label}"`);
  return Number(text[1]) - 4;
}

const input: FrontierPlotInput = {
  title: "trace <A> & B: cost vs overloaded share",
  reactive: [
    { label: "50%", cost: 2100, value: 0.001 },
    { label: "60%", cost: 1800, value: 0.005 },
    { label: "70%", cost: 1550, value: 0.012 },
    { label: "80%", cost: 1380, value: 0.035 },
    { label: "90%", cost: 1250, value: 0.09 },
  ],
  oracle: { cost: 1200, value: 0 },
  policies: [
    { name: "phpa", cost: 1430, value: 0.04 },
    { name: "crane", cost: 1600, value: 0.02 },
    { name: "predictive <q> & co", cost: 1300, value: 0.001 },
  ],
};

describe("renderFrontierPlot", () => {
  it("is well-formed XML with every text escaped", () => {
    const svg = renderFrontierPlot(input);
    assertWellFormed(svg);
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /trace &lt;A&gt; &amp; B: cost vs overloaded share/);
    // A <title> for screen readers and tooltips (and biome's a11y lint of the pictures in docs/).
    assert.match(svg, /^<svg [^>]*>\n<title>trace &lt;A&gt; &amp; B: cost vs overloaded share<\/title>/);
    assert.match(svg, /predictive &lt;q&gt; &amp; co/);
    const labelled = renderFrontierPlot({
      ...input,
      xLabel: "cost ÷ oracle's <x>",
      yLabel: "SLO & more (%)",
    });
    assertWellFormed(labelled);
    assert.match(labelled, />cost ÷ oracle&apos;s &lt;x&gt;<\/text>/);
    assert.match(labelled, />SLO &amp; more \(%\)<\/text>/);
  });

  it("titles both axes, by default replica-hours and share of time", () => {
    const svg = renderFrontierPlot(input);
    assert.match(svg, />cost \(replica-hours\)<\/text>/);
    assert.match(svg, /rotate\(-90[^"]*"\s*>share of time \(%\)<\/text>/);
  });

  it("labels every reactive target, the oracle and every policy, in the plot and in the legend", () => {
    const svg = renderFrontierPlot(input);
    for (const p of input.reactive) assert.match(svg, new RegExp(`>${p.label}</text>`));
    assert.equal((svg.match(/>oracle<\/text>/g) ?? []).length, 2);
    for (const name of ["phpa", "crane", "predictive &lt;q&gt; &amp; co"])
      assert.equal((svg.match(new RegExp(`>${name}</text>`, "g")) ?? []).length, 2, name);
    // One marker per point: five targets, the oracle, three policies.
    assert.equal(markerCentres(svg).length, 9);
  });

  it("draws the frontier through the Pareto-efficient targets only, dominated ones hollow", () => {
    const noisy = { ...input, reactive: [...input.reactive, { label: "65%", cost: 1700, value: 0.02 }] };
    const svg = renderFrontierPlot(noisy);
    const line = svg.match(/<polyline class="frontier"[^>]*points="([^"]*)"/)?.[1] ?? "";
    const xs = line.split(" ").map((p) => Number(p.split(",")[0]));
    assert.equal(xs.length, 5);
    assert.deepEqual(
      xs,
      [...xs].sort((a, b) => a - b),
    );
    const body = svg.replace(/<g class="legend">[\s\S]*?<\/g>/, "");
    assert.equal((body.match(/<circle [^>]*fill="white"/g) ?? []).length, 1);
    assert.match(svg, /reactive, off the frontier/);
    assert.doesNotMatch(renderFrontierPlot(input), /off the frontier/);
  });

  it("plots values as percentages on the y axis", () => {
    const svg = renderFrontierPlot(input);
    // phpa (the first policy, the only square) has value 0.04: its centre is level with the "4" tick.
    const body = svg.replace(/<g class="legend">[\s\S]*?<\/g>/, "");
    const square = [...body.matchAll(/<polygon points="([^"]*)"/g)]
      .map((m) => (m[1] as string).split(" "))
      .find((corners) => corners.length === 4);
    assert.ok(square);
    const ys = square.map((p) => Number(p.split(",")[1]));
    const centre = ys.reduce((a, b) => a + b, 0) / ys.length;
    assert.ok(Math.abs(centre - yOfTick(svg, "4")) < 0.2, `centre ${centre}, tick ${yOfTick(svg, "4")}`);
  });

  it("on a log scale: ticks at powers of ten, 0 at the lowest decade labelled ≤ it, 1 % a decade under 10 %", () => {
    const svg = renderFrontierPlot({ ...input, yScale: "log" });
    assertWellFormed(svg);
    // Values run from 0.1 % (the smallest above 0) to 9 %: decades 0.1, 1 and 10.
    for (const label of ["≤0.1", "1", "10"]) yOfTick(svg, label);
    const decade = yOfTick(svg, "≤0.1") - yOfTick(svg, "1");
    assert.ok(Math.abs(yOfTick(svg, "1") - yOfTick(svg, "10") - decade) < 0.2, "decades evenly spaced");
    // phpa at 4 %: log10(4) of a decade above the 1 % tick.
    const body = svg.replace(/<g class="legend">[\s\S]*?<\/g>/, "");
    const square = [...body.matchAll(/<polygon points="([^"]*)"/g)]
      .map((m) => (m[1] as string).split(" "))
      .find((corners) => corners.length === 4);
    assert.ok(square);
    const centre = square.map((p) => Number(p.split(",")[1])).reduce((a, b) => a + b, 0) / 4;
    const expected = yOfTick(svg, "1") - Math.log10(4) * decade;
    assert.ok(Math.abs(centre - expected) < 0.5, `centre ${centre}, expected ${expected}`);
    // The oracle's 0 (a black star: ten corners) sits on the lowest tick.
    const star = [...body.matchAll(/<polygon points="([^"]*)" fill="#000"/g)]
      .map((m) => (m[1] as string).split(" "))
      .find((corners) => corners.length === 10);
    assert.ok(star, "the oracle's star");
    const starY = star.map((p) => Number(p.split(",")[1])).reduce((a, b) => a + b, 0) / 10;
    assert.ok(Math.abs(starY - yOfTick(svg, "≤0.1")) < 0.5, `oracle at ${starY}`);
  });

  it("keeps the legend inside the plot area and off every marker", () => {
    const crowded: FrontierPlotInput = {
      ...input,
      // A policy both expensive and bad sits in the top-right corner, where the legend goes first.
      policies: [...input.policies, { name: "slow", cost: 2100, value: 0.09 }],
    };
    for (const svg of [renderFrontierPlot(input), renderFrontierPlot(crowded)]) {
      const area = plotArea(svg);
      const legend = legendRect(svg);
      assert.ok(
        contains(area, legend.x, legend.y) &&
          contains(area, legend.x + legend.width, legend.y + legend.height),
      );
      for (const [x, y] of markerCentres(svg))
        assert.ok(!contains(legend, x, y), `marker at ${x},${y} under the legend`);
    }
  });

  it("keeps every marker inside the plot area, including at 0 % and at the extreme costs", () => {
    const svg = renderFrontierPlot(input);
    const area = plotArea(svg);
    for (const [x, y] of markerCentres(svg)) {
      assert.ok(x - 6 > area.x && x + 6 < area.x + area.width, `marker at x ${x}`);
      assert.ok(y - 6 > area.y && y + 6 < area.y + area.height, `marker at y ${y}`);
    }
  });

  it("draws no oracle when there is none, and a single reactive point", () => {
    const svg = renderFrontierPlot({
      title: "one",
      reactive: [{ label: "70%", cost: 10, value: 0.1 }],
      policies: [],
    });
    assertWellFormed(svg);
    assert.doesNotMatch(svg, /oracle/);
    assert.equal(markerCentres(svg).length, 1);
  });

  it("rejects no reactive points and non-finite points", () => {
    assert.throws(() => renderFrontierPlot({ ...input, reactive: [] }), /no points/);
    assert.throws(
      () => renderFrontierPlot({ ...input, policies: [{ name: "bad", cost: Number.NaN, value: 0 }] }),
      /policy "bad": cost NaN/,
    );
    assert.throws(() => renderFrontierPlot({ ...input, oracle: { cost: 1, value: Number.NaN } }), RangeError);
  });
});
