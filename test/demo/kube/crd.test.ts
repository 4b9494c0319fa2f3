import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type KubeFacade, startKubeFacade } from "../../../src/demo/kube/server.js";

interface Doc {
  kind?: string;
  apiVersion?: string;
  reason?: string;
  code?: number;
  metadata: { name: string; resourceVersion: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  resources?: { name: string; kind: string; group?: string }[];
  items?: Doc[];
  columnDefinitions?: { name: string }[];
  rows?: { cells: unknown[] }[];
}

const crd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "predictivescalers.foresight.dev" },
  spec: {
    group: "foresight.dev",
    scope: "Namespaced",
    names: {
      plural: "predictivescalers",
      singular: "predictivescaler",
      kind: "PredictiveScaler",
      shortNames: ["ps"],
    },
    versions: [
      { name: "v1alpha1", served: true, storage: false },
      {
        name: "v1beta1",
        served: true,
        storage: true,
        subresources: {
          status: {},
          scale: {
            specReplicasPath: ".spec.replicas",
            statusReplicasPath: ".status.replicas",
            labelSelectorPath: ".status.selector",
          },
        },
        additionalPrinterColumns: [{ name: "Replicas", type: "integer", jsonPath: ".spec.replicas" }],
      },
    ],
  },
};

describe("CustomResourceDefinitions register served types", () => {
  let facade: KubeFacade;
  before(async () => {
    facade = await startKubeFacade();
    facade.store.addNamespace("crd");
  });
  after(() => facade.close());

  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const init: RequestInit = { method, headers: { "content-type": "application/json", ...headers } };
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(`${facade.url}${path}`, init);
    return { status: res.status, body: (await res.json()) as Doc };
  }
  const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  const PS = "/apis/foresight.dev/v1beta1/namespaces/crd/predictivescalers";

  it("before the CRD, the group is not served", async () => {
    assert.equal((await call("GET", "/apis/foresight.dev/v1beta1")).status, 404);
    assert.equal((await call("GET", PS)).status, 404);
  });

  it("creating the CRD marks it Established and serves its storage version", async () => {
    const { status, body } = await call("POST", CRDS, crd);
    assert.equal(status, 201);
    const conditions = ((body.status?.conditions ?? []) as { type: string; status: string }[]).map(
      (c) => `${c.type}=${c.status}`,
    );
    assert.deepEqual(conditions, ["NamesAccepted=True", "Established=True"]);
    assert.deepEqual(body.status?.storedVersions, ["v1beta1"]);
    const discovery = await call("GET", "/apis/foresight.dev/v1beta1");
    assert.deepEqual(
      discovery.body.resources?.map((r) => `${r.name} ${r.kind}`),
      [
        "predictivescalers PredictiveScaler",
        "predictivescalers/status PredictiveScaler",
        "predictivescalers/scale Scale",
      ],
    );
    assert.equal(facade.store.registry.resolve("ps").version, "v1beta1");
  });

  it("custom objects are created, listed, printed and scaled", async () => {
    const created = await call("POST", PS, {
      apiVersion: "foresight.dev/v1beta1",
      kind: "PredictiveScaler",
      metadata: { name: "web" },
      spec: { replicas: 3 },
      status: { ignored: true },
    });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.status, {}, "the create strategy drops client status");
    facade.store.patch("ps", "web", "crd", { status: { replicas: 3, selector: "app=web" } });

    const table = await call("GET", PS, undefined, {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
    });
    assert.deepEqual(
      table.body.columnDefinitions?.map((c) => c.name),
      ["Name", "Replicas"],
    );
    assert.deepEqual(
      table.body.rows?.map((r) => r.cells),
      [["web", 3]],
    );

    const scale = await call("GET", `${PS}/web/scale`);
    assert.deepEqual(
      { spec: scale.body.spec, status: scale.body.status },
      { spec: { replicas: 3 }, status: { replicas: 3, selector: "app=web" } },
    );
    const patched = await call(
      "PATCH",
      `${PS}/web/scale`,
      { spec: { replicas: 7 } },
      { "content-type": "application/merge-patch+json" },
    );
    assert.equal(patched.status, 200);
    assert.equal((facade.store.get("ps", "web", "crd").spec as { replicas: number }).replicas, 7);
  });

  it("an invalid CRD is 422 and registers nothing; a second CRD for the same names is 422", async () => {
    const bad = structuredClone(crd);
    bad.metadata.name = "wrong.foresight.dev";
    const { status, body } = await call("POST", CRDS, bad);
    assert.equal(status, 422);
    assert.equal(body.reason, "Invalid");
    const clash = structuredClone(crd);
    clash.metadata.name = "predictivescalers.foresight.dev";
    assert.equal((await call("POST", CRDS, clash)).status, 409, "same name: AlreadyExists");
    const twin = {
      ...structuredClone(crd),
      metadata: { name: "others.foresight.dev" },
      spec: { ...structuredClone(crd.spec), names: { plural: "others", kind: "PredictiveScaler" } },
    };
    const duplicateKind = await call("POST", CRDS, twin);
    assert.equal(
      duplicateKind.status,
      422,
      "kind PredictiveScaler is already served in foresight.dev/v1beta1",
    );
    assert.equal((await call("GET", "/apis/foresight.dev/v1beta1/others")).status, 404);
  });

  it("deleting the CRD deletes its objects and stops serving the type", async () => {
    const events: string[] = [];
    const watch = facade.store.watch("ps", { resourceVersion: facade.store.resourceVersion() }, (e) =>
      events.push(`${e.type} ${(e.object as { metadata: { name: string } }).metadata.name}`),
    );
    const { status } = await call("DELETE", `${CRDS}/predictivescalers.foresight.dev`);
    watch.stop();
    assert.equal(status, 200);
    assert.deepEqual(events, ["DELETED web"]);
    assert.equal((await call("GET", PS)).status, 404);
    assert.equal((await call("GET", "/apis/foresight.dev/v1beta1")).status, 404);
    assert.throws(() => facade.store.registry.resolve("ps"), /not registered/);
  });
});
