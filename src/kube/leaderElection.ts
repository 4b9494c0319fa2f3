/**
 * Leader election on a coordination.k8s.io/v1 Lease, so that of several Foresight replicas only
 * one actuates scaling while all of them serve metrics.
 *
 * Hand-written because @kubernetes/client-node 1.4 has no leader election; it follows client-go's
 * `tools/leaderelection` (LeaseLock) semantics:
 * - a candidate takes the lease when there is none, when it holds it, or when the holder has let
 *   it expire. Expiry is judged by the candidate's OWN clock: it remembers when it last saw the
 *   record change (observedTime) and the lease is expired once observedTime + leaseDurationSeconds
 *   (of the observed record) <= now. The holder's renewTime is never compared with our clock, so
 *   clock skew between nodes does not matter;
 * - writes are optimistic (replace with the resourceVersion read), so of two racing candidates
 *   one wins and the other gets 409 and tries again later;
 * - leaseTransitions is incremented when the holder changes, acquireTime set on acquisition;
 * - the leader renews every retryPeriod and gives up (onStoppedLeading) when no renewal has
 *   succeeded for renewDeadline; it then goes back to candidate. isLeader() checks the clock, so a
 *   stalled leader stops believing it leads even before a timer fires;
 * - on stop with release (ReleaseOnCancel) the leader writes an empty holder with
 *   leaseDurationSeconds 1, so another candidate takes over at once;
 * - an attempt that takes longer than renewDeadline is abandoned and its requests cancelled (as
 *   client-go's context timeout does): it cannot write the Lease later, nor change what this
 *   elector believes; a record is observed at the time its answer arrived, never at an older time;
 * - the elector is the LeaderTerm that fences the leader's own writes (src/kube/leaderTerm.ts).
 *
 * The Lease API sits behind the LeaseStore port; clientNodeLeaseStore is the client-node adapter.
 */
import { CoordinationV1Api, type KubeConfig, type V1Lease, V1MicroTime } from "@kubernetes/client-node";
import type { Clock } from "../clock.js";
import type { LeaderTerm } from "./leaderTerm.js";
import { RequestSignals } from "./requestSignals.js";
import { kubeStatusCode } from "./retry.js";

/** The fields of a Lease's spec that leader election uses (client-go's LeaderElectionRecord). */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** RFC 3339 with microseconds, e.g. "2026-01-01T00:00:00.000000Z". */
  acquireTime?: string;
  /** RFC 3339 with microseconds, e.g. "2026-01-01T00:00:00.000000Z". */
  renewTime?: string;
  leaseTransitions?: number;
}

export interface LeaseRecord {
  readonly spec: LeaseSpec;
  readonly resourceVersion: string;
  /** metadata.labels, where the Lease has any (membership Leases carry the shard count). */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A Lease as a list returns it: its name and record. */
export interface NamedLeaseRecord extends LeaseRecord {
  readonly name: string;
}

/**
 * The Lease API, as leader election needs it. `signal` cancels the request; `labels` (membership
 * Leases only) become the Lease's metadata.labels, replacing any it had.
 */
export interface LeaseStore {
  /** undefined when the Lease does not exist. */
  get(namespace: string, name: string, signal?: AbortSignal): Promise<LeaseRecord | undefined>;
  /** Throws (409) when it already exists. */
  create(
    namespace: string,
    name: string,
    spec: LeaseSpec,
    signal?: AbortSignal,
    labels?: Readonly<Record<string, string>>,
  ): Promise<LeaseRecord>;
  /** Throws (409) when resourceVersion is no longer current. */
  replace(
    namespace: string,
    name: string,
    spec: LeaseSpec,
    resourceVersion: string,
    signal?: AbortSignal,
    labels?: Readonly<Record<string, string>>,
  ): Promise<LeaseRecord>;
}

/** The Lease API as sharded election needs it besides: every Lease of a namespace, and deletion. */
export interface ShardLeaseStore extends LeaseStore {
  list(namespace: string, signal?: AbortSignal): Promise<NamedLeaseRecord[]>;
  /** Deletes the Lease if it is still at `resourceVersion`; a Lease already gone is not an error. */
  delete(namespace: string, name: string, resourceVersion: string, signal?: AbortSignal): Promise<void>;
}

/** Formats Unix ms as a Kubernetes MicroTime ("2026-01-01T00:00:00.000000Z"). */
export function formatMicroTime(ms: number): string {
  return new V1MicroTime(ms).toISOString();
}

function microTimeText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value instanceof Date && !Number.isNaN(value.getTime())) return formatMicroTime(value.getTime());
  return undefined;
}

