/** The process logger writes JSON lines with the level as a word (`"level":"info"`), not pino's number. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger } from "../../src/telemetry/logger.js";

function capture(level = "debug") {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level,
    stream: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { lines, logger };
}

describe("createLogger", () => {
  it("writes levels as strings", () => {
    const { lines, logger } = capture();
    logger.debug("d");
    logger.info({ scaler: "shop/web" }, "i");
    logger.warn("w");
    logger.error("e");
    assert.deepEqual(
      lines.map((l) => l.level),
      ["debug", "info", "warn", "error"],
    );
    assert.equal(lines[1]?.scaler, "shop/web");
    assert.equal(lines[1]?.msg, "i");
    assert.equal(lines[1]?.app, "foresight");
  });

  it("keeps the string level in child loggers and honours the threshold", () => {
    const { lines, logger } = capture("info");
    const child = logger.child({ component: "actuator" });
    child.debug("hidden");
    child.info("shown");
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.level, "info");
    assert.equal(lines[0]?.component, "actuator");
  });
});
