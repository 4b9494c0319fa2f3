/**
 * What splitting a range query costs (src/metrics/rangeSplit.ts): 14 days of a 15-second series in
 * a real Prometheus 2.42 and a real VictoriaMetrics 1.79, read as `sum(load)` at a 60 s step
 * (20,161 points) through the source `foresight serve` builds, with `prometheus.maxPointsPerQuery`
 * from 1,000 to 30,000 (Prometheus refuses more than 11,000: there the read is halved on the refusal).
 * Median of 7 reads each, after one warm-up read. Writes its table into docs/benchmarks.md.
 *
 *   node --import tsx bench/rangeSplit.ts
 */
import { existsSync } from "node:fs";
import { prometheusSchema } from "../src/config/schema.js";
import { decorateSource } from "../src/metrics/decorate.js";
import { PrometheusSource } from "../src/metrics/prometheusSource.js";
import { backfill, openMetricsSeries } from "../test/harness/backfill.js";
import { startPrometheus } from "../test/harness/prometheus.js";
import { startVictoriaMetrics, VICTORIA_METRICS_BINARY } from "../test/harness/victoriaMetrics.js";
import { prometheusVersion } from "./gpuFleet.js";
import { machineLine, recordSection } from "./record.js";

const DAY_MS = 86_400_000;
const RUNS = 7;
const STEP_SECONDS = 60;
const SIZES = [1_000, 2_500, 5_000, 11_000, 30_000];

interface Row {
  readonly server: string;
  readonly maxPoints: number;
  readonly queries: number;
  readonly medianMs: number;
  readonly points: number;
}

async function measure(server: string, url: string, from: Date, to: Date): Promise<Row[]> {
  const rows: Row[] = [];
  for (const maxPoints of SIZES) {
    let queries = 0;
    const config = prometheusSchema.parse({ url, timeout: "60s", maxPointsPerQuery: maxPoints });
    const source = decorateSource(new PrometheusSource({ config }), config, { onSplit: () => queries++ });
    const times: number[] = [];
    let points = 0;
    try {
      for (let run = 0; run <= RUNS; run++) {
        queries = 1;
        const started = performance.now();
        const series = await source.range("sum(load)", from, to, STEP_SECONDS);
        if (run > 0) times.push(performance.now() - started);
        points = series[0]?.points.length ?? 0;
      }
    } catch (err) {
      process.stderr.write(`${server} at ${maxPoints} points: ${(err as Error).message.slice(0, 200)}\n`);
      continue;
    }
    times.sort((a, b) => a - b);
    rows.push({
      server,
      maxPoints,
      queries,
      medianMs: times[Math.floor(times.length / 2)] ?? Number.NaN,
      points,
    });
  }
  return rows;
}

async function main(): Promise<void> {
  const endMs = Math.floor((Date.now() - 120_000) / 60_000) * 60_000;
  const samples: [number, number][] = [];
  for (let t = endMs - 14 * DAY_MS; t <= endMs; t += 15_000) samples.push([t, 100 + Math.sin(t / 3_600_000)]);
  const series = [{ labels: { __name__: "load", app: "web" }, samples }];
  const [from, to] = [new Date(endMs - 14 * DAY_MS), new Date(endMs)];
  const rows: Row[] = [];

  const prom = await startPrometheus({ scrapeTargets: [] });
  try {
    await backfill(prom, openMetricsSeries(series));
    await prom.waitForSeries("load", 1, 60_000);
    rows.push(...(await measure("Prometheus", prom.url, from, to)));
  } finally {
    await prom.close();
  }
  let vmNote = "";
  if (existsSync(VICTORIA_METRICS_BINARY)) {
    const vm = await startVictoriaMetrics();
    try {
      await vm.importSeries(series);
      rows.push(...(await measure("VictoriaMetrics", vm.url, from, to)));
    } finally {
      await vm.close();
    }
  } else vmNote = `\n${VICTORIA_METRICS_BINARY} is not installed: VictoriaMetrics not measured.\n`;

  const table = [
    "| server | maxPointsPerQuery | queries | points | median read (ms) | vs. the fewest queries |",
    "|---|---:|---:|---:|---:|---:|",
    ...rows.map((r) => {
      const fewest = rows
        .filter((o) => o.server === r.server)
        .reduce((a, b) => (b.queries < a.queries ? b : a));
      return `| ${r.server} | ${r.maxPoints.toLocaleString("en")} | ${r.queries} | ${r.points.toLocaleString("en")} | ${r.medianMs.toFixed(1)} | ${(r.medianMs / fewest.medianMs).toFixed(2)}× |`;
    }),
  ].join("\n");
  const section = [
    "## Range queries split to fit the server's limits (`node --import tsx bench/rangeSplit.ts`)",
    "",
    `${machineLine(prometheusVersion())}; ${new Date().toISOString().slice(0, 10)}.`,
    "",
    `14 days of one 15-second series read as \`sum(load)\` at a 60 s step (20,161 points per series) through the source \`foresight serve\` builds, chunks one after the other; median of ${RUNS} reads after a warm-up. Prometheus refuses more than 11,000 points: at 30,000 its first query is refused and the range halved (the refused query is counted).`,
    vmNote,
    table,
  ].join("\n");
  recordSection("range-split", section);
  process.stdout.write(`${section}\n`);
}

await main();
