/**
 * The Lister / ListerFactory port's contract (src/k8s/lister.ts), run against every implementation:
 * the informer-backed listers against the simulated API, and the in-memory double
 * (lister.contract.test.ts). Like test/forecast/models/contract.ts: a function that takes a factory
 * and registers the tests.
 *
 * It pins what the adapter's providers rely on: hasSynced() turns true once the initial list is in,
 * and from then list() holds it; list(namespace) holds that namespace's objects only, list() every
 * namespace's; get(name, namespace) finds one object, get(name) a cluster-scoped one; additions,
 * updates and deletes made afterwards are seen (eventually: an informer learns them from a watch);
 * each resource has its own lister; a resource the factory does not serve has none (undefined).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { GroupResource } from "../../src/k8s/groupResource.js";
import type { KubeObject, Lister, ListerFactory } from "../../src/k8s/lister.js";
import { eventually } from "../harness/eventually.js";

/** An object as the contract writes it: a ConfigMap (namespaced) or a Node (cluster-scoped). */
export interface ContractObject {
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
  };
}

export interface ListerFixture {
  readonly listers: ListerFactory;
  /** Creates the object, or replaces the one of that name, in what the listers reflect. */
  put(gr: GroupResource, object: ContractObject): Promise<void>;
  /** Deletes the object from what the listers reflect. */
  remove(gr: GroupResource, name: string, namespace?: string): Promise<void>;
  close?(): Promise<void>;
}

export interface InitialObject {
  readonly gr: GroupResource;
  readonly object: ContractObject;
}

export const CONFIGMAPS: GroupResource = { group: "", resource: "configmaps" };
export const NODES: GroupResource = { group: "", resource: "nodes" };
const UNKNOWN: GroupResource = { group: "contract.example.com", resource: "widgets" };

const A = "contract-a";
const B = "contract-b";

const cm = (name: string, namespace: string, labels: Record<string, string> = {}): ContractObject => ({
  metadata: { name, namespace, labels },
});
const node = (name: string, labels: Record<string, string> = {}): ContractObject => ({
  metadata: { name, labels },
});

export const INITIAL: readonly InitialObject[] = [
  { gr: CONFIGMAPS, object: cm("one", A, { app: "x" }) },
  { gr: CONFIGMAPS, object: cm("two", A, { app: "y" }) },
  { gr: CONFIGMAPS, object: cm("one", B, { app: "z" }) },
  { gr: NODES, object: node("node-1", { zone: "a" }) },
  { gr: NODES, object: node("node-2", { zone: "b" }) },
];

const names = (objects: readonly KubeObject[]) =>
  objects.map((o) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`).sort();

export function listerContract(
  name: string,
  start: (initial: readonly InitialObject[]) => Promise<ListerFixture>,
): void {
  describe(`Lister contract: ${name}`, { timeout: 30_000 }, () => {
    let fixture: ListerFixture | undefined;
    let configMaps: Lister;
    let nodes: Lister;

    before(async () => {
      fixture = await start(INITIAL);
      const listers = fixture.listers;
      const forConfigMaps = listers.listerFor(CONFIGMAPS);
      const forNodes = listers.listerFor(NODES);
      assert.ok(forConfigMaps && forNodes, "a lister for each served resource");
      configMaps = forConfigMaps;
      nodes = forNodes;
    });
    after(async () => {
      await fixture?.close?.();
    });

    it("syncs, and once synced holds the initial objects", async () => {
      await eventually("the listers synced", () =>
        configMaps.hasSynced() && nodes.hasSynced() ? true : undefined,
      );
      // No waiting past hasSynced: it promises the initial list is in.
      assert.deepEqual(names(configMaps.list()), [`${A}/one`, `${A}/two`, `${B}/one`]);
      assert.deepEqual(names(nodes.list()), ["/node-1", "/node-2"]);
    });

    it("lists one namespace's objects, every namespace's without one, none of an empty namespace", () => {
      assert.deepEqual(names(configMaps.list(A)), [`${A}/one`, `${A}/two`]);
      assert.deepEqual(names(configMaps.list(B)), [`${B}/one`]);
      assert.deepEqual(configMaps.list("contract-empty"), []);
      assert.equal(configMaps.list().length, 3);
    });

    it("gets by name and namespace, cluster-scoped objects by name alone", () => {
      assert.deepEqual(configMaps.get("one", A)?.metadata.labels, { app: "x" });
      assert.deepEqual(configMaps.get("one", B)?.metadata.labels, { app: "z" });
      assert.equal(configMaps.get("one", B)?.metadata.namespace, B);
      assert.equal(configMaps.get("two", B), undefined);
      assert.equal(configMaps.get("missing", A), undefined);
      assert.equal(nodes.get("node-1")?.metadata.name, "node-1");
      assert.deepEqual(nodes.get("node-2")?.metadata.labels, { zone: "b" });
    });

    it("keeps each resource to its own lister, and has none for a resource not served", () => {
      assert.equal(configMaps.get("node-1"), undefined);
      assert.equal(nodes.get("one", A), undefined);
      assert.equal(fixture?.listers.listerFor(UNKNOWN), undefined);
    });

    it("sees objects added, updated and deleted after the sync", async () => {
      const live = fixture as ListerFixture;
      await live.put(CONFIGMAPS, cm("three", B, { app: "new" }));
      await eventually("the addition", () => configMaps.get("three", B));
      assert.deepEqual(names(configMaps.list(B)), [`${B}/one`, `${B}/three`]);

      await live.put(CONFIGMAPS, cm("one", A, { app: "changed" }));
      await eventually("the update", () =>
        configMaps.get("one", A)?.metadata.labels?.app === "changed" ? true : undefined,
      );
      assert.equal(configMaps.list(A).length, 2, "an update replaces, it does not add");

      await live.remove(CONFIGMAPS, "two", A);
      await eventually("the deletion", () => (configMaps.get("two", A) === undefined ? true : undefined));
      assert.deepEqual(names(configMaps.list(A)), [`${A}/one`]);

      await live.put(NODES, node("node-1", { zone: "c" }));
      await live.remove(NODES, "node-2");
      await eventually("the node changes", () =>
        nodes.get("node-1")?.metadata.labels?.zone === "c" && nodes.get("node-2") === undefined
          ? true
          : undefined,
      );
      assert.deepEqual(names(nodes.list()), ["/node-1"]);
      assert.ok(configMaps.hasSynced() && nodes.hasSynced(), "still synced");
    });
  });
}
