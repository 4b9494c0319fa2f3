import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type KubeFacade, startKubeFacade } from "../../../src/demo/kube/server.js";
import { type Kubectl, kubectlAvailable, kubectlFor } from "../../harness/kubectl.js";

interface ListJson {
  kind: string;
  items: { kind: string; apiVersion: string; metadata: { name: string; namespace?: string } }[];
}

describe("real kubectl against the simulated API", {
  skip: !kubectlAvailable() && "kubectl not installed",
}, () => {
  let facade: KubeFacade;
  let kubectl: Kubectl;

  before(async () => {
    facade = await startKubeFacade();
    kubectl = await kubectlFor(facade);
    const { store } = facade;
    store.addNamespace("shop");
    store.addNamespace("ops");
    store.addDeployment({ namespace: "shop", name: "web", replicas: 2, selector: { app: "web" } });
    store.addPod({ namespace: "shop", name: "web-1", labels: { app: "web" }, nodeName: "node-a" });
    store.addPod({ namespace: "shop", name: "web-2", labels: { app: "web" }, nodeName: "node-b" });
    store.addPod({ namespace: "shop", name: "db-1", labels: { app: "db" }, phase: "Pending" });
    store.addPod({ namespace: "ops", name: "agent-1", labels: { app: "agent" } });
  });
  after(async () => {
    await kubectl?.cleanup();
    await facade?.close();
  });

  it("kubectl get pods -n shop -o json returns the namespace's pods", async () => {
    const list = await kubectl.json<ListJson>("get", "pods", "-n", "shop");
    assert.deepEqual(
      list.items.map((p) => p.metadata.name),
      ["db-1", "web-1", "web-2"],
    );
    assert.ok(list.items.every((p) => p.kind === "Pod" && p.apiVersion === "v1"));
  });

  it("kubectl get pods -A prints every namespace's pods in a table", async () => {
    const { code, stdout } = await kubectl.run("get", "pods", "-A");
    assert.equal(code, 0);
    const rows = stdout.trim().split("\n");
    assert.match(rows[0] ?? "", /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    const cells = rows.slice(1).map((r) => r.split(/\s+/).slice(0, 4).join(" "));
    assert.deepEqual(cells, [
      "ops agent-1 1/1 Running",
      "shop db-1 0/1 ContainerCreating",
      "shop web-1 1/1 Running",
      "shop web-2 1/1 Running",
    ]);
  });

  it("kubectl get deployments -n shop lists the deployment", async () => {
    const { code, stdout } = await kubectl.run("get", "deployments", "-n", "shop");
    assert.equal(code, 0);
    assert.match(stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/2\s+0\s+0\s+\S+\n$/);
    const list = await kubectl.json<ListJson>("get", "deploy", "-n", "shop");
    assert.deepEqual(
      list.items.map((d) => `${d.apiVersion} ${d.kind} ${d.metadata.name}`),
      ["apps/v1 Deployment web"],
    );
  });

  it("kubectl get pods -l app=web -o name selects by label", async () => {
    const { code, stdout } = await kubectl.run("get", "pods", "-n", "shop", "-l", "app=web", "-o", "name");
    assert.equal(code, 0);
    assert.deepEqual(stdout.trim().split("\n"), ["pod/web-1", "pod/web-2"]);
    const notIn = await kubectl.run("get", "pods", "-A", "-l", "app notin (web,db)", "-o", "name");
    assert.deepEqual(notIn.stdout.trim().split("\n"), ["pod/agent-1"]);
  });

  it("kubectl get pod missing fails with NotFound", async () => {
    const { code, stderr } = await kubectl.run("get", "pod", "missing", "-n", "shop");
    assert.notEqual(code, 0);
    assert.match(stderr, /Error from server \(NotFound\): pods "missing" not found/);
  });

  it("kubectl create -f, label, patch and delete change the store", async () => {
    const manifest = join(dirname(kubectl.kubeconfigPath), "svc.yaml");
    await writeFile(
      manifest,
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n",
    );
    const created = await kubectl.run("create", "-f", manifest);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(facade.store.get("services", "web", "shop").kind, "Service");

    const labelled = await kubectl.run("label", "pod", "web-1", "-n", "shop", "tier=frontend");
    assert.equal(labelled.code, 0, labelled.stderr);
    assert.equal(facade.store.get("pods", "web-1", "shop").metadata.labels?.tier, "frontend");

    const patched = await kubectl.run(
      "patch",
      "deployment",
      "web",
      "-n",
      "shop",
      "-p",
      '{"spec":{"replicas":5}}',
    );
    assert.equal(patched.code, 0, patched.stderr);
    assert.equal(
      (facade.store.get("deployments.apps", "web", "shop").spec as { replicas: number }).replicas,
      5,
    );

    const deleted = await kubectl.run("delete", "pod", "db-1", "-n", "shop");
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /pod "db-1" deleted/);
    assert.equal(facade.store.find("pods", "db-1", "shop"), undefined);
  });
});
