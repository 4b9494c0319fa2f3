/**
 * `npm run bench:forecast`: `foresight bench forecast` over the shared real traces with a 1 h
 * horizon (BENCH_TRACES overrides the directory), its table written into docs/benchmarks.md
 * between the bench:forecast markers, with the machine, the date and the run time.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { runBenchForecast } from "../src/cli/benchForecast.js";

const ROOT = new URL("../", import.meta.url).pathname;
const TRACES = process.env.BENCH_TRACES ?? join(ROOT, "../shared/traces/norm");
const HORIZON = process.env.BENCH_HORIZON ?? "1h";

function record(section: string): void {
  const file = join(ROOT, "docs/benchmarks.md");
  const start = "<!-- bench:forecast:start -->";
  const end = "<!-- bench:forecast:end -->";
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    text =
      "# Benchmarks\n\nEach benchmark writes its own section here; rerun with the npm script named in it.\n";
  }
  const block = `${start}\n${section}\n${end}`;
  const at = text.indexOf(start);
  const stop = text.indexOf(end);
  text =
    at >= 0 && stop > at
      ? text.slice(0, at) + block + text.slice(stop + end.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
}

async function main(): Promise<void> {
  const json = join(tmpdir(), "foresight-bench-forecast.json");
  const result = await runBenchForecast({ data: [TRACES], horizon: HORIZON, json }, process.stderr);
  const minutes = result.seconds / 60;
  const section = [
    "## Forecasting: rolling-origin backtest on real traces (`npm run bench:forecast`)",
    "",
    `Run ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node.js ${process.version}; ` +
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
  record(section);
  process.stdout.write(`${section}\n\nJSON: ${json}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:forecast failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
