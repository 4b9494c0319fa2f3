/**
 * The Kubernetes API failing under a running `foresight serve` (the real CLI as a child process,
 * the simulated API with its test-only fault injection):
 * - the PredictiveScaler API never answers: serve still listens at once, /healthz and the metrics
 *   APIs answer, /readyz names the informer that has not synced;
 * - the pods LIST answers 503: /readyz is 503 and the pods wildcard answers 503 (the HPA holds),
 *   never 404 "no pods match"; both recover once the LIST works;
 * - the pods watch answers lines no API server sends: the process stays up, the cache right, and
 *   the failures are counted in /metrics.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { installCrd } from "../actuator/harness.js";
import { startAdapter, type TestAdapter } from "../harness/adapter.js";
import { eventually as poll } from "../harness/eventually.js";
import { type FakePrometheus, startFakePrometheus } from "../harness/fakePrometheus.js";
import { gpuAndQueueConfig } from "../harness/gpuRules.js";
import { type KubeFacade, startKubeFacade } from "../harness/kubeFacade.js";
import type { FaultRequest, RuleHandle } from "../harness/kubeFaults.js";

const C2 = "/apis/custom.metrics.k8s.io/v1beta2";
const WILDCARD = `${C2}/namespaces/ml/pods/%2A/gpu_load?labelSelector=app%3Dweb`;
const EXTERNAL = "/apis/external.metrics.k8s.io/v1beta1/namespaces/ml/queue_depth";
const isWatch = (r: FaultRequest) => r.query.get("watch") === "true";
const isList = (r: FaultRequest) => r.query.get("watch") !== "true";
const BAD_LINES = [
  JSON.stringify({ kind: "PodList", apiVersion: "v1", items: [] }),
  JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code: 500 }),
  JSON.stringify({ type: "ADDED" }),
  JSON.stringify({ type: "ADDED", object: {} }),
];

const eventually = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> =>
  poll(what, fn, { timeoutMs, everyMs: 200, retryErrors: true });

describe("foresight serve when the Kubernetes API misbehaves", { timeout: 180_000 }, () => {
  let dir: string;
  let prom: FakePrometheus;
  let kube: KubeFacade;
  let adapter: TestAdapter;
  let podsListDown: RuleHandle;
  let startedInMs = 0;

  const readyz = async () => {
    const res = await fetch(`${adapter.httpUrl}/readyz`);
    return { status: res.status, text: await res.text() };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "foresight-kube-faults-"));
    prom = await startFakePrometheus();
    prom.setSeries("gpu_load", { namespace: "ml", pod: "web-0" }, 11);
    prom.setSeries("gpu_load", { namespace: "ml", pod: "web-1" }, 22);
    prom.setSeries("queue_depth", { namespace: "ml", queue: "orders" }, 42);
    kube = await startKubeFacade();
    kube.store.addNamespace("ml");
    for (const name of ["web-0", "web-1"])
      kube.store.addPod({ namespace: "ml", name, labels: { app: "web" } });
    installCrd(kube.store);
    // The PredictiveScaler API never answers (longer than startAdapter waits for /healthz).
    kube.faults.hold({
      path: "/predictivescalers",
      when: "before",
      ms: 60_000,
      times: Number.POSITIVE_INFINITY,
    });
    podsListDown = kube.faults.inject({
      path: "/api/v1/pods",
      match: isList,
      status: 503,
      times: Number.POSITIVE_INFINITY,
    });
    const configPath = join(dir, "config.yaml");
    writeFileSync(configPath, gpuAndQueueConfig());
    const kubeconfig = join(dir, "kubeconfig");
    kube.kubeconfig(kubeconfig);
    const started = Date.now();
    adapter = await startAdapter({
      configPath,
      prometheusUrl: prom.url,
      kubeconfig,
      extraArgs: ["--authentication", "off"],
    });
    startedInMs = Date.now() - started;
  });
  after(async () => {
    await adapter?.stop();
    await kube?.close();
    await prom?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("listens although the PredictiveScaler API never answers: health and metrics APIs work", async () => {
    assert.ok(startedInMs < 30_000, `serving after ${startedInMs} ms`);
    assert.equal((await fetch(`${adapter.httpUrl}/healthz`)).status, 200);
    const external = await eventually("the external metric", async () => {
      const answer = await adapter.get(EXTERNAL);
      return answer.status === 200 ? answer : undefined;
    });
    assert.match(JSON.stringify(external.body), /"value":"42"/);
  });

  it("a failed pods LIST: /readyz is 503 and the wildcard answers 503, not 404", async () => {
    await eventually("the LIST tried", async () => (podsListDown.hits >= 1 ? true : undefined));
    const ready = await readyz();
    assert.equal(ready.status, 503);
    assert.match(ready.text, /pods: not synced/);
    assert.match(ready.text, /predictivescalers\.foresight\.dev: not synced/);
    const answer = await adapter.get(WILDCARD);
    assert.equal(answer.status, 503, JSON.stringify(answer.body));
    assert.equal((answer.body as { reason?: string }).reason, "ServiceUnavailable");
  });

  it("bad watch lines once the LIST works: counted, the process up, the answers right", async () => {
    const bad = BAD_LINES.map((line) =>
      kube.faults.respond({ path: "/api/v1/pods", match: isWatch, status: 200, body: `${line}\n` }),
    );
    podsListDown.remove();
    await eventually("every bad line served", async () =>
      bad.every((b) => b.hits === 1) ? true : undefined,
    );
    const answer = await eventually("the wildcard", async () => {
      const a = await adapter.get(WILDCARD);
      return a.status === 200 ? a : undefined;
    });
    const values = (
      answer.body as { items: { describedObject: { name: string }; value: string }[] }
    ).items.map((i) => `${i.describedObject.name}=${i.value}`);
    assert.deepEqual(values.sort(), ["web-0=11", "web-1=22"]);
    assert.equal(adapter.process.exitCode, null, adapter.logs().slice(-2000));
    const metrics = await (await fetch(`${adapter.httpUrl}/metrics`)).text();
    const counted = /foresight_informer_failures_total\{resource="pods",kind="bad-event"\} (\d+)/.exec(
      metrics,
    );
    assert.ok(counted && Number(counted[1]) >= 4, `bad events counted: ${counted?.[0]}`);
    await adapter.waitForLog(/informer failed; retrying/);
    // The serving path's informers are synced; the PredictiveScaler informer still is not.
    const ready = await readyz();
    assert.equal(ready.status, 503);
    assert.doesNotMatch(ready.text, /pods:/);
    assert.match(ready.text, /predictivescalers/);
  });
});
