import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runBenchForecast } from "../../src/cli/benchForecast.js";
import { NaiveModel } from "../../src/forecast/models/naive.js";
import { SeasonalNaiveModel } from "../../src/forecast/models/seasonalNaive.js";

const FIXTURE = new URL("../fixtures/traces/nab_asg_slice.csv", import.meta.url).pathname;

describe("foresight bench forecast", () => {
  it("scores every model and foresight on a real trace slice and writes the issue's JSON", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-forecast-"));
    writeFileSync(join(dir, "short.csv"), "timestamp_unix_seconds,value\n0,1\n300,2\n600,3\n");
    const json = join(dir, "out.json");
    let printed = "";
    const result = await runBenchForecast(
      {
        data: [FIXTURE, join(dir, "short.csv")],
        horizon: "1h",
        json,
        models: [new NaiveModel(), new SeasonalNaiveModel()],
        selectionWindows: 24,
      },
      { write: (t: string) => (printed += t), isTTY: false },
    );
    const written = JSON.parse(readFileSync(json, "utf8"));
    assert.deepEqual(Object.keys(written), ["series", "summary"]);
    assert.equal(written.series.length, 1);
    const [series] = written.series;
    assert.equal(series.name, "nab_asg_slice");
    assert.equal(series.points, 3000);
    assert.equal(series.stepSeconds, 300);
    assert.ok(
      ["naive", "seasonal_naive"].includes(series.selected) || series.selected.startsWith("ensemble("),
    );
    assert.deepEqual(Object.keys(series.models), ["naive", "seasonal_naive", "foresight"]);
    for (const scores of Object.values(series.models) as { scaledPinball90: number; coverage90: number }[]) {
      assert.deepEqual(Object.keys(scores), [
        "mase",
        "scaledPinball50",
        "scaledPinball90",
        "coverage90",
        "fitSeconds",
      ]);
      assert.ok(scores.scaledPinball90 > 0 && Number.isFinite(scores.scaledPinball90));
      assert.ok(scores.coverage90 >= 0 && scores.coverage90 <= 1);
    }
    // Calibration pulls foresight's 0.9 coverage towards 0.9.
    assert.ok(
      Math.abs(series.models.foresight.coverage90 - 0.9) < 0.08,
      String(series.models.foresight.coverage90),
    );
    assert.deepEqual(Object.keys(written.summary.foresight), [
      "meanScaledPinball90",
      "meanMase",
      "meanCoverage90",
      "totalFitSeconds",
    ]);
    assert.equal(written.summary.naive.meanScaledPinball90, series.models.naive.scaledPinball90);
    // Printed: a log line per series (not a TTY), the table, the skip note.
    assert.match(printed, /\[1\/1\] nab_asg_slice: 3000 points, 50 origins/);
    assert.match(printed, /\| foresight \| [\d.]+ \|/);
    assert.match(printed, /skipped short: 3 points, fewer than 2000/);
    assert.ok(result.notes.some((n) => n.includes("skipped short")));
  });

  it("scores baselines beside the candidates without offering them to foresight", async () => {
    const { HoltWintersModel } = await import("../../src/forecast/models/holtWinters.js");
    const result = await runBenchForecast(
      {
        data: [FIXTURE],
        horizon: "1h",
        models: [new NaiveModel()],
        baselines: [new HoltWintersModel()],
        selectionWindows: 24,
      },
      { write: () => true, isTTY: false },
    );
    const [series] = result.series;
    assert.ok(series);
    assert.deepEqual(Object.keys(series.models), ["naive", "holt_winters", "foresight"]);
    // With one candidate, foresight serves naive (calibrated or not) at every origin: never holt_winters.
    assert.equal(series.selected, "naive");
  });

  it("rejects a bad horizon and an empty data set", async () => {
    const out = { write: () => true };
    await assert.rejects(
      runBenchForecast({ data: [FIXTURE], horizon: "soon", models: [] }, out),
      /--horizon "soon"/,
    );
    const empty = mkdtempSync(join(tmpdir(), "bench-empty-"));
    await assert.rejects(
      runBenchForecast({ data: [empty], horizon: "1h", models: [] }, out),
      /no trace CSVs/,
    );
  });
});
