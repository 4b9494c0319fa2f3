/**
 * In-memory Lister and ListerFactory (src/k8s/lister.ts) for tests of what reads the informers'
 * caches (the adapter's providers): objects put in by the test, visible at once. They keep the
 * port's contract (test/contracts/lister.contract.ts), as the informer-backed listers
 * (src/kube/informers.ts) do: list by namespace or across all, get by name and namespace (no
 * namespace: a cluster-scoped object), hasSynced once the initial objects are in, updates and
 * deletes seen, undefined for a resource the factory does not serve.
 */
import type { GroupResource } from "../../src/k8s/groupResource.js";
import type { KubeObject, Lister, ListerFactory } from "../../src/k8s/lister.js";

export interface MemoryListerOptions {
  /** Whether the initial list is in (HasSynced). Default true. */
  readonly synced?: boolean;
}

export class MemoryLister<T extends KubeObject = KubeObject> implements Lister<T> {
  /** namespace ("" for cluster-scoped) → name → object. */
  readonly #objects = new Map<string, Map<string, T>>();
  #synced: boolean;

  constructor(objects: readonly T[] = [], options: MemoryListerOptions = {}) {
    for (const object of objects) this.put(object);
    this.#synced = options.synced ?? true;
  }

  list(namespace?: string): readonly T[] {
    if (namespace === undefined) return [...this.#objects.values()].flatMap((bucket) => [...bucket.values()]);
    return [...(this.#objects.get(namespace)?.values() ?? [])];
  }

  get(name: string, namespace?: string): T | undefined {
    return this.#objects.get(namespace ?? "")?.get(name);
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  /** The initial list is in (or not, to test what waits for it). */
  setSynced(synced = true): this {
    this.#synced = synced;
    return this;
  }

  /** Adds or replaces an object (a watch's ADDED or MODIFIED). */
  put(object: T): this {
    const namespace = object.metadata.namespace ?? "";
    let bucket = this.#objects.get(namespace);
    if (!bucket) {
      bucket = new Map();
      this.#objects.set(namespace, bucket);
    }
    bucket.set(object.metadata.name, object);
    return this;
  }

  /** Removes an object (a watch's DELETED); true when it was there. */
  remove(name: string, namespace?: string): boolean {
    return this.#objects.get(namespace ?? "")?.delete(name) ?? false;
  }

  /** Replaces every object (a relist) and marks the lister synced. */
  replace(objects: readonly T[]): this {
    this.#objects.clear();
    for (const object of objects) this.put(object);
    this.#synced = true;
    return this;
  }
}

function key(gr: GroupResource): string {
  return `${gr.resource}.${gr.group}`;
}

/** Listers by group-resource; `listerFor` answers only the resources given or added. */
export class MemoryListerFactory implements ListerFactory {
  readonly #listers = new Map<string, MemoryLister>();

  constructor(listers: readonly (readonly [GroupResource, MemoryLister])[] = []) {
    for (const [gr, lister] of listers) this.#listers.set(key(gr), lister);
  }

  listerFor(gr: GroupResource): Lister | undefined {
    return this.#listers.get(key(gr));
  }

  /** The lister of `gr`, made (synced, empty) on first use: for a test to put objects in. */
  lister(gr: GroupResource): MemoryLister {
    let lister = this.#listers.get(key(gr));
    if (!lister) {
      lister = new MemoryLister();
      this.#listers.set(key(gr), lister);
    }
    return lister;
  }
}
