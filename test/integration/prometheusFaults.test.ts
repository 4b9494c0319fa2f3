/**
 * Prometheus failing under a running `foresight serve` (the real CLI as a child process): down,
 * slow past `prometheus.timeout`, garbage JSON, HTTP error statuses, and partial data. For each,
 * the custom and external metrics APIs answer the documented Status code (docs/metrics-api.md,
 * "Errors"), the process stays up and healthy, no 200 ever carries a value Prometheus did not give,
 * and the answers are right again once Prometheus recovers.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type KubeFacade, startKubeFacade } from "../../src/demo/kube/index.js";
import { startAdapter, type TestAdapter } from "../harness/adapter.js";
import { eventually as poll } from "../harness/eventually.js";
import { type FakePrometheus, startFakePrometheus } from "../harness/fakePrometheus.js";
import { gpuAndQueueConfig } from "../harness/gpuRules.js";

const C2 = "/apis/custom.metrics.k8s.io/v1beta2";
const E1 = "/apis/external.metrics.k8s.io/v1beta1";
const WILDCARD = `${C2}/namespaces/ml/pods/%2A/gpu_load?labelSelector=app%3Dweb`;
const SINGLE = `${C2}/namespaces/ml/pods/web-1/gpu_load`;
const EXTERNAL = `${E1}/namespaces/ml/queue_depth`;
const PATHS = [WILDCARD, SINGLE, EXTERNAL] as const;
const PODS = ["web-0", "web-1", "web-2", "web-3"] as const;
/** Distinct non-zero values, so a made-up 0 or a mixed-up pod cannot pass. */
const LOAD: Record<string, number> = { "web-0": 11, "web-1": 22, "web-2": 33, "web-3": 44 };

interface Item {
  describedObject?: { name: string };
  metricLabels?: Record<string, string>;
  value: string;
}
interface Answer {
  status: number;
  body: unknown;
}

/** This file's polling: a throwing check (the adapter not up yet) counts as not yet. */
const eventually = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> =>
  poll(what, fn, { timeoutMs, everyMs: 200, retryErrors: true });

/** The (name or labels, value) pairs of a 200 answer. */
function pairs(answer: Answer): [string, string][] {
  return (answer.body as { items: Item[] }).items.map((i) => [
    i.describedObject?.name ?? JSON.stringify(i.metricLabels),
    i.value,
  ]);
}

function assertStatus(answer: Answer, code: number, reason: string, path: string): void {
  assert.equal(answer.status, code, `${path}: ${JSON.stringify(answer.body)}`);
  const body = answer.body as Record<string, unknown>;
  assert.equal(body.kind, "Status", `${path} answers a Status`);
  assert.equal(body.status, "Failure");
  assert.equal(body.code, code);
  assert.equal(body.reason, reason);
  const text = JSON.stringify(body);
  assert.doesNotMatch(text, /\n\s+at |\.ts:\d+|\.js:\d+/, `${path}: no stack trace in the body`);
  assert.doesNotMatch(text, /on purpose|"pod":/, `${path}: the backend's raw answer stays in the log`);
}

