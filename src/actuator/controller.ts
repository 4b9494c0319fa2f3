/**
 * The PredictiveScaler controller: watches scalers (every replica does, so every replica can serve
 * their forecast metric), and while this replica holds the leader Lease reconciles each one on
 * change and on a periodic tick. Per scaler there is never more than one reconcile in flight; a
 * change arriving meanwhile runs it once more afterwards. Losing the lease stops acting at once and
 * forgets in-memory state, so the next leader starts from what is in the cluster.
 */
import type { Logger } from "../telemetry/logger.js";
import type { ClusterObject } from "./cluster.js";
import type { Reconciler } from "./reconciler.js";
import type { ScalerForecaster } from "./scalerForecaster.js";
import { formatScalerKey, scalerKeyOf } from "./scalerKey.js";

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
  /** Whether this replica may act now (the leader elector). */
  readonly isLeader: () => boolean;
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
      if (this.#opts.isLeader()) void this.reconcile(keyOf(object));
    });
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

  /** Reconcile every scaler once (sequentially, bounding CPU and API load). */
  async reconcileAll(): Promise<void> {
    if (this.#stopped || !this.#opts.isLeader()) return;
    for (const object of this.#opts.scalers.list()) await this.reconcile(keyOf(object));
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
    if (this.#stopped || !this.#opts.isLeader()) return;
    const object = this.#opts.scalers.list().find((o) => keyOf(o) === key);
    if (!object) return;
    try {
      await this.#opts.reconciler.reconcile(object);
    } catch (err) {
      if ((err as Error)?.name === "NotLeaderError") {
        // The term ended mid-reconcile: its writes were refused; the new leader carries on.
        this.#opts.logger.info({ scaler: key }, "reconcile stopped: no longer the leader");
        return;
      }
      this.#opts.logger.warn(
        { scaler: key, err: (err as Error).message },
        "reconcile failed; retried on the next tick",
      );
    }
  }
}
