/**
 * Sharded leader election: the scalers are split into a fixed number of shards
 * (src/actuator/shards.ts) and each shard is led through its own coordination.k8s.io/v1 Lease
 * `<name>-shard-<i>`, by a LeaderElector (client-go semantics, src/kube/leaderElection.ts) per shard
 * this replica holds or reaches for. So a replica acts only for the shards whose Lease it holds, each
 * write is fenced by its shard's term (as LeaderTerm fences the single leader's), and a replica that
 * dies loses its shards as a leader loses its Lease: the others take them once the Leases expire.
 *
 * Who holds how many: every replica renews a membership Lease `<name>-member-<identity>` (labelled
 * with its shard count) each retry period, and lists the namespace's Leases once a round (one round
 * per retry period). The live replicas are the members whose Lease it has seen change within its
 * lease duration, judged on its own clock as the elector judges a holder. With m live replicas and
 * n shards a replica reaches for free shards while it holds fewer than ceil(n / m), and hands one
 * back per round (released: empty holder, as on a graceful stop) while it holds more than that, or
 * more than floor(n / m) while a live replica holds fewer and no shard is free. A new replica so
 * gets its share one shard at a time, each taken within a round of its release, and never a pause
 * for the others. A shard nobody took for a whole lease duration is taken whatever the share, so a
 * wrong count of replicas cannot leave a shard unheld.
 *
 * Safety does not rest on the counting: two replicas can never both hold a shard's Lease. Nor may a
 * replica act beside one that splits the scalers differently: while the plain Lease `<name>` has a
 * live holder (a replica running with one shard, or an older version) or a live member has another
 * shard count, this replica holds no shard and says why (a roll that changes the shard count acts
 * again once the old replicas are gone).
 */
import { rendezvousScore } from "../actuator/shards.js";
import {
  type ElectionLogger,
  formatMicroTime,
  globalTimers,
  LeaderElector,
  type LeaderElectorOptions,
  type LeaseRecord,
  type LeaseSpec,
  type NamedLeaseRecord,
  type ShardLeaseStore,
  type StopOptions,
  sameRecord,
  type TimeoutTimers,
} from "./leaderElection.js";
import { kubeStatusCode } from "./retry.js";

/** The label on a membership Lease giving the replica's shard count. */
export const SHARD_COUNT_LABEL = "foresight.dev/shards";

/** A membership Lease released or dead for this many lease durations is deleted by whoever sees it. */
const MEMBER_GC_LEASE_DURATIONS = 10;

/** Rebalancing pauses this many lease durations after a shard handed over was taken by nobody. */
const REBALANCE_PAUSE_LEASE_DURATIONS = 10;

export function shardLeaseName(name: string, shard: number): string {
  return `${name}-shard-${shard}`;
}

function memberPrefix(name: string): string {
  return `${name}-member-`;
}

/** The membership Lease's name: the identity as a DNS subdomain (lower case, [a-z0-9.-]). */
export function memberLeaseName(name: string, identity: string): string {
  const slug = identity
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, "-")
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");
  return `${memberPrefix(name)}${slug || "replica"}`.slice(0, 253).replace(/[^a-z0-9]+$/, "");
}

/** Which shards a replica holds, as the controller, the self-metrics and the review API read it. */
export interface ShardOwnership {
  readonly shards: number;
  /** Whether this replica holds the shard's Lease now (within its term). */
  holds(shard: number): boolean;
  /** The rest of this replica's term on the shard (LeaderTerm per shard); 0 when not held. */
  writableForMs(shard: number): number;
  status(): ShardStatus;
}

export interface ShardStatus {
  readonly identity: string;
  readonly shards: number;
  /** The shards this replica holds, ascending. */
  readonly held: readonly number[];
  /** Identities of the live replicas seen (this one included); undefined with a single leader Lease. */
  readonly members?: readonly string[];
  /** Per shard, its holder as last seen (undefined: none, or its Lease has expired). */
  readonly holders: readonly (string | undefined)[];
  /** Why this replica holds no shard although it could, when it is held back. */
  readonly blocked?: string;
}

