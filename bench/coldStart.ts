/**
 * Cold start on the shared traces (`npm run bench:coldstart`): each trace is cut at many points after
 * the part the pretrained global network was trained on (src/forecast/globalTraces.ts: the first 60%),
 * and each model is given 1 h, 6 h, 24 h and 7 days of history before the cut (when the trace has it)
 * and forecasts the next hour. Scored: scaled pinball at 0.9 and coverage of the 0.9 path, for global,
 * naive, seasonal_naive (same history; not ready below 2 days), seasonal_naive* (all the history before
 * the cut: what a target with weeks of data would get from it), the other per-series baselines, and
 * `foresight`: what the engine serves at that history length (forecastSeries over every ready candidate
 * but the per-series neural model). Writes its section into docs/benchmarks.md; exits 1 when a target
 * is missed: global beats naive and seasonal_naive* at 1 h and 6 h; foresight no worse than its best
 * single model at 7 days.
 */
import { forecastSeries } from "../src/forecast/engine.js";
import { loadSplitTraces } from "../src/forecast/globalTraces.js";
import { GlobalModel } from "../src/forecast/models/global.js";
import { loadGlobalNetwork, pretrainedGlobalDir } from "../src/forecast/models/globalNetwork.js";
import { defaultModels } from "../src/forecast/models/registry.js";
import { SeasonalNaiveModel } from "../src/forecast/models/seasonalNaive.js";
import { addWindow, emptySums, finishScores, naiveScale, type ScoreSums } from "../src/forecast/scores.js";
import { loadTensorflow } from "../src/forecast/tf/backend.js";
import type { ForecastResult, Model, Series } from "../src/forecast/types.js";
import { exitOnMissed, machineLine, recordSection } from "./record.js";

const ROOT = new URL("../", import.meta.url).pathname;
const TRACES = process.env.BENCH_TRACES ?? `${ROOT}../shared/traces/norm`;
const CUTS = Number(process.env.BENCH_CUTS ?? 48);
const HISTORIES: readonly { label: string; seconds: number }[] = [
  { label: "1 h", seconds: 3600 },
  { label: "6 h", seconds: 6 * 3600 },
  { label: "24 h", seconds: 86_400 },
  { label: "7 days", seconds: 7 * 86_400 },
];
const HORIZON_SECONDS = 3600;
const Q = 0.9;
const FORESIGHT = "foresight";
const SN_ALL = "seasonal_naive*";

type Sums = Map<string, ScoreSums>;