function microTime(text: string | undefined): V1MicroTime | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`Lease spec time "${text}" is not an RFC 3339 time`);
  return new V1MicroTime(ms);
}

function recordOf(lease: V1Lease, what: string): LeaseRecord {
  const resourceVersion = lease.metadata?.resourceVersion;
  if (!resourceVersion)
    throw new Error(`${what}: the API server returned a Lease without metadata.resourceVersion`);
  const s = lease.spec ?? {};
  const spec: LeaseSpec = {};
  if (s.holderIdentity !== undefined) spec.holderIdentity = s.holderIdentity;
  if (s.leaseDurationSeconds !== undefined) spec.leaseDurationSeconds = s.leaseDurationSeconds;
  const acquireTime = microTimeText(s.acquireTime);
  if (acquireTime !== undefined) spec.acquireTime = acquireTime;
  const renewTime = microTimeText(s.renewTime);
  if (renewTime !== undefined) spec.renewTime = renewTime;
  if (s.leaseTransitions !== undefined) spec.leaseTransitions = s.leaseTransitions;
  const labels = lease.metadata?.labels;
  return { spec, resourceVersion, ...(labels && Object.keys(labels).length > 0 ? { labels } : {}) };
}

function leaseBody(
  namespace: string,
  name: string,
  spec: LeaseSpec,
  resourceVersion?: string,
  labels?: Readonly<Record<string, string>>,
): V1Lease {
  const acquireTime = microTime(spec.acquireTime);
  const renewTime = microTime(spec.renewTime);
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name,
      namespace,
      ...(resourceVersion !== undefined ? { resourceVersion } : {}),
      ...(labels !== undefined ? { labels: { ...labels } } : {}),
    },
    spec: {
      ...(spec.holderIdentity !== undefined ? { holderIdentity: spec.holderIdentity } : {}),
      ...(spec.leaseDurationSeconds !== undefined ? { leaseDurationSeconds: spec.leaseDurationSeconds } : {}),
      ...(acquireTime !== undefined ? { acquireTime } : {}),
      ...(renewTime !== undefined ? { renewTime } : {}),
      ...(spec.leaseTransitions !== undefined ? { leaseTransitions: spec.leaseTransitions } : {}),
    },
  };
}

/** LeaseStore over client-node's CoordinationV1Api. A 404 on get (or delete) is "no lease". */
export function clientNodeLeaseStore(kc: KubeConfig): ShardLeaseStore {
  const signals = new RequestSignals();
  const api = signals.makeApiClient(kc, CoordinationV1Api);
  return {
    get: (namespace, name, signal) =>
      signals.run(signal, async () => {
        try {
          return recordOf(await api.readNamespacedLease({ name, namespace }), `Lease ${namespace}/${name}`);
        } catch (err) {
          if (kubeStatusCode(err) === 404) return undefined;
          throw err;
        }
      }),
    create: (namespace, name, spec, signal, labels) =>
      signals.run(signal, async () => {
        const created = await api.createNamespacedLease({
          namespace,
          body: leaseBody(namespace, name, spec, undefined, labels),
        });
        return recordOf(created, `Lease ${namespace}/${name}`);
      }),
    replace: (namespace, name, spec, resourceVersion, signal, labels) =>
      signals.run(signal, async () => {
        const replaced = await api.replaceNamespacedLease({
          name,
          namespace,
          body: leaseBody(namespace, name, spec, resourceVersion, labels),
        });
        return recordOf(replaced, `Lease ${namespace}/${name}`);
      }),
    list: (namespace, signal) =>
      signals.run(signal, async () => {
        const list = await api.listNamespacedLease({ namespace });
        return list.items.flatMap((lease) => {
          const name = lease.metadata?.name;
          return name ? [{ name, ...recordOf(lease, `Lease ${namespace}/${name}`) }] : [];
        });
      }),
    delete: (namespace, name, resourceVersion, signal) =>
      signals.run(signal, async () => {
        try {
          await api.deleteNamespacedLease({ name, namespace, body: { preconditions: { resourceVersion } } });
        } catch (err) {
          if (kubeStatusCode(err) !== 404) throw err;
        }
      }),
  };
}