/** As a LeaderElector's (the timing applies to every shard's elector and to the rounds). */
export interface ShardElectionOptions
  extends Pick<
    LeaderElectorOptions,
    | "namespace"
    | "identity"
    | "leaseDurationMs"
    | "renewDeadlineMs"
    | "retryPeriodMs"
    | "clock"
    | "timers"
    | "random"
    | "logger"
  > {
  readonly store: ShardLeaseStore;
  /** The base name: shard Leases are `<name>-shard-<i>`, membership Leases `<name>-member-<identity>`. */
  readonly name: string;
  readonly shards: number;
  /** This replica now holds the shard (called once per acquisition). */
  onAcquired(shard: number): void;
  /** This replica no longer holds the shard (released, or its renewal failed for renewDeadline). */
  onLost(shard: number): void;
}

interface Seen {
  readonly record: NamedLeaseRecord;
  /** When (our clock) the record was last seen to change. */
  readonly changedAtMs: number;
}

/** The elector's own lines go to debug: the shard election says what matters once per round. */
function quiet(logger: ElectionLogger | undefined): ElectionLogger | undefined {
  return (
    logger && {
      info: (o, m) => logger.debug(o, m),
      warn: (o, m) => logger.warn(o, m),
      debug: (o, m) => logger.debug(o, m),
    }
  );
}

export class ShardElection implements ShardOwnership {
  readonly shards: number;
  readonly #o: ShardElectionOptions;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #timers: TimeoutTimers;
  readonly #electors = new Map<number, LeaderElector>();
  /** Shards being handed back on purpose (their loss is not news). */
  readonly #releasing = new Set<number>();
  readonly #seen = new Map<string, Seen>();
  /** Per free shard, since when (our clock) it has been seen free. */
  readonly #freeSince = new Map<number, number>();
  #member: LeaseRecord | undefined;
  #members: readonly string[];
  #blocked: string | undefined;
  #acquired: number[] = [];
  #rounds = 0;
  #lastReleaseMs = Number.NEGATIVE_INFINITY;
  /** Shards this replica handed over to rebalance, and when: not taken back while another may take them. */
  readonly #handedOver = new Map<number, number>();
  #rebalancePausedUntilMs = Number.NEGATIVE_INFINITY;
  #running = false;
  #timer: unknown;
  #inFlight: Promise<void> | undefined;

