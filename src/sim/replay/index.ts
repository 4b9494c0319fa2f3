/** Replaying traces through the simulated cluster under a scaling policy, and scoring the result. */
export { LaggedSignal, type MetricLag, utilizationPercent } from "./metricSignal.js";
export { type PlotInput, type PlotSeries, renderPlot } from "./plot.js";
export {
  type CostCounters,
  type LatencySlo,
  type PolicyScores,
  quantile,
  type RawScores,
  ScoreAccumulator,
  saturationPerReplica,
  withCostVsOracle,
} from "./scores.js";
export {
  type ReplayOptions,
  type ReplayResult,
  replay,
  type WorkloadInput,
  type WorkloadRun,
} from "./simulate.js";
