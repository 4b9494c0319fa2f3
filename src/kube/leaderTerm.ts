/**
 * Fencing of the leader's writes. A replica may write as leader only within its term: the time in
 * which no other replica can have taken the Lease, which the elector knows as "renewDeadline after
 * the start of the last successful renewal" (a candidate waits a whole leaseDuration, longer than
 * renewDeadline, after it last saw the record change). A write is refused when the term is over,
 * and cancelled when the term ends before the API server served it, so a deposed leader's write
 * can never land after a new leader's: not one sent late, and not one held up in the network.
 *
 * The limit: a request the API server has started to serve when the term ends is not taken back.
 * That is the same window client-go's leader election leaves.
 */

/** Leadership as the writer sees it (LeaderElector implements it). */
export interface LeaderTerm {
  /** Milliseconds left in which this replica may write as leader; 0 when it is not the leader. */
  writableForMs(): number;
}

/** A write refused or cancelled because this replica is not (or no longer) the leader. */
export class NotLeaderError extends Error {
  override readonly name = "NotLeaderError";
}

export function isNotLeaderError(err: unknown): boolean {
  return err instanceof NotLeaderError;
}

/**
 * Runs `call` with a signal, and fails it with `timeout()` after `timeoutMs`, or with a
 * NotLeaderError as soon as `term` (when given) has run out, checking again each time it would
 * have: a renewal meanwhile extends the term. The signal is aborted either way, so a request not
 * yet served is cancelled; a late answer is ignored.
 */
export function bounded<T>(
  what: string,
  timeoutMs: number,
  timeout: () => Error,
  call: (signal: AbortSignal) => Promise<T>,
  term?: LeaderTerm,
): Promise<T> {
  const startMs = Date.now();
  const left = term?.writableForMs();
  if (left !== undefined && left <= 0)
    return Promise.reject(new NotLeaderError(`${what} refused: this replica is not the leader`));
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const fail = (err: Error) => {
      controller.abort(err);
      reject(err);
    };
    const arm = () => {
      const timeoutLeft = startMs + timeoutMs - Date.now();
      const termLeft = term ? term.writableForMs() : Number.POSITIVE_INFINITY;
      if (termLeft <= 0 && timeoutLeft > 0) {
        fail(new NotLeaderError(`${what} cancelled: the leader's term ended before it was answered`));
        return;
      }
      if (timeoutLeft <= 0) {
        fail(timeout());
        return;
      }
      timer = setTimeout(arm, Math.max(1, Math.min(timeoutLeft, termLeft)));
    };
    arm();
    call(controller.signal).then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(controller.signal.aborted ? controller.signal.reason : err);
      },
    );
  });
}
