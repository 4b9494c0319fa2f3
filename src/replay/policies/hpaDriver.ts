/**
 * One HPA object driven through the real emulation (`syncHpa`): a CPU Utilization metric fed from
 * the lagged utilization the replay derives, plus optional extra metrics (Crane's prediction), each
 * 15 s sync returning the HPA's desired replicas. The HPA state (stabilization window, scale events)
 * lives here between syncs.
 */
import { syncHpa } from "../hpa/controller.js";
import {
  type HpaSpec,
  type HpaState,
  initialHpaState,
  type MetricReading,
  type MetricSpec,
} from "../hpa/types.js";
import type { PolicyContext, StepView } from "./types.js";

/** Pods request one core, so a utilization of u % is u·10 millicores. */
const REQUEST_MILLI = 1000;

const cpuMetric = (targetUtilization: number): MetricSpec => ({
  type: "Resource",
  resource: {
    name: "cpu",
    target: { type: "Utilization", averageUtilization: Math.round(targetUtilization * 100) },
  },
});

export interface ExtraMetric {
  readonly spec: MetricSpec;
  readonly reading: MetricReading;
}

export class HpaDriver {
  private state: HpaState = initialHpaState();
  private readonly cpu: MetricSpec;

  constructor(private readonly context: PolicyContext) {
    this.cpu = cpuMetric(context.targetUtilization);
  }

  /** One sync at `view.nowMs`; returns status.desiredReplicas (held on metric errors). */
  sync(view: StepView, extra: readonly ExtraMetric[] = []): number {
    const pods = view.pods();
    const values: Record<string, number> = {};
    const usage = Math.round(view.utilization * (REQUEST_MILLI / 100));
    for (const p of pods) if (p.phase === "Running") values[p.name] = usage;
    const spec: HpaSpec = {
      minReplicas: this.context.minReplicas,
      maxReplicas: this.context.maxReplicas,
      metrics: [this.cpu, ...extra.map((m) => m.spec)],
    };
    const readings: MetricReading[] = [
      { values, timestampMs: view.metricTimestampMs, windowMs: view.metricWindowMs },
      ...extra.map((m) => m.reading),
    ];
    const result = syncHpa({
      nowMs: view.nowMs,
      spec,
      state: this.state,
      scale: { specReplicas: view.desired, statusReplicas: view.desired, selector: "app=replay" },
      pods,
      readings,
    });
    this.state = result.state;
    return result.desiredReplicas;
  }
}

/** Every HPA-based policy's pods request this much CPU (the replay builds them with it). */
export const POD_CPU_REQUEST_MILLI = REQUEST_MILLI;
