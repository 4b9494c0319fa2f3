/**
 * What the review API reads, as ports: the PredictiveScalers as an informer lists
 * them, the config file's forecast targets, their forecast stores, demand history, the decision log
 * and a backtest runner. `foresight serve` and `foresight demo` build one ReviewSource from their
 * running parts; tests build one from a real ForecastStore and MemoryDecisionLog.
 *
 * `sourceHistory` is the default history port: step means of range queries through the
 * MetricsSource port, chunked under Prometheus' 11,000-points-per-series limit.
 */
import type { DecisionLog } from "../actuator/decisionLog.js";
import type { PredictiveScaler } from "../actuator/types.js";
import type { Clock } from "../clock.js";
import { fetchSamples, MAX_POINTS_PER_REQUEST } from "../forecast/history.js";
import { sampleSeconds, stepMeans } from "../forecast/stepMeans.js";
import type { StoredForecast, TargetState } from "../forecast/store.js";
import type { ShardStatus } from "../kube/shardElection.js";
import type { MetricsSource } from "../metrics/source.js";
import { ForecastArchive, type ForecastSnapshot } from "./forecastArchive.js";
import { type ReplicaSample, ReplicaSamples } from "./replicaSamples.js";
import type { BacktestRequest, SubjectKind } from "./types.js";

/** A forecast target of the config file, as the API shows it. */
export interface ConfigTargetView {
  readonly name: string;
  readonly query: string;
  readonly quantiles: readonly number[];
  /** How far ahead the served metric looks, in ms. */
  readonly horizonMs: number;
  /** The history step, in seconds. */
  readonly stepSeconds: number;
}

/** A subject of review: what its routes name. */
export interface SubjectRef {
  readonly kind: SubjectKind;
  /** `namespace/name` for scalers, `name` for config targets. */
  readonly id: string;
}

export type DemandPoint = readonly [number, number];

export interface ReviewSource {
  /** The PredictiveScalers as the informer lists them (raw or defaulted). */
  scalers(): readonly PredictiveScaler[];
  /** The config file's forecast targets. */
  targets(): readonly ConfigTargetView[];
  /** The subject's forecast state (scalers' store keyed `namespace/name`, targets' by name). */
  forecast(subject: SubjectRef): TargetState | undefined;
  /** The subject's demand since `sinceMs`, ascending; NaN marks gaps. */
  history(subject: SubjectRef, sinceMs: number): Promise<DemandPoint[]>;
  /**
   * Forecasts made before `beforeMs` whose paths reach past `sinceMs`, oldest first (the store keeps
   * only the latest); absent where none are kept.
   */
  pastForecasts?(subject: SubjectRef, sinceMs: number, beforeMs: number): readonly ForecastSnapshot[];
  /**
   * The replicas the scaler's workload had since `sinceMs` ([time, status.replicas], ascending),
   * its current scale read now; absent where the workload cannot be read.
   */
  actualReplicas?(subject: SubjectRef, sinceMs: number): Promise<readonly ReplicaSample[]>;
  /** The actuator's decision log; absent when the controller is off. */
  readonly decisions?: DecisionLog;
  /** The controller on this replica and its shards; absent when the controller is off. */
  readonly controller?: ControllerShards;
  readonly clock: Clock;
}

/** Shard ownership as the controller knows it (without its identity, which ControllerShards gives). */
export type ShardOwnershipStatus = Omit<ShardStatus, "identity">;

export interface ControllerShards {
  readonly identity: string;
  /** undefined without leader election: this replica acts for every scaler. */
  status(): ShardOwnershipStatus | undefined;
  /** The shard of a scaler (`namespace/name`). */
  of(id: string): number;
}

/** Progress of a backtest, 0…1. */
export type ProgressListener = (fraction: number) => void;

/** Runs one what-if backtest; resolves to the JSON `foresight backtest --json` writes. */
export interface BacktestRunner {
  run(request: BacktestRequest, onProgress: ProgressListener): Promise<unknown>;
}

export interface DemandQuery {
  readonly query: string;
  readonly stepSeconds: number;
}

export interface SourceHistoryOptions {
  readonly source: MetricsSource;
  readonly clock: Clock;
  /** The subject's demand query and step, or undefined when the subject is unknown. */
  readonly queryOf: (subject: SubjectRef) => DemandQuery | undefined | Promise<DemandQuery | undefined>;
  /** Most points one range query asks for (default MAX_POINTS_PER_REQUEST). */
  readonly maxPointsPerRequest?: number;
}

/**
 * History through the MetricsSource port, as step means (src/forecast/stepMeans.ts: the demand the
 * forecaster learns from and the accuracy is measured on): one series per subject (a query returning
 * several is an error naming the subject), sampled a few times a step, fetched in chunks. Steps
 * without data are NaN.
 */
