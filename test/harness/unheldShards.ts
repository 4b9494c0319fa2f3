/**
 * Watches shard Leases for spans without a holder, polling on real time: how long the longest span
 * lasted, and which shards are unheld when the watch stops (looked at once more then, so a shard
 * taken just before is not counted as unheld).
 */
export interface UnheldWatch {
  stop(): { readonly longestMs: number; readonly unheld: readonly number[] };
}

export function watchUnheld(
  shards: number,
  holderOf: (shard: number) => string | undefined,
  everyMs = 5,
): UnheldWatch {
  const since = new Map<number, number>();
  let longestMs = 0;
  const look = () => {
    const now = Date.now();
    for (let s = 0; s < shards; s++) {
      if (holderOf(s) === undefined) {
        if (!since.has(s)) since.set(s, now);
        longestMs = Math.max(longestMs, now - (since.get(s) as number));
      } else since.delete(s);
    }
  };
  const timer = setInterval(look, everyMs);
  return {
    stop() {
      clearInterval(timer);
      look();
      return { longestMs, unheld: [...since.keys()] };
    },
  };
}
