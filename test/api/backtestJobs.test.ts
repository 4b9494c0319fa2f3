/**
 * The backtest job queue: one job at a time in submission order, progress kept monotone and in
 * [0, 1], results and errors on the job, bounded history (oldest finished jobs go first, waiting
 * and running ones stay), a bounded queue, and close() failing waiting jobs.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BacktestJobs, QueueFullError } from "../../src/api/backtestJobs.js";
import type { BacktestRunner } from "../../src/api/reviewSource.js";
import type { BacktestRequest } from "../../src/api/types.js";

interface Call {
  request: BacktestRequest;
  progress(f: number): void;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

function runner(): BacktestRunner & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    run: (request, progress) =>
      new Promise((resolve, reject) => {
        calls.push({ request, progress, resolve, reject });
      }),
  };
}

const tick = () => new Promise((r) => setImmediate(r));
const req = (subject: string): BacktestRequest => ({ subject, policies: ["reactive"] });

describe("BacktestJobs", () => {
  it("runs one job at a time, in order, with progress and results", async () => {
    const r = runner();
    let n = 0;
    const jobs = new BacktestJobs({ runner: r, clock: { now: () => 0 }, newId: () => `job-${++n}` });
    const a = jobs.submit(req("a"));
    const b = jobs.submit(req("b"));
    assert.equal(a.state, "queued");
    assert.equal(a.createdTime, "1970-01-01T00:00:00.000Z");
    await tick();
    assert.equal(r.calls.length, 1);
    assert.equal(r.calls[0]?.request.subject, "a");
    assert.equal(jobs.get("job-1")?.state, "running");
    assert.equal(jobs.get("job-2")?.state, "queued");
    r.calls[0]?.progress(0.5);
    r.calls[0]?.progress(0.2); // never goes back
    r.calls[0]?.progress(Number.NaN);
    assert.equal(jobs.get("job-1")?.progress, 0.5);
    r.calls[0]?.progress(7);
    assert.equal(jobs.get("job-1")?.progress, 1);
    r.calls[0]?.resolve({ ok: 1 });
    await tick();
    assert.deepEqual(jobs.get("job-1")?.result, { ok: 1 });
    assert.equal(jobs.get("job-1")?.state, "succeeded");
    assert.equal(r.calls.length, 2);
    r.calls[1]?.reject(new Error("boom"));
    await jobs.idle();
    assert.equal(jobs.get(b.id)?.state, "failed");
    assert.equal(jobs.get(b.id)?.error, "boom");
    assert.deepEqual(
      jobs.list().map((j) => j.id),
      ["job-2", "job-1"],
    );
  });

  it("a returned job is a snapshot, and a changed request does not change the job", async () => {
    const r = runner();
    const jobs = new BacktestJobs({ runner: r, clock: { now: () => 0 } });
    const request = { subject: "a", policies: ["reactive"] };
    const job = jobs.submit(request);
    request.policies.push("oracle");
    await tick();
    assert.equal(job.state, "queued", "the snapshot does not move");
    assert.deepEqual(jobs.get(job.id)?.request.policies, ["reactive"]);
    r.calls[0]?.resolve(1);
    await jobs.idle();
  });

  it("keeps at most maxJobs, dropping the oldest finished ones", async () => {
    const r = runner();
    let n = 0;
    const jobs = new BacktestJobs({
      runner: r,
      clock: { now: () => 0 },
      maxJobs: 2,
      maxQueued: 5,
      newId: () => `j${++n}`,
    });
    jobs.submit(req("1"));
    jobs.submit(req("2"));
    jobs.submit(req("3"));
    // Nothing finished yet: all three kept, though above the bound.
    assert.equal(jobs.list().length, 3);
    await tick();
    r.calls[0]?.resolve(1);
    await tick();
    assert.deepEqual(
      jobs.list().map((j) => j.id),
      ["j3", "j2"],
      "j1 finished and was dropped",
    );
    r.calls[1]?.resolve(2);
    await tick();
    r.calls[2]?.resolve(3);
    await jobs.idle();
    jobs.submit(req("4"));
    assert.deepEqual(
      jobs.list().map((j) => j.id),
      ["j4", "j3"],
    );
    await tick();
    r.calls[3]?.resolve(4);
    await jobs.idle();
  });

  it("refuses submissions beyond maxQueued, and close() fails waiting jobs", async () => {
    const r = runner();
    const errors: string[] = [];
    const jobs = new BacktestJobs({
      runner: r,
      clock: { now: () => 0 },
      maxQueued: 1,
      onError: (job) => errors.push(job.id),
    });
    const running = jobs.submit(req("a"));
    await tick();
    const waiting = jobs.submit(req("b"));
    assert.throws(() => jobs.submit(req("c")), QueueFullError);
    const closing = jobs.close();
    assert.equal(jobs.get(waiting.id)?.state, "failed");
    assert.match(jobs.get(waiting.id)?.error ?? "", /shut down/);
    assert.throws(() => jobs.submit(req("d")), /shut down/);
    r.calls[0]?.reject(new Error("late"));
    await closing;
    assert.equal(jobs.get(running.id)?.state, "failed");
    assert.deepEqual(errors, [running.id]);
    assert.equal(r.calls.length, 1, "the waiting job never ran");
  });

  it("validates its bounds", () => {
    const r = runner();
    assert.throws(() => new BacktestJobs({ runner: r, clock: { now: () => 0 }, maxJobs: 0 }), /maxJobs/);
    assert.throws(
      () => new BacktestJobs({ runner: r, clock: { now: () => 0 }, maxQueued: 1.5 }),
      /maxQueued/,
    );
  });
});
