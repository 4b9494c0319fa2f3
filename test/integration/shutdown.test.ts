/**
 * Graceful shutdown of `foresight serve` (the real CLI as a child process): a request in flight when
 * SIGTERM arrives (Prometheus answering slowly, within `prometheus.timeout`) still completes with
 * its 200 and the right value, and the process then exits with code 0.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import { startAdapter, type TestAdapter } from "../harness/adapter.js";
import { eventually } from "../harness/eventually.js";
import { type FakePrometheus, startFakePrometheus } from "../harness/fakePrometheus.js";

const PATH = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/web-0/gpu_load";
const DELAY_MS = 2_000;
/**
 * Well inside Kubernetes' default terminationGracePeriodSeconds (30 s), after which the kubelet
 * sends SIGKILL. A correct drain exits milliseconds after the last answer.
 */
const EXIT_WITHIN_MS = 15_000;
/*
 * Regression: the connection that carried the in-flight request stays open as an idle keep-alive
 * connection after its answer; closeServer must close it, not wait for keepAliveTimeout (65 s).
 */

describe("foresight serve on SIGTERM", { timeout: 60_000 }, () => {
  let dir: string;
  let prom: FakePrometheus;
  let adapter: TestAdapter;
  let exit: Promise<number | null> | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "foresight-shutdown-"));
    prom = await startFakePrometheus();
    prom.setSeries("gpu_load", { namespace: "ml", pod: "web-0" }, 87);
    const configPath = join(dir, "foresight.yaml");
    writeFileSync(
      configPath,
      stringify({
        adapter: { relistInterval: "1m", cacheTTL: "0s" },
        prometheus: { timeout: "10s" },
        rules: [
          {
            seriesQuery: 'gpu_load{namespace!="",pod!=""}',
            resources: { template: "<<.Resource>>" },
            metricsQuery: "sum by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>})",
          },
        ],
      }),
    );
    // No kubeconfig: a single-object request needs no Kubernetes connection.
    adapter = await startAdapter({ configPath, prometheusUrl: prom.url });
    const warm = await adapter.get(PATH);
    assert.equal(warm.status, 200, JSON.stringify(warm.body));
  });

  after(async () => {
    await adapter?.stop();
    await prom?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("drains a slow in-flight request with its 200", async () => {
    await prom.setMode("slow", { delayMs: DELAY_MS });
    const before = prom.requests.query ?? 0;
    const exited = new Promise<number | null>((resolve) =>
      adapter.process.once("exit", (code) => resolve(code)),
    );
    const inFlight = adapter.get(PATH);
    // The request has reached Prometheus and is waiting there: now stop the adapter.
    await eventually(
      "the query to reach the fake Prometheus",
      () => (prom.requests.query ?? 0) > before || undefined,
      {
        timeoutMs: 10_000,
        everyMs: 20,
      },
    );
    assert.equal(prom.inFlight, 1);
    assert.ok(adapter.process.kill("SIGTERM"), "SIGTERM delivered");
    const answer = await inFlight;
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const items = (answer.body as { items: { describedObject: { name: string }; value: string }[] }).items;
    assert.deepEqual(
      items.map((i) => [i.describedObject.name, i.value]),
      [["web-0", "87"]],
    );
    assert.match(adapter.logs(), /shutting down/);
    exit = exited;
  });

  it("then exits 0, with the client's keep-alive connection still open", async () => {
    assert.ok(exit, "the drain test ran");
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exit,
      new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve("still running"), EXIT_WITHIN_MS);
      }),
    ]);
    clearTimeout(timer);
    assert.equal(
      code,
      0,
      `exit code 0 within ${EXIT_WITHIN_MS / 1000} s of the last answer; logs:\n${adapter.logs().slice(-2000)}`,
    );
  });
});
