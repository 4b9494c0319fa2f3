/**
 * End to end through the product's own process: `foresight serve` connected to a real Prometheus
 * (four days of daily-pattern demand, backfilled with promtool) and to the simulated cluster's
 * Kubernetes API (a simulator) with the PredictiveScaler CRD. A scaler in mode Metric gets its
 * shard's Lease (shown in /metrics and the review API), a status, and `foresight_forecast{scaler="web"}` as kubectl reads it from the external metrics
 * API: replicas × capacityPerReplica, the replicas the forecast plans for.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse as parseYaml, stringify } from "yaml";
import { shardOf } from "../../src/actuator/shards.js";
import { type KubeFacade, startKubeFacade } from "../../src/demo/kube/server.js";
import { milliValue } from "../../src/k8s/quantity.js";
import { startAdapter, type TestAdapter } from "../harness/adapter.js";
import { backfill, openMetricsGauge } from "../harness/backfill.js";
import { eventually } from "../harness/eventually.js";
import { type Kubectl, kubectlAvailable, kubectlFor } from "../harness/kubectl.js";
import { startPrometheus, type TestPrometheus } from "../harness/prometheus.js";

const DAY_MS = 86_400_000;
const NS = "shop";
const CRD = parseYaml(
  readFileSync(new URL("../../deploy/crd/predictivescalers.foresight.dev.yaml", import.meta.url), "utf8"),
);

function demand(tMs: number): number {
  const phase = (2 * Math.PI * (tMs % DAY_MS)) / DAY_MS;
  return 300 + 200 * Math.sin(phase);
}

const until = <T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000) =>
  eventually(what, check, { timeoutMs, everyMs: 250 });

describe("foresight serve runs the PredictiveScaler controller", { timeout: 120_000 }, () => {
  let dir: string;
  let prom: TestPrometheus;
  let facade: KubeFacade;
  let adapter: TestAdapter;
  let kubectl: Kubectl | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "foresight-actuator-it-"));
    prom = await startPrometheus({ scrapeTargets: [] });
    const end = Date.now() - 30_000;
    const samples = [];
    for (let t = end - 4 * DAY_MS; t <= end; t += 60_000) samples.push({ timestampMs: t, value: demand(t) });
    await backfill(prom, openMetricsGauge("demand_rps", { app: "web", namespace: NS }, samples));
    await prom.waitForSeries("demand_rps", 1);

    facade = await startKubeFacade();
    facade.store.addNamespace(NS);
    facade.store.create("customresourcedefinitions.apiextensions.k8s.io", CRD);
    facade.store.addDeployment({ namespace: NS, name: "web", replicas: 2, selector: { app: "web" } });
    facade.store.create("predictivescalers.foresight.dev", {
      apiVersion: "foresight.dev/v1alpha1",
      kind: "PredictiveScaler",
      metadata: { name: "web", namespace: NS },
      spec: {
        targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        demand: { query: 'sum(demand_rps{app="web"})' },
        capacityPerReplica: 50,
        leadTime: "10m",
        history: { length: "4d", step: "5m", minimum: "2d" },
        mode: "Metric",
        maxReplicas: 30,
      },
    });
    const kubeconfig = join(dir, "kubeconfig");
    facade.kubeconfig(kubeconfig);
    const configPath = join(dir, "config.yaml");
    writeFileSync(
      configPath,
      stringify({
        prometheus: { timeout: "10s" },
        actuator: {
          resyncInterval: "1s",
          models: ["seasonal_naive", "holt_winters"],
          decisionLogPath: join(dir, "decisions.jsonl"),
          leaderElection: { namespace: NS, leaseDuration: "3s", renewDeadline: "2s", retryPeriod: "500ms" },
        },
      }),
    );
    adapter = await startAdapter({ configPath, prometheusUrl: prom.url, kubeconfig });
    if (kubectlAvailable()) kubectl = await kubectlFor(facade);
  });

  after(async () => {
    await kubectl?.cleanup();
    await adapter?.stop();
    await facade?.close();
    await prom?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("takes the Lease of the scaler's shard and writes the scaler's status", async () => {
    // The default: 16 shards, every one held by the only replica.
    const shard = shardOf(`${NS}/web`, 16);
    const lease = await until("a Lease holder", () => {
      const l = facade.store.find("leases.coordination.k8s.io", `foresight-controller-shard-${shard}`, NS);
      return (l?.spec as { holderIdentity?: string } | undefined)?.holderIdentity ? l : undefined;
    });
    assert.ok((lease.spec as { holderIdentity: string }).holderIdentity.length > 0);
    const status = await until(
      "a ready status",
      () => {
        const s = facade.store.get("predictivescalers.foresight.dev", "web", NS).status as
          | { conditions?: { type: string; status: string }[]; metric?: unknown }
          | undefined;
        return s?.metric && s.conditions?.find((c) => c.type === "Ready")?.status === "True" ? s : undefined;
      },
      90_000,
    );
    assert.ok(status.metric, `${JSON.stringify(status)}\n${adapter.logs().slice(-2000)}`);
  });

  it("serves foresight_forecast{scaler} to kubectl get --raw: planned replicas × capacity", {
    skip: !kubectlAvailable() && "no kubectl",
  }, async () => {
    const adapterKubectl = await kubectlFor({
      kubeconfig: (path) => adapter.writeKubeconfig(path ?? join(dir, "adapter.kubeconfig")),
    });
    try {
      const path = `/apis/external.metrics.k8s.io/v1beta1/namespaces/${NS}/foresight_forecast?labelSelector=${encodeURIComponent("scaler=web")}`;
      const got = await adapterKubectl.run("get", "--raw", path);
      assert.equal(got.code, 0, got.stderr);
      const list = JSON.parse(got.stdout) as {
        items: { metricLabels: Record<string, string>; value: string }[];
      };
      assert.equal(list.items.length, 1);
      assert.deepEqual(list.items[0]?.metricLabels, { scaler: "web" });
      const status = facade.store.get("predictivescalers.foresight.dev", "web", NS).status as {
        metric: { replicas: number };
        recommendedReplicas: number;
      };
      const value = Number(milliValue(list.items[0]?.value as string)) / 1000;
      assert.equal(value, status.metric.replicas * 50);
      assert.ok(
        status.metric.replicas >= 2,
        `demand ≥ 100 req/s needs ≥ 2 replicas, got ${status.metric.replicas}`,
      );
      // Another namespace's scaler is not matched.
      const other = await adapterKubectl.run(
        "get",
        "--raw",
        `/apis/external.metrics.k8s.io/v1beta1/namespaces/default/foresight_forecast?labelSelector=scaler%3Dweb`,
      );
      assert.notEqual(other.code, 0);
      assert.match(other.stderr, /NotFound|not found|could not find/i);
    } finally {
      await adapterKubectl.cleanup();
    }
  });

  it("shows shard ownership in /metrics and the review API", async () => {
    const metrics = await until("every shard held", async () => {
      const text = await (await fetch(`${adapter.httpUrl}/metrics`)).text();
      return /^foresight_controller_shards_held 16$/m.test(text) ? text : undefined;
    });
    assert.match(metrics, /^foresight_controller_shards 16$/m);
    assert.match(metrics, /^foresight_controller_replicas 1$/m);
    assert.match(metrics, /^foresight_leader 1$/m);
    for (let s = 0; s < 16; s++)
      assert.match(metrics, new RegExp(`^foresight_controller_shard_held\\{shard="${s}"\\} 1$`, "m"));
    const controller = await adapter.get("/api/v1/controller");
    assert.equal(controller.status, 200, JSON.stringify(controller.body));
    const view = controller.body as { identity: string; shards: number; held: number[]; replicas: string[] };
    assert.equal(view.shards, 16);
    assert.deepEqual(view.held, [...Array(16).keys()]);
    assert.deepEqual(view.replicas, [view.identity]);
    const scaler = (await adapter.get(`/api/v1/scalers/${NS}/web`)).body as {
      shard?: { index: number; heldHere: boolean; holder?: string };
    };
    assert.deepEqual(scaler.shard, {
      index: shardOf(`${NS}/web`, 16),
      heldHere: true,
      holder: view.identity,
    });
  });

  it("kubectl get psc shows the scaler's mode, readiness, its reason and the recommendations", {
    skip: !kubectlAvailable() && "no kubectl",
  }, async () => {
    const got = await (kubectl as Kubectl).run("get", "psc", "-n", NS);
    assert.equal(got.code, 0, got.stderr);
    const row = got.stdout.split("\n")[1] ?? "";
    // NAME TARGET MODE READY REASON RECOMMENDED LAST-FORECAST APPLIED MODEL AGE
    assert.match(row, /^web\s+web\s+Metric\s+True\s+ForecastInUse\s+\d+\s+\d+\s+\d+\s+\S+\s+\d+s$/);
  });
});
