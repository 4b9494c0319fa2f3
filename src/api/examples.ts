/**
 * Example responses of the review API, shown in the OpenAPI document next to each route. The
 * OpenAPI test validates every one against the document's schemas, so they cannot drift from the
 * wire types unnoticed.
 */
import type {
  BacktestJob,
  ControllerView,
  DecisionPageView,
  ModelsView,
  ScalerList,
  ScalerSummary,
  SeriesView,
} from "./types.js";

const T0 = Date.parse("2025-06-02T08:00:00Z");

export const scalerExample: ScalerSummary = {
  kind: "PredictiveScaler",
  id: "llm/vllm",
  namespace: "llm",
  name: "vllm",
  mode: "Floor",
  target: "Deployment/vllm",
  ready: {
    type: "Ready",
    status: "True",
    reason: "FloorApplied",
    message: "floor 6 replicas for the 0.9 forecast of 52.1",
    lastTransitionTime: "2025-06-02T07:45:00Z",
  },
  conditions: [
    {
      type: "Ready",
      status: "True",
      reason: "FloorApplied",
      message: "floor 6 replicas for the 0.9 forecast of 52.1",
    },
    { type: "ForecastReady", status: "True", reason: "ForecastReady", message: "model mstl" },
  ],
  model: "mstl",
  accuracy: { pinball: 0.41, coverage: 0.91, underPredictionRate: 0.04 },
  nextPeak: { value: 52.1, replicas: 6, at: "2025-06-02T09:15:00Z" },
  recommendedReplicas: 6,
  appliedReplicas: 6,
  lastAction: { type: "SetFloor", time: "2025-06-02T07:45:00Z", from: 4, to: 6, message: "raised the floor" },
  quantile: 0.9,
  capacityPerReplica: 10,
  shard: { index: 1, heldHere: true, holder: "foresight-7d9c6b5f4-x2k8q_3f9a1c2e" },
};

export const controllerExample: ControllerView = {
  identity: "foresight-7d9c6b5f4-x2k8q_3f9a1c2e",
  leaderElection: true,
  shards: 4,
  held: [1, 3],
  replicas: ["foresight-7d9c6b5f4-m4p7z_8b2e0d41", "foresight-7d9c6b5f4-x2k8q_3f9a1c2e"],
  shardHolders: [
    { shard: 0, holder: "foresight-7d9c6b5f4-m4p7z_8b2e0d41", heldHere: false, scalers: 3 },
    { shard: 1, holder: "foresight-7d9c6b5f4-x2k8q_3f9a1c2e", heldHere: true, scalers: 2 },
    { shard: 2, holder: "foresight-7d9c6b5f4-m4p7z_8b2e0d41", heldHere: false, scalers: 4 },
    { shard: 3, holder: "foresight-7d9c6b5f4-x2k8q_3f9a1c2e", heldHere: true, scalers: 1 },
  ],
};

export const targetExample: ScalerSummary = {
  kind: "ForecastTarget",
  id: "gpu-util",
  name: "gpu-util",
  mode: "Metric",
  ready: { type: "Ready", status: "True", reason: "ForecastReady", message: "model holt_winters" },
  conditions: [
    { type: "ForecastReady", status: "True", reason: "ForecastReady", message: "model holt_winters" },
  ],
  model: "holt_winters",
  accuracy: { pinball: 0.52, coverage: 0.88 },
  nextPeak: { value: 81.5, at: "2025-06-02T09:30:00Z" },
  quantile: 0.9,
};

export const scalerListExample: ScalerList = { items: [scalerExample, targetExample] };

export const seriesExample: SeriesView = {
  id: "llm/vllm",
  stepSeconds: 60,
  demand: [
    [T0 - 120_000, 40.2],
    [T0 - 60_000, 41.7],
    [T0, 43.0],
  ],
  forecast: {
    startMs: T0 + 60_000,
    stepSeconds: 60,
    computedAtMs: T0,
    model: "mstl",
    mean: [44.1, 45.3],
    quantiles: { "0.5": [44.0, 45.2], "0.9": [49.8, 52.1] },
  },
  pastForecasts: [
    {
      computedAtMs: T0 - 120_000,
      startMs: T0 - 60_000,
      stepSeconds: 60,
      model: "mstl",
      mean: [41.0, 42.4, 43.9],
      quantiles: { "0.5": [40.9, 42.3, 43.8], "0.9": [46.5, 48.0, 49.6] },
    },
  ],
  decidedForecasts: [
    { madeAtMs: T0 - 600_000, forMs: T0, value: 48.7, quantile: 0.9 },
    { madeAtMs: T0 - 300_000, forMs: T0 + 300_000, value: 50.2, quantile: 0.9 },
  ],
  actual: [
    [T0 - 840_000, 4],
    [T0 - 240_000, 6],
  ],
  applied: [
    [T0 - 900_000, 4],
    [T0 - 900_000 + 600_000, 6],
  ],
  recommended: [
    [T0 - 900_000, 5],
    [T0 - 300_000, 6],
  ],
};

