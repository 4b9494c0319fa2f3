/**
 * The tables and target lines of `foresight bench forecast` (benchForecast.ts runs it): the summary
 * per model, scaled pinball 0.9 per series with the served forecast's ratio to the best
 * statsforecast-style model of that series, each model's fit time per series, and the targets
 * (issue 18): served ≤ 0.9× the best statsforecast-style model on every series, a mean ≤ 0.75× the
 * mean of those per-series bests, no series where `naive` beats it, and coverage 0.9 in [0.85, 0.95].
 */
import { statsforecastStyleNames } from "../forecast/models/registry.js";

export const FORESIGHT = "foresight";

export interface BenchModelScores {
  readonly mase: number;
  readonly scaledPinball50: number;
  readonly scaledPinball90: number;
  readonly coverage90: number;
  readonly fitSeconds: number;
}

export interface BenchSeries {
  readonly name: string;
  readonly points: number;
  readonly stepSeconds: number;
  readonly selected: string;
  readonly models: Record<string, BenchModelScores>;
}

export interface BenchSummary {
  readonly meanScaledPinball90: number;
  readonly meanMase: number;
  readonly meanCoverage90: number;
  readonly totalFitSeconds: number;
}

/** The served forecast's most per series, as a share of the best statsforecast-style model's. */
const PER_SERIES_MAX = 0.9;
/** Its mean's most, as a share of the mean of the per-series bests. */
const MEAN_MAX = 0.75;

export function summarize(
  series: readonly BenchSeries[],
  names: readonly string[],
): Record<string, BenchSummary> {
  const out: Record<string, BenchSummary> = {};
  for (const name of names) {
    const rows = series.map((s) => s.models[name]).filter((r): r is BenchModelScores => r !== undefined);
    out[name] = {
      meanScaledPinball90: mean(rows.map((r) => r.scaledPinball90)),
      meanMase: mean(rows.map((r) => r.mase)),
      meanCoverage90: mean(rows.map((r) => r.coverage90)),
      totalFitSeconds: rows.reduce((a, r) => a + r.fitSeconds, 0),
    };
  }
  return out;
}

function mean(xs: readonly number[]): number {
  const f = xs.filter(Number.isFinite);
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : Number.NaN;
}

export function fmt(x: number, digits = 3): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "–";
}

/** The best statsforecast-style model of a series (ets, theta, arima, mstl: those that ran), by scaled pinball 0.9. */
export function bestStatsforecastStyle(s: BenchSeries): { name: string; score: number } | undefined {
  let best: { name: string; score: number } | undefined;
  for (const name of statsforecastStyleNames) {
    const score = s.models[name]?.scaledPinball90 ?? Number.NaN;
    if (Number.isFinite(score) && (!best || score < best.score)) best = { name, score };
  }
  return best;
}

/** The targets for `foresight`, as lines saying met / NOT met. */
export function targetLines(series: readonly BenchSeries[], summary: Record<string, BenchSummary>): string[] {
  const f = summary[FORESIGHT];
  if (!f) return [];
  const lines: string[] = [];
  const compared = series
    .map((s) => ({
      s,
      best: bestStatsforecastStyle(s),
      served: s.models[FORESIGHT]?.scaledPinball90 ?? Number.NaN,
    }))
    .filter(
      (c): c is { s: BenchSeries; best: { name: string; score: number }; served: number } =>
        c.best !== undefined,
    );
  if (compared.length > 0) {
    const ratios = compared.map((c) => ({ ...c, ratio: c.served / c.best.score }));
    const worst = ratios.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    const over = ratios.filter((r) => !(r.ratio <= PER_SERIES_MAX));
    lines.push(
      `foresight ≤ ${PER_SERIES_MAX}× the best statsforecast-style model on every series: ${over.length === 0 ? "met" : `NOT met on ${over.length} of ${ratios.length}`} ` +
        `(highest ${fmt(worst.ratio, 2)}× on ${worst.s.name}, against ${worst.best.name} ${fmt(worst.best.score)})`,
    );
    const meanRatio = mean(compared.map((c) => c.served)) / mean(compared.map((c) => c.best.score));
    lines.push(
      `foresight mean ≤ ${MEAN_MAX}× the mean of the per-series best statsforecast-style models: ${meanRatio <= MEAN_MAX ? "met" : "NOT met"} (${fmt(meanRatio, 2)}×)`,
    );
  }
  if (summary.naive) {
    const beaten = series.filter(
      (s) =>
        (s.models.naive?.scaledPinball90 ?? Number.POSITIVE_INFINITY) <
        (s.models[FORESIGHT]?.scaledPinball90 ?? Number.NaN),
    );
    lines.push(
      `no series where naive beats foresight: ${beaten.length === 0 ? "met" : `NOT met (${beaten.map((s) => s.name).join(", ")})`}`,
    );
  }
  lines.push(
    `foresight meanCoverage90 in [0.85, 0.95]: ${f.meanCoverage90 >= 0.85 && f.meanCoverage90 <= 0.95 ? "met" : "NOT met"} (${fmt(f.meanCoverage90)})`,
  );
  return lines;
}

export function renderTable(
  series: readonly BenchSeries[],
  summary: Record<string, BenchSummary>,
  notes: readonly string[] = [],
): string {
  const names = Object.keys(summary);
  const lines = [
    "| model | mean scaled pinball 0.9 | mean MASE | mean coverage 0.9 | total fit s |",
    "|---|---:|---:|---:|---:|",
    ...names.map((n) => {
      const s = summary[n] as BenchSummary;
      return `| ${n} | ${fmt(s.meanScaledPinball90)} | ${fmt(s.meanMase)} | ${fmt(s.meanCoverage90)} | ${fmt(s.totalFitSeconds, 1)} |`;
    }),
    "",
    "Scaled pinball 0.9 per series (`÷ best sf` = foresight ÷ the best statsforecast-style model of the series):",
    "",
    `| series | points | step s | selected | ${names.map((n) => `${n}`).join(" | ")} | ÷ best sf |`,
    `|---|---:|---:|---|${names.map(() => "---:").join("|")}|---:|`,
    ...series.map((s) => {
      const best = bestStatsforecastStyle(s);
      const ratio = best ? (s.models[FORESIGHT]?.scaledPinball90 ?? Number.NaN) / best.score : Number.NaN;
      return `| ${s.name} | ${s.points} | ${s.stepSeconds} | ${s.selected} | ${names.map((n) => fmt(s.models[n]?.scaledPinball90 ?? Number.NaN)).join(" | ")} | ${best ? `${fmt(ratio, 2)} (${best.name})` : "–"} |`;
    }),
    "",
    "Fit (and update) seconds per series, over all its origins; foresight's includes every candidate's and its selection:",
    "",
    `| series | ${names.join(" | ")} |`,
    `|---|${names.map(() => "---:").join("|")}|`,
    ...series.map(
      (s) => `| ${s.name} | ${names.map((n) => fmt(s.models[n]?.fitSeconds ?? Number.NaN, 1)).join(" | ")} |`,
    ),
    "",
    ...targetLines(series, summary).map((t) => `- ${t}`),
    ...notes.map((n) => `- note: ${n}`),
  ];
  return lines.join("\n");
}
