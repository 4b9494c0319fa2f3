/** Step means: the one demand definition (samples at t ∈ (s, s + step] make step s), and the sampling interval. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sampleSeconds, stepMeans, stepOfSample } from "../../src/forecast/stepMeans.js";

describe("sampleSeconds", () => {
  it("samples a step at least five times where that keeps samples 15 s apart, never more than 60 s apart", () => {
    assert.equal(sampleSeconds(300), 60);
    assert.equal(sampleSeconds(60), 15);
    assert.equal(sampleSeconds(600), 60);
    assert.equal(sampleSeconds(3600), 60);
    assert.equal(sampleSeconds(30), 15);
    assert.equal(sampleSeconds(100), 20);
    assert.equal(sampleSeconds(10), 10, "a step of 15 s or less is its own sample");
  });

  it("always divides the step into whole milliseconds", () => {
    for (const step of [16, 45, 77, 90, 301, 1000, 7200, 86_400]) {
      const s = sampleSeconds(step);
      const stepMs = step * 1000;
      const sampleMs = s * 1000;
      assert.ok(Number.isInteger(sampleMs) && stepMs % sampleMs === 0, `${step} s → ${s} s`);
      assert.ok(s <= 60 || s === step, `${step} s → ${s} s`);
    }
    assert.throws(() => sampleSeconds(0), /positive/);
  });
});

describe("stepMeans", () => {
  const STEP = 300;
  const ms = (minutes: number) => minutes * 60_000;

  it("gives a sample at the step's end to that step, and one at its start to the step before", () => {
    assert.equal(stepOfSample(ms(5), ms(5)), 0);
    assert.equal(stepOfSample(ms(5) + 1, ms(5)), ms(5));
    assert.equal(stepOfSample(ms(1), ms(5)), 0);
  });

  it("averages the finite samples of each finished step and leaves empty steps out", () => {
    const samples: [number, number][] = [
      [ms(1), 1],
      [ms(2), 2],
      [ms(3), Number.NaN],
      [ms(5), 3], // step 0: (1 + 2 + 3) / 3
      [ms(6), 10], // step 5: only one sample
      [ms(10), Number.NaN],
      [ms(16), 7], // step 15 (step 10 had no finite sample), not finished by endMs
    ];
    assert.deepEqual(stepMeans(samples, STEP, 0, ms(16)), [
      [0, 2],
      [ms(5), 10],
    ]);
    assert.deepEqual(stepMeans(samples, STEP, 0, ms(20)), [
      [0, 2],
      [ms(5), 10],
      [ms(15), 7],
    ]);
    assert.deepEqual(stepMeans(samples, STEP, ms(5), ms(20)), [
      [ms(5), 10],
      [ms(15), 7],
    ]);
  });
});
