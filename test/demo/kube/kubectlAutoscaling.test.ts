import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type KubeFacade, startKubeFacade } from "../../../src/demo/kube/server.js";
import { type Kubectl, kubectlAvailable, kubectlFor } from "../../harness/kubectl.js";

/** Cells of a `kubectl get` table: header row then data rows, split on runs of 2+ spaces. */
function cells(stdout: string): string[][] {
  return stdout
    .trim()
    .split("\n")
    .map((row) => row.trim().split(/\s{2,}/));
}

/** `Key:  value` lines of `kubectl describe`, trimmed. */
function described(stdout: string, key: string): string | undefined {
  const line = stdout.split("\n").find((l) => l.trimStart().startsWith(`${key}:`));
  return line?.slice(line.indexOf(":") + 1).trim();
}

describe("real kubectl: deployments, HPAs, events and leases", {
  skip: !kubectlAvailable() && "kubectl not installed",
}, () => {
  let facade: KubeFacade;
  let kubectl: Kubectl;

  before(async () => {
    facade = await startKubeFacade();
    kubectl = await kubectlFor(facade);
    const { store } = facade;
    store.addNamespace("shop");
    store.addDeployment({ namespace: "shop", name: "web", replicas: 2, selector: { app: "web" } });
    // Observed state, written as a bridge from the simulated cluster would.
    store.patch("deployments.apps", "web", "shop", {
      status: {
        replicas: 2,
        readyReplicas: 1,
        updatedReplicas: 2,
        availableReplicas: 1,
        unavailableReplicas: 1,
      },
    });
    store.create("hpa", {
      metadata: { name: "web", namespace: "shop" },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        minReplicas: 2,
        maxReplicas: 10,
        metrics: [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
          },
          {
            type: "External",
            external: { metric: { name: "queue" }, target: { type: "AverageValue", averageValue: "30" } },
          },
          {
            type: "Pods",
            pods: { metric: { name: "rps" }, target: { type: "AverageValue", averageValue: "5" } },
          },
        ],
      },
    });
    store.patch("hpa", "web", "shop", {
      status: {
        currentReplicas: 2,
        desiredReplicas: 3,
        currentMetrics: [
          {
            type: "Resource",
            resource: { name: "cpu", current: { averageUtilization: 85, averageValue: "850m" } },
          },
          { type: "External", external: { metric: { name: "queue" }, current: { averageValue: "42" } } },
        ],
        conditions: [
          {
            type: "AbleToScale",
            status: "True",
            reason: "SucceededRescale",
            message: "the HPA controller was able to update the target scale to 3",
            lastTransitionTime: "2026-01-01T00:00:00Z",
          },
        ],
      },
    });
    store.create("events.events.k8s.io", {
      metadata: { name: "web.1", namespace: "shop" },
      eventTime: store.now().toISOString().replace("Z", "000Z"),
      reportingController: "foresight.dev/actuator",
      reportingInstance: "actuator-0",
      action: "Scale",
      reason: "PreScaled",
      type: "Normal",
      regarding: { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "shop" },
      note: "scaled to 3 ahead of the peak",
    });
    store.create("leases", {
      metadata: { name: "foresight-leader", namespace: "shop" },
      spec: { holderIdentity: "foresight-0", leaseDurationSeconds: 15 },
    });
  });
  after(async () => {
    await kubectl?.cleanup();
    await facade?.close();
  });

  it("get and describe a deployment show its replicas", async () => {
    const got = await kubectl.run("get", "deploy", "-n", "shop");
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(
      cells(got.stdout).map((r) => r.slice(0, 4)),
      [
        ["NAME", "READY", "UP-TO-DATE", "AVAILABLE"],
        ["web", "1/2", "2", "1"],
      ],
    );
    const d = await kubectl.run("describe", "deployment", "web", "-n", "shop");
    assert.equal(d.code, 0, d.stderr);
    assert.equal(described(d.stdout, "Selector"), "app=web");
    assert.equal(
      described(d.stdout, "Replicas"),
      "2 desired | 2 updated | 2 total | 1 available | 1 unavailable",
    );
  });

  it("get hpa prints reference, targets (two metrics and a count), bounds and replicas", async () => {
    const got = await kubectl.run("get", "hpa", "-n", "shop");
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(
      cells(got.stdout).map((r) => r.slice(0, 6)),
      [
        ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS"],
        ["web", "Deployment/web", "cpu: 85%/70%, 42/30 (avg) + 1 more...", "2", "10", "2"],
      ],
    );
  });

  it("describe hpa shows metrics, bounds, replicas and conditions", async () => {
    const d = await kubectl.run("describe", "hpa", "web", "-n", "shop");
    assert.equal(d.code, 0, d.stderr);
    assert.equal(described(d.stdout, "Reference"), "Deployment/web");
    assert.equal(described(d.stdout, "Min replicas"), "2");
    assert.equal(described(d.stdout, "Max replicas"), "10");
    assert.equal(described(d.stdout, "Deployment pods"), "2 current / 3 desired");
    assert.match(d.stdout, /resource cpu on pods\s+\(as a percentage of request\):\s+85% \(850m\) \/ 70%/);
    assert.match(d.stdout, /AbleToScale\s+True\s+SucceededRescale/);
  });

  it("get and describe events (events.k8s.io/v1)", async () => {
    const got = await kubectl.run("get", "events.events.k8s.io", "-n", "shop");
    assert.equal(got.code, 0, got.stderr);
    const rows = cells(got.stdout);
    assert.deepEqual(rows[0], ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
    assert.deepEqual(rows[1]?.slice(1), [
      "Normal",
      "PreScaled",
      "deployment/web",
      "scaled to 3 ahead of the peak",
    ]);
    const d = await kubectl.run("describe", "events.events.k8s.io", "web.1", "-n", "shop");
    assert.equal(d.code, 0, d.stderr);
    assert.equal(described(d.stdout, "Reporting Controller"), "foresight.dev/actuator");
    assert.equal(described(d.stdout, "Note"), "scaled to 3 ahead of the peak");
  });

  it("get and describe leases", async () => {
    const got = await kubectl.run("get", "leases", "-n", "shop");
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(
      cells(got.stdout).map((r) => r.slice(0, 2)),
      [
        ["NAME", "HOLDER"],
        ["foresight-leader", "foresight-0"],
      ],
    );
    const d = await kubectl.run("describe", "lease", "foresight-leader", "-n", "shop");
    assert.equal(d.code, 0, d.stderr);
    assert.equal(described(d.stdout, "Holder Identity"), "foresight-0");
    assert.equal(described(d.stdout, "Lease Duration Seconds"), "15");
  });

  it("kubectl scale goes through /scale, and a stale --resource-version is refused", async () => {
    const scaled = await kubectl.run("scale", "deployment", "web", "--replicas=4", "-n", "shop");
    assert.equal(scaled.code, 0, scaled.stderr);
    assert.match(scaled.stdout, /deployment.apps\/web scaled/);
    assert.equal((facade.store.get("deploy", "web", "shop").spec as { replicas: number }).replicas, 4);
    const stale = await kubectl.run(
      "scale",
      "deployment",
      "web",
      "--replicas=5",
      "--resource-version=1",
      "-n",
      "shop",
    );
    assert.notEqual(stale.code, 0);
    // kubectl reads the Scale first and checks the precondition itself.
    const current = facade.store.get("deploy", "web", "shop").metadata.resourceVersion;
    assert.match(stale.stderr, new RegExp(`Expected resource version to be 1, was ${current}`));
    assert.equal((facade.store.get("deploy", "web", "shop").spec as { replicas: number }).replicas, 4);
  });

  it("kubectl create -f of an invalid HPA reports the 422 from the server", async () => {
    const { writeFile } = await import("node:fs/promises");
    const { dirname, join } = await import("node:path");
    const manifest = join(dirname(kubectl.kubeconfigPath), "hpa.yaml");
    await writeFile(
      manifest,
      [
        "apiVersion: autoscaling/v2",
        "kind: HorizontalPodAutoscaler",
        "metadata: {name: bad, namespace: shop}",
        "spec:",
        "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}",
        "  minReplicas: 5",
        "  maxReplicas: 2",
        "",
      ].join("\n"),
    );
    const created = await kubectl.run("create", "-f", manifest);
    assert.notEqual(created.code, 0);
    assert.match(
      created.stderr,
      /is invalid: spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`/,
    );
    assert.equal(facade.store.find("hpa", "bad", "shop"), undefined);
  });
});
