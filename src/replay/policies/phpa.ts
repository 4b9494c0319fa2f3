/**
 * `phpa`: the Predictive Horizontal Pod Autoscaler's Holt-Winters mode. Each sync the HPA computes
 * its replicas from the metric; that replica history (5-minute means) feeds Holt-Winters, refitted at
 * most hourly, and the replicas applied are max(predicted replicas one lead time ahead, the HPA's),
 * as PHPA's `maximum` decision does. Until the model is ready (two seasons) it is the HPA alone.
 */
import { HoltWintersModel } from "../../forecast/models/holtWinters.js";
import { CoarseSeries, DEFAULT_REFIT_MS, Refitter } from "./forecastCadence.js";
import { HpaDriver } from "./hpaDriver.js";
import type { Policy, PolicyContext, PolicyDecision, StepView } from "./types.js";

export const PHPA = "phpa";

export interface PredictiveOptions {
  /** Refit at most this often in simulated time (default 1 h). */
  readonly refitMs?: number;
}

export function phpaPolicy(context: PolicyContext, options: PredictiveOptions = {}): Policy {
  const refitMs = options.refitMs ?? DEFAULT_REFIT_MS;
  const hpa = new HpaDriver(context);
  const history = new CoarseSeries(context.startMs, context.stepMs);
  const refitter = new Refitter(new HoltWintersModel(), refitMs, refitMs + context.leadTimeMs);
  const decide = (view: StepView, reactive: number): PolicyDecision => {
    const predicted = refitter.at(view.nowMs + context.leadTimeMs);
    if (predicted === undefined) return { replicas: reactive };
    const wanted = Math.max(reactive, Math.ceil(predicted - 1e-9));
    return { replicas: Math.min(context.maxReplicas, Math.max(context.minReplicas, wanted)) };
  };
  return {
    name: PHPA,
    get forecastMs() {
      return refitter.spentMs;
    },
    decide(view) {
      const reactive = hpa.sync(view);
      history.push(reactive);
      if (refitter.due(view.nowMs))
        return refitter.refit(view.nowMs, history.series()).then(() => decide(view, reactive));
      return decide(view, reactive);
    },
  };
}
