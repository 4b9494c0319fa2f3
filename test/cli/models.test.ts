/**
 * The shared global model of `foresight serve` keeps what it learns: after a fine-tune the network is
 * written beside the store (`<storePath>.global/`) and the next start serves it; a saved network that
 * cannot be read is reported and the shipped pretrained one serves.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, describe, it } from "node:test";
import { loadModelSet } from "../../src/cli/models.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { syntheticSeries } from "../forecast/models/contract.js";
import { eventually } from "../harness/eventually.js";

const daily = (t: number) => 50 * (1 + 0.5 * Math.sin((2 * Math.PI * t) / 86_400));

function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger({ level: "info", stream }), lines };
}

describe("the global model of foresight serve across restarts", { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "foresight-global-"));
  const storePath = join(dir, "forecasts.json");
  after(() => rmSync(dir, { recursive: true, force: true }));
  const clock = { now: () => Date.UTC(2026, 11, 7) };
  const load = (log = capturingLogger().log) =>
    loadModelSet({ log, wantsNeural: false, wantsGlobal: true, clock, storePath });
  const series = syntheticSeries({ points: 3 * 288, shape: daily, noise: 2 });

  it("serves the pretrained network first, and after a fine-tune a restart serves the fine-tuned one", async () => {
    const first = (await load()).global;
    assert.ok(first, "the global model loaded");
    assert.equal(first.variant, "pretrained");
    first.observe("web", series);
    await first.maybeFineTune();
    assert.equal(first.variant, "fine-tuned");
    await eventually(
      "the saved network",
      () => (existsSync(join(`${storePath}.global`, "model.json")) ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    const { log, lines } = capturingLogger();
    const second = (await load(log)).global;
    assert.ok(second);
    assert.equal(second.variant, "fine-tuned");
    assert.ok(
      lines.some((l) => l.includes("global model loaded from its last fine-tune")),
      lines.join(""),
    );
    const forecast = async (m: typeof first) => (await m.fit(series)).forecast(12, [0.9]).quantiles.get(0.9);
    assert.deepEqual(
      await forecast(second),
      await forecast(first),
      "the same weights serve after the restart",
    );
  });

  it("a saved network it cannot read is reported and the pretrained one serves", async () => {
    const saved = `${storePath}.global`;
    mkdirSync(saved, { recursive: true });
    writeFileSync(join(saved, "model.json"), "{not json");
    const { log, lines } = capturingLogger();
    const global = (await load(log)).global;
    assert.ok(global);
    assert.equal(global.variant, "pretrained");
    assert.ok(
      lines.some((l) => l.includes("saved global model ignored")),
      lines.join(""),
    );
  });
});
