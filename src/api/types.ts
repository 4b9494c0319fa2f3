/**
 * The review API's wire types (`/api/v1`): what operators and the web page read. The
 * OpenAPI document (src/api/openapi.ts) describes exactly these; the page (src/api/web/) renders
 * them. Times are Unix milliseconds unless named `…Time` (RFC 3339).
 */

/** A forecast under review: a PredictiveScaler, or a forecast target of the config file. */
export type SubjectKind = "PredictiveScaler" | "ForecastTarget";

export interface ConditionView {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime?: string;
}

export interface AccuracyView {
  /** Finished steps compared (scalers' live accuracy). */
  readonly steps?: number;
  /** Mean pinball loss at the served quantile, in demand units. */
  readonly pinball?: number;
  readonly coverage?: number;
  readonly underPredictionRate?: number;
}

/** One row of `GET /api/v1/scalers`. */
export interface ScalerSummary {
  readonly kind: SubjectKind;
  /** `namespace/name` for scalers, `name` for config targets; the path segment(s) of its routes. */
  readonly id: string;
  readonly namespace?: string;
  readonly name: string;
  /** Scalers: ForecastOnly | Metric | Floor | Direct. Config targets: "Metric" (served as foresight_forecast). */
  readonly mode: string;
  /** Scalers: `Deployment/web`. */
  readonly target?: string;
  /** The Ready condition (scalers) or the forecast's readiness (targets). */
  readonly ready: ConditionView;
  readonly conditions: readonly ConditionView[];
  readonly model?: string;
  readonly accuracy?: AccuracyView;
  readonly nextPeak?: { readonly value: number; readonly replicas?: number; readonly at: string };
  readonly recommendedReplicas?: number;
  readonly appliedReplicas?: number;
  readonly lastAction?: {
    readonly type: string;
    readonly time: string;
    readonly from?: number;
    readonly to?: number;
    readonly message?: string;
  };
  /** The served quantile (scalers: spec.quantile; targets: their highest quantile). */
  readonly quantile: number;
  /** Demand one replica serves (scalers only). */
  readonly capacityPerReplica?: number;
  /** Scalers, with leader election: the shard the scaler belongs to and who acts for it. */
  readonly shard?: ShardView;
}

/** A scaler's shard: the controller replica holding its Lease acts and trains for it. */
export interface ShardView {
  readonly index: number;
  /** Whether the replica answering holds the shard (acts and trains for the scaler). */
  readonly heldHere: boolean;
  /** The replica holding it as last seen; absent while nobody does. */
  readonly holder?: string;
}

/** `GET /api/v1/controller`: the PredictiveScaler controller on the replica answering, and its shards. */
export interface ControllerView {
  /** This replica's identity in the Leases. */
  readonly identity: string;
  /** Off: this replica acts for every scaler (a single replica). */
  readonly leaderElection: boolean;
  /** The shards the scalers are split into (1: a single leader). */
  readonly shards: number;
  /** The shards this replica holds, ascending. */
  readonly held: readonly number[];
  /** The live replicas this replica counts (with more than one shard). */
  readonly replicas?: readonly string[];
  /** Every shard with its holder as last seen and its scalers. */
  readonly shardHolders: readonly {
    readonly shard: number;
    readonly holder?: string;
    readonly heldHere: boolean;
    readonly scalers: number;
  }[];
  /** Why this replica holds no shard although it could (another shard count, a single leader). */
  readonly blocked?: string;
}

export interface ScalerList {
  readonly items: readonly ScalerSummary[];
}

