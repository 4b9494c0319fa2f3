import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { humanDuration } from "../../../src/demo/kube/printColumns.js";
import { ObjectStore } from "../../../src/demo/kube/store.js";
import { tableRequested, toTable } from "../../../src/demo/kube/table.js";

describe("humanDuration (kubectl AGE)", () => {
  const s = 1000;
  const table: [number, string][] = [
    [-5 * s, "<invalid>"],
    [-1 * s, "0s"],
    [0, "0s"],
    [119 * s, "119s"],
    [120 * s, "2m"],
    [125 * s, "2m5s"],
    [10 * 60 * s, "10m"],
    [179 * 60 * s, "179m"],
    [3 * 3600 * s, "3h"],
    [(3 * 3600 + 120) * s, "3h2m"],
    [8 * 3600 * s, "8h"],
    [47 * 3600 * s, "47h"],
    [50 * 3600 * s, "2d2h"],
    [10 * 86400 * s, "10d"],
    [800 * 86400 * s, "2y70d"],
    [9 * 365 * 86400 * s, "9y"],
  ];
  for (const [ms, expect] of table) {
    it(`${ms} ms → ${expect}`, () => assert.equal(humanDuration(ms), expect));
  }
});

describe("tableRequested", () => {
  const kubectlAccept =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
  const none = new URLSearchParams();
  it("honours kubectl's Table preference", () => {
    assert.deepEqual(tableRequested(kubectlAccept, none), { version: "v1", includeObject: "Metadata" });
  });
  it("answers plain JSON when that comes first or Table is not asked for", () => {
    assert.equal(tableRequested("application/json", none), undefined);
    assert.equal(tableRequested(undefined, none), undefined);
    assert.equal(tableRequested(`application/json,${kubectlAccept}`, none), undefined);
    assert.equal(tableRequested("application/vnd.kubernetes.protobuf, */*", none), undefined);
  });
  it("reads includeObject and rejects unknown values", () => {
    const q = new URLSearchParams({ includeObject: "Object" });
    assert.equal(tableRequested(kubectlAccept, q)?.includeObject, "Object");
    assert.throws(
      () => tableRequested(kubectlAccept, new URLSearchParams({ includeObject: "All" })),
      /includeObject/,
    );
  });
});

describe("toTable", () => {
  it("prints pods like kubectl get pods, with metadata rows", () => {
    const store = new ObjectStore({
      now: () => new Date("2026-01-01T00:00:00Z"),
      seedNamespaces: ["default"],
    });
    const ready = store.addPod({ namespace: "default", name: "web-1", nodeName: "n1", podIP: "10.0.0.1" });
    const pending = store.addPod({ namespace: "default", name: "web-2", phase: "Pending" });
    const table = toTable(
      store.registry.resolve("pods"),
      [ready, pending],
      store.resourceVersion(),
      new Date("2026-01-01T00:05:00Z"),
      { version: "v1", includeObject: "Metadata" },
    ) as {
      kind: string;
      columnDefinitions: { name: string; priority: number }[];
      rows: { cells: unknown[]; object: { kind: string; metadata: { name: string } } }[];
    };
    assert.equal(table.kind, "Table");
    assert.deepEqual(
      table.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name),
      ["Name", "Ready", "Status", "Restarts", "Age"],
    );
    assert.deepEqual(table.rows[0]?.cells.slice(0, 7), [
      "web-1",
      "1/1",
      "Running",
      "0",
      "5m",
      "10.0.0.1",
      "n1",
    ]);
    assert.deepEqual(table.rows[1]?.cells.slice(0, 5), ["web-2", "0/1", "ContainerCreating", "0", "5m"]);
    assert.equal(table.rows[0]?.object.kind, "PartialObjectMetadata");
    assert.equal(table.rows[0]?.object.metadata.name, "web-1");
  });
});
