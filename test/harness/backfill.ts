/**
 * Puts history into a test Prometheus: writes OpenMetrics text, turns it into TSDB blocks with
 * `promtool tsdb create-blocks-from openmetrics`, and restarts Prometheus on its data dir so it
 * loads them. For tests that need days of data (forecasting) without days of scraping.
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { TestPrometheus } from "./prometheus.js";

const run = promisify(execFile);

export interface GaugeSample {
  /** Unix milliseconds. */
  readonly timestampMs: number;
  readonly value: number;
}

/** OpenMetrics text of one gauge series (timestamps in seconds, ascending), ending in `# EOF`. */
export function openMetricsGauge(
  name: string,
  labels: Readonly<Record<string, string>>,
  samples: readonly GaugeSample[],
): string {
  const series = seriesId(name, labels);
  const lines = [`# TYPE ${name} gauge`];
  for (const s of samples) lines.push(`${series} ${s.value} ${(s.timestampMs / 1000).toFixed(3)}`);
  lines.push("# EOF", "");
  return lines.join("\n");
}

/**
 * OpenMetrics text of any series (`__name__` names each; untyped families; timestamps in seconds),
 * ending in `# EOF`. Samples of one series must be ascending.
 */
export function openMetricsSeries(
  series: readonly {
    readonly labels: Readonly<Record<string, string>>;
    readonly samples: ReadonlyArray<readonly [number, number]>;
  }[],
): string {
  const byName = new Map<string, (typeof series)[number][]>();
  for (const s of series) {
    const name = s.labels.__name__;
    if (name === undefined) throw new Error(`series ${JSON.stringify(s.labels)} has no __name__`);
    byName.set(name, [...(byName.get(name) ?? []), s]);
  }
  const lines: string[] = [];
  for (const [name, list] of byName) {
    lines.push(`# TYPE ${name} unknown`);
    for (const s of list) {
      const id = seriesId(name, s.labels);
      for (const [t, v] of s.samples) lines.push(`${id} ${formatValue(v)} ${(t / 1000).toFixed(3)}`);
    }
  }
  lines.push("# EOF", "");
  return lines.join("\n");
}

/**
 * The Prometheus text exposition of any series with millisecond timestamps, as VictoriaMetrics'
 * /api/v1/import/prometheus reads it (`__name__` names each).
 */
export function prometheusTextSeries(
  series: readonly {
    readonly labels: Readonly<Record<string, string>>;
    readonly samples: ReadonlyArray<readonly [number, number]>;
  }[],
): string {
  const lines: string[] = [];
  for (const s of series) {
    const { __name__: name, ...labels } = s.labels;
    if (name === undefined) throw new Error(`series ${JSON.stringify(s.labels)} has no __name__`);
    const id = seriesId(name, labels);
    for (const [t, v] of s.samples) lines.push(`${id} ${formatValue(v)} ${Math.round(t)}`);
  }
  lines.push("");
  return lines.join("\n");
}

/** `name{label="value",…}`, values escaped as the exposition formats want; `__name__` left out. */
function seriesId(name: string, labels: Readonly<Record<string, string>>): string {
  const text = Object.entries(labels)
    .filter(([k]) => k !== "__name__")
    .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`))}"`)
    .join(",");
  return text ? `${name}{${text}}` : name;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

/** Stop `prom`, write `openMetrics` as blocks into its data dir, start it again (same port). */
export async function backfill(
  prom: TestPrometheus,
  openMetrics: string,
  promtool = "/usr/bin/promtool",
): Promise<void> {
  const file = join(prom.dataDir, "..", "backfill.om");
  await writeFile(file, openMetrics);
  await prom.stop();
  try {
    await run(promtool, ["tsdb", "create-blocks-from", "openmetrics", file, prom.dataDir], {
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`promtool could not create blocks: ${e.stderr || e.message}`);
  }
  await prom.start();
}
