/**
 * `crane`: Crane's Effective HPA. A DSP forecast of demand (5-minute means, refitted at most hourly)
 * gives the max over the look-ahead window (now … now + lead time); that value is fed to the HPA as
 * an extra External metric with an AverageValue target of the per-replica capacity, so the HPA
 * takes the max of it and the utilization metric. Until the model is ready (two days) only the
 * utilization metric is there.
 */
import { DspModel } from "../../forecast/models/dsp.js";
import type { MetricSpec } from "../hpa/types.js";
import { CoarseSeries, DEFAULT_REFIT_MS, Refitter } from "./forecastCadence.js";
import { HpaDriver } from "./hpaDriver.js";
import type { PredictiveOptions } from "./phpa.js";
import type { Policy, PolicyContext, PolicyDecision, StepView } from "./types.js";

export const CRANE = "crane";

export function cranePolicy(context: PolicyContext, options: PredictiveOptions = {}): Policy {
  const refitMs = options.refitMs ?? DEFAULT_REFIT_MS;
  const hpa = new HpaDriver(context);
  const history = new CoarseSeries(context.startMs, context.stepMs);
  const refitter = new Refitter(new DspModel(), refitMs, refitMs + context.leadTimeMs);
  const prediction: MetricSpec = {
    type: "External",
    external: {
      metricName: "crane_prediction",
      target: { type: "AverageValue", averageValue: Math.round(context.capacityPerReplica * 1000) },
    },
  };
  const decide = (view: StepView): PolicyDecision => {
    const peak = refitter.maxOver(view.nowMs, view.nowMs + context.leadTimeMs);
    const extra =
      peak === undefined
        ? []
        : [{ spec: prediction, reading: { items: [Math.round(Math.max(0, peak) * 1000)] } }];
    return { replicas: hpa.sync(view, extra) };
  };
  return {
    name: CRANE,
    get forecastMs() {
      return refitter.spentMs;
    },
    decide(view) {
      history.push(view.history[view.step] as number);
      if (refitter.due(view.nowMs))
        return refitter.refit(view.nowMs, history.series()).then(() => decide(view));
      return decide(view);
    },
  };
}
