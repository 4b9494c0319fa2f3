import assert from "node:assert/strict";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  type DecisionEntry,
  type DecisionLog,
  FileDecisionLog,
  MemoryDecisionLog,
} from "../../src/actuator/decisionLog.js";

function entry(scaler: string, atMs: number, extra: Partial<DecisionEntry> = {}): DecisionEntry {
  return {
    atMs,
    scaler,
    mode: "Floor",
    action: "SetFloor",
    applied: true,
    from: 2,
    to: 3,
    reason: `decision at ${atMs}`,
    forecast: { value: 41.5, quantile: 0.9, horizon: "10m", model: "ets" },
    ...extra,
  };
}

/** Every entry of a scaler by following cursors, newest first. */
function readAll(log: DecisionLog, scaler: string, limit: number): number[] {
  const seen: number[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = log.list(scaler, { limit, ...(cursor !== undefined ? { cursor } : {}) });
    seen.push(...page.items.map((e) => e.atMs));
    if (page.next === undefined) return seen;
    cursor = page.next;
  }
  throw new Error("paging did not end");
}

describe("MemoryDecisionLog", () => {
  it("lists newest first with a default page of 50 and a total", () => {
    const log = new MemoryDecisionLog();
    for (let i = 1; i <= 60; i++) log.append(entry("ns/a", i));
    const page = log.list("ns/a");
    assert.equal(page.items.length, 50);
    assert.equal(page.total, 60);
    assert.equal(page.items[0]?.atMs, 60);
    assert.equal(page.items[49]?.atMs, 11);
    assert.equal(typeof page.next, "string");
    assert.deepEqual(page.items[0]?.forecast, { value: 41.5, quantile: 0.9, horizon: "10m", model: "ets" });
  });

  it("pages newest first and keeps cursors valid while entries are appended", () => {
    const log = new MemoryDecisionLog();
    for (let i = 1; i <= 10; i++) log.append(entry("ns/a", i));
    const first = log.list("ns/a", { limit: 4 });
    assert.deepEqual(
      first.items.map((e) => e.atMs),
      [10, 9, 8, 7],
    );
    for (let i = 11; i <= 15; i++) log.append(entry("ns/a", i));
    log.append(entry("ns/b", 100));
    const second = log.list("ns/a", { limit: 4, ...(first.next ? { cursor: first.next } : {}) });
    assert.deepEqual(
      second.items.map((e) => e.atMs),
      [6, 5, 4, 3],
    );
    assert.equal(second.total, 15);
    const third = log.list("ns/a", { limit: 4, ...(second.next ? { cursor: second.next } : {}) });
    assert.deepEqual(
      third.items.map((e) => e.atMs),
      [2, 1],
    );
    assert.equal(third.next, undefined);
  });

  it("keeps entries per scaler apart and lists scalers", () => {
    const log = new MemoryDecisionLog();
    log.append(entry("ns/b", 1));
    log.append(entry("ns/a", 2));
    log.append(entry("ns/b", 3));
    assert.deepEqual(log.scalers(), ["ns/a", "ns/b"]);
    assert.deepEqual(readAll(log, "ns/b", 1), [3, 1]);
    assert.deepEqual(readAll(log, "ns/a", 1), [2]);
    assert.deepEqual(log.list("ns/none"), { items: [], total: 0 });
  });

  it("drops the oldest entries when a scaler's ring overflows", () => {
    const log = new MemoryDecisionLog({ capacityPerScaler: 5 });
    for (let i = 1; i <= 12; i++) log.append(entry("ns/a", i));
    log.append(entry("ns/b", 99));
    assert.deepEqual(readAll(log, "ns/a", 2), [12, 11, 10, 9, 8]);
    assert.equal(log.list("ns/a").total, 5);
    assert.equal(log.list("ns/b").total, 1);
  });

  it("a cursor partly overtaken by the ring gives what remains; one older than the ring gives the oldest", () => {
    const log = new MemoryDecisionLog({ capacityPerScaler: 5 });
    for (let i = 1; i <= 5; i++) log.append(entry("ns/a", i));
    const first = log.list("ns/a", { limit: 2 });
    assert.deepEqual(
      first.items.map((e) => e.atMs),
      [5, 4],
    );
    const cursor = first.next;
    assert.ok(cursor !== undefined);
    log.append(entry("ns/a", 6));
    log.append(entry("ns/a", 7));
    // 1 and 2 are gone; older than the cursor only 3 remains.
    assert.deepEqual(
      log.list("ns/a", { limit: 2, cursor }).items.map((e) => e.atMs),
      [3],
    );
    for (let i = 8; i <= 12; i++) log.append(entry("ns/a", i));
    // Everything the cursor pointed near is gone: the oldest remaining entries.
    const stale = log.list("ns/a", { limit: 2, cursor });
    assert.deepEqual(
      stale.items.map((e) => e.atMs),
      [9, 8],
    );
    assert.equal(stale.next, undefined);
  });

  it("rejects a malformed cursor and a bad limit, naming them", () => {
    const log = new MemoryDecisionLog();
    log.append(entry("ns/a", 1));
    assert.throws(
      () => log.list("ns/a", { cursor: "abc" }),
      (e: unknown) => {
        assert.ok(e instanceof RangeError);
        assert.match(e.message, /cursor "abc" is malformed/);
        return true;
      },
    );
    assert.throws(() => log.list("ns/a", { cursor: "-1" }), RangeError);
    assert.throws(() => log.list("ns/a", { cursor: "" }), RangeError);
    assert.throws(() => log.list("ns/a", { limit: 0 }), /limit must be a positive integer, got 0/);
  });

  it("caps the page size at 500", () => {
    const log = new MemoryDecisionLog({ capacityPerScaler: 600 });
    for (let i = 1; i <= 600; i++) log.append(entry("ns/a", i));
    const page = log.list("ns/a", { limit: 10_000 });
    assert.equal(page.items.length, 500);
    assert.notEqual(page.next, undefined);
  });

  it("forget drops a scaler's entries only", () => {
    const log = new MemoryDecisionLog();
    log.append(entry("ns/a", 1));
    log.append(entry("ns/b", 2));
    log.forget("ns/a");
    assert.deepEqual(log.scalers(), ["ns/b"]);
    assert.equal(log.list("ns/a").total, 0);
    assert.equal(log.list("ns/b").total, 1);
  });

  it("rejects an entry with a missing field, naming it, and copies what it keeps", () => {
    const log = new MemoryDecisionLog();
    assert.throws(() => log.append({ ...entry("ns/a", 1), scaler: "" }), /field scaler/);
    assert.throws(() => log.append({ ...entry("ns/a", 1), atMs: Number.NaN }), /field atMs/);
    const mutable = { ...entry("ns/a", 1), forecast: { value: 1, quantile: 0.5, horizon: "5m" } };
    log.append(mutable);
    mutable.forecast.value = 99;
    assert.equal(log.list("ns/a").items[0]?.forecast?.value, 1);
  });

  it("rejects a bad capacity", () => {
    assert.throws(() => new MemoryDecisionLog({ capacityPerScaler: 0 }), /capacityPerScaler/);
  });
});

