/**
 * Forecasts shared between the replays of one trace. A forecast depends on the demand history and
 * the forecaster's settings only, never on what a policy did with it, so every policy (and every
 * lead time) replayed on one trace asks the very same questions at the very same simulated times:
 * the first asks the engine, the others get its answer. Keyed by the series' content and every
 * option, so a different question is never answered from the memo. Hand-written: a content-keyed
 * memo of one function is a few lines; an LRU library would add nothing (the memo lives as long as
 * one trace's replays).
 */
import type { ForecastFn, SeriesForecastLike } from "../forecast/runner.js";
import type { Series } from "../forecast/types.js";

export interface ForecastMemo {
  readonly forecast: ForecastFn;
  /** Engine calls made and answers reused. */
  readonly stats: { calls: number; hits: number };
}

/** FNV-1a over the series' bytes: exact enough to tell two histories apart. */
function digest(series: Series): string {
  const bytes = new Uint8Array(series.values.buffer, series.values.byteOffset, series.values.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return `${series.startMs}:${series.stepSeconds}:${series.values.length}:${(h >>> 0).toString(16)}`;
}

export function forecastMemo(inner: ForecastFn): ForecastMemo {
  const answers = new Map<string, Promise<SeriesForecastLike>>();
  const stats = { calls: 0, hits: 0 };
  const forecast: ForecastFn = (series, options) => {
    const { signal: _signal, models, reuse, ...rest } = options;
    const key = JSON.stringify({
      series: digest(series),
      models: models.map((m) => m.name),
      reuse: reuse
        ? {
            members: reuse.members,
            horizonSteps: reuse.calibration.horizonSteps,
            offsets: [...reuse.calibration.offsets].map(([q, o]) => [q, Array.from(o)]),
          }
        : undefined,
      ...rest,
    });
    const known = answers.get(key);
    if (known) {
      stats.hits++;
      return known;
    }
    stats.calls++;
    const answer = inner(series, options);
    answers.set(key, answer);
    // A failed answer is not kept: the next replay asks again.
    answer.catch(() => answers.delete(key));
    return answer;
  };
  return { forecast, stats };
}
