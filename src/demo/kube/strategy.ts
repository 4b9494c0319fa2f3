/**
 * The REST strategies' status rules, for writes that come through the HTTP API (the store's
 * programmatic methods write whole objects, as a controller inside the simulator would):
 * - create drops client-sent status and starts from the type's initial status;
 * - update/patch of the main resource keeps the stored status;
 * - update/patch of `/status` changes only status.
 */
import type { ObjectInput, StoredObject } from "./objects.js";
import type { ResourceType } from "./resourceTypeShape.js";

export function prepareApiCreate(type: ResourceType, obj: ObjectInput): ObjectInput {
  if (!type.initialStatus) return obj;
  return { ...obj, status: type.initialStatus() };
}

export function prepareApiUpdate(
  type: ResourceType,
  subresource: string | undefined,
  existing: StoredObject,
  next: ObjectInput,
): ObjectInput {
  if (subresource === "status") {
    const { status: _ignored, ...rest } = structuredClone(existing);
    const metadata = { ...rest.metadata, resourceVersion: next.metadata?.resourceVersion ?? "" };
    return next.status === undefined ? { ...rest, metadata } : { ...rest, metadata, status: next.status };
  }
  if (!type.subresources.includes("status")) return next;
  const { status: _dropped, ...rest } = next;
  return existing.status === undefined ? rest : { ...rest, status: structuredClone(existing.status) };
}