export const modelsExample: ModelsView = {
  id: "llm/vllm",
  chosen: "mstl",
  why: "lowest scaled pinball loss (0.41) among 4 scored models; next best holt_winters (0.52); an ensemble of the best models was not better",
  computedAtMs: T0,
  candidates: [
    { name: "mstl", ready: true, scaledPinball: 0.41, coverage: 0.91, mase: 0.63, fitSeconds: 0.8 },
    { name: "holt_winters", ready: true, scaledPinball: 0.52, coverage: 0.87, mase: 0.71, fitSeconds: 0.3 },
  ],
  calibration: { "0.5": 0.0, "0.9": 1.8 },
};

export const decisionsExample: DecisionPageView = {
  items: [
    {
      atMs: T0 - 300_000,
      time: new Date(T0 - 300_000).toISOString(),
      action: "SetFloor",
      applied: true,
      from: 4,
      to: 6,
      reason:
        "raised the floor from 4 to 6: the 0.9 forecast peaks at 52.1 within the lead time (model mstl)",
      forecast: { value: 52.1, quantile: 0.9, horizon: "15m", model: "mstl" },
    },
  ],
  total: 37,
  next: "1204",
};

const request = {
  subject: "llm/vllm",
  policies: ["reactive", "predictive-floor"],
  peakReplicas: 8,
  leadTime: "5m",
};

export const backtestQueuedExample: BacktestJob = {
  id: "3f1c2b8e-6a55-4d7e-9a1a-0c51f0d2e7b4",
  state: "queued",
  progress: 0,
  createdTime: "2025-06-02T08:00:00.000Z",
  request,
};

export const backtestDoneExample: BacktestJob = {
  ...backtestQueuedExample,
  state: "succeeded",
  progress: 1,
  result: {
    trace: "history of llm/vllm",
    stepSeconds: 15,
    saturationPerReplica: 9.29,
    capacityPerReplica: 6.5,
    targetUtilization: 0.7,
    leadTimeMs: 300_000,
    nodeLeadTimeMs: 0,
    warmupMs: 604_800_000,
    steps: 80_640,
    scoredSteps: 40_320,
    slo: { model: "mmc", multiple: 2 },
    policies: {
      reactive: {
        overloadedFraction: 0.036,
        unservedFraction: 0.002,
        sloViolationFraction: 0.038,
        aboveTargetFraction: 0.412,
        replicaHours: 1210.5,
        nodeHours: 310.2,
        gpuHours: 1240.8,
        scaleEvents: 412,
        costVsOracle: 1.38,
      },
      "predictive-floor": {
        overloadedFraction: 0.004,
        unservedFraction: 0,
        sloViolationFraction: 0.005,
        aboveTargetFraction: 0.21,
        replicaHours: 1398.2,
        nodeHours: 356.4,
        gpuHours: 1425.6,
        scaleEvents: 505,
        costVsOracle: 1.59,
      },
    },
    oracle: {
      overloadedFraction: 0,
      unservedFraction: 0,
      sloViolationFraction: 0.61,
      aboveTargetFraction: 0.99,
      replicaHours: 877.2,
      nodeHours: 230.1,
      gpuHours: 920.4,
      scaleEvents: 980,
      costVsOracle: 1,
    },
    frontier: {
      runs: [{ target: 0.7, label: "reactive@70%", scores: "… (as policies.reactive)" }],
      placements: {
        "predictive-floor": {
          overloaded: { valueAtEqualCost: 0.029, ratioAtEqualCost: 0.14, below: true },
          slo: { valueAtEqualCost: 0.031, ratioAtEqualCost: 0.16, below: true },
        },
      },
    },
    timing: {
      reactive: { seconds: 1.2, forecastSeconds: 0 },
      "predictive-floor": { seconds: 140.3, forecastSeconds: 137.9 },
    },
  },
};

export const statusExample = {
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message: 'PredictiveScaler "llm/nope" not found',
  reason: "NotFound",
  code: 404,
} as const;
