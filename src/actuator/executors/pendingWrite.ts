/**
 * A change whose write was not answered, carried across the retries of one executor call. A write
 * whose answer never came (a timeout) may have landed all the same: the retry, computed again from
 * a fresh read, then finds the change already in place and would make (and report) nothing. So
 * the executor remembers the change it is writing until the write is answered, and a retry that
 * finds exactly that change in place reports it as its own: it is recorded once, not lost.
 * Executors making several writes in one call also keep the changes answered before a later write
 * failed (`done`), which the retry reports too.
 */
import type { ExecutedAction } from "./executedAction.js";

export interface PendingWrite {
  /** The change of the write under way (or whose answer was lost); undefined once answered. */
  pending?: ExecutedAction | undefined;
  /** The object that write was on, for executors writing several objects. */
  object?: string | undefined;
}

/** The pending change, when what is now in place (`now`, on `object`) is what it was making. */
export function landed(attempts: PendingWrite, type: string, now: number, object?: string): ExecutedAction[] {
  const pending = attempts.pending;
  return pending?.type === type && pending.to === now && attempts.object === object ? [pending] : [];
}

/** Writes, remembering the change (and the object written) until the write is answered. */
export async function write(
  attempts: PendingWrite,
  action: ExecutedAction | undefined,
  call: () => Promise<unknown>,
  object?: string,
): Promise<void> {
  attempts.pending = action;
  attempts.object = object;
  await call();
  attempts.pending = undefined;
  attempts.object = undefined;
}

/** The changes of several writes in one executor call, kept across its retries. */
export interface PendingWrites extends PendingWrite {
  /** Changes answered so far, in earlier (failed) attempts and this one. */
  readonly done: ExecutedAction[];
}

export function pendingWrites(): PendingWrites {
  return { done: [] };
}

/** Records a change as made (answered, or found landed), once. */
export function made(attempts: PendingWrites, actions: readonly ExecutedAction[]): void {
  for (const action of actions) {
    if (attempts.pending === action) {
      attempts.pending = undefined;
      attempts.object = undefined;
    }
    if (!attempts.done.includes(action)) attempts.done.push(action);
  }
}