/** The subset of a pino Logger the elector uses. */
export interface ElectionLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** The one-shot timers the elector waits with (the global setTimeout/clearTimeout, or a test's). */
export interface TimeoutTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LeaderElectorOptions {
  readonly store: LeaseStore;
  readonly namespace: string;
  readonly name: string;
  /** Unique per replica, usually the pod name. */
  readonly identity: string;
  /** How long a lease lasts without renewal. Default 15000; written rounded up to whole seconds. */
  readonly leaseDurationMs?: number;
  /** The leader gives up when no renewal succeeded for this long. Default 10000. */
  readonly renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew. Default 2000. */
  readonly retryPeriodMs?: number;
  readonly clock: Clock;
  /** Default the global setTimeout/clearTimeout. */
  readonly timers?: TimeoutTimers;
  /** For the jitter of acquisition attempts (client-go JitterFactor 1.2); default Math.random. */
  readonly random?: () => number;
  onStartedLeading(): void;
  onStoppedLeading(): void;
  /** Called when the observed holder changes to a (non-empty) identity, ours included. */
  onNewLeader?(identity: string): void;
  readonly logger?: ElectionLogger;
}

export interface StopOptions {
  /** While leading, hand the lease back (empty holder, 1 s duration) so another takes over at once. */
  readonly release?: boolean;
}

/** client-go's JitterFactor: acquisition waits retryPeriod * (1 + random * 1.2). */
const JITTER_FACTOR = 1.2;

/** The global setTimeout/clearTimeout as TimeoutTimers. */
export const globalTimers: TimeoutTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

function positiveMs(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`LeaderElector: ${name} must be a positive number of milliseconds, got ${value}`);
  }
  return value;
}

/** Whether two Lease specs are the same record (a holder's renewal always changes renewTime). */
export function sameRecord(a: LeaseSpec | undefined, b: LeaseSpec): boolean {
  return (
    a !== undefined &&
    a.holderIdentity === b.holderIdentity &&
    a.renewTime === b.renewTime &&
    a.acquireTime === b.acquireTime &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.leaseTransitions === b.leaseTransitions
  );
}

/** Runs the election for one candidate. Create one per process; start() once. */
export class LeaderElector implements LeaderTerm {
  private readonly store: LeaseStore;
  private readonly namespace: string;
  private readonly name: string;
  private readonly identity: string;
  private readonly leaseDurationMs: number;
  private readonly leaseDurationSeconds: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly clock: Clock;
  private readonly timers: TimeoutTimers;
  private readonly random: () => number;
  private readonly options: LeaderElectorOptions;
  private readonly logger: ElectionLogger | undefined;

  private running = false;
  private leading = false;
  /** Clock time at which the last successful acquire/renew was started. */
  private lastRenewMs = 0;
  private observed: LeaseRecord | undefined;
  private observedTimeMs = 0;
  private reportedLeader: string | undefined;
  private loopTimer: unknown;
  private deadlineTimer: unknown;
  private inFlight: Promise<void> | undefined;

  constructor(options: LeaderElectorOptions) {
    for (const field of ["namespace", "name", "identity"] as const) {
      if (typeof options[field] !== "string" || options[field] === "") {
        throw new Error(`LeaderElector: ${field} must be a non-empty string`);
      }
    }
    this.options = options;
    this.store = options.store;
    this.namespace = options.namespace;
    this.name = options.name;
    this.identity = options.identity;
    this.leaseDurationMs = positiveMs("leaseDurationMs", options.leaseDurationMs ?? 15_000);
    this.renewDeadlineMs = positiveMs("renewDeadlineMs", options.renewDeadlineMs ?? 10_000);
    this.retryPeriodMs = positiveMs("retryPeriodMs", options.retryPeriodMs ?? 2_000);
    if (this.leaseDurationMs <= this.renewDeadlineMs) {
      throw new RangeError(
        `LeaderElector: leaseDurationMs (${this.leaseDurationMs}) must be greater than renewDeadlineMs (${this.renewDeadlineMs})`,
      );
    }
    if (this.renewDeadlineMs <= JITTER_FACTOR * this.retryPeriodMs) {
      throw new RangeError(
        `LeaderElector: renewDeadlineMs (${this.renewDeadlineMs}) must be greater than ${JITTER_FACTOR} * retryPeriodMs (${this.retryPeriodMs})`,
      );
    }
    this.leaseDurationSeconds = Math.max(1, Math.ceil(this.leaseDurationMs / 1000));
    this.clock = options.clock;
    this.timers = options.timers ?? globalTimers;
    this.random = options.random ?? Math.random;
    this.logger = options.logger;
  }

