import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBenchForecast } from "../src/cli/benchForecast.js";
import { machineLine, recordSection } from "./record.js";

const ROOT = new URL("../", import.meta.url).pathname;
const TRACES = process.env.BENCH_TRACES ?? join(ROOT, "../shared/traces/norm");
const HORIZON = process.env.BENCH_HORIZON ?? "1h";

async function main(): Promise<void> {
  const json = join(tmpdir(), "foresight-bench-forecast.json");
  const result = await runBenchForecast({ data: [TRACES], horizon: HORIZON, json }, process.stderr);
  const minutes = result.seconds / 60;
  const section = [
    "## Forecasting: rolling-origin backtest on real traces (`npm run bench:forecast`)",
    "",
    `Run ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${machineLine()}; ` +
      `whole run ${minutes.toFixed(1)} min (target < 15 min: ${minutes < 15 ? "met" : "NOT met"}).`,
    "",
    `\`foresight bench forecast --data ../shared/traces/norm --horizon ${HORIZON}\`: for each series of at least 2,000 points, an origin every`,
    "horizon over its last 20%, each model fitted only on the data before the origin (models that take more than 50 ms to fit are",
    "refit at most once per day of series time and forecast over the longer lead time in between), quantiles 0.1/0.5/0.9. Scaled",
    "pinball = pinball loss ÷ the in-sample MAE of seasonal naive (one-day lag) before the first scored origin; coverage 0.9 = share of",
    "actuals at or below the 0.9 path. `foresight` is what the product serves: at each origin, the model or inverse-loss ensemble with",
    "the lowest calibrated scaled pinball over the previous 48 windows, conformally calibrated on them (48 warm-up windows precede the",
    "scored part). Masked outage points (zero runs in busy periods) are not scored.",
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