async function main(): Promise<void> {
  const started = performance.now();
  const { tf, backend } = await loadTensorflow({ prefer: "wasm" });
  const global = new GlobalModel(
    tf,
    await loadGlobalNetwork(tf, process.env.BENCH_GLOBAL_DIR ?? pretrainedGlobalDir()),
  );
  const models: Model[] = defaultModels({ global });
  const seasonalAll = new SeasonalNaiveModel();
  const columns = [...models.map((m) => m.name), SN_ALL, FORESIGHT];
  const { traces, skipped } = loadSplitTraces(TRACES);
  // results[history][trace] = per-model sums
  const results = new Map<string, Map<string, Sums>>(HISTORIES.map((h) => [h.label, new Map()]));
  // Per trace, from its training part: the same for every model and history length.
  const scales = new Map<string, number>();
  const served = new Map<string, Map<string, number>>(HISTORIES.map((h) => [h.label, new Map()]));
  for (const trace of traces) {
    const { series, trainEnd } = trace;
    const step = series.stepSeconds;
    const stepMs = step * 1000;
    const h = Math.max(1, Math.round(HORIZON_SECONDS / step));
    const scale = naiveScale(series.values.subarray(0, trainEnd), step);
    const last = series.values.length - h;
    const every = Math.max(h, Math.floor((last - trainEnd) / CUTS));
    for (let cut = trainEnd; cut <= last; cut += every) {
      const actual = series.values.subarray(cut, cut + h);
      const slice = (from: number): Series => ({
        startMs: series.startMs + from * stepMs,
        stepSeconds: step,
        values: series.values.slice(from, cut),
      });
      const all = slice(0);
      const snAll = seasonalAll.readiness(all).ready
        ? (await seasonalAll.fit(all)).forecast(h, [0.5, Q])
        : undefined;
      for (const { label, seconds } of HISTORIES) {
        const steps = Math.round(seconds / step);
        if (cut - steps < 0) continue;
        const history = slice(cut - steps);
        const forecasts = new Map<string, ForecastResult | undefined>();
        for (const m of models) {
          forecasts.set(
            m.name,
            m.readiness(history).ready ? (await m.fit(history)).forecast(h, [0.5, Q]) : undefined,
          );
        }
        forecasts.set(SN_ALL, snAll);
        const product = await forecastSeries(history, { models, horizonSteps: h, quantiles: [0.5, Q] });
        forecasts.set(FORESIGHT, product.notReady ? undefined : product.forecast);
        const byModel = served.get(label) as Map<string, number>;
        // Blends are counted together: which members varies from cut to cut.
        const kind = product.model.startsWith("ensemble(")
          ? "an ensemble"
          : product.model || "nothing (not ready)";
        byModel.set(kind, (byModel.get(kind) ?? 0) + 1);
        const perTrace = results.get(label) as Map<string, Sums>;
        const sums = perTrace.get(trace.name) ?? new Map<string, ScoreSums>();
        perTrace.set(trace.name, sums);
        for (const [name, f] of forecasts) {
          if (!f) continue;
          const s = sums.get(name) ?? emptySums();
          sums.set(name, s);
          addWindow(s, actual, f.mean, new Map([[Q, f.quantiles.get(Q) as Float64Array]]));
        }
      }
    }
    scales.set(trace.name, scale);
    process.stderr.write(`coldstart: ${trace.name} done\n`);
  }
  const minutes = (performance.now() - started) / 60_000;

  const score = (s: ScoreSums | undefined, trace: string) => {
    if (!s || s.n === 0) return undefined;
    const f = finishScores(s, scales.get(trace) as number);
    return { sp: f.scaledPinball.get(Q) as number, cov: f.coverage.get(Q) as number };
  };
  const fmt = (x: { sp: number; cov: number } | undefined) =>
    x ? `${x.sp.toFixed(3)} / ${x.cov.toFixed(2)}` : "n/a";
  const means = new Map<string, Map<string, { sp: number; cov: number } | undefined>>();
  const lines: string[] = [];
  for (const { label } of HISTORIES) {
    const perTrace = results.get(label) as Map<string, Sums>;
    const mean = new Map<string, { sp: number; cov: number } | undefined>();
    for (const c of columns) {
      const xs = [...perTrace].map(([name, sums]) => score(sums.get(c), name));
      // A mean only over traces where the model forecast every cut scored; else not comparable.
      mean.set(
        c,
        xs.every((x) => x !== undefined) && xs.length > 0
          ? {
              sp: xs.reduce((a, x) => a + (x?.sp ?? 0), 0) / xs.length,
              cov: xs.reduce((a, x) => a + (x?.cov ?? 0), 0) / xs.length,
            }
          : undefined,
      );
    }
    means.set(label, mean);
    const servedBy = [...(served.get(label) as Map<string, number>)]
      .sort((a, b) => b[1] - a[1])
      .map(([m, n]) => `${m} ${n}`)
      .join(", ");
    lines.push(
      `**${label} of history** (foresight served, cuts: ${servedBy})`,
      "",
      `| trace | ${columns.join(" | ")} |`,
      `|---|${columns.map(() => "---:").join("|")}|`,
      ...[...perTrace].map(
        ([name, sums]) => `| ${name} | ${columns.map((c) => fmt(score(sums.get(c), name))).join(" | ")} |`,
      ),
      `| **mean** | ${columns.map((c) => fmt(mean.get(c))).join(" | ")} |`,
      "",
    );
  }

  const missed: string[] = [];
  for (const label of ["1 h", "6 h"]) {
    const m = means.get(label) as Map<string, { sp: number; cov: number } | undefined>;
    const g = m.get("global")?.sp ?? Number.NaN;
    for (const other of ["naive", SN_ALL]) {
      const o = m.get(other)?.sp ?? Number.NaN;
      if (!(g < o)) missed.push(`${label}: global ${g.toFixed(3)} does not beat ${other} ${o.toFixed(3)}`);
    }
  }
  const week = means.get("7 days") as Map<string, { sp: number; cov: number } | undefined>;
  const singles = models.map((m) => [m.name, week.get(m.name)?.sp ?? Number.NaN] as const);
  const best = singles.reduce((a, b) => (b[1] < a[1] ? b : a));
  const product = week.get(FORESIGHT)?.sp ?? Number.NaN;
  if (!(product <= best[1]))
    missed.push(
      `7 days: foresight ${product.toFixed(3)} is worse than its best single model ${best[0]} ${best[1].toFixed(3)}`,
    );

  const section = [
    "## Cold start: forecasts from 1 h to 7 days of history (`npm run bench:coldstart`)",
    "",
    `Run ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${machineLine(`TensorFlow.js ${backend}`)}; whole run ${minutes.toFixed(1)} min.`,
    "",
    "Each trace of at least 2 days (prepared at a 5-minute step, or its own coarser one) is cut at up to",
    `${CUTS + 1} points spread over its last 40%, the part the pretrained global network (models/global) never saw: it`,
    "was trained on the first 60% of every trace only (models/global/TRAINING.json). At each cut every model gets 1 h, 6 h,",
    "24 h or 7 days of history before it and forecasts the next hour. Cells: scaled pinball loss at 0.9 (pinball ÷ the",
    "in-sample MAE of seasonal naive on the trace's training part; lower is better) / coverage of the 0.9 path (share of",
    "actuals at or below it; 0.90 is calibrated). `seasonal_naive` gets the same history (n/a: not ready, it needs 2 days);",
    "`seasonal_naive*` gets all the history before the cut, a stronger reference than a new target could have.",
    "`foresight` is what the engine serves at that history length (forecastSeries over every ready candidate except the",
    "per-series `neural` model, left out for time). Means are over traces, each trace weighted equally. Targets: global",
    "beats naive and seasonal_naive* at 1 h and 6 h; foresight no worse than its best single model at 7 days.",
    skipped.length > 0 ? `\nLeft out: ${skipped.map((s) => `${s.name} (${s.reason})`).join(", ")}.` : "",
    "",
    ...lines,
    missed.length === 0 ? "All targets met." : `Targets missed:\n\n${missed.map((m) => `- ${m}`).join("\n")}`,
  ].join("\n");
  recordSection("coldstart", section);
  process.stdout.write(`${section}\n`);
  exitOnMissed("coldstart", missed);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:coldstart failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