  /**
   * Starts trying to acquire (at once), then renewing. `seen`: the record as the caller last saw it
   * and when (by this elector's clock) it saw it change, so that a candidate started late judges the
   * lease expired when the caller would have, instead of waiting a whole lease duration from now.
   */
  start(seen?: { readonly record: LeaseRecord; readonly changedAtMs: number }): void {
    if (this.running) throw new Error(`LeaderElector ${this.identity}: already started`);
    this.running = true;
    if (seen && !this.observed) {
      this.observed = seen.record;
      this.observedTimeMs = Math.min(seen.changedAtMs, this.clock.now());
    }
    this.logger?.info(
      { lease: `${this.namespace}/${this.name}`, identity: this.identity },
      "leader election started",
    );
    this.schedule(0);
  }

  /** True only while the last successful renewal is within renewDeadline. */
  isLeader(): boolean {
    return this.writableForMs() > 0;
  }

  /**
   * The rest of this replica's term (LeaderTerm): until renewDeadline after the start of the last
   * successful renewal, while the record it last wrote names it. 0 when it is not the leader.
   */
  writableForMs(): number {
    if (!this.leading || this.observed?.spec.holderIdentity !== this.identity) return 0;
    return Math.max(0, this.lastRenewMs + this.renewDeadlineMs - this.clock.now());
  }

  /** The holder last observed; undefined when none (or the lease was released). */
  leader(): string | undefined {
    const holder = this.observed?.spec.holderIdentity;
    return holder ? holder : undefined;
  }

