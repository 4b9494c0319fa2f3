/**
 * Forecasting's own Prometheus metrics, per target, on the caller's registry. Gauges are read
 * from the forecast store at scrape time, so they can never disagree with what is served.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { Clock } from "../clock.js";
import type { ForecastStore } from "./store.js";

export interface ForecastSelfMetrics {
  /** Count a finished run by target, kind and outcome (ok, error, skipped). */
  runFinished(target: string, kind: string, status: string): void;
}

export function registerForecastMetrics(
  registry: Registry,
  deps: { readonly store: ForecastStore; readonly clock: Clock },
): ForecastSelfMetrics {
  const registers = [registry];
  const { store, clock } = deps;
  new Gauge({
    name: "foresight_forecast_age_seconds",
    help: "Seconds since each target's served forecast was computed.",
    labelNames: ["target"] as const,
    registers,
    collect() {
      this.reset();
      const now = clock.now();
      for (const s of store.all()) {
        if (s.forecast) this.set({ target: s.target }, (now - s.forecast.computedAtMs) / 1000);
      }
    },
  });
  new Gauge({
    name: "foresight_forecast_ready",
    help: "1 when the target has enough history for a forecast, else 0.",
    labelNames: ["target"] as const,
    registers,
    collect() {
      this.reset();
      for (const s of store.all()) this.set({ target: s.target }, s.readiness.ready ? 1 : 0);
    },
  });
  new Gauge({
    name: "foresight_forecast_last_error",
    help: "1 when the target's latest run failed, else 0.",
    labelNames: ["target"] as const,
    registers,
    collect() {
      this.reset();
      for (const s of store.all()) this.set({ target: s.target }, s.lastError ? 1 : 0);
    },
  });
  new Gauge({
    name: "foresight_forecast_scaled_pinball_loss",
    help: "Backtest scaled pinball loss of the model serving each target (lower is better).",
    labelNames: ["target", "model"] as const,
    registers,
    collect() {
      this.reset();
      for (const s of store.all()) {
        const score = s.forecast?.scores[s.forecast.model];
        if (score && Number.isFinite(score.scaledPinball))
          this.set({ target: s.target, model: s.forecast?.model ?? "" }, score.scaledPinball);
      }
    },
  });
  new Gauge({
    name: "foresight_forecast_coverage",
    help: "Backtest share of outcomes at or below the served quantile (0.9, or the top one) as served: calibrated, out of sample, of the model serving each target.",
    labelNames: ["target", "model"] as const,
    registers,
    collect() {
      this.reset();
      for (const s of store.all()) {
        const score = s.forecast?.scores[s.forecast.model];
        if (score && Number.isFinite(score.coverage))
          this.set({ target: s.target, model: s.forecast?.model ?? "" }, score.coverage);
      }
    },
  });
  const runs = new Counter({
    name: "foresight_forecast_runs_total",
    help: "Forecast runs by target, kind (full, update) and outcome (ok, error, skipped).",
    labelNames: ["target", "kind", "outcome"] as const,
    registers,
  });
  const errors = new Counter({
    name: "foresight_forecast_errors_total",
    help: "Failed forecast runs by target.",
    labelNames: ["target"] as const,
    registers,
  });
  return {
    runFinished(target, kind, status) {
      runs.inc({ target, kind, outcome: status });
      if (status === "error") errors.inc({ target });
    },
  };
}
