/**
 * The PredictiveScaler controller: watches scalers (every replica does, so every replica can serve
 * their forecast metric), and reconciles each scaler this replica acts for on change and on a
 * periodic tick: every scaler while it holds the leader Lease, or with shards (src/actuator/shards.ts)
 * the scalers of the shards whose Lease it holds. Per scaler there is never more than one reconcile
 * in flight; a change arriving meanwhile runs it once more afterwards. Losing the lease (or a shard)
 * stops acting at once and forgets in-memory state, so the next holder starts from what is in the
 * cluster. Each reconcile runs in its scaler's scope (`actingFor`), so its writes are fenced by the
 * Lease of the scaler's shard.
 */
import type { Logger } from "../telemetry/logger.js";
import type { ClusterObject } from "./cluster.js";
import type { Reconciler } from "./reconciler.js";
import type { ScalerForecaster } from "./scalerForecaster.js";
import { formatScalerKey, scalerKeyOf } from "./scalerKey.js";
import { actingFor } from "./shards.js";

/** The scalers as an informer sees them. */
export interface ScalerWatch {
  list(): readonly ClusterObject[];
  /** Called on add/update/delete. */
  onChange(listener: (object: ClusterObject, type: "add" | "update" | "delete") => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  hasSynced(): boolean;
}

export interface ControllerOptions {
  readonly scalers: ScalerWatch;
  readonly reconciler: Reconciler;
  readonly forecaster: ScalerForecaster;
  readonly logger: Logger;
  /** Whether this replica may act now (the leader elector); unused with `shards`. */
  readonly isLeader: () => boolean;
  /**
   * Scalers split into shards: a scaler's shard, and whether this replica holds a shard now. The
   * replica acts for the scalers of the shards it holds; absent: for all of them while `isLeader`.
   */
  readonly shards?: {
    readonly of: (key: string) => number;
    readonly holds: (shard: number) => boolean;
  };
  /** Periodic reconcile of every scaler; default 30 s. 0 disables the timer (tests drive it). */
  readonly tickMs?: number;
}

const keyOf = (o: ClusterObject) => formatScalerKey(scalerKeyOf(o.metadata));

export class Controller {
  readonly #opts: ControllerOptions;
  readonly #running = new Map<string, Promise<void>>();
  readonly #dirty = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #leading = false;

  constructor(options: ControllerOptions) {
    this.#opts = options;
    options.scalers.onChange((object, type) => {
      if (type === "delete") {
        void this.#opts.reconciler.forget(keyOf(object));
        return;
      }
      const key = keyOf(object);
      if (this.owns(key)) void this.reconcile(key);
    });
  }

  /** Whether this replica acts for the scaler now (it leads, or holds the scaler's shard). */
  owns(key: string): boolean {
    const shards = this.#opts.shards;
    return shards ? shards.holds(shards.of(key)) : this.#opts.isLeader();
  }

  async start(): Promise<void> {
    await this.#opts.scalers.start();
    if (this.#stopped) return;
    const tick = this.#opts.tickMs ?? 30_000;
    if (tick > 0) {
      this.#timer = setInterval(() => void this.reconcileAll(), tick);
      this.#timer.unref();
    }
  }

  /** Leadership gained: reconcile everything now. */
  startedLeading(): void {
    this.#leading = true;
    this.#opts.logger.info("leading: reconciling PredictiveScalers");
    void this.reconcileAll();
  }

  /** Leadership lost: stop training, forget state (in-flight reconciles finish their current write). */
  stoppedLeading(): void {
    if (!this.#leading) return;
    this.#leading = false;
    this.#opts.logger.warn("no longer leading: PredictiveScalers left to the new leader");
    this.#opts.reconciler.reset();
    void this.#opts.forecaster.stop();
  }

  /** A shard's Lease acquired: reconcile its scalers now. */
  shardAcquired(shard: number): void {
    const of = this.#opts.shards?.of;
    if (!of) return;
    const keys = this.#opts.scalers
      .list()
      .map(keyOf)
      .filter((key) => of(key) === shard);
    this.#opts.logger.debug(
      { shard, scalers: keys.length },
      "shard acquired: reconciling its PredictiveScalers",
    );
    void (async () => {
      for (const key of keys) if (!this.#stopped && this.owns(key)) await this.reconcile(key);
    })();
  }

  /**
   * A shard's Lease lost: stop training its scalers and forget their state, as a leader that lost
   * the Lease does for all (in-flight reconciles are fenced: their writes no longer land).
   */
  shardLost(shard: number): void {
    const of = this.#opts.shards?.of;
    if (!of) return;
    const keys = new Set([...this.#opts.reconciler.ids(), ...this.#opts.forecaster.names()]);
    let forgotten = 0;
    for (const key of keys) {
      if (of(key) !== shard || this.owns(key)) continue;
      forgotten++;
      void this.#opts.reconciler.forget(key);
    }
    this.#opts.logger.debug(
      { shard, scalers: forgotten },
      "shard lost: its PredictiveScalers left to its next holder",
    );
  }

  /** Reconcile every scaler this replica acts for once (sequentially, bounding CPU and API load). */
  async reconcileAll(): Promise<void> {
    if (this.#stopped) return;
    if (!this.#opts.shards && !this.#opts.isLeader()) return;
    for (const object of this.#opts.scalers.list()) {
      const key = keyOf(object);
      if (this.owns(key)) await this.reconcile(key);
    }
  }

  /** Reconcile one scaler by "namespace/name", single flight. */
  reconcile(key: string): Promise<void> {
    const running = this.#running.get(key);
    if (running) {
      this.#dirty.add(key);
      return running;
    }
    const work = this.#run(key).finally(() => {
      this.#running.delete(key);
      if (this.#dirty.delete(key)) void this.reconcile(key);
    });
    this.#running.set(key, work);
    return work;
  }

  /** Resolves when no reconcile is in flight. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()]);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.idle();
    await this.#opts.forecaster.stop();
    await this.#opts.scalers.stop();
  }

  async #run(key: string): Promise<void> {
    if (this.#stopped || !this.owns(key)) return;
    const object = this.#opts.scalers.list().find((o) => keyOf(o) === key);
    if (!object) return;
    try {
      await actingFor(key, () => this.#opts.reconciler.reconcile(object));
    } catch (err) {
      if ((err as Error)?.name === "NotLeaderError") {
        // The term ended mid-reconcile: its writes were refused; the new leader carries on.
        this.#opts.logger.info(
          { scaler: key },
          this.#opts.shards
            ? "reconcile stopped: the scaler's shard is no longer held"
            : "reconcile stopped: no longer the leader",
        );
        return;
      }
      this.#opts.logger.warn(
        { scaler: key, err: (err as Error).message },
        "reconcile failed; retried on the next tick",
      );
    }
  }
}
