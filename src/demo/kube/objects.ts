/**
 * JSON shapes the simulated Kubernetes API stores and serves. Objects are kept as plain JSON (what the
 * wire carries) rather than typed per kind, so one store serves every registered resource type.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** metadata as the store keeps it: the server-owned fields are always set. */
export interface StoredMeta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  generation?: number;
  generateName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** An object as stored and served: apiVersion, kind and server-owned metadata are filled in. */
export interface StoredObject {
  apiVersion: string;
  kind: string;
  metadata: StoredMeta;
  [key: string]: unknown;
}

/** An object as a client sends it: everything but the body's own fields is optional. */
export interface ObjectInput {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    generateName?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

/** One line of a watch stream (metav1.WatchEvent). */
export interface WatchEvent {
  type: WatchEventType;
  object: StoredObject | Record<string, unknown>;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
