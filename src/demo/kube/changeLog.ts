/**
 * The per-resource-type event history behind watches (the apiserver's watch cache, reduced):
 * a bounded ring of changes, and the rule that turns one change into the event a given watcher
 * sees under its selectors.
 */
import type { StoredObject, WatchEvent } from "./objects.js";

export interface ChangeEvent {
  /** The global resourceVersion this change was written at. */
  readonly rv: number;
  readonly type: "ADDED" | "MODIFIED" | "DELETED";
  /** The new state; for DELETED, the last state stamped with the deletion's resourceVersion. */
  readonly object: StoredObject;
  /** The state before the change (absent for ADDED). */
  readonly prevObject?: StoredObject;
}

/** Whether a watcher wants an object: its namespace (if any) and its label/field selectors. */
export type ObjectFilter = (obj: StoredObject) => boolean;

/**
 * The event a filtered watcher sees for `change` (apiserver `cacheWatcher.convertToWatchEvent`):
 * an object that starts matching arrives as ADDED, one that stops matching leaves as DELETED
 * (its previous content, stamped with the change's resourceVersion), and one that matches on
 * neither side is not sent at all.
 */
export function eventForWatcher(change: ChangeEvent, wants: ObjectFilter): WatchEvent | undefined {
  const current = change.type !== "DELETED" && wants(change.object);
  const previous = change.prevObject !== undefined && wants(change.prevObject);
  if (current && !previous) return { type: "ADDED", object: change.object };
  if (current && previous) return { type: "MODIFIED", object: change.object };
  if (!current && previous && change.prevObject) {
    if (change.type === "DELETED") return { type: "DELETED", object: change.object };
    const gone = structuredClone(change.prevObject);
    gone.metadata.resourceVersion = String(change.rv);
    return { type: "DELETED", object: gone };
  }
  return undefined;
}

/** A bounded history of changes to one resource type. */
export class ChangeLog {
  readonly #capacity: number;
  #events: ChangeEvent[] = [];
  /** Every change with rv > floor is still held. */
  #floor = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new Error(`watch history size must be a positive integer, got ${capacity}`);
    }
    this.#capacity = capacity;
  }

  append(change: ChangeEvent): void {
    this.#events.push(change);
    if (this.#events.length > this.#capacity) {
      const dropped = this.#events.splice(0, this.#events.length - this.#capacity);
      this.#floor = dropped[dropped.length - 1]?.rv ?? this.#floor;
    }
  }

  /** The resourceVersion below which history is gone (a watch from below it gets 410 Expired). */
  floor(): number {
    return this.#floor;
  }

  /** Changes after `rv`, oldest first; undefined when some of them were already dropped. */
  since(rv: number): readonly ChangeEvent[] | undefined {
    if (rv < this.#floor) return undefined;
    return this.#events.filter((e) => e.rv > rv);
  }
}
