/**
 * The forecast store: per target, the latest good forecast (paths, chosen model, scores, data range)
 * and the outcome of the latest run (readiness, error). Optionally snapshotted to a JSON file after
 * every change (temp file + rename, so a crash never leaves half a file) and read back at start,
 * so a restarted adapter serves its last forecasts at once instead of waiting for a retrain.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type Clock, systemClock } from "../clock.js";
import type { CalibrationState } from "./calibration.js";
import type { TrackerState } from "./coverageTracker.js";
import type { ModelScore } from "./engine.js";

export type RunKind = "full" | "update";

export type { ModelScore };

/** A forecast as stored: plain arrays, so it survives JSON. */
export interface StoredForecast {
  /** Unix ms of the first forecast step. */
  readonly startMs: number;
  readonly stepSeconds: number;
  readonly mean: readonly number[];
  /** Quantile level as text (`"0.9"`) → path. */
  readonly quantiles: Readonly<Record<string, readonly number[]>>;
  /** Name of the model (or combination) that produced it. */
  readonly model: string;
  /** Which model serves and why ("global (pretrained): 1 h of history, too little to backtest; …"). */
  readonly servedBecause?: string;
  readonly scores: Readonly<Record<string, ModelScore>>;
  readonly calibration: Readonly<Record<string, number>>;
  /** The chosen members and their weights, and the offsets, so cheap updates serve the same choice. */
  readonly members?: readonly { readonly name: string; readonly weight: number }[];
  readonly calibrationState?: CalibrationState;
  /** Live coverage tracking of the served quantile (coverageTracker.ts), carried from run to run. */
  readonly tracker?: TrackerState;
  /** When it was computed, and by which kind of run. */
  readonly computedAtMs: number;
  readonly kind: RunKind;
  /** The history it was trained on. */
  readonly data: {
    readonly startMs: number;
    readonly endMs: number;
    readonly points: number;
    readonly masked: number;
  };
}

export type TargetReadiness =
  | { readonly ready: true }
  | { readonly ready: false; readonly reason: string; readonly needMoreSeconds: number };

export interface TargetState {
  readonly target: string;
  /** The latest good forecast; kept when later runs fail, so staleness (not one error) stops serving. */
  readonly forecast?: StoredForecast;
  readonly readiness: TargetReadiness;
  /** The latest run's error; cleared by the next successful run. */
  readonly lastError?: { readonly message: string; readonly atMs: number };
  readonly lastRunAtMs?: number;
  /** Failed runs since start (not persisted). */
  readonly errorCount: number;
}

const SNAPSHOT_VERSION = 1;

interface Snapshot {
  readonly version: number;
  readonly savedAtMs: number;
  readonly targets: readonly TargetState[];
}

export interface ForecastStoreOptions {
  /** Snapshot file; omit to keep everything in memory. */
  readonly path?: string;
  /** Called when a snapshot cannot be written (the store keeps working in memory). */
  readonly onPersistError?: (err: Error) => void;
  readonly clock?: Clock;
}

export class ForecastStore {
  readonly #opts: ForecastStoreOptions;
  readonly #states = new Map<string, TargetState>();
  readonly #forecastListeners = new Set<(target: string, forecast: StoredForecast) => void>();
  /** Writes are chained so two snapshots never race on the temp file. */
  #writing: Promise<void> = Promise.resolve();

  constructor(options: ForecastStoreOptions = {}) {
    this.#opts = options;
  }

  get(target: string): TargetState | undefined {
    return this.#states.get(target);
  }

  all(): TargetState[] {
    return [...this.#states.values()];
  }

  /** A successful run: its forecast becomes the latest, readiness ready, error cleared. */
  recordForecast(target: string, forecast: StoredForecast, atMs: number): TargetState {
    const prev = this.#states.get(target);
    const state = this.#set({
      target,
      forecast,
      readiness: { ready: true },
      lastRunAtMs: atMs,
      errorCount: prev?.errorCount ?? 0,
    });
    for (const listener of this.#forecastListeners) listener(target, forecast);
    return state;
  }

  /**
   * Calls `listener` with every forecast recorded from now on (the review API keeps past forecasts
   * this way, since the store holds only the latest). Returns the function that stops it.
   */
  onForecast(listener: (target: string, forecast: StoredForecast) => void): () => void {
    this.#forecastListeners.add(listener);
    return () => this.#forecastListeners.delete(listener);
  }

  /** Not enough history yet: any older forecast is dropped, since it would be served as current. */
  recordNotReady(target: string, reason: string, needMoreSeconds: number, atMs: number): TargetState {
    const prev = this.#states.get(target);
    return this.#set({
      target,
      readiness: { ready: false, reason, needMoreSeconds },
      lastRunAtMs: atMs,
      errorCount: prev?.errorCount ?? 0,
    });
  }

  /** A failed run: the previous forecast stays (it is served until stale), the error is recorded. */
  recordError(target: string, message: string, atMs: number): TargetState {
    const prev = this.#states.get(target);
    return this.#set({
      target,
      ...(prev?.forecast ? { forecast: prev.forecast } : {}),
      readiness: prev?.readiness ?? {
        ready: false,
        reason: `no forecast yet: ${message}`,
        needMoreSeconds: 0,
      },
      lastError: { message, atMs },
      lastRunAtMs: atMs,
      errorCount: (prev?.errorCount ?? 0) + 1,
    });
  }

  /** Drop targets no longer configured. */
  retain(targets: ReadonlySet<string>): void {
    for (const name of [...this.#states.keys()]) if (!targets.has(name)) this.#states.delete(name);
  }

  /** Read the snapshot, if configured and present. Returns the number of targets loaded. */
  async load(): Promise<number> {
    const path = this.#opts.path;
    if (!path) return 0;
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
      throw new Error(`cannot read forecast snapshot ${path}: ${(err as Error).message}`, { cause: err });
    }
    let snapshot: Snapshot;
    try {
      snapshot = JSON.parse(text) as Snapshot;
    } catch (err) {
      throw new Error(
        `forecast snapshot ${path} is not valid JSON (${(err as Error).message}): delete it to start cold`,
        { cause: err },
      );
    }
    if (snapshot.version !== SNAPSHOT_VERSION || !Array.isArray(snapshot.targets)) {
      throw new Error(
        `forecast snapshot ${path} has version ${String(snapshot.version)}, expected ${SNAPSHOT_VERSION}: delete it to start cold`,
      );
    }
    for (const state of snapshot.targets) this.#states.set(state.target, { ...state, errorCount: 0 });
    return snapshot.targets.length;
  }

  /** Resolves when every snapshot write started so far has finished. */
  flush(): Promise<void> {
    return this.#writing;
  }

  #set(state: TargetState): TargetState {
    this.#states.set(state.target, state);
    this.#persist();
    return state;
  }

  #persist(): void {
    const path = this.#opts.path;
    if (!path) return;
    const snapshot: Snapshot = {
      version: SNAPSHOT_VERSION,
      savedAtMs: (this.#opts.clock ?? systemClock).now(),
      targets: this.all(),
    };
    this.#writing = this.#writing.then(async () => {
      try {
        await writeAtomic(path, JSON.stringify(snapshot));
      } catch (err) {
        this.#opts.onPersistError?.(err as Error);
      }
    });
  }
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/** The store's form of a forecast path map. */
export function quantileKey(q: number): string {
  return String(q);
}
