/** Arithmetic on resource triples (CPU millicores, memory bytes, GPUs) for scheduling and packing. */
import type { Resources } from "./types.js";

/** A mutable resource triple (a node's free room, a packing bin). */
export interface Room {
  cpuMilli: number;
  memoryBytes: number;
  gpu: number;
}

export function roomOf(r: Resources): Room {
  return { cpuMilli: r.cpuMilli, memoryBytes: r.memoryBytes, gpu: r.gpu };
}

export function fits(request: Resources, room: Resources): boolean {
  return (
    request.cpuMilli <= room.cpuMilli && request.memoryBytes <= room.memoryBytes && request.gpu <= room.gpu
  );
}

export function take(room: Room, request: Resources): void {
  room.cpuMilli -= request.cpuMilli;
  room.memoryBytes -= request.memoryBytes;
  room.gpu -= request.gpu;
}

export function give(room: Room, request: Resources): void {
  room.cpuMilli += request.cpuMilli;
  room.memoryBytes += request.memoryBytes;
  room.gpu += request.gpu;
}

export function matchesSelector(
  labels: Readonly<Record<string, string>>,
  selector: Readonly<Record<string, string>> | undefined,
): boolean {
  if (selector === undefined) return true;
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

/** Throw if a resource triple has a negative or non-finite part; `what` names the object for the message. */
export function checkResources(r: Resources, what: string): void {
  for (const [k, v] of Object.entries(r))
    if (!(Number.isFinite(v) && v >= 0))
      throw new RangeError(`${what}: ${k} = ${v} must be a finite number ≥ 0`);
}
