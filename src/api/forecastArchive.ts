/**
 * Past forecasts of each subject of review, so the page can draw what was forecast earlier against
 * the demand that then came (the forecast store keeps only the latest). The archive records each
 * forecast as the stores make it (ForecastStore.onForecast) and as the review API reads it: it
 * holds the forecasts made while the server ran, spaced so a horizon holds a handful of them, and
 * nothing from before the server started.
 */
import type { StoredForecast } from "../forecast/store.js";

/** A past forecast's paths: what the series view sends. */
export interface ForecastSnapshot {
  readonly computedAtMs: number;
  readonly startMs: number;
  readonly stepSeconds: number;
  readonly model: string;
  readonly mean: readonly number[];
  readonly quantiles: Readonly<Record<string, readonly number[]>>;
}

export interface ForecastArchiveOptions {
  /** Snapshots kept per subject (oldest dropped first; default 48). */
  readonly perSubject?: number;
  /** Snapshots per forecast horizon at most: a newer forecast closer than horizon ÷ this is not kept (default 6). */
  readonly perHorizon?: number;
}

export class ForecastArchive {
  readonly #bySubject = new Map<string, ForecastSnapshot[]>();
  readonly #perSubject: number;
  readonly #perHorizon: number;

  constructor(options: ForecastArchiveOptions = {}) {
    this.#perSubject = options.perSubject ?? 48;
    this.#perHorizon = options.perHorizon ?? 6;
  }

  /** Keep `forecast` under `subject` unless one made too shortly before it is kept already. */
  record(subject: string, forecast: StoredForecast | undefined): void {
    if (forecast === undefined || forecast.mean.length === 0) return;
    const kept = this.#bySubject.get(subject) ?? [];
    const last = kept[kept.length - 1];
    const spacingMs = Math.max(
      forecast.stepSeconds * 1000,
      (forecast.mean.length * forecast.stepSeconds * 1000) / this.#perHorizon,
    );
    if (last !== undefined && forecast.computedAtMs < last.computedAtMs + spacingMs) return;
    kept.push({
      computedAtMs: forecast.computedAtMs,
      startMs: forecast.startMs,
      stepSeconds: forecast.stepSeconds,
      model: forecast.model,
      mean: forecast.mean,
      quantiles: forecast.quantiles,
    });
    if (kept.length > this.#perSubject) kept.splice(0, kept.length - this.#perSubject);
    this.#bySubject.set(subject, kept);
  }

  /** The subject's kept forecasts made before `beforeMs` whose paths reach past `sinceMs`, oldest first. */
  snapshots(subject: string, sinceMs: number, beforeMs: number): ForecastSnapshot[] {
    return (this.#bySubject.get(subject) ?? []).filter(
      (s) => s.computedAtMs < beforeMs && s.startMs + s.mean.length * s.stepSeconds * 1000 > sinceMs,
    );
  }
}
