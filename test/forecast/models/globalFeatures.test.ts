import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  buildGlobalWindows,
  DEFAULT_GLOBAL_LAYOUT,
  globalFeatureCount,
  historyChoices,
  sampleWindowSpecs,
  windowScaler,
  writeGlobalFeatures,
} from "../../../src/forecast/models/globalFeatures.js";
import { seededRandom } from "../../../src/forecast/random.js";
import { syntheticSeries, withGap } from "./contract.js";

const layout = DEFAULT_GLOBAL_LAYOUT;
const L = layout.inputSteps;
const H = layout.horizonSteps;
const VALUES = L + 2 * H;

describe("global model features", () => {
  it("scales a window by its median and IQR, at least 10% of the median, and 1 for all zeros", () => {
    assert.deepEqual(windowScaler([1, 2, 3, 4, 5]), { center: 3, scale: 2 });
    assert.deepEqual(windowScaler([1000, 1000, 1000]), { center: 1000, scale: 100 });
    assert.deepEqual(windowScaler([0, 0, 0]), { center: 0, scale: 1 });
    assert.deepEqual(windowScaler([]), { center: 0, scale: 1 });
  });

  it("gives the same inputs to a series at any level or unit (per-window scaling)", () => {
    const a = syntheticSeries({ points: 3000, shape: (t) => 50 + 20 * Math.sin((2 * Math.PI * t) / 86_400) });
    const b = { ...a, values: a.values.map((v) => v * 1000) };
    const features = globalFeatureCount(layout);
    const xa = new Float32Array(features);
    const xb = new Float32Array(features);
    writeGlobalFeatures(a.values, 0, 2500, 0, 300, layout, xa, 0);
    const sb = writeGlobalFeatures(b.values, 0, 2500, 0, 300, layout, xb, 0);
    for (let i = 0; i < features; i++) assert.ok(Math.abs((xa[i] as number) - (xb[i] as number)) < 1e-3);
    assert.ok(sb.scale > 1000);
  });

  it("masks what is older than the history the target has, and every lag block beyond it", () => {
    const s = syntheticSeries({ points: 3000, shape: () => 10, noise: 1 });
    const out = new Float32Array(globalFeatureCount(layout));
    // One hour of history at a 5-minute step: 12 of the 24 recent inputs, no day or week blocks.
    writeGlobalFeatures(s.values, 2500 - 12, 2500, 0, 300, layout, out, 0);
    const mask = Array.from(out.subarray(VALUES, 2 * VALUES));
    assert.deepEqual(mask.slice(0, L), [...Array(12).fill(1), ...Array(12).fill(0)]);
    assert.deepEqual(mask.slice(L), Array(2 * H).fill(1));
    // With everything: only what lies before the series start is masked.
    writeGlobalFeatures(s.values, 0, 2500, 0, 300, layout, out, 0);
    assert.deepEqual(Array.from(out.subarray(VALUES, 2 * VALUES)), Array(VALUES).fill(0));
  });

  it("never reads the origin or later (no peeking at the targets)", () => {
    const s = syntheticSeries({ points: 400, shape: () => 5 });
    const poisoned = Float64Array.from(s.values);
    poisoned.fill(1e9, 300);
    const a = new Float32Array(globalFeatureCount(layout));
    const b = new Float32Array(globalFeatureCount(layout));
    writeGlobalFeatures(s.values, 0, 300, 0, 300, layout, a, 0);
    writeGlobalFeatures(poisoned, 0, 300, 0, 300, layout, b, 0);
    assert.deepEqual(a, b);
  });

  it("skips windows with a gap in their targets instead of learning zeros", () => {
    const s = withGap(syntheticSeries({ points: 600, shape: () => 5, noise: 1 }), 300, 305);
    const specs = [295, 300, 320].map((origin) => ({ origin, historySteps: origin }));
    const w = buildGlobalWindows(s, specs, layout);
    assert.equal(w.count, 1);
    assert.equal(w.x.length, globalFeatureCount(layout));
    assert.equal(w.y.length, H);
  });

  it("draws history lengths from 1 h up to all of it, deterministically for a seed", () => {
    assert.deepEqual(historyChoices(300, 1000), [12, 24, 72, 288, 576, 1000]);
    assert.deepEqual(historyChoices(300, 50), [12, 24, 50]);
    const a = sampleWindowSpecs(300, 0, 2000, 7, seededRandom(3));
    assert.deepEqual(sampleWindowSpecs(300, 0, 2000, 7, seededRandom(3)), a);
    assert.ok(a.every((s) => s.historySteps <= s.origin && s.historySteps >= 2));
    assert.ok(new Set(a.map((s) => s.historySteps)).size >= 5);
  });
});
