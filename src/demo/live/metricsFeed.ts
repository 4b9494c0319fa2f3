/**
 * The metrics a simulated LLM-serving Deployment would expose, fed straight into a store (no HTTP):
 * the gateway's request counter (offered demand, as an ingress would count it), and per ready pod the
 * vLLM-style load and DCGM GPU utilization an exporter would report. The demo's adapter, forecaster
 * and controller read them back through PromQL like any Prometheus data.
 *
 * - `llm_gateway_requests_total{namespace, service}`: counter of requests offered (demand × seconds).
 * - `vllm:num_requests_running{namespace, pod}`: requests/s each ready pod serves (demand ÷ ready pods).
 * - `DCGM_FI_DEV_GPU_UTIL{namespace, pod, gpu="0"}`: that load against one pod's capacity, in %, capped at 100.
 */
import type { Labels } from "../../metrics/source.js";
import { podName } from "./mirror.js";

export type Ingest = (labels: Labels, timeMs: number, value: number) => void;

export interface FeedPod {
  readonly id: number;
  readonly ready: boolean;
}

export interface MetricsFeedOptions {
  readonly namespace: string;
  /** The Deployment (pod names are `<deployment>-<id>`, as LiveSimulation names them). */
  readonly deployment: string;
  /** Demand one ready pod serves at 100 % GPU. */
  readonly capacityPerPod: number;
  readonly ingest: Ingest;
}

/** The latest value of every series fed, as an exporter would expose them (Prometheus text format). */
export class LatestValues {
  readonly #series = new Map<string, { labels: Labels; value: number }>();

  readonly ingest: Ingest = (labels, _t, value) => {
    this.#series.set(JSON.stringify(labels), { labels, value });
  };

  /** Forget every series (before a step re-feeds the current ones: gone pods disappear). */
  clear(): void {
    this.#series.clear();
  }

  render(): string {
    const lines: string[] = [];
    for (const { labels, value } of this.#series.values()) {
      const { __name__: name, ...rest } = labels;
      const pairs = Object.entries(rest).map(
        ([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`,
      );
      lines.push(`${name}${pairs.length > 0 ? `{${pairs.join(",")}}` : ""} ${value}`);
    }
    return `${lines.sort().join("\n")}\n`;
  }
}

export class MetricsFeed {
  readonly #opts: MetricsFeedOptions;
  #requests = 0;
  #lastMs: number | undefined;

  constructor(options: MetricsFeedOptions) {
    this.#opts = options;
  }

  /** The gateway counter alone, for backfilling history before the cluster runs (every `stepMs`). */
  backfill(fromMs: number, toMs: number, stepMs: number, demandAt: (ms: number) => number): void {
    for (let t = fromMs; t <= toMs; t += stepMs) this.#count(t, demandAt(t));
  }

  /** One scrape at `timeMs`: demand now and the Deployment's pods. */
  observe(timeMs: number, demand: number, pods: readonly FeedPod[]): void {
    const { namespace, deployment, capacityPerPod, ingest } = this.#opts;
    this.#count(timeMs, demand);
    const ready = pods.filter((p) => p.ready);
    const perPod = ready.length === 0 ? 0 : demand / ready.length;
    for (const p of ready) {
      const pod = podName(deployment, { id: p.id, phase: "Running", ready: true, node: undefined });
      ingest({ __name__: "vllm:num_requests_running", namespace, pod }, timeMs, perPod);
      ingest(
        { __name__: "DCGM_FI_DEV_GPU_UTIL", namespace, pod, gpu: "0" },
        timeMs,
        Math.min(100, (100 * perPod) / capacityPerPod),
      );
    }
  }

  #count(timeMs: number, demand: number): void {
    const { namespace, deployment, ingest } = this.#opts;
    if (this.#lastMs !== undefined && timeMs > this.#lastMs) {
      this.#requests += (Math.max(0, demand) * (timeMs - this.#lastMs)) / 1000;
    }
    this.#lastMs = timeMs;
    ingest(
      { __name__: "llm_gateway_requests_total", namespace, service: deployment },
      timeMs,
      this.#requests,
    );
  }
}
