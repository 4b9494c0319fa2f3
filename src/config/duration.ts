/**
 * Durations in the Prometheus/Go form used throughout Kubernetes and prometheus-adapter configs:
 * one or more `<number><unit>` parts, units ms, s, m, h, d, w, y (e.g. `90s`, `1m30s`, `1.5h`).
 * Hand-written because `ms` and similar packages do not accept compound values like `1h30m`.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/y;

/** Milliseconds in `text`, or undefined when it is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  if (text === "0") return 0;
  let total = 0;
  let pos = 0;
  PART.lastIndex = 0;
  while (pos < text.length) {
    PART.lastIndex = pos;
    const m = PART.exec(text);
    if (!m) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    pos = PART.lastIndex;
  }
  return pos === 0 ? undefined : total;
}

/** Shortest form of a whole-second duration, e.g. 90_000 → "1m30s". */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  for (const [unit, size] of [
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1_000],
    ["ms", 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