export function sourceHistory(
  options: SourceHistoryOptions,
): (subject: SubjectRef, sinceMs: number) => Promise<DemandPoint[]> {
  return async (subject, sinceMs) => {
    const q = await options.queryOf(subject);
    if (q === undefined) throw new RangeError(`${subject.kind} ${subject.id} has no demand query`);
    const stepMs = q.stepSeconds * 1000;
    const sampleMs = sampleSeconds(q.stepSeconds) * 1000;
    const now = options.clock.now();
    const endMs = Math.floor(now / sampleMs) * sampleMs;
    const startMs = Math.ceil(sinceMs / stepMs) * stepMs;
    if (startMs + sampleMs > endMs) return [];
    const { samples } = await fetchSamples(
      options.source,
      q.query,
      { fromMs: startMs + sampleMs, toMs: endMs, stepSeconds: sampleMs / 1000 },
      {
        maxPointsPerRequest: options.maxPointsPerRequest ?? MAX_POINTS_PER_REQUEST,
        what: `the demand query of ${subject.kind} ${subject.id}`,
      },
    );
    const steps = stepMeans(samples, q.stepSeconds, startMs, endMs);
    const points: DemandPoint[] = [];
    let next = steps[0]?.[0];
    for (const [t, v] of steps) {
      for (; next !== undefined && next < t; next += stepMs) points.push([next, Number.NaN]);
      points.push([t, v]);
      next = t + stepMs;
    }
    return points;
  };
}

/** A forecast store as the review reads it: the latest state, and each new forecast as it is made. */
export interface ForecastStates {
  get(key: string): TargetState | undefined;
  onForecast?(listener: (key: string, forecast: StoredForecast) => void): () => void;
}

/** The parts `foresight serve` and `foresight demo` hold, as one ReviewSource. */
export interface ReviewSourceParts {
  readonly scalers: () => readonly PredictiveScaler[];
  readonly targets: readonly ConfigTargetView[];
  /** The actuator's store (keys `namespace/name`); absent when the controller is off. */
  readonly scalerStore?: ForecastStates;
  /** The forecaster's store (keys: target names); absent without config targets. */
  readonly targetStore?: ForecastStates;
  readonly history: (subject: SubjectRef, sinceMs: number) => Promise<DemandPoint[]>;
  /** The replicas of a scaler's workload now (its scale's status.replicas); absent without a cluster. */
  readonly workloadReplicas?: (scalerId: string) => Promise<number | undefined>;
  readonly decisions?: DecisionLog;
  readonly controller?: ControllerShards;
  readonly clock: Clock;
}

/**
 * The running parts as a ReviewSource. Every forecast the stores record from now on (and every one
 * read through it) is also kept in a ForecastArchive (spaced, bounded), which answers
 * `pastForecasts`; with `workloadReplicas`, each `actualReplicas` call samples the workload's
 * replicas into ReplicaSamples.
 */
export function reviewSourceOf(parts: ReviewSourceParts): ReviewSource {
  const archive = new ForecastArchive();
  const key = (subject: SubjectRef) => `${subject.kind}/${subject.id}`;
  parts.scalerStore?.onForecast?.((id, forecast) =>
    archive.record(key({ kind: "PredictiveScaler", id }), forecast),
  );
  parts.targetStore?.onForecast?.((id, forecast) =>
    archive.record(key({ kind: "ForecastTarget", id }), forecast),
  );
  return {
    scalers: parts.scalers,
    targets: () => parts.targets,
    forecast: (subject) => {
      const state = (subject.kind === "PredictiveScaler" ? parts.scalerStore : parts.targetStore)?.get(
        subject.id,
      );
      archive.record(key(subject), state?.forecast);
      return state;
    },
    pastForecasts: (subject, sinceMs, beforeMs) => archive.snapshots(key(subject), sinceMs, beforeMs),
    ...(parts.workloadReplicas
      ? { actualReplicas: actualReplicasOf(parts.workloadReplicas, parts.clock) }
      : {}),
    history: parts.history,
    ...(parts.decisions ? { decisions: parts.decisions } : {}),
    ...(parts.controller ? { controller: parts.controller } : {}),
    clock: parts.clock,
  };
}

/** Samples of a scaler's workload replicas, one taken at each call. */
function actualReplicasOf(
  read: (scalerId: string) => Promise<number | undefined>,
  clock: Clock,
): (subject: SubjectRef, sinceMs: number) => Promise<readonly ReplicaSample[]> {
  const samples = new ReplicaSamples();
  return async (subject, sinceMs) => {
    if (subject.kind !== "PredictiveScaler") return [];
    const replicas = await read(subject.id);
    if (replicas !== undefined) samples.record(subject.id, clock.now(), replicas);
    return samples.since(subject.id, sinceMs);
  };
}

/** Config-file targets (durations in ms, as the config schema parses them) as the API shows them. */
export function configTargetViews(
  targets: readonly {
    name: string;
    query: string;
    quantiles: readonly number[];
    horizon: number;
    step: number;
  }[],
): ConfigTargetView[] {
  return targets.map((t) => ({
    name: t.name,
    query: t.query,
    quantiles: [...t.quantiles],
    horizonMs: t.horizon,
    stepSeconds: t.step / 1000,
  }));
}
