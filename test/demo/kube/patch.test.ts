import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  PatchError,
} from "../../../src/demo/kube/patch.js";

describe("applyMergePatch (RFC 7386)", () => {
  const cases: { name: string; target: unknown; patch: unknown; expect: unknown }[] = [
    {
      name: "adds and replaces keys",
      target: { a: 1, b: 2 },
      patch: { b: 3, c: 4 },
      expect: { a: 1, b: 3, c: 4 },
    },
    { name: "null deletes", target: { a: 1, b: 2 }, patch: { a: null }, expect: { b: 2 } },
    {
      name: "merges nested maps",
      target: { m: { x: 1, y: 2 } },
      patch: { m: { y: null, z: 3 } },
      expect: { m: { x: 1, z: 3 } },
    },
    { name: "replaces lists", target: { l: [1, 2, 3] }, patch: { l: [4] }, expect: { l: [4] } },
    { name: "a non-object patch replaces", target: { a: 1 }, patch: [1], expect: [1] },
    {
      name: "an object replaces a scalar",
      target: { a: 1 },
      patch: { a: { b: 1 } },
      expect: { a: { b: 1 } },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(applyMergePatch(c.target, c.patch), c.expect));
  }

  it("leaves the target untouched", () => {
    const target = { m: { x: 1 } };
    applyMergePatch(target, { m: { x: 2 } });
    assert.deepEqual(target, { m: { x: 1 } });
  });
});

describe("applyStrategicMergePatch (merge keys by field name)", () => {
  const pod = {
    spec: {
      containers: [
        { name: "app", image: "app:1", env: [{ name: "A", value: "1" }] },
        { name: "sidecar", image: "side:1" },
      ],
      tolerations: [{ key: "a" }, { key: "b" }],
    },
  };
  const cases: { name: string; target: unknown; patch: unknown; expect: unknown }[] = [
    {
      name: "merges containers by name, nested env by name",
      target: pod,
      patch: { spec: { containers: [{ name: "app", image: "app:2", env: [{ name: "B", value: "2" }] }] } },
      expect: {
        spec: {
          containers: [
            {
              name: "app",
              image: "app:2",
              env: [
                { name: "A", value: "1" },
                { name: "B", value: "2" },
              ],
            },
            { name: "sidecar", image: "side:1" },
          ],
          tolerations: [{ key: "a" }, { key: "b" }],
        },
      },
    },
    {
      name: "deletes a list item with $patch: delete and ignores $setElementOrder",
      target: pod,
      patch: {
        spec: {
          "$setElementOrder/containers": [{ name: "app" }],
          containers: [{ $patch: "delete", name: "sidecar" }],
        },
      },
      expect: { spec: { containers: [pod.spec.containers[0]], tolerations: pod.spec.tolerations } },
    },
    {
      name: "replaces lists without a merge key",
      target: pod,
      patch: { spec: { tolerations: [{ key: "c" }] } },
      expect: { spec: { containers: pod.spec.containers, tolerations: [{ key: "c" }] } },
    },
    {
      name: "keys service ports by port and container ports by containerPort",
      target: { spec: { ports: [{ port: 80, name: "http" }] }, c: { ports: [{ containerPort: 8080 }] } },
      patch: {
        spec: { ports: [{ port: 81 }, { $patch: "delete", port: 80 }] },
        c: { ports: [{ containerPort: 8080, name: "x" }] },
      },
      expect: { spec: { ports: [{ port: 81 }] }, c: { ports: [{ containerPort: 8080, name: "x" }] } },
    },
    {
      name: "$patch: replace on a map replaces it",
      target: { m: { a: 1, b: 2 } },
      patch: { m: { $patch: "replace", c: 3 } },
      expect: { m: { c: 3 } },
    },
    {
      name: "$deleteFromPrimitiveList removes values",
      target: { metadata: { finalizers: ["a", "b", "c"] } },
      patch: { metadata: { "$deleteFromPrimitiveList/finalizers": ["b"] } },
      expect: { metadata: { finalizers: ["a", "c"] } },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(applyStrategicMergePatch(c.target, c.patch), c.expect));
  }
});

describe("applyJsonPatch (RFC 6902)", () => {
  const doc = { spec: { replicas: 1, list: ["a", "b"] }, metadata: { "a/b": "x" } };
  const cases: { name: string; ops: unknown; expect: unknown }[] = [
    {
      name: "replace",
      ops: [{ op: "replace", path: "/spec/replicas", value: 3 }],
      expect: { ...doc, spec: { ...doc.spec, replicas: 3 } },
    },
    {
      name: "add to the end of a list and into a map",
      ops: [
        { op: "add", path: "/spec/list/-", value: "c" },
        { op: "add", path: "/spec/paused", value: true },
      ],
      expect: { ...doc, spec: { replicas: 1, list: ["a", "b", "c"], paused: true } },
    },
    {
      name: "remove with an escaped key, insert at an index",
      ops: [
        { op: "remove", path: "/metadata/a~1b" },
        { op: "add", path: "/spec/list/0", value: "z" },
      ],
      expect: { spec: { replicas: 1, list: ["z", "a", "b"] }, metadata: {} },
    },
    {
      name: "move, copy and a passing test",
      ops: [
        { op: "test", path: "/spec/replicas", value: 1 },
        { op: "copy", from: "/spec/replicas", path: "/spec/min" },
        { op: "move", from: "/spec/list", path: "/items" },
      ],
      expect: { spec: { replicas: 1, min: 1 }, metadata: doc.metadata, items: ["a", "b"] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(applyJsonPatch(doc, c.ops), c.expect));
  }

  it("fails on a failed test, a missing path and a bad op", () => {
    for (const ops of [
      [{ op: "test", path: "/spec/replicas", value: 2 }],
      [{ op: "replace", path: "/spec/nope", value: 1 }],
      [{ op: "remove", path: "/spec/list/5" }],
      [{ op: "frobnicate", path: "/spec" }],
      { op: "add" },
    ]) {
      assert.throws(() => applyJsonPatch(doc, ops), PatchError, JSON.stringify(ops));
    }
    assert.deepEqual(doc.spec.list, ["a", "b"]);
  });
});
