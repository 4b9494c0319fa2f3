import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_TUNING, runBenchForecast } from "../src/cli/benchForecast.js";
import { machineLine, recordSection } from "./record.js";

const ROOT = new URL("../", import.meta.url).pathname;
const TRACES = process.env.BENCH_TRACES ?? join(ROOT, "../shared/traces/norm");
const HORIZON = process.env.BENCH_HORIZON ?? "1h";

async function main(): Promise<void> {
  const json = join(tmpdir(), "foresight-bench-forecast.json");
  const result = await runBenchForecast({ data: [TRACES], horizon: HORIZON, json }, process.stderr);
  const minutes = result.seconds / 60;
  const neural = BENCH_TUNING.neural;
  const section = [
    "## Forecasting: rolling-origin backtest on real traces (`npm run bench:forecast`)",
    "",
    `Run ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${machineLine()}; ` +
      `whole run ${minutes.toFixed(1)} min (target < 15 min: ${minutes < 15 ? "met" : "NOT met"}).`,
    "",
    `\`foresight bench forecast --data ../shared/traces/norm --horizon ${HORIZON}\`: for each series of at least 2,000 points, an origin every`,
    "horizon over its last 20%, each model fitted only on the data before the origin, quantiles 0.1/0.5/0.9. How often a model",
    "is refitted is decided by the model, never by wall time: a model that declares its fits cheap is refitted at every origin,",
    "the others once per day of series time and brought up to each origin in between (their `update`: ETS, Theta and ARIMA run",
    "their recursions over the new points), or, lacking one (the neural network among them), forecast from",
    `the last fit over the longer lead, shifted by its mean error over the newest steps. The neural model's training budget is ${neural?.maxTrainSteps} optimizer steps (${neural?.epochs} epochs at most, early`,
    `stopping after ${neural?.patience}); its ${neural?.maxTrainSeconds} s wall-time cap is only a safety net, and a note says if it ended any fit. Scaled pinball =`,
    "pinball loss ÷ the in-sample MAE of seasonal naive (one-day lag) before the first scored origin; coverage 0.9 = share of",
    "actuals at or below the 0.9 path. `foresight` is what the product serves: at each origin, the model or inverse-loss",
    "ensemble with the lowest score over the previous 48 windows, each candidate and ensemble scored calibrated out of sample",
    "(leave one window out), served raw only where that scores lower and its own quantiles cover their levels (48 warm-up windows precede the scored",
    "part). The statsforecast-style models are Foresight's own implementations of what Nixtla's statsforecast ships (`ets`:",
    "AutoETS, `theta`: AutoTheta, `arima`: AutoARIMA, `mstl`: MSTL; docs/forecasting.md says where they differ).",
    "Masked outage points (zero runs in busy periods) are not scored.",
    "",
    result.table,
  ].join("\n");
  recordSection("forecast", section);
  process.stdout.write(`${section}\n\nJSON: ${json}\n`);
  const failures = [
    ...result.failures,
    ...(minutes < 15 ? [] : [`whole run ${minutes.toFixed(1)} min, target < 15 min`]),
  ];
  if (failures.length > 0) {
    process.stderr.write(`bench:forecast fell short:\n${failures.map((f) => `  ${f}\n`).join("")}`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:forecast failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