  /**
   * Stops the loop. With `release` and while leading, hands the lease back. Calls
   * onStoppedLeading if it was leading. Resolves when done (a failed release is logged).
   */
  async stop(options: StopOptions = {}): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.clearTimers();
    if (this.inFlight) await this.inFlight;
    const wasLeading = this.leading;
    if (options.release && this.isLeader()) await this.release();
    if (wasLeading) this.loseLeadership("stopped");
    this.logger?.info(
      { lease: `${this.namespace}/${this.name}`, identity: this.identity },
      "leader election stopped",
    );
  }

  private clearTimers(): void {
    if (this.loopTimer !== undefined) this.timers.clearTimeout(this.loopTimer);
    if (this.deadlineTimer !== undefined) this.timers.clearTimeout(this.deadlineTimer);
    this.loopTimer = undefined;
    this.deadlineTimer = undefined;
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.loopTimer = this.timers.setTimeout(() => {
      this.loopTimer = undefined;
      this.inFlight = this.tick().finally(() => {
        this.inFlight = undefined;
      });
    }, ms);
  }

  private nextDelay(): number {
    return this.leading ? this.retryPeriodMs : this.retryPeriodMs * (1 + this.random() * JITTER_FACTOR);
  }

  private async tick(): Promise<void> {
    const startedMs = this.clock.now();
    let acquired = false;
    const attempt = new AbortController();
    try {
      acquired = await this.withTimeout(this.tryAcquireOrRenew(startedMs, attempt.signal), attempt);
    } catch (err) {
      this.logger?.warn(
        { err, lease: `${this.namespace}/${this.name}`, identity: this.identity },
        this.leading ? "failed to renew lease" : "failed to acquire lease",
      );
    }
    if (!this.running) return;
    // A success that took longer than the renew deadline is too old to lead on.
    if (acquired && this.clock.now() - startedMs < this.renewDeadlineMs) {
      this.lastRenewMs = startedMs;
      if (!this.leading) {
        this.leading = true;
        this.logger?.info(
          { lease: `${this.namespace}/${this.name}`, identity: this.identity },
          "became leader",
        );
        this.call("onStartedLeading", () => this.options.onStartedLeading());
      }
      this.armDeadline();
    } else if (this.leading && !this.isLeader()) {
      this.loseLeadership("renew deadline passed");
    }
    this.schedule(this.nextDelay());
  }

  /**
   * The attempt is abandoned (as failed) after renewDeadline: its requests are cancelled, and it
   * neither writes nor observes anything afterwards.
   */
  private withTimeout(attempt: Promise<boolean>, controller: AbortController): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        const err = new Error(
          `Lease ${this.namespace}/${this.name}: no answer within ${this.renewDeadlineMs} ms`,
        );
        controller.abort(err);
        reject(err);
      }, this.renewDeadlineMs);
      attempt.then(
        (value) => {
          this.timers.clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          this.timers.clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  /** Fires onStoppedLeading when renewDeadline passes with no renewal, even if a request hangs. */
  private armDeadline(): void {
    if (this.deadlineTimer !== undefined) this.timers.clearTimeout(this.deadlineTimer);
    const wait = Math.max(0, this.lastRenewMs + this.renewDeadlineMs - this.clock.now());
    this.deadlineTimer = this.timers.setTimeout(() => {
      this.deadlineTimer = undefined;
      if (this.leading && !this.isLeader()) this.loseLeadership("renew deadline passed");
      else if (this.leading) this.armDeadline();
    }, wait);
  }

  private loseLeadership(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    if (this.deadlineTimer !== undefined) this.timers.clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.logger?.info(
      { lease: `${this.namespace}/${this.name}`, identity: this.identity, reason },
      "stopped leading",
    );
    this.call("onStoppedLeading", () => this.options.onStoppedLeading());
  }

  private call(name: string, callback: () => void): void {
    try {
      callback();
    } catch (err) {
      this.logger?.warn({ err, identity: this.identity }, `${name} callback threw`);
    }
  }

  /** Takes in a record just read or written; `signal` aborted means the attempt was abandoned. */
  private observe(record: LeaseRecord, signal?: AbortSignal): void {
    signal?.throwIfAborted();
    // Observed now, when the answer arrived: a stale time would make a live lease look expired.
    if (!sameRecord(this.observed?.spec, record.spec)) this.observedTimeMs = this.clock.now();
    this.observed = record;
    const holder = record.spec.holderIdentity;
    if (holder && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      this.logger?.debug({ lease: `${this.namespace}/${this.name}`, holder }, "new leader observed");
      const onNewLeader = this.options.onNewLeader;
      if (onNewLeader) this.call("onNewLeader", () => onNewLeader.call(this.options, holder));
    }
  }

  private leaseValid(nowMs: number): boolean {
    const seconds = this.observed?.spec.leaseDurationSeconds;
    const durationMs = seconds !== undefined && seconds > 0 ? seconds * 1000 : this.leaseDurationMs;
    return this.observedTimeMs + durationMs > nowMs;
  }

  /** client-go's tryAcquireOrRenew: true when we hold the lease after this call. */
  private async tryAcquireOrRenew(nowMs: number, signal: AbortSignal): Promise<boolean> {
    const now = formatMicroTime(nowMs);
    const desired: LeaseSpec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: this.leaseDurationSeconds,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    };

    // Fast path: a valid leader renews with the record it wrote last, without a read.
    if (this.isLeader() && this.observed && this.leaseValid(nowMs)) {
      const renewed: LeaseSpec = {
        ...desired,
        ...(this.observed.spec.acquireTime !== undefined
          ? { acquireTime: this.observed.spec.acquireTime }
          : {}),
        leaseTransitions: this.observed.spec.leaseTransitions ?? 0,
      };
      try {
        const record = await this.store.replace(
          this.namespace,
          this.name,
          renewed,
          this.observed.resourceVersion,
          signal,
        );
        this.observe(record, signal);
        return true;
      } catch (err) {
        signal.throwIfAborted();
        this.logger?.debug({ err, identity: this.identity }, "lease fast-path renewal failed; re-reading");
      }
    }

    signal.throwIfAborted();
    const current = await this.store.get(this.namespace, this.name, signal);
    signal.throwIfAborted();
    if (current === undefined) {
      const record = await this.store.create(this.namespace, this.name, desired, signal);
      this.observe(record, signal);
      return true;
    }
    this.observe(current, signal);

    const holder = current.spec.holderIdentity ?? "";
    const ours = holder === this.identity;
    if (holder !== "" && !ours && this.leaseValid(nowMs)) {
      this.logger?.debug({ lease: `${this.namespace}/${this.name}`, holder }, "lease is held by another");
      return false;
    }

    const spec: LeaseSpec = ours
      ? {
          ...desired,
          ...(current.spec.acquireTime !== undefined ? { acquireTime: current.spec.acquireTime } : {}),
          leaseTransitions: current.spec.leaseTransitions ?? 0,
        }
      : { ...desired, leaseTransitions: (current.spec.leaseTransitions ?? 0) + 1 };
    signal.throwIfAborted();
    const record = await this.store.replace(this.namespace, this.name, spec, current.resourceVersion, signal);
    this.observe(record, signal);
    return true;
  }

  /** client-go's release: empty holder and a 1 s lease so a candidate takes over at once. */
  private async release(): Promise<void> {
    if (!this.observed) return;
    const now = formatMicroTime(this.clock.now());
    const spec: LeaseSpec = {
      holderIdentity: "",
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: this.observed.spec.leaseTransitions ?? 0,
    };
    try {
      const record = await this.store.replace(this.namespace, this.name, spec, this.observed.resourceVersion);
      this.observed = record;
      this.logger?.info(
        { lease: `${this.namespace}/${this.name}`, identity: this.identity },
        "released lease",
      );
    } catch (err) {
      this.logger?.warn({ err, lease: `${this.namespace}/${this.name}` }, "failed to release lease");
    }
  }
}