describe("foresight serve when Prometheus fails", { timeout: 120_000 }, () => {
  let dir: string;
  let prom: FakePrometheus;
  let kube: KubeFacade;
  let adapter: TestAdapter;

  const healthy = async () => {
    assert.equal(
      adapter.process.exitCode,
      null,
      `the adapter is still running:\n${adapter.logs().slice(-2000)}`,
    );
    const res = await fetch(`${adapter.httpUrl}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "ok");
  };

  /** Every path answers exactly the healthy data. */
  const assertRecovered = async () => {
    await eventually("recovery", async () =>
      (await adapter.get(WILDCARD)).status === 200 ? true : undefined,
    );
    const wildcard = await adapter.get(WILDCARD);
    assert.equal(wildcard.status, 200, JSON.stringify(wildcard.body));
    assert.deepEqual(
      pairs(wildcard),
      PODS.map((p) => [p, String(LOAD[p])]),
    );
    const single = await adapter.get(SINGLE);
    assert.equal(single.status, 200, JSON.stringify(single.body));
    assert.deepEqual(pairs(single), [["web-1", "22"]]);
    const external = await adapter.get(EXTERNAL);
    assert.equal(external.status, 200, JSON.stringify(external.body));
    assert.deepEqual(pairs(external).sort(), [
      [JSON.stringify({ queue: "billing" }), "5"],
      [JSON.stringify({ queue: "orders" }), "42"],
    ]);
  };

  /** Every path answers `code`/`reason`, several times; the process stays healthy. */
  const assertFault = async (code: number, reason: string) => {
    for (let round = 0; round < 3; round++) {
      for (const path of PATHS) assertStatus(await adapter.get(path), code, reason, path);
    }
    await healthy();
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "foresight-faults-"));
    prom = await startFakePrometheus();
    for (const pod of PODS) prom.setSeries("gpu_load", { namespace: "ml", pod }, LOAD[pod] as number);
    prom.setSeries("gpu_load", { namespace: "other", pod: "web-0" }, 99);
    prom.setSeries("queue_depth", { namespace: "ml", queue: "orders" }, 42);
    prom.setSeries("queue_depth", { namespace: "ml", queue: "billing" }, 5);
    kube = await startKubeFacade();
    kube.store.addNamespace("ml");
    for (const pod of PODS) kube.store.addPod({ namespace: "ml", name: pod, labels: { app: "web" } });
    kube.store.addPod({ namespace: "ml", name: "db-0", labels: { app: "db" } });
    const kubeconfig = join(dir, "cluster.kubeconfig");
    kube.kubeconfig(kubeconfig);
    const configPath = join(dir, "foresight.yaml");
    writeFileSync(configPath, gpuAndQueueConfig());
    adapter = await startAdapter({ configPath, prometheusUrl: prom.url, kubeconfig });
    await assertRecovered();
  });

  after(async () => {
    await adapter?.stop();
    await prom?.close();
    await kube?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the fake answers the adapter's queries with the right data (control)", async () => {
    await assertRecovered();
    assert.ok((prom.requests.query ?? 0) > 0, "the adapter queried the fake");
    assert.ok((prom.requests.series ?? 0) > 0, "the adapter discovered through the fake");
  });

  it("down (connection refused) → 503 ServiceUnavailable, then recovery", async () => {
    await prom.setMode("down");
    await assertFault(503, "ServiceUnavailable");
    await prom.setMode("ok");
    await assertRecovered();
  });

  it("slow past prometheus.timeout → 504 Timeout, then recovery", async () => {
    await prom.setMode("slow", { delayMs: 30_000 });
    for (const path of PATHS) assertStatus(await adapter.get(path), 504, "Timeout", path);
    await healthy();
    await prom.setMode("ok");
    await assertRecovered();
  });

  it("garbage JSON (200 with a broken body) → 500 InternalError, then recovery", async () => {
    await prom.setMode("garbage");
    await assertFault(500, "InternalError");
    await prom.setMode("garbage", { body: "<html>502 Bad Gateway</html>" });
    await assertFault(500, "InternalError");
    await prom.setMode("garbage", {
      body: JSON.stringify({
        status: "success",
        data: { resultType: "vector", result: [{ metric: { pod: "web-0" }, value: [1, ""] }] },
      }),
    });
    // An empty sample value must not become Number("") = 0.
    await assertFault(500, "InternalError");
    await prom.setMode("ok");
    await assertRecovered();
  });

  it("HTTP 502/503/504/429 → 503 ServiceUnavailable; 500 → 500; 503 timeout → 504; then recovery", async () => {
    for (const status of [502, 503, 504, 429]) {
      await prom.setMode("error", { status });
      await assertFault(503, "ServiceUnavailable");
    }
    await prom.setMode("error", { status: 500, errorType: "internal" });
    await assertFault(500, "InternalError");
    await prom.setMode("error", { status: 503, errorType: "timeout" });
    await assertFault(504, "Timeout");
    await prom.setMode("error", { status: 422, errorType: "execution" });
    await assertFault(500, "InternalError");
    await prom.setMode("ok");
    await assertRecovered();
  });

  it("partial data: missing pods are left out (never 0); nothing left → 404; then recovery", async () => {
    const keep = new Set(["web-0", "web-2"]);
    await prom.setMode("partial", { keep: (labels) => labels.pod === undefined || keep.has(labels.pod) });
    const wildcard = await adapter.get(WILDCARD);
    assert.equal(wildcard.status, 200, JSON.stringify(wildcard.body));
    assert.deepEqual(pairs(wildcard), [
      ["web-0", "11"],
      ["web-2", "33"],
    ]);
    assertStatus(await adapter.get(SINGLE), 404, "NotFound", SINGLE);
    // The external metric lost one of its two series: the sum is of what is there, nothing invented.
    await prom.setMode("partial", { keep: (labels) => labels.queue !== "billing" });
    assert.deepEqual(pairs(await adapter.get(EXTERNAL)), [[JSON.stringify({ queue: "orders" }), "42"]]);
    // Every series gone: a 404 that says so, not a 200 with zeros or an empty list.
    await prom.setMode("partial", { keep: () => false });
    for (const path of PATHS) assertStatus(await adapter.get(path), 404, "NotFound", path);
    await healthy();
    await prom.setMode("ok");
    await assertRecovered();
  });

  it("a metric first asked for while Prometheus is down → 503, not 404", async () => {
    await prom.setMode("down");
    const unknown = `${C2}/namespaces/ml/pods/%2A/not_yet_discovered?labelSelector=app%3Dweb`;
    // Rediscovery fails, so the adapter cannot know whether the metric exists.
    await eventually("a 503 for an undiscoverable metric", async () => {
      const answer = await adapter.get(unknown);
      return answer.status === 503 ? answer : undefined;
    });
    assertStatus(await adapter.get(unknown), 503, "ServiceUnavailable", unknown);
    await prom.setMode("ok");
    await assertRecovered();
    await eventually("a 404 once discovery works again", async () =>
      (await adapter.get(unknown)).status === 404 ? true : undefined,
    );
    assertStatus(await adapter.get(unknown), 404, "NotFound", unknown);
  });
});