  constructor(options: ShardElectionOptions) {
    if (!Number.isInteger(options.shards) || options.shards < 1)
      throw new RangeError(`ShardElection: shards must be a positive integer, got ${options.shards}`);
    this.#o = options;
    this.shards = options.shards;
    this.#leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.#retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.#timers = options.timers ?? globalTimers;
    this.#members = [options.identity];
    // The electors check the timing; one made here fails the construction, not the first round.
    new LeaderElector(this.#electorOptions(0));
  }

  start(): void {
    if (this.#running) throw new Error(`ShardElection ${this.#o.identity}: already started`);
    this.#running = true;
    this.#o.logger?.info(
      {
        lease: `${this.#o.namespace}/${shardLeaseName(this.#o.name, 0)}…`,
        shards: this.shards,
        identity: this.#o.identity,
      },
      "sharded leader election started",
    );
    this.#schedule(0);
  }

  holds(shard: number): boolean {
    return this.#electors.get(shard)?.isLeader() ?? false;
  }

  writableForMs(shard: number): number {
    return this.#electors.get(shard)?.writableForMs() ?? 0;
  }

  heldShards(): number[] {
    return [...this.#electors.keys()].filter((s) => this.holds(s)).sort((a, b) => a - b);
  }

  status(): ShardStatus {
    const now = this.#o.clock.now();
    const holders = Array.from({ length: this.shards }, (_, s) =>
      this.holds(s) ? this.#o.identity : this.#liveHolder(shardLeaseName(this.#o.name, s), now),
    );
    return {
      identity: this.#o.identity,
      shards: this.shards,
      held: this.heldShards(),
      members: [...this.#members],
      holders,
      ...(this.#blocked !== undefined ? { blocked: this.#blocked } : {}),
    };
  }

  /** Stops the rounds and every shard's elector (handing the shards back with `release`), and leaves. */
  async stop(options: StopOptions = {}): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#inFlight) await this.#inFlight;
    const held = this.heldShards();
    for (const s of this.#electors.keys()) this.#releasing.add(s);
    await Promise.all([...this.#electors.values()].map((e) => e.stop(options)));
    this.#electors.clear();
    this.#releasing.clear();
    if (options.release && this.#member) {
      await this.#o.store
        .delete(
          this.#o.namespace,
          this.#memberName(),
          this.#member.resourceVersion,
          AbortSignal.timeout(this.#renewDeadlineMs),
        )
        .catch((err: unknown) =>
          this.#o.logger?.warn({ err, identity: this.#o.identity }, "cannot delete the membership Lease"),
        );
    }
    this.#o.logger?.info(
      { identity: this.#o.identity, ...(options.release ? { released: held } : { held }) },
      "sharded leader election stopped",
    );
  }

  #memberName(): string {
    return memberLeaseName(this.#o.name, this.#o.identity);
  }

  #electorOptions(shard: number) {
    return {
      store: this.#o.store,
      namespace: this.#o.namespace,
      name: shardLeaseName(this.#o.name, shard),
      identity: this.#o.identity,
      leaseDurationMs: this.#leaseDurationMs,
      renewDeadlineMs: this.#renewDeadlineMs,
      retryPeriodMs: this.#retryPeriodMs,
      clock: this.#o.clock,
      timers: this.#timers,
      ...(this.#o.random ? { random: this.#o.random } : {}),
      onStartedLeading: () => {
        this.#acquired.push(shard);
        this.#call("onAcquired", () => this.#o.onAcquired(shard));
      },
      onStoppedLeading: () => {
        if (!this.#releasing.has(shard))
          this.#o.logger?.info(
            {
              shard,
              lease: `${this.#o.namespace}/${shardLeaseName(this.#o.name, shard)}`,
              identity: this.#o.identity,
            },
            "shard lost: its Lease could not be renewed in time",
          );
        this.#call("onLost", () => this.#o.onLost(shard));
      },
      ...(this.#o.logger ? { logger: quiet(this.#o.logger) as ElectionLogger } : {}),
    };
  }

  #call(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#o.logger?.warn({ err, identity: this.#o.identity }, `${name} callback threw`);
    }
  }

  #schedule(ms: number): void {
    if (!this.#running) return;
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      this.#inFlight = this.#round().finally(() => {
        this.#inFlight = undefined;
        this.#schedule(this.#retryPeriodMs);
      });
    }, ms);
  }

  async #round(): Promise<void> {
    this.#logAcquired();
    const signal = AbortSignal.timeout(this.#renewDeadlineMs);
    try {
      await this.#heartbeat(signal);
    } catch (err) {
      this.#o.logger?.warn({ err, identity: this.#o.identity }, "cannot renew the membership Lease");
    }
    let leases: NamedLeaseRecord[];
    try {
      leases = await this.#o.store.list(this.#o.namespace, signal);
    } catch (err) {
      this.#o.logger?.warn(
        { err, identity: this.#o.identity },
        "cannot list the Leases; shards held are still renewed",
      );
      return;
    }
    if (!this.#running) return;
    const now = this.#o.clock.now();
    this.#observe(leases, now);
    await this.#collectGarbage(now, signal);
    this.#decide(now);
    this.#rounds++;
  }

  #logAcquired(): void {
    if (this.#acquired.length === 0) return;
    const acquired = this.#acquired.sort((a, b) => a - b);
    this.#acquired = [];
    this.#o.logger?.info(
      { shards: acquired, held: this.heldShards(), identity: this.#o.identity },
      acquired.length === 1 ? "shard acquired" : "shards acquired",
    );
  }

  async #heartbeat(signal: AbortSignal): Promise<void> {
    const { store, namespace, identity } = this.#o;
    const name = this.#memberName();
    const now = formatMicroTime(this.#o.clock.now());
    const spec: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.#leaseDurationMs / 1000)),
      acquireTime: this.#member?.spec.acquireTime ?? now,
      renewTime: now,
      leaseTransitions: 0,
    };
    const labels = { [SHARD_COUNT_LABEL]: String(this.shards) };
    if (this.#member) {
      try {
        this.#member = await store.replace(
          namespace,
          name,
          spec,
          this.#member.resourceVersion,
          signal,
          labels,
        );
        return;
      } catch (err) {
        signal.throwIfAborted();
        const code = kubeStatusCode(err);
        if (code !== 409 && code !== 404) throw err;
      }
    }
    const current = await store.get(namespace, name, signal);
    this.#member = current
      ? await store.replace(namespace, name, spec, current.resourceVersion, signal, labels)
      : await store.create(namespace, name, spec, signal, labels);
  }

  #observe(leases: readonly NamedLeaseRecord[], now: number): void {
    const names = new Set<string>();
    for (const lease of leases) {
      names.add(lease.name);
      const before = this.#seen.get(lease.name);
      this.#seen.set(lease.name, {
        record: lease,
        changedAtMs: before && sameRecord(before.record.spec, lease.spec) ? before.changedAtMs : now,
      });
    }
    for (const name of [...this.#seen.keys()]) if (!names.has(name)) this.#seen.delete(name);
  }

  #validUntil(seen: Seen): number {
    const seconds = seen.record.spec.leaseDurationSeconds;
    return seen.changedAtMs + (seconds !== undefined && seconds > 0 ? seconds * 1000 : this.#leaseDurationMs);
  }

  /** The holder of the Lease when it has one whose term has not run out (by what this replica saw). */
  #liveHolder(name: string, now: number): string | undefined {
    const seen = this.#seen.get(name);
    const holder = seen?.record.spec.holderIdentity;
    return seen && holder && this.#validUntil(seen) > now ? holder : undefined;
  }