describe("FileDecisionLog", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "decision-log-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("reloads what it wrote, with working cursors and forgets", async () => {
    const path = join(dir, "reload.jsonl");
    const log = new FileDecisionLog({ path });
    assert.deepEqual(await log.load(), { loaded: 0, skipped: 0 });
    for (let i = 1; i <= 6; i++) log.append(entry("ns/a", i, { applied: i % 2 === 0 }));
    log.append(entry("ns/gone", 7));
    log.forget("ns/gone");
    const page = log.list("ns/a", { limit: 3 });
    await log.flush();

    const again = new FileDecisionLog({ path });
    const result = await again.load();
    assert.equal(result.skipped, 0);
    assert.equal(result.loaded, 7);
    assert.deepEqual(again.scalers(), ["ns/a"]);
    assert.deepEqual(again.list("ns/a", { limit: 3 }), page);
    const older = again.list("ns/a", { limit: 3, ...(page.next ? { cursor: page.next } : {}) });
    assert.deepEqual(
      older.items.map((e) => [e.atMs, e.applied]),
      [
        [3, false],
        [2, true],
        [1, false],
      ],
    );
    // New entries after a reload are newer than the reloaded ones.
    again.append(entry("ns/a", 8));
    assert.equal(again.list("ns/a", { limit: 1 }).items[0]?.atMs, 8);
  });

  it("skips malformed lines, including a cut-short last line, and counts them", async () => {
    const path = join(dir, "truncated.jsonl");
    const log = new FileDecisionLog({ path });
    await log.load();
    for (let i = 1; i <= 3; i++) log.append(entry("ns/a", i));
    await log.flush();
    await appendFile(path, 'not json\n{"seq":99,"entry":{"atMs":4}}\n{"seq":100,"entry":{"atMs":5,"sca');

    const again = new FileDecisionLog({ path });
    assert.deepEqual(await again.load(), { loaded: 3, skipped: 3 });
    assert.deepEqual(readAll(again, "ns/a", 10), [3, 2, 1]);
    // The file was rewritten clean, so the next append is not glued to the broken line.
    again.append(entry("ns/a", 4));
    await again.flush();
    const third = new FileDecisionLog({ path });
    assert.deepEqual(await third.load(), { loaded: 4, skipped: 0 });
    assert.deepEqual(readAll(third, "ns/a", 10), [4, 3, 2, 1]);
  });

  it("compacts the file past twice the retained entries, keeping the newest", async () => {
    const path = join(dir, "compact.jsonl");
    const log = new FileDecisionLog({ path, capacityPerScaler: 10 });
    await log.load();
    for (let i = 1; i <= 100; i++) {
      log.append(entry("ns/a", i));
      if (i % 7 === 0) await log.flush();
    }
    log.append(entry("ns/b", 1000));
    await log.flush();
    const lines = (await readFile(path, "utf8")).split("\n").filter((l) => l !== "");
    assert.ok(lines.length <= 2 * 11, `file has ${lines.length} lines, more than twice the 11 retained`);

    const again = new FileDecisionLog({ path, capacityPerScaler: 10 });
    await again.load();
    assert.deepEqual(readAll(again, "ns/a", 4), [100, 99, 98, 97, 96, 95, 94, 93, 92, 91]);
    assert.deepEqual(readAll(again, "ns/b", 4), [1000]);
  });

  it("compacts at load when the file holds more than the rings keep", async () => {
    const path = join(dir, "shrink.jsonl");
    const big = new FileDecisionLog({ path });
    await big.load();
    for (let i = 1; i <= 30; i++) big.append(entry("ns/a", i));
    await big.flush();
    const small = new FileDecisionLog({ path, capacityPerScaler: 5 });
    assert.deepEqual(await small.load(), { loaded: 30, skipped: 0 });
    const lines = (await readFile(path, "utf8")).split("\n").filter((l) => l !== "");
    assert.equal(lines.length, 5);
    assert.deepEqual(readAll(small, "ns/a", 10), [30, 29, 28, 27, 26]);
  });

  it("reports failed writes through onError and never throws into append", async () => {
    const errors: unknown[] = [];
    const log = new FileDecisionLog({
      path: join(dir, "no-such-dir", "log.jsonl"),
      onError: (e) => errors.push(e),
    });
    await log.load();
    log.append(entry("ns/a", 1));
    log.append(entry("ns/a", 2));
    await log.flush();
    assert.ok(errors.length >= 1);
    assert.equal((errors[0] as NodeJS.ErrnoException).code, "ENOENT");
    assert.equal(log.list("ns/a").total, 2);
  });

  it("refuses load after appends", async () => {
    const path = join(dir, "order.jsonl");
    await writeFile(path, "");
    const log = new FileDecisionLog({ path });
    log.append(entry("ns/a", 1));
    await assert.rejects(log.load(), /load\(\) must come first/);
    await log.flush();
  });
});
