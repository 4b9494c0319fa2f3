/**
 * The process guards in a process of their own (the test runner catches rejections itself): an
 * unhandled rejection is logged and the process carries on; an uncaught exception exits 1.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";

const GUARDS = new URL("../../src/cli/processGuards.ts", import.meta.url).pathname;
const LOGGER = new URL("../../src/telemetry/logger.ts", import.meta.url).pathname;

function run(body: string) {
  const script = `
    import { installProcessGuards } from ${JSON.stringify(GUARDS)};
    import { createLogger } from ${JSON.stringify(LOGGER)};
    installProcessGuards(createLogger({ level: "info" }));
    ${body}
  `;
  return spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 30_000,
  });
}

describe("process guards", () => {
  it("an unhandled rejection is logged as a bug and the process carries on", () => {
    const result = run(`
      void Promise.reject(new TypeError("Cannot read properties of undefined (reading 'metadata')"));
      setTimeout(() => { console.log("still running"); }, 100);
    `);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /unhandled promise rejection \(a bug\): carrying on/);
    assert.match(result.stderr, /reading 'metadata'/);
    assert.match(result.stdout, /still running/);
  });

  it("an uncaught exception is logged as fatal and exits 1", () => {
    const result = run(`setTimeout(() => { throw new Error("boom"); }, 10);`);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /uncaught exception: exiting/);
  });
});
