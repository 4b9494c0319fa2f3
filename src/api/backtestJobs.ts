/**
 * What-if backtests as asynchronous jobs (`POST /api/v1/backtests`): a FIFO queue run one job at a
 * time (a replay takes a CPU for seconds to minutes; two at once would only slow both and the API),
 * with progress, the result or the error kept on the job, and a bounded history: beyond
 * `maxJobs`, the oldest finished jobs are dropped; beyond `maxQueued` waiting jobs, submissions
 * are refused. Hand-written: a one-worker queue is a dozen lines, smaller than a job library.
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../clock.js";
import type { BacktestRunner } from "./reviewSource.js";
import type { BacktestJob, BacktestRequest } from "./types.js";

export interface BacktestJobsOptions {
  readonly runner: BacktestRunner;
  readonly clock: Clock;
  /** Jobs kept (finished ones are dropped oldest first); default 50. */
  readonly maxJobs?: number;
  /** Jobs waiting at most; default 10. */
  readonly maxQueued?: number;
  /** Job ids; default random UUIDs. */
  readonly newId?: () => string;
  /** Where a job's failure is reported besides the job itself (logs). */
  readonly onError?: (job: BacktestJob, error: unknown) => void;
}

export class QueueFullError extends Error {
  override readonly name = "QueueFullError";
}

type MutableJob = { -readonly [K in keyof BacktestJob]: BacktestJob[K] };

export class BacktestJobs {
  readonly #opts: BacktestJobsOptions;
  /** Insertion order = creation order. */
  readonly #jobs = new Map<string, MutableJob>();
  readonly #queue: MutableJob[] = [];
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(options: BacktestJobsOptions) {
    const maxJobs = options.maxJobs ?? 50;
    const maxQueued = options.maxQueued ?? 10;
    if (!Number.isInteger(maxJobs) || maxJobs < 1)
      throw new RangeError(`maxJobs must be a positive integer, got ${maxJobs}`);
    if (!Number.isInteger(maxQueued) || maxQueued < 1)
      throw new RangeError(`maxQueued must be a positive integer, got ${maxQueued}`);
    this.#opts = { ...options, maxJobs, maxQueued };
  }

  /** Queues a job; throws QueueFullError when `maxQueued` jobs already wait. */
  submit(request: BacktestRequest): BacktestJob {
    if (this.#closed) throw new QueueFullError("the backtest queue is shut down");
    if (this.#queue.length >= (this.#opts.maxQueued as number))
      throw new QueueFullError(
        `${this.#queue.length} backtests are already waiting; retry when one has finished`,
      );
    const job: MutableJob = {
      id: this.#opts.newId?.() ?? randomUUID(),
      state: "queued",
      progress: 0,
      createdTime: new Date(this.#opts.clock.now()).toISOString(),
      request: structuredClone(request),
    };
    this.#jobs.set(job.id, job);
    this.#queue.push(job);
    this.#trim();
    this.#kick();
    return snapshot(job);
  }

  get(id: string): BacktestJob | undefined {
    const job = this.#jobs.get(id);
    return job ? snapshot(job) : undefined;
  }

  /** Newest first. */
  list(): BacktestJob[] {
    return [...this.#jobs.values()].reverse().map(snapshot);
  }

  /** Resolves when the queue is empty and nothing runs. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Refuses new jobs, drops waiting ones (as failed) and waits for the running one. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) {
      job.state = "failed";
      job.error = "the server shut down before the backtest started";
    }
    await this.idle();
  }

  #kick(): void {
    if (this.#running || this.#queue.length === 0) return;
    // Started on a later tick, so submit() answers with the job as queued.
    this.#running = Promise.resolve()
      .then(() => this.#drain())
      .finally(() => {
        this.#running = undefined;
        this.#kick();
      });
  }

  async #drain(): Promise<void> {
    for (let job = this.#queue.shift(); job !== undefined; job = this.#queue.shift()) {
      const current = job;
      current.state = "running";
      try {
        const result = await this.#opts.runner.run(current.request, (fraction) => {
          if (Number.isFinite(fraction)) current.progress = Math.min(1, Math.max(current.progress, fraction));
        });
        current.result = result;
        current.progress = 1;
        current.state = "succeeded";
      } catch (error) {
        current.state = "failed";
        current.error = error instanceof Error && error.message !== "" ? error.message : String(error);
        this.#opts.onError?.(snapshot(current), error);
      }
      this.#trim();
    }
  }

  /** Drops the oldest finished jobs beyond maxJobs (queued and running ones are always kept). */
  #trim(): void {
    let excess = this.#jobs.size - (this.#opts.maxJobs as number);
    for (const [id, job] of this.#jobs) {
      if (excess <= 0) break;
      if (job.state === "succeeded" || job.state === "failed") {
        this.#jobs.delete(id);
        excess -= 1;
      }
    }
  }
}

function snapshot(job: MutableJob): BacktestJob {
  return {
    id: job.id,
    state: job.state,
    progress: job.progress,
    createdTime: job.createdTime,
    request: job.request,
    ...(job.result !== undefined ? { result: job.result } : {}),
    ...(job.error !== undefined ? { error: job.error } : {}),
  };
}