/** `GET /api/v1/scalers/{namespace}/{name}/series` and `/targets/{name}/series`: actual against forecast. */
export interface SeriesView {
  readonly id: string;
  readonly stepSeconds: number;
  /** Actual demand, [time, value] ascending (NaN gaps omitted). */
  readonly demand: readonly (readonly [number, number])[];
  /** The latest forecast: mean and quantile bands from `startMs`, one value per step. */
  readonly forecast?: {
    readonly startMs: number;
    readonly stepSeconds: number;
    readonly computedAtMs: number;
    readonly model: string;
    readonly mean: readonly number[];
    /** Quantile level as text ("0.1", "0.9") → path. */
    readonly quantiles: Readonly<Record<string, readonly number[]>>;
  };
  /**
   * Earlier forecasts (made before the latest, oldest first) whose paths reach into the window: what
   * was forecast against the demand that came. The server keeps those it has read since it started.
   */
  readonly pastForecasts: readonly {
    readonly computedAtMs: number;
    readonly startMs: number;
    readonly stepSeconds: number;
    readonly model: string;
    readonly mean: readonly number[];
    readonly quantiles: Readonly<Record<string, readonly number[]>>;
  }[];
  /**
   * What each decision forecast for the time it looked ahead to: [decision time + horizon, value] at
   * the decision's quantile, ascending. Survives restarts where the decision log does.
   */
  readonly decidedForecasts: readonly {
    readonly madeAtMs: number;
    readonly forMs: number;
    readonly value: number;
    readonly quantile: number;
  }[];
  /**
   * Replicas the workload ran over time (its scale's status.replicas, what the HPA and the floor
   * produced), as the server sampled them while asked; empty where the workload cannot be read.
   */
  readonly actual: readonly (readonly [number, number])[];
  /** Replicas the scaler put in place over time (floor, scale or served metric), from its decisions. */
  readonly applied: readonly (readonly [number, number])[];
  /** Replicas the forecast recommended over time. */
  readonly recommended: readonly (readonly [number, number])[];
}

/** `GET …/models`: every candidate's backtest and why the chosen one won. */
export interface ModelsView {
  readonly id: string;
  readonly chosen?: string;
  /** e.g. "lowest scaled pinball loss (0.41) among 5 ready models; ensemble of the two best was not better". */
  readonly why: string;
  readonly computedAtMs?: number;
  readonly candidates: readonly {
    readonly name: string;
    readonly ready: boolean;
    readonly reason?: string;
    readonly scaledPinball: number;
    readonly coverage: number;
    readonly mase: number;
    readonly fitSeconds: number;
  }[];
  /**
   * Conformal calibration per quantile: the offset added to the raw quantile path, as a share of the
   * forecast's level; `"0.9@2"` is the second horizon bucket (near steps first) when there are several.
   */
  readonly calibration: Readonly<Record<string, number>>;
}

/** `GET …/decisions?limit=&cursor=`: newest first. */
export interface DecisionView {
  readonly atMs: number;
  readonly time: string;
  readonly action: string;
  readonly applied: boolean;
  readonly from?: number;
  readonly to?: number;
  readonly reason: string;
  readonly forecast?: {
    readonly value: number;
    readonly quantile: number;
    readonly horizon: string;
    readonly model?: string;
  };
  readonly error?: string;
}

export interface DecisionPageView {
  readonly items: readonly DecisionView[];
  readonly total: number;
  /** Pass as `cursor` for the next (older) page. */
  readonly next?: string;
}

/** `POST /api/v1/backtests`: a what-if replay of a policy on a subject's stored history. */
export interface BacktestRequest {
  /** The subject whose demand history is replayed (`namespace/name` or a target name). */
  readonly subject: string;
  /** Policies as `foresight backtest --policies` takes them (reactive, oracle, phpa, crane, predictive-…). */
  readonly policies: readonly string[];
  readonly peakReplicas?: number;
  /** Durations as text ("5m"). */
  readonly leadTime?: string;
  /** Node provisioning delay (default 0: nodes always available). */
  readonly nodeLeadTime?: string;
  readonly warmup?: string;
  readonly since?: string;
  /** The reactive frontier's HPA targets in percent (default 50, 60, 70, 80, 90). */
  readonly targets?: readonly number[];
  /** Include the neural model (slow: it trains at every hourly retrain of the replay; default false). */
  readonly neural?: boolean;
}

export interface BacktestJob {
  readonly id: string;
  readonly state: "queued" | "running" | "succeeded" | "failed";
  /** 0…1. */
  readonly progress: number;
  readonly createdTime: string;
  readonly request: BacktestRequest;
  /** When succeeded: the same JSON `foresight backtest --json` writes. */
  readonly result?: unknown;
  readonly error?: string;
}
