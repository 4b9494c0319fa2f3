/**
 * PrometheusSource under big answers: the per-answer cap (prometheus.maxResponseBytes) and the
 * memory budget all answers in flight share (prometheus.responseMemoryBudget), against a local
 * server that holds its answers open until the test lets them finish.
 */
import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import { describe, it } from "node:test";
import { MEMORY_PER_BODY_BYTE, prometheusSchema } from "../../src/config/schema.js";
import { MemoryBudget } from "../../src/metrics/memoryBudget.js";
import { PrometheusSource } from "../../src/metrics/prometheusSource.js";
import { type InstantResult, MetricsSourceError } from "../../src/metrics/source.js";
import type { Logger } from "../../src/telemetry/logger.js";
import { rejectsWith } from "./checks.js";

const BODY_BYTES = 256 * 1024;

/** A vector answer of exactly `bytes` bytes: one sample whose `pad` label fills it up. */
function vectorOf(bytes: number): Buffer {
  const shell = (pad: string) =>
    JSON.stringify({
      status: "success",
      data: { resultType: "vector", result: [{ metric: { pad }, value: [1_700_000_000, "1"] }] },
    });
  return Buffer.from(shell("x".repeat(bytes - Buffer.byteLength(shell("")))));
}

interface GatedServer {
  readonly url: string;
  /** Queries received so far. */
  readonly requests: () => number;
  /** Answers the client hung up on before they were complete. */
  readonly dropped: () => number;
  close(): Promise<void>;
}

/**
 * Answers every query with `body`: the first `headBytes` at once, the rest only once the client has
 * hung up on some answer (at once if that has already happened, or if the head is the whole body).
 * Until then every answer is half-sent, so the client holds all their heads at the same time.
 */
async function startGatedServer(body: Buffer, headBytes: number): Promise<GatedServer> {
  const waiting: ServerResponse[] = [];
  let requests = 0;
  let dropped = 0;
  let open = false;
  const finish = (res: ServerResponse) => {
    if (!res.destroyed) res.end(body.subarray(headBytes));
  };
  const server = createServer((req, res) => {
    requests++;
    req.resume();
    res.writeHead(200, { "content-type": "application/json" });
    res.write(body.subarray(0, headBytes));
    res.on("close", () => {
      if (res.writableFinished) return;
      dropped++;
      open = true;
      for (const r of waiting.splice(0)) finish(r);
    });
    if (open || headBytes >= body.length) finish(res);
    else waiting.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("server has no address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests: () => requests,
    dropped: () => dropped,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function warnings(): { logger: Logger; logged: { fields: Record<string, unknown>; message: string }[] } {
  const logged: { fields: Record<string, unknown>; message: string }[] = [];
  const logger = {
    warn: (fields: Record<string, unknown>, message: string) => logged.push({ fields, message }),
  } as unknown as Logger;
  return { logger, logged };
}

describe("PrometheusSource memory bounds", () => {
  it("answers that each fit but together exceed the budget: the excess fail with 503-kind errors, the rest succeed", async () => {
    const body = vectorOf(BODY_BYTES);
    // Four answers, each well under maxResponseBytes, whose heads alone (4 × 0.8) overflow a budget
    // of 2.5 answers.
    const server = await startGatedServer(body, Math.floor(BODY_BYTES * 0.8));
    const budget = new MemoryBudget(Math.floor(2.5 * BODY_BYTES) * MEMORY_PER_BODY_BYTE);
    const refusals: string[] = [];
    const { logger, logged } = warnings();
    const client = new PrometheusSource({
      config: prometheusSchema.parse({ url: server.url, timeout: "5s" }),
      logger,
      budget,
      metrics: { onBudgetRefused: (endpoint) => refusals.push(endpoint) },
    });
    try {
      const results = await Promise.allSettled([0, 1, 2, 3].map((i) => client.instant(`q${i}`)));
      const answered = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
      const failed = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
      assert.equal(server.requests(), 4, "all four were asked at once");
      // After the first refusal three heads (2.4 answers) are held and none can finish in the 0.1
      // left, so a second one is refused; the last two then fit.
      assert.equal(failed.length, 2, failed.map(String).join("\n"));
      assert.equal(answered.length, 2);
      for (const err of failed) {
        assert.ok(err instanceof MetricsSourceError, String(err));
        assert.equal(err.kind, "unavailable", err.message);
        assert.match(err.message, /prometheus\.responseMemoryBudget/);
      }
      const pad: string = JSON.parse(body.toString()).data.result[0].metric.pad;
      for (const result of answered) assert.equal(padOf(result), pad, "the answers that succeeded are whole");
      assert.ok(server.dropped() >= 1, "a refused answer was abandoned, not read to the end");
      // The budget's own accounting: never above the limit, close to it, and all given back.
      assert.ok(budget.peak <= budget.limitBytes, `peak ${budget.peak} > limit ${budget.limitBytes}`);
      assert.ok(budget.peak > 2 * BODY_BYTES * MEMORY_PER_BODY_BYTE, `peak ${budget.peak}`);
      assert.equal(budget.inUse, 0);
      assert.equal(budget.refusals, 2);
      assert.deepEqual(refusals, ["query", "query"]);
      assert.equal(logged.length, 2);
      assert.match(logged[0]?.message ?? "", /memory budget/);
    } finally {
      client.close();
      await server.close();
    }
  });

  it("answers in turn reuse the budget: each one's share is given back when it is parsed", async () => {
    const body = vectorOf(BODY_BYTES);
    const server = await startGatedServer(body, BODY_BYTES);
    const budget = new MemoryBudget(Math.ceil(1.2 * BODY_BYTES) * MEMORY_PER_BODY_BYTE);
    const client = new PrometheusSource({
      config: prometheusSchema.parse({ url: server.url, timeout: "5s" }),
      budget,
    });
    try {
      for (let i = 0; i < 5; i++) assert.equal((await client.instant(`q${i}`)).type, "vector");
      assert.equal(budget.inUse, 0);
      assert.equal(budget.refusals, 0);
      assert.equal(budget.peak, BODY_BYTES * MEMORY_PER_BODY_BYTE);
    } finally {
      client.close();
      await server.close();
    }
  });

  it("a single answer over maxResponseBytes fails as a bad response naming the setting", async () => {
    const server = await startGatedServer(vectorOf(BODY_BYTES), BODY_BYTES);
    const client = new PrometheusSource({
      config: prometheusSchema.parse({ url: server.url, timeout: "5s", maxResponseBytes: "128Ki" }),
    });
    try {
      await rejectsWith(client.instant("big"), "bad_response", /exceeded 131072 bytes.*maxResponseBytes/);
    } finally {
      client.close();
      await server.close();
    }
  });
});

function padOf(result: InstantResult): string {
  assert.equal(result.type, "vector");
  return result.samples[0]?.labels.pad ?? "";
}
