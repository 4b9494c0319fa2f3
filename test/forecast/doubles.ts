/** Small test doubles for the engine's tests: models whose behaviour is set by the test. */
import type {
  FittedModel,
  ForecastResult,
  Model,
  Quantile,
  Readiness,
  Series,
} from "../../src/forecast/types.js";

export interface DoubleOptions {
  readonly name: string;
  /** Forecast value for every step, from the fitted history (default: last finite value). */
  readonly level?: (history: Series) => number;
  /** Half-width of the quantile spread around the level, per unit of |q − 0.5| (default 0). */
  readonly spread?: number;
  readonly readiness?: (history: Series) => Readiness;
  /** Throw from fit when this returns true. */
  readonly fails?: (history: Series) => boolean;
  /** Declared fit cost (the backtest refits cheap models at every origin); default cheap (a double costs nothing). */
  readonly fitCost?: "cheap" | "expensive";
  readonly updatable?: boolean;
}

export function lastFinite(series: Series): number {
  for (let i = series.values.length - 1; i >= 0; i--) {
    const v = series.values[i] as number;
    if (Number.isFinite(v)) return v;
  }
  return 0;
}

/** A model that forecasts a flat level; records every fit and update it receives. */
export class DoubleModel implements Model {
  readonly name: string;
  readonly fitCost: "cheap" | "expensive";
  readonly fits: number[] = [];
  readonly updates: number[] = [];
  constructor(private readonly options: DoubleOptions) {
    this.name = options.name;
    this.fitCost = options.fitCost ?? "cheap";
  }

  readiness(series: Series): Readiness {
    return this.options.readiness?.(series) ?? { ready: true };
  }

  async fit(series: Series): Promise<FittedModel> {
    if (this.options.fails?.(series)) throw new Error(`${this.name} failed on purpose`);
    this.fits.push(series.values.length);
    return this.#fitted(series);
  }

  #fitted(series: Series): FittedModel {
    const level = Math.max(0, this.options.level?.(series) ?? lastFinite(series));
    const spread = this.options.spread ?? 0;
    const name = this.name;
    const fitted: FittedModel & { update?: (s: Series) => FittedModel } = {
      name,
      forecast(h: number, quantiles: readonly Quantile[]): ForecastResult {
        const mean = new Float64Array(h).fill(level);
        const paths = new Map(
          [...quantiles]
            .sort((a, b) => a - b)
            .map((q) => [q, new Float64Array(h).fill(Math.max(0, level + spread * (q - 0.5)))]),
        );
        return {
          startMs: series.startMs + series.values.length * series.stepSeconds * 1000,
          stepSeconds: series.stepSeconds,
          mean,
          quantiles: paths,
        };
      },
    };
    if (this.options.updatable) {
      fitted.update = (s: Series) => {
        this.updates.push(s.values.length);
        return this.#fitted(s);
      };
    }
    return fitted;
  }
}

/** `days` of a daily sine at `stepSeconds`, level 100, amplitude 50, plus deterministic noise. */
export function dailySeries(days: number, stepSeconds = 3600, noise = 5): Series {
  const perDay = 86_400 / stepSeconds;
  const values = Float64Array.from(
    { length: days * perDay },
    (_, i) => 100 + 50 * Math.sin((2 * Math.PI * i) / perDay) + noise * Math.sin(i * 12.9898) * 2,
  );
  return { startMs: 1_700_000_000_000, stepSeconds, values };
}
