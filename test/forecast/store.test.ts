import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ForecastStore, type StoredForecast } from "../../src/forecast/store.js";

const dir = mkdtempSync(join(tmpdir(), "foresight-store-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function forecast(model: string, value: number): StoredForecast {
  return {
    startMs: 1_000,
    stepSeconds: 60,
    mean: [value, value],
    quantiles: { "0.9": [value + 1, value + 2] },
    model,
    scores: { [model]: { scaledPinball: 0.5, coverage: 0.9, mase: 0.8, fitSeconds: 0.1, ready: true } },
    calibration: { "0.9": 1.1 },
    computedAtMs: 5_000,
    kind: "full",
    data: { startMs: 0, endMs: 900, points: 16, masked: 1 },
  };
}

describe("ForecastStore", () => {
  it("round-trips its snapshot through the file so a restart starts warm", async () => {
    const path = join(dir, "a", "snapshot.json");
    const store = new ForecastStore({ path });
    store.recordForecast("web", forecast("mstl", 10), 6_000);
    store.recordNotReady("batch", "not ready: needs 2 days", 3_600, 6_000);
    await store.flush();
    const again = new ForecastStore({ path });
    assert.equal(await again.load(), 2);
    assert.deepEqual(again.get("web")?.forecast, forecast("mstl", 10));
    assert.deepEqual(again.get("batch")?.readiness, {
      ready: false,
      reason: "not ready: needs 2 days",
      needMoreSeconds: 3_600,
    });
    assert.deepEqual(
      readdirSync(join(dir, "a")).filter((f) => f.includes(".tmp")),
      [],
      "no temp file left behind",
    );
  });

  it("keeps the last good forecast when a run fails, and clears the error on success", () => {
    const store = new ForecastStore();
    store.recordForecast("web", forecast("naive", 1), 1);
    const failed = store.recordError("web", "Prometheus unavailable", 2);
    assert.equal(failed.forecast?.model, "naive");
    assert.equal(failed.lastError?.message, "Prometheus unavailable");
    assert.equal(failed.errorCount, 1);
    const ok = store.recordForecast("web", forecast("dsp", 2), 3);
    assert.equal(ok.lastError, undefined);
    assert.equal(ok.errorCount, 1);
  });

  it("a first failed run leaves the target not ready with the error as reason", () => {
    const store = new ForecastStore();
    const s = store.recordError("web", "boom", 1);
    assert.equal(s.readiness.ready, false);
    assert.match(s.readiness.ready ? "" : s.readiness.reason, /boom/);
  });

  it("starts cold without a snapshot and refuses a corrupt one with what to do", async () => {
    assert.equal(await new ForecastStore({ path: join(dir, "missing.json") }).load(), 0);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{not json");
    await assert.rejects(new ForecastStore({ path: bad }).load(), /not valid JSON.*delete it to start cold/);
  });

  it("writes the latest state last when several changes come quickly", async () => {
    const path = join(dir, "quick.json");
    const store = new ForecastStore({ path });
    for (let i = 0; i < 5; i++) store.recordForecast("web", forecast("naive", i), i);
    await store.flush();
    const saved = JSON.parse(readFileSync(path, "utf8")) as { targets: { forecast: StoredForecast }[] };
    assert.deepEqual(saved.targets[0]?.forecast.mean, [4, 4]);
  });

  it("retain drops targets no longer configured", () => {
    const store = new ForecastStore();
    store.recordForecast("a", forecast("naive", 1), 1);
    store.recordForecast("b", forecast("naive", 1), 1);
    store.retain(new Set(["b"]));
    assert.deepEqual(
      store.all().map((s) => s.target),
      ["b"],
    );
  });
});