  /** Membership Leases released or dead for long (replicas gone without a word) are deleted. */
  async #collectGarbage(now: number, signal: AbortSignal): Promise<void> {
    const prefix = memberPrefix(this.#o.name);
    for (const [name, seen] of this.#seen) {
      if (!name.startsWith(prefix) || name === this.#memberName()) continue;
      const released = !seen.record.spec.holderIdentity;
      if (!released && this.#validUntil(seen) + MEMBER_GC_LEASE_DURATIONS * this.#leaseDurationMs > now)
        continue;
      try {
        await this.#o.store.delete(this.#o.namespace, name, seen.record.resourceVersion, signal);
        this.#seen.delete(name);
        this.#o.logger?.debug(
          { lease: `${this.#o.namespace}/${name}` },
          "membership Lease of a gone replica deleted",
        );
      } catch (err) {
        this.#o.logger?.debug(
          { err, lease: `${this.#o.namespace}/${name}` },
          "cannot delete a gone replica's membership Lease",
        );
      }
    }
  }

  /** Live members (this replica included) and why this replica must hold nothing, if it must. */
  #membership(now: number): { members: string[]; blocked: string | undefined } {
    const { name, namespace, identity } = this.#o;
    const members = new Set([identity]);
    let blocked: string | undefined;
    const legacy = this.#liveHolder(name, now);
    if (legacy !== undefined)
      blocked = `Lease ${namespace}/${name} is held by ${legacy}, a replica that acts for every scaler (shards: 1, or an older version); this replica takes no shard until it is gone`;
    const prefix = memberPrefix(name);
    for (const [leaseName, seen] of this.#seen) {
      if (!leaseName.startsWith(prefix)) continue;
      const holder = this.#liveHolder(leaseName, now);
      if (holder === undefined || holder === identity) continue;
      members.add(holder);
      const theirs = seen.record.labels?.[SHARD_COUNT_LABEL];
      if (theirs !== String(this.shards) && blocked === undefined)
        blocked = `replica ${holder} splits the scalers into ${theirs ?? "an unknown number of"} shards, this one into ${this.shards}; this replica takes no shard until they agree`;
    }
    return { members: [...members].sort(), blocked };
  }

  #decide(now: number): void {
    const { members, blocked } = this.#membership(now);
    this.#members = members;
    if (blocked !== this.#blocked) {
      if (blocked !== undefined) this.#o.logger?.warn({ identity: this.#o.identity }, blocked);
      else if (this.#blocked !== undefined)
        this.#o.logger?.info({ identity: this.#o.identity }, "no longer held back: taking shards");
      this.#blocked = blocked;
    }
    if (blocked !== undefined) {
      for (const shard of [...this.#electors.keys()]) this.#drop(shard);
      return;
    }
    const { identity, name } = this.#o;
    // Candidates that lost the race to another replica stop reaching for the shard.
    for (const [shard, elector] of [...this.#electors]) {
      const holder = this.#liveHolder(shardLeaseName(name, shard), now);
      if (!elector.isLeader() && holder !== undefined && holder !== identity) this.#drop(shard);
    }
    const held = this.heldShards();
    const candidates = this.#electors.size - held.length;
    const cap = Math.ceil(this.shards / members.length);
    const floor = Math.floor(this.shards / members.length);
    const free: number[] = [];
    const counts = new Map<string, number>(members.map((m) => [m, 0]));
    for (let s = 0; s < this.shards; s++) {
      const holder = this.#liveHolder(shardLeaseName(name, s), now);
      if (holder !== undefined) counts.set(holder, (counts.get(holder) ?? 0) + 1);
      if (holder === undefined && !this.#electors.has(s)) {
        if (!this.#freeSince.has(s)) this.#freeSince.set(s, now);
        free.push(s);
      } else this.#freeSince.delete(s);
    }
    const prefer = (a: number, b: number) => {
      const x = this.#score(a);
      const y = this.#score(b);
      return x === y ? a - b : x > y ? -1 : 1;
    };

    // Shards handed over that another replica took are done with.
    for (const shard of [...this.#handedOver.keys()]) {
      const holder = this.#liveHolder(shardLeaseName(name, shard), now);
      if (holder !== undefined && holder !== identity) this.#handedOver.delete(shard);
    }

    // Hand one shard back per round while above the share, once nothing is left free.
    const someoneShort = [...counts.values()].some((c) => c < floor);
    if (
      free.length === 0 &&
      (held.length > cap || (held.length > floor && someoneShort)) &&
      now - this.#lastReleaseMs >= this.#retryPeriodMs &&
      now >= this.#rebalancePausedUntilMs
    ) {
      const shard = [...held].sort(prefer).at(-1) as number;
      this.#lastReleaseMs = now;
      this.#handedOver.set(shard, now);
      this.#o.logger?.info(
        { shard, held: held.length - 1, share: `${floor}-${cap}`, replicas: members.length, identity },
        "shard released to rebalance",
      );
      this.#drop(shard);
      return;
    }

    // The first round only announces this replica, so the others are counted before it reaches.
    if (this.#rounds === 0) return;
    let room = cap - held.length - candidates;
    for (const shard of free.sort(prefer)) {
      const unclaimedForLong = now - (this.#freeSince.get(shard) ?? now) >= this.#leaseDurationMs;
      // A shard this replica handed over is left to the others, unless none took it for a lease duration.
      if ((room <= 0 || this.#handedOver.has(shard)) && !unclaimedForLong) continue;
      if (this.#handedOver.delete(shard)) {
        // The replica that looked short did not take it (stuck, or failing its writes): without a
        // pause this replica would hand the shard over and take it back again and again.
        this.#rebalancePausedUntilMs = now + REBALANCE_PAUSE_LEASE_DURATIONS * this.#leaseDurationMs;
        this.#o.logger?.info(
          { shard, identity, pausedForMs: REBALANCE_PAUSE_LEASE_DURATIONS * this.#leaseDurationMs },
          "a shard handed over was taken by no other replica: taking it back, rebalancing paused",
        );
      }
      room--;
      this.#reach(shard);
    }
  }

  #score(shard: number): bigint {
    return rendezvousScore(this.#o.identity, shard);
  }

  #reach(shard: number): void {
    const elector = new LeaderElector(this.#electorOptions(shard));
    this.#electors.set(shard, elector);
    this.#freeSince.delete(shard);
    const seen = this.#seen.get(shardLeaseName(this.#o.name, shard));
    elector.start(seen ? { record: seen.record, changedAtMs: seen.changedAtMs } : undefined);
  }

  /** Stops reaching for (or holding) the shard; a held one is handed back at once. */
  #drop(shard: number): void {
    const elector = this.#electors.get(shard);
    if (!elector) return;
    this.#electors.delete(shard);
    this.#releasing.add(shard);
    void elector.stop({ release: true }).finally(() => this.#releasing.delete(shard));
  }
}

/**
 * One shard led through the plain Lease `<name>` by one LeaderElector: today's single leader, as a
 * ShardOwnership (`shards: 1`, exactly the behaviour and the Lease of a replica without sharding).
 */
export function singleLeaderOwnership(elector: LeaderElector, identity: string): ShardOwnership {
  return {
    shards: 1,
    holds: (shard) => shard === 0 && elector.isLeader(),
    writableForMs: (shard) => (shard === 0 ? elector.writableForMs() : 0),
    status: () => ({
      identity,
      shards: 1,
      held: elector.isLeader() ? [0] : [],
      holders: [elector.isLeader() ? identity : elector.leader()],
    }),
  };
}
